"""`digitnet tune` checks a --space file against the base recipe and the data before its study
exists: a space that could only fail at a trial is one line from --show-space as from the run,
and the study's name stays free for the corrected space. Real data: scikit-learn's wine table
as a CSV, and FSDD's recordings of spoken digits.
"""

from __future__ import annotations

import json
import shutil

import pytest
from real_data import wine_csv

TUNE = ["tune", "--epochs", "2", "--pruner", "none", "--trials", "1"]


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


def test_cut_on_a_table_is_refused_before_the_study_and_its_name_stays_free(run, wine, tmp_path,
                                                                          one_line):
    """The walk: --show-space accepted it, and trial 0 stopped the run saying to give copies,
    which a table cannot have; the study then kept the space under its name."""
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"cut": {"low": 0.0, "high": 0.3}}))
    expected = (f"digitnet: error: {path}: cut: cut alters copies of recordings, and {wine} "
                "holds none; leave cut out of the search space")
    shown = run("tune", "--data", wine, "--space", path, "--show-space")
    assert shown.exit_code == 1 and one_line(shown.stderr) == expected
    result = run(*TUNE, "--data", wine, "--space", path, "--out", tmp_path / "best.json")
    assert result.exit_code == 1 and one_line(result.stderr) == expected
    path.write_text(json.dumps({"lr": {"low": 0.001, "high": 0.1, "log": True}}))
    again = run(*TUNE, "--data", wine, "--space", path, "--out", tmp_path / "best.json")
    assert again.exit_code == 0, again.output


def test_a_teacher_file_that_is_missing_is_refused_by_show_space(run, wine, tmp_path, one_line):
    missing = tmp_path / "nonexist.safetensors"
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"teacher": {"choices": [None, str(missing)]}}))
    shown = run("tune", "--data", wine, "--space", path, "--show-space")
    assert shown.exit_code == 1
    assert one_line(shown.stderr) == (
        f"digitnet: error: {path}: teacher: a trial could draw teacher {missing}, which cannot "
        f"train: {missing}: no such file; train one with `digitnet train --out {missing}`")


def test_cut_recordings_without_copies_are_refused_by_show_space(run, spoken_digits, tmp_path,
                                                                 one_line):
    folder = tmp_path / "voices"
    folder.mkdir()
    for digit in range(10):
        shutil.copy(spoken_digits / f"{digit}_jackson_5.wav", folder)
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"copies": {"choices": [0, 4]}, "cut": {"low": 0.0, "high": 0.3}}))
    shown = run("tune", "--data", folder, "--space", path, "--show-space")
    assert shown.exit_code == 1
    assert one_line(shown.stderr) == (
        f"digitnet: error: {path}: copies and cut: a trial could draw copies 0 with cut 0.3, "
        "which cannot train: cut alters copies of the training recordings; give copies=N "
        "(--copies N), or turn it off: cut=0 (--cut 0)")
    path.write_text(json.dumps({"copies": {"choices": [0, 4]},
                                "cut": {"low": 0.0, "high": 0.3, "when": {"copies": 4}}}))
    assert run("tune", "--data", folder, "--space", path, "--show-space").exit_code == 0
