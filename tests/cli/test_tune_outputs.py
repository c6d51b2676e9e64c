"""``digitnet tune --out``: the best recipe is written after minutes of search, so its file is
checked before anything is searched: never a file the search reads (the table, --config,
--space), never a read-only file. (Before, the table was replaced by the recipe, exit 0.)"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest

from real_data import wine_csv

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "1"]


@pytest.fixture
def files(tmp_path):
    table = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    config = tmp_path / "recipe.json"
    config.write_text(json.dumps({"batch_size": 16}))
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"lr": {"low": 0.01, "high": 0.1, "log": True}}))
    return {"--data": table, "--config": config, "--space": space}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("option, read", [
    ("--data", "is the file --data reads"),
    ("--config", "is the file of training options --config reads"),
    ("--space", "is the search space --space reads"),
])
def test_out_naming_a_file_the_search_reads_is_refused_first(run, files, one_line, tmp_path,
                                                            option, read):
    before = {name: _digest(path) for name, path in files.items()}
    given = [arg for name, path in files.items() for arg in (name, path)]
    result = run(*TUNE, *given, "--target", "cultivar", "--out", files[option])
    assert result.exit_code == 2, result.output
    assert f"--out {files[option]}: {read}; saving there would replace it" in one_line(
        result.stderr)
    assert {name: _digest(path) for name, path in files.items()} == before
    assert not (tmp_path / "tune.db").exists()  # refused before the study was opened


def test_a_read_only_out_is_refused_before_the_search(run, files, one_line, tmp_path):
    out = tmp_path / "best.json"
    out.write_text("{}")
    os.chmod(out, 0o444)
    result = run(*TUNE, "--data", files["--data"], "--target", "cultivar", "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr).endswith(f"{out}: is read-only; make it writable (chmod u+w "
                                            f"{out}) or choose another file")
    assert out.read_text() == "{}" and not (tmp_path / "tune.db").exists()


def test_a_trial_of_one_epoch_is_said_in_the_singular(run, files, tmp_path):
    result = run(*TUNE, "--data", files["--data"], "--target", "cultivar",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert "trial 0: validation accuracy " in result.stderr
    assert " after 1 epoch;" in result.stderr or " after 1 epoch\n" in result.stderr
    assert "1 epochs" not in result.stderr  # (said "after 1 epochs")


def test_a_search_ended_by_its_timeout_says_so_and_how_to_go_on(run, files, tmp_path):
    """--timeout ends the search with trials left (it ended at '2/1000 trials finished', exit 0,
    without a word on why or what next). 10 s: a trial takes about 0.1 s here, so trials are left
    of the 1000, and one finishes within it even on a machine busy with other work (3 s did not,
    once, beside a second test run)."""
    result = run("tune", "--epochs", "1", "--pruner", "none", "--trials", "1000", "--timeout", "10",
                 "--data", files["--data"], "--target", "cultivar", "--out", tmp_path / "b.json")
    assert result.exit_code == 0, result.output
    done = re.search(r"--timeout 10: no trial started after it, so the study has (\d+) of its "
                     r"1000 trials; the same command goes on with the others\n", result.stderr)
    assert done and 1 <= int(done.group(1)) < 1000, result.stderr


def test_the_same_search_again_says_none_was_run_and_how_to_search_on(run, files, tmp_path):
    """A study that has its --trials already: the command again runs none and says so (before,
    it said "searching ...; 2 trials" and printed the table, as if it had searched)."""
    command = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "2", "--data",
               files["--data"], "--target", "cultivar", "--out", tmp_path / "b.json"]
    first = run(*command)
    assert first.exit_code == 0, first.output
    said = "Study 'digitnet' already had its 2 trials, so none was run; give --trials more "
    assert said not in first.stderr
    again = run(*command)
    assert again.exit_code == 0, again.output
    assert f"{said}than 2 to search on\n" in again.stderr
    assert "Saved the best recipe" in again.stdout  # (the best of the study, as before)
