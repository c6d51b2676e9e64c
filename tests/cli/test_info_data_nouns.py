"""``digitnet info`` counts a model's training data in the words of what the model reads, as the
notebook's summary of the same model does: images, rows of a table, recordings (it said
"examples" of every kind). Real data: MNIST digits, scikit-learn's wine table, FSDD recordings."""

from __future__ import annotations

import html
import os
import re
import shutil

import pytest
from real_data import wine_csv

import digitnet
from digitnet.notebook.summaries import network_html


def data_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("  data        "))


def summary_data(model) -> str:
    """The "data" row of the notebook's summary of ``model``."""
    found = re.search(r"<th[^>]*>data</th><td[^>]*>(.*?)</td>", network_html(digitnet.load(model)))
    return html.unescape(found[1])


@pytest.fixture(scope="module")
def table_model(run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wine")
    out = folder / "wine.safetensors"
    result = run("train", "--data", wine_csv(folder / "wine.csv"), "--epochs", "2", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def recordings_model(run, spoken_digits, tmp_path_factory):
    """A model trained for one epoch on 100 real recordings in class folders."""
    folder = tmp_path_factory.mktemp("voices") / "digits"
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for speaker in ("george", "lucas"):
            for i in range(5, 10):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder / str(digit))
    out = folder.parent / "voice.safetensors"
    result = run("train", "--data", folder, "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("which, noun, n", [("images", "images", 2999), ("table", "rows", 178),
                                            ("recordings", "recordings", 100)])
def test_info_counts_the_data_as_the_notebook_does(run, trained, table_model, recordings_model,
                                                   which, noun, n):
    model = {"images": trained[0], "table": table_model, "recordings": recordings_model}[which]
    line = data_line(run("info", model).stdout)
    data = digitnet.load(model).metadata["data"]["train"]
    # named from the working folder, or the root, as words.data_name names it: the same folder
    name = digitnet.words.data_name(data["name"])
    assert os.path.samefile(name, data["name"])
    assert data["n"] == n  # (the digits' folder holds 2,999 of a stratified draw of 3,000)
    assert line.startswith(f"  data        {name} ({n:,} {noun})")
    assert "examples" not in line
    assert summary_data(model) == f"{name} ({n:,} {noun})"  # the notebook's words, the same
