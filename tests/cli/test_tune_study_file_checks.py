"""The SQLite file a study is kept in, checked before it is changed.

- A study in a folder that cannot be written in (a read-only file system) is read by `digitnet
  show search` and by the library, which change nothing there; `digitnet tune`, which writes its
  trials to it, says the folder cannot be written in and to copy the file; a new file there is
  refused as --out refuses one. (Before, all three said "not a SQLite study database (unable to
  open database file)": every opening switched the file to write-ahead logging first.)
- Another program's SQLite database (a table "people") is refused, naming the file and its
  table, and left as it was. (Before, `digitnet tune --storage other.db` added Optuna's 13
  tables to it and switched its journal to write-ahead logging, without a word.)
- A blank --storage is refused as a blank --study is. (Before, it named tune.db beside --out.)

The read-only folder is a read-only bind mount of a folder holding a real study (two trials of
one epoch on scikit-learn's wine table); root's permissions pass any file mode, a mount's
read-only flag stops root too. Mounting needs root: elsewhere those tests are skipped.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from real_data import wine_csv

from digitnet import studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "2"]
READ_ONLY = "Read-only file system"


def _contents(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


@pytest.fixture(scope="module")
def read_only(wine, tmp_path_factory):
    """A folder holding the study "wine" (wine.db, and best.json), mounted read-only: (the
    folder, its best recipe). The study is made by a process of its own, which closes it as a
    search ends: the file alone, in write-ahead-log mode, as the walker had it."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    source, folder = tmp_path_factory.mktemp("study"), tmp_path_factory.mktemp("read-only")
    subprocess.run([sys.executable, "-m", "digitnet", *TUNE, "--data", str(wine), "--storage",
                    str(source / "wine.db"), "--study", "wine", "--out",
                    str(source / "best.json")], check=True, capture_output=True)
    assert sorted(p.name for p in source.iterdir()) == ["best.json", "wine.db"]
    mounted = subprocess.run(["mount", "--bind", str(source), str(folder)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount a folder here: {mounted.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        assert not os.access(folder, os.W_OK)  # (read-only for root too)
        yield folder, json.loads((source / "best.json").read_text())
    finally:
        gc.collect()  # (the storages the tests opened there, closed)
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # (one still open)


def test_a_study_in_a_read_only_folder_is_read_and_left_as_it_is(run, read_only, tmp_path):
    folder, best = read_only
    before = _contents(folder)
    out = tmp_path / "search.png"
    shown = run("show", "search", folder / "wine.db", "--study", "wine", "--out", out)
    assert shown.exit_code == 0, shown.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    study = studies.load_study(studies.open_storage(folder / "wine.db", create=False), "wine")
    assert [r.state for r in studies.records(study)] == ["COMPLETE", "COMPLETE"]
    assert studies.best_config(study).to_dict() == best  # the recipe the search saved
    assert _contents(folder) == before


def test_tune_on_a_study_in_a_read_only_folder_says_to_copy_it(run, read_only, wine, tmp_path,
                                                              one_line):
    folder, _ = read_only
    before = _contents(folder)
    result = run(*TUNE, "--data", wine, "--storage", folder / "wine.db", "--study", "wine",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {folder / 'wine.db'}: its folder {folder} cannot be written in "
        f"({READ_ONLY}), and a search writes its trials to the study; copy the file to a "
        "folder you can write in and give --storage the copy")
    assert _contents(folder) == before and not (tmp_path / "best.json").exists()


def test_a_new_study_in_a_read_only_folder_is_refused_as_out_refuses_it(run, read_only, wine,
                                                                         tmp_path, one_line):
    folder, _ = read_only
    result = run(*TUNE, "--data", wine, "--storage", folder / "new.db", "--out",
                 tmp_path / "best.json")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (f"digitnet: error: {folder / 'new.db'}: cannot write in "
                                       f"folder {folder} ({READ_ONLY}); choose another place")
    with pytest.raises(ConfigError, match="cannot write in folder"):
        studies.open_storage(folder / "new.db")


@pytest.fixture
def other(tmp_path):
    """Another program's SQLite database: a table "people" of one row."""
    path = tmp_path / "bad" / "other.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (name TEXT)")
        db.execute("INSERT INTO people VALUES ('Ann')")
    return path


def test_another_programs_database_is_refused_and_left_as_it_was(run, wine, other, one_line):
    before = _contents(other.parent)
    result = run(*TUNE, "--data", wine, "--storage", other, "--out", other.parent / "best.json")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {other}: is another program's database (it holds the table people, "
        "which no study has); a study keeps a file of its own: give --storage a new file name")
    shown = run("show", "search", other, "--out", other.parent / "search.png")
    assert shown.exit_code == 1
    assert one_line(shown.stderr).endswith(
        "which no study has); name a study database that digitnet tune made")
    assert _contents(other.parent) == before  # no table added, no log beside it
    with sqlite3.connect(other) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("people",)]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_storage_is_refused(run, blank, tmp_path, one_line, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (where a blank name would have put its file)
    result = run(*TUNE, "--storage", blank, "--out", tmp_path / "best.json")
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: Invalid value for '--storage': {blank!r} names no database; give a "
        "file such as tune.db or a postgresql:// URL, or leave --storage out for tune.db beside "
        "--out; see digitnet tune --help")
    assert not list(tmp_path.iterdir())
    with pytest.raises(ConfigError, match="names no study database"):
        studies.open_storage(blank)
