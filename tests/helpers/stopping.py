"""A training callback that stops a run at a chosen point, as Ctrl-C would: for the tests of
interrupting and resuming."""

from __future__ import annotations

from digitnet.training import Callback


class StopAt(Callback):
    """Asks the loop to stop once it has reached ``(epoch, step)``."""

    def __init__(self, epoch, step):
        self.at, self.now = (epoch, step), (0, 0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.now = (epoch, step)

    def should_stop(self):
        return self.now >= self.at
