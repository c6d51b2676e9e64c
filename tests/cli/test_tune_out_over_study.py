"""`digitnet tune --out` naming the study's own SQLite file (the default tune.db beside --out,
or the --storage file) is refused before anything runs: the best recipe would replace the
study. (Before, `--out tune.db` searched, then wrote the recipe's JSON over the database.)"""

from __future__ import annotations

import hashlib

import pytest
from real_data import wine_csv

from digitnet import studies

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "1", "--target", "cultivar"]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("storage, out, named", [
    (None, "tune.db", "the study database (tune.db beside --out)"),
    ("study.db", "study.db", "the study database --storage names"),
    ("sqlite:///{folder}/study.db", "study.db", "the study database --storage names"),
])
def test_out_naming_the_study_file_is_refused_and_the_study_kept(run, one_line, tmp_path,
                                                                 storage, out, named):
    table = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    database = tmp_path / ("tune.db" if storage is None else "study.db")  # beside --out
    where = [] if storage is None else ["--storage", storage.format(folder=tmp_path)
                                        if "{" in storage else tmp_path / storage]
    first = run(*TUNE, "--data", table, *where, "--out", tmp_path / "best.json")
    assert first.exit_code == 0, first.output
    before = _digest(database)

    result = run(*TUNE, "--data", table, *where, "--out", tmp_path / out)
    assert result.exit_code == 2, result.output
    assert (f"--out {tmp_path / out}: is {named}; saving there would replace it: give --out "
            "another file name") in one_line(result.stderr)
    assert _digest(database) == before
    study = studies.load_study(studies.open_storage(database, create=False), "digitnet")
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"]
