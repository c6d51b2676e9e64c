"""A stop (SIGTERM, as Ctrl-C) that comes after the search's last trial has finished, while its
workers return: the search says that every trial had finished and what is left (showing the
results, saving the best recipe), not "interrupted with 2 of 2 trials finished ... continue";
and the same search again trains no more trials. (At the end of a search with two jobs, the
worker whose trial ended first waits a few seconds before it returns: a stop then is likely.)

The signal is real, sent to this process by the search's own progress report once it counts
every trial finished, while the search takes the signal as digitnet tune does.
"""

from __future__ import annotations

import os
import signal

import pytest

from digitnet import studies
from digitnet.config import TrainConfig
from digitnet.errors import TrainingInterrupted
from digitnet.searchspace import Space
from digitnet.tuning import Progress, Search, tune

pytest.importorskip("optuna")


class _TermWhenAllFinished(Progress):
    """Sends SIGTERM to this process at the first report of every trial finished (if the search
    takes it: else it would end the test run)."""

    def __init__(self):
        self.sent = False

    def on_status(self, status, finished):
        if status.done >= status.target and not self.sent:
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
            self.sent = True
            os.kill(os.getpid(), signal.SIGTERM)


def test_a_stop_after_every_trial_finished_says_so(mnist_small, tmp_path):
    storage = str(tmp_path / "tune.db")
    search = Search(mnist_small, TrainConfig(epochs=1),
                    Space({"lr": {"low": 0.001, "high": 0.03, "log": True}}), trials=2, jobs=2,
                    pruner="none")
    term = _TermWhenAllFinished()
    with pytest.raises(TrainingInterrupted) as stopped:
        tune(search, storage, "late", progress=term)
    assert term.sent
    assert str(stopped.value) == (
        "tuning interrupted after the study's 2 trials had finished, before their results "
        "were shown and the best recipe saved; run the same command again for those (it "
        "trains no more trials)")

    before = studies.records(studies.load_study(studies.open_storage(storage), "late"))
    assert [r.state for r in before] == ["COMPLETE"] * 2
    study = tune(search, storage, "late", handle_signals=False)  # the same search again
    assert studies.records(study) == before
