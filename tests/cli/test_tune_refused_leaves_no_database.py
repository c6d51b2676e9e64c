"""A `digitnet tune` refused before its study is made (data missing or refused, a bad
--target, --val-speaker on data without speakers, nothing left to search) leaves no study
database behind: the SQLite file it made is removed again. (Before, an empty tune.db of
114,688 bytes with no study stayed beside --out.) A database that was there, a study in it,
is kept as it was."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image
from real_data import wine_csv

from digitnet import studies

pytest.importorskip("optuna")


@pytest.fixture
def files(tmp_path, mnist):
    """The wine table, a folder of real 7s only, a space that searches only lr."""
    one = tmp_path / "sevens" / "7"
    one.mkdir(parents=True)
    for i in np.flatnonzero(mnist.labels == 7)[:30]:
        Image.fromarray(mnist.x[i]).save(one / f"{i}.png")
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"lr": {"low": 0.01, "high": 0.1, "log": True}}))
    return {"wine": wine_csv(tmp_path / "wine.csv", target="cultivar", first=True),
            "sevens": one.parent, "space": space}


REFUSED = {
    "no such data": (["--data", "{folder}/nosuch"], "is neither a known dataset"),
    "no such column": (["--data", "{wine}", "--target", "nope"], "no column 'nope'"),
    "one class": (["--data", "{sevens}"], "of one class only"),
    "no speakers": (["--data", "{wine}", "--target", "cultivar", "--val-speaker", "george"],
                    "does not say who spoke each example"),
    "nothing to search": (["--data", "{wine}", "--target", "cultivar", "--space", "{space}",
                           "--lr", "0.01"], "nothing is left to search"),
}


def _args(args, files, folder):
    return [a.format(folder=folder, **files) for a in args]


@pytest.mark.parametrize("case", list(REFUSED))
@pytest.mark.parametrize("storage", [None, "own.db"])
def test_a_refused_tune_makes_no_database(run, files, one_line, tmp_path, case, storage):
    args, said = REFUSED[case]
    out = tmp_path / "t9"
    out.mkdir()
    where = [] if storage is None else ["--storage", out / storage]
    result = run("tune", "--trials", "1", "--epochs", "1", *_args(args, files, tmp_path),
                 *where, "--out", out / "x.json")
    assert result.exit_code == 1, result.output
    assert said in one_line(result.stderr)
    assert sorted(p.name for p in out.iterdir()) == []  # no tune.db, no -wal, -shm


def test_a_refusal_keeps_a_database_that_was_there(run, files, one_line, tmp_path):
    out = tmp_path / "best.json"
    tune = ["tune", "--trials", "1", "--epochs", "1", "--pruner", "none", "--out", out]
    first = run(*tune, "--data", files["wine"], "--target", "cultivar")
    assert first.exit_code == 0, first.output
    database = tmp_path / "tune.db"
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    again = run(*tune, "--data", files["wine"], "--target", "nope")
    assert again.exit_code == 1 and "no column 'nope'" in one_line(again.stderr)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    study = studies.load_study(studies.open_storage(database, create=False), "digitnet")
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"]

