"""`digitnet tune`'s line per finished trial (stderr not a terminal) when several trials ended
between two looks at the study: each line says how its own trial ended, and the study's status
as that trial's end left it; the last one's is the status after all of them. A real search on
real digits; the study is looked at only once, at the end, so that every trial ends in one
batch."""

from __future__ import annotations

import functools
import re

import pytest

from digitnet import studies, tuning
from digitnet.cli import tune_cmd

pytest.importorskip("optuna")

STATUS = re.compile(r"; (\d+)/(\d+) trials finished \((\d+) pruned\), (\d+) running, "
                    r"(\d+) interrupted(?:; best ([\d.]+)% \(trial (\d+)\))?$")


def test_a_trials_line_says_nothing_of_trials_that_ended_after_it(
        run, train_only_dir, tmp_path, monkeypatch):
    once = functools.partial(tuning.tune, poll_seconds=24 * 3600)  # returns when workers do
    monkeypatch.setattr(tune_cmd, "tune", once)
    r = run("tune", "--data", train_only_dir, "--epochs", "2", "--pruner", "none",
            "--trials", "3", "--jobs", "1", "--out", tmp_path / "best.json")
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if line.startswith("trial ")]
    study = studies.load_study(studies.open_storage(tmp_path / "tune.db", create=False),
                               "digitnet")
    trials = study.get_trials()
    assert len(lines) == len(trials) == 3, r.stderr
    for line, trial in zip(lines, trials):
        assert line.startswith(f"trial {trial.number}: validation accuracy {trial.value:.2%} "
                               "after 2 epochs"), line
        status = STATUS.search(line)
        assert status, line  # what it says of the study is true of it when this trial ended
        assert int(status[1]) <= trial.number + 1, line
        assert status[7] is None or int(status[7]) <= trial.number, line
    # The last line tells how the study stands at the end.
    best = max(trials, key=lambda t: (t.value, -t.number))
    assert lines[-1].endswith(f"; 3/3 trials finished (0 pruned), 0 running, 0 interrupted; "
                              f"best {best.value:.2%} (trial {best.number})"), lines[-1]


def test_trials_that_diverged_say_so_and_so_does_the_end(run, train_only_dir, tmp_path):
    """Learning rates of 1e36 and 1e37 make plain SGD's loss infinite in the first epoch:
    each trial's line says its training diverged (not only that it was pruned), and the
    command ends advising lower learning rates, not more time or trials."""
    path = tmp_path / "space.json"
    path.write_text('{"lr": {"choices": [1e36, 1e37]}}')
    r = run("tune", "--data", train_only_dir, "--epochs", "2", "--pruner", "none",
            "--optimizer", "sgd", "--schedule", "constant", "--space", path,
            "--trials", "2", "--out", tmp_path / "best.json")
    assert r.exit_code == 1, r.output
    trials = studies.load_study(studies.open_storage(tmp_path / "tune.db", create=False),
                                "digitnet").get_trials()
    assert [t.state.name for t in trials] == ["PRUNED"] * 2
    lines = [line for line in r.stderr.splitlines() if line.startswith("trial ")]
    for line, trial in zip(lines, trials, strict=True):
        assert "training diverged in epoch 1" in trial.user_attrs["diverged"]
        assert line.startswith(f"trial {trial.number}: training diverged in epoch 1 (learning "
                               f"rate {trial.params['lr']:g}); pruned"), line
    assert r.stderr.splitlines()[-1] == (
        "digitnet: error: no trial of study 'digitnet' has completed: every one's training "
        "diverged (2 trials); try lower learning rates (a lower --lr, or a lower lr range in "
        "--space)")
