"""A study is continued on the same data under any file name: a renamed copy of its CSV table
(the same SHA-256) is its data, as a copied IDX folder is; other rows are refused.

Real searches of scikit-learn's wine table, one or two trials of two epochs each.
"""

from __future__ import annotations

import shutil

from real_data import sklearn_table, wine_csv, write_csv

from digitnet import studies

TUNE = ["tune", "--epochs", "2", "--pruner", "none"]


def _states(storage) -> list[str]:
    study = studies.load_study(studies.open_storage(storage, create=False), "digitnet")
    return [t.state.name for t in study.get_trials()]


def test_a_renamed_copy_of_the_table_continues_its_study(run, tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    storage = tmp_path / "tune.db"
    first = run(*TUNE, "--data", table, "--trials", "1", "--storage", storage,
                "--out", tmp_path / "best.json")
    assert first.exit_code == 0, first.output
    copy = shutil.copyfile(table, tmp_path / "wine2.csv")  # as on another machine, say
    again = run(*TUNE, "--data", copy, "--trials", "2", "--storage", storage,
                "--out", tmp_path / "best.json")
    assert again.exit_code == 0, again.output
    assert _states(storage) == ["COMPLETE", "COMPLETE"]


def test_a_table_of_other_rows_is_still_other_data(run, tmp_path):
    """The same number of wines under the same name, one of them another cultivar."""
    storage = tmp_path / "tune.db"
    first = run(*TUNE, "--data", wine_csv(tmp_path / "wine.csv"), "--trials", "1",
                "--storage", storage, "--out", tmp_path / "best.json")
    assert first.exit_code == 0, first.output
    wine = sklearn_table("wine")
    labels = wine.target_names[wine.target]
    labels[0] = wine.target_names[2]
    (tmp_path / "other").mkdir()
    other = write_csv(tmp_path / "other" / "wine.csv", wine.data, labels, wine.feature_names)
    refused = run(*TUNE, "--data", other, "--trials", "2", "--storage", storage,
                  "--out", tmp_path / "best.json")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "digitnet: error: study 'digitnet' was started with other data (other files); continue "
        "it with the options it was started with, or name a new study with --study")
    assert _states(storage) == ["COMPLETE"]
