"""A model trained on a table named from the working folder (``--data wine.csv``) records it
from the root: from another folder it said the table "is no longer there"."""

from __future__ import annotations

import json

from real_data import wine_csv


def test_a_table_named_from_here_is_found_again_from_another_folder(run, tmp_path,
                                                                    monkeypatch):
    wine_csv(tmp_path / "wine.csv")
    monkeypatch.chdir(tmp_path)
    trained = run("train", "--data", "wine.csv", "--epochs", "3", "--out", "wine.safetensors")
    assert trained.exit_code == 0, trained.output
    info = json.loads(run("info", "wine.safetensors", "--json").stdout)
    assert info["data"]["train"]["name"] == str(tmp_path / "wine.csv")

    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    here = run("evaluate", "../wine.safetensors", "--split", "val")
    assert here.exit_code == 0, here.output
    assert "no longer there" not in here.output
    shown = run("show", "ablation", "../wine.safetensors", "--out", "ablation.png")
    assert shown.exit_code == 0, shown.output
    assert (tmp_path / "elsewhere" / "ablation.png").stat().st_size > 0
