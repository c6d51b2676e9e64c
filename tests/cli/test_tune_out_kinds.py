"""`digitnet tune --out` writes a JSON recipe, so it refuses, before anything is searched (no
study database made), a name whose ending says another kind of file (as `train --out notes.txt`
is refused) and a file there now that holds something else than a recipe; a previous recipe
is replaced. (Before, `--out keep.safetensors` replaced a trained model with the recipe, and
`--out other.db` a study database, `--out w2.csv` a table, `--out space.json` a search space.)"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from real_data import wine_csv

from digitnet.config import PRESETS

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "1", "--target", "cultivar"]


@pytest.fixture
def wine(tmp_path):
    return wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trained(run, wine, path):
    result = run("train", "--data", wine, "--target", "cultivar", "--epochs", "1", "--out", path)
    assert result.exit_code == 0, result.output
    return path


def _refused(run, wine, out, one_line):
    """Run tune with --out ``out`` (in its own folder): refused, with nothing made there."""
    before = _digest(out) if out.exists() else None
    result = run(*TUNE, "--data", wine, "--out", out)
    assert result.exit_code == 1, result.output
    assert (_digest(out) if out.exists() else None) == before
    assert not (out.parent / "tune.db").exists()  # refused before the study was made
    assert "Study " not in result.stderr  # nothing announced, nothing searched
    return one_line(result.stderr)


def test_a_model_is_not_replaced_by_the_recipe(run, wine, one_line, tmp_path):
    (tmp_path / "models").mkdir()
    keep = _trained(run, wine, tmp_path / "models" / "keep.safetensors")
    said = _refused(run, wine, keep, one_line)
    assert said == (f"digitnet: error: {keep}: saving writes a JSON recipe, but .safetensors "
                    f"names a model file; name it {keep.with_suffix('.json')}")


def test_a_study_database_is_not_replaced_by_the_recipe(run, wine, one_line, tmp_path):
    other = tmp_path / "other.db"
    made = run(*TUNE, "--data", wine, "--storage", other, "--out", tmp_path / "best.json")
    assert made.exit_code == 0, made.output
    (tmp_path / "o").mkdir()
    moved = shutil.copy(other, tmp_path / "o" / "other.db")
    said = _refused(run, wine, moved, one_line)
    assert said.endswith("saving writes a JSON recipe, but .db names a database; name it "
                         f"{tmp_path / 'o' / 'other.json'}")


@pytest.mark.parametrize("name, what", [("w2.csv", "a table"), ("notes.txt", "a text file"),
                                        ("net.onnx", "an ONNX model")])
def test_a_name_of_another_kind_is_refused_there_or_not(run, wine, one_line, tmp_path,
                                                         name, what):
    (tmp_path / "o").mkdir()
    out = tmp_path / "o" / name
    if name == "w2.csv":
        shutil.copy(wine, out)
    said = _refused(run, wine, out, one_line)
    assert f"but {out.suffix} names {what}; name it {out.with_suffix('.json')}" in said
    assert name == "w2.csv" or not out.exists()


def test_a_json_file_that_is_not_a_recipe_is_kept(run, wine, one_line, tmp_path):
    (tmp_path / "o").mkdir()
    space = tmp_path / "o" / "space.json"  # a search space: training options' names, not values
    space.write_text(json.dumps({"lr": {"low": 0.01, "high": 0.1, "log": True}}))
    said = _refused(run, wine, space, one_line)
    assert said == (f"digitnet: error: {space}: is not a recipe of training options, and "
                    "saving the best recipe there would replace it; give --out another file "
                    "name, or delete that file first")


def test_a_model_named_without_an_ending_is_kept(run, wine, one_line, tmp_path):
    (tmp_path / "o").mkdir()
    model = _trained(run, wine, tmp_path / "o" / "model.safetensors").rename(
        tmp_path / "o" / "best")
    said = _refused(run, wine, model, one_line)
    assert said.startswith(f"digitnet: error: {model}: is a digitnet model, and saving the "
                           "best recipe there would replace it")


def test_a_previous_recipe_is_replaced(run, wine, tmp_path):
    out = tmp_path / "best.json"
    out.write_text(json.dumps(PRESETS["video"].to_dict(), indent=2))
    result = run(*TUNE, "--data", wine, "--out", out)
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text())
    assert saved["sizes"][0] == 13  # (wine's columns: this search's recipe, not the one there)
