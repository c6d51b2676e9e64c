"""A training callback that stops a run at a chosen point, as Ctrl-C would: for the tests of
interrupting and resuming."""

from __future__ import annotations

from digitnet.training import Callback

#: The short run the command-line tests interrupt and resume (tests/cli/conftest.py's
#: ``straight`` is it uninterrupted).
RECIPE = ["--epochs", "3", "--batch-size", "32"]


class StopAt(Callback):
    """Asks the loop to stop once it has reached ``(epoch, step)``."""

    def __init__(self, epoch, step):
        self.at, self.now = (epoch, step), (0, 0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.now = (epoch, step)

    def should_stop(self):
        return self.now >= self.at


class StopAfterAnEpoch(Callback):
    """Interrupts at the first progress report after an epoch of this run ends, as Ctrl-C
    would (training.train stops a run the same way on a signal: see test_train.py)."""

    finished = False

    def on_epoch_end(self, epoch, record, network):
        self.finished = True

    def should_stop(self):
        return self.finished


def interrupted(run, monkeypatch, *args):
    """`digitnet train ARGS` (``run``: tests/cli's in-process runner) stopped after its first
    epoch, as by Ctrl-C, which saves a checkpoint: its click Result, exit code 130 checked."""
    from digitnet.cli import train_cmd

    with monkeypatch.context() as patched:
        patched.setattr(train_cmd, "Callback", StopAfterAnEpoch)
        result = run("train", *args)
    assert result.exit_code == 130, result.output
    return result
