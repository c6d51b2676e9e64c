"""`digitnet tune` counts its trials in words that agree with the count: "1 trial", "2 trials";
"The best trial" heads the table of one, "The best 2 trials" that of two.

Real searches of scikit-learn's wine table, of two epochs a trial.
"""

from __future__ import annotations

import re

import pytest
from real_data import wine_csv

TUNE = ["tune", "--epochs", "2", "--pruner", "none"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


def _started(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if line.startswith("Study ")]
    return line


@pytest.mark.parametrize("trials, count, heading", [
    (1, "1 trial, 1 at a time", "The best trial"),
    (2, "2 trials, 1 at a time", "The best 2 trials"),
])
def test_the_trials_are_counted_in_agreeing_words(run, table, trials, count, heading, tmp_path):
    result = run(*TUNE, "--data", table, "--trials", trials, "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert _started(result.stderr).endswith(f"; {count}")
    (title,) = [line.strip() for line in result.stdout.splitlines()
                if line.strip().startswith("The best")]
    assert title == heading
    assert not re.search(r"(?<!/)\b1 trials\b", result.output)  # (1/1 trials finished: right)


def test_one_diverged_trial_is_one_trial(run, table, tmp_path):
    result = run(*TUNE, "--data", table, "--optimizer", "sgd", "--activation", "relu",
                 "--lr", "1e6", "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 1
    assert "every one's training diverged (1 trial);" in result.stderr.splitlines()[-1]
    assert not re.search(r"(?<!/)\b1 trials\b", result.output)  # (1/1 trials finished: right)
