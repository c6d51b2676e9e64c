"""``digitnet tune`` as a new user walked through it, on the real wine table:

- the same command with fewer --trials than the study has finished says how many it has
  (it said "already had its 2 trials" of a study with 4, and "give --trials more than 2");
- a study continued with another training option is refused before anything is announced
  (it first said "Study 'digitnet' in ...: searching ...; 5 trials, 1 at a time", then refused);
- a --space file naming an unknown option lists the options a search can name, without
  seed, val_fraction and val_group, which are never searched (it offered them).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from real_data import wine_csv

from digitnet.config import TrainConfig

pytestmark = pytest.mark.engine_independent
# what tune says, and when: the same whichever engine trains

NEVER = ("seed", "val_fraction", "val_group")


@pytest.fixture
def wine(tmp_path):
    return wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)


def _tune(wine, folder, *options):
    return ["tune", "--data", wine, "--target", "cultivar", "--pruner", "none",
            "--out", folder / "best.json", *options]


def test_fewer_trials_than_the_study_has_says_the_true_count(run, wine, tmp_path):
    first = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "4"))
    assert first.exit_code == 0, first.output
    again = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "2"))
    assert again.exit_code == 0, again.output
    assert ("Study 'digitnet' already had 4 finished trials, more than the 2 --trials asks "
            "for, so none was run; give --trials more than 4 to search on\n") in again.stderr
    assert "its 2 trials" not in again.stderr and "more than 2 to" not in again.stderr
    assert "Saved the best recipe" in again.stdout


def test_as_many_trials_as_the_study_has_says_its_count_in_the_singular(run, wine, tmp_path):
    first = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "1"))
    assert first.exit_code == 0, first.output
    again = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "1"))
    assert again.exit_code == 0, again.output
    assert ("Study 'digitnet' already had its 1 trial, so none was run; give --trials more "
            "than 1 to search on\n") in again.stderr


def test_a_study_continued_with_another_option_is_refused_before_the_search_is_announced(
        run, wine, tmp_path):
    first = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "1"))
    assert first.exit_code == 0, first.output
    assert first.stderr.startswith("Study 'digitnet' in sqlite:///")
    refusal = ("digitnet: error: study 'digitnet' was started with epochs 2, and this command "
               "gives 3; continue it with the options it was started with, or name a new study "
               "with --study\n")
    other = run(*_tune(wine, tmp_path, "--epochs", "3", "--trials", "5"))
    assert other.exit_code == 1, other.output
    assert "Study 'digitnet' in" not in other.stderr and "searching" not in other.stderr
    assert other.stderr == refusal
    # as a process, with Optuna's own log on the real stderr ("Using an existing study"): the
    # refusal is all it says
    process = subprocess.run([sys.executable, "-m", "digitnet",
                              *map(str, _tune(wine, tmp_path, "--epochs", "3", "--trials", "5"))],
                             check=False, capture_output=True, text=True, timeout=300)
    assert (process.returncode, process.stderr) == (1, refusal)
    same = run(*_tune(wine, tmp_path, "--epochs", "2", "--trials", "2"))  # continued as it was
    assert same.exit_code == 0, same.output
    lines = same.stderr.splitlines()
    assert lines[0].startswith("Study 'digitnet' in sqlite:///")
    assert lines[0].endswith("; 2 trials, 1 at a time")
    assert any(line.startswith("trial 1: validation accuracy ") for line in lines[1:])


def test_an_unknown_option_in_the_space_lists_only_what_can_be_searched(run, wine, tmp_path):
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"learning_rate": {"low": 0.001, "high": 0.1}}))
    result = run(*_tune(wine, tmp_path, "--space", space, "--trials", "1"))
    assert result.exit_code == 1, result.output
    searchable = [field for field in TrainConfig.fields() if field not in NEVER]
    assert result.stderr == (f"digitnet: error: {space}: learning_rate: unknown training option; "
                             f"the options a search space can name are {', '.join(searchable)} "
                             "(seed, val_fraction and val_group are never searched)\n")
    assert not (tmp_path / "tune.db").exists()
