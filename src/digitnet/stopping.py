"""Stopping a run: politely on Ctrl-C and SIGTERM, which ask the step in progress to finish
first; and, saying what it kept, when its loss diverges.

Training (:func:`digitnet.train`) and searches (:func:`digitnet.tuning.tune`) both run inside a
:class:`StopFlag`, then save what they have and stop where a step ends. A second Ctrl-C
interrupts at once. A run whose loss becomes NaN or infinite stops with a
:class:`~digitnet.errors.DivergenceError` (:func:`diverged`).
"""

from __future__ import annotations

import signal
import threading

from .errors import DivergenceError

__all__ = ["StopFlag", "diverged", "kept_epoch"]


class StopFlag:
    """While active, Ctrl-C and SIGTERM set :attr:`requested` instead of killing the step."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.requested = False
        self._previous = {}

    def _handler(self, signum, frame):
        if self.requested:  # a second Ctrl-C: the user really wants out
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if self.enabled:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False


def diverged(epoch: int, loss: float, kept: int, best: bool, lr: float,
             network) -> DivergenceError:
    """The error of a run whose loss became ``loss`` (NaN or infinite) in epoch ``epoch``:
    ``network`` holds the weights kept, those epoch ``kept`` ended with (the best epoch's with
    early stopping, ``best``; else the last one's), or with ``kept`` 0 (in epoch 1, or an epoch
    resumed before the first ended) those the run started from: nothing was learned.

    Its message begins "training diverged in epoch N (loss became nan); ", which callers keep
    (the estimator, the CLI) while saying what they did with the weights.
    """
    said = f"training diverged in epoch {epoch} (loss became {loss})"
    if kept == 0:
        return DivergenceError(f"{said}; nothing was learned, as no epoch had ended: try a lower "
                               f"learning rate than {lr:g}", network=network)
    return DivergenceError(f"{said}; the error's network holds the weights of epoch {kept}, "
                           f"{kept_epoch(best)}: try a lower learning rate than {lr:g}",
                           network=network)


def kept_epoch(best: bool) -> str:
    """Which epoch a diverged run kept, in the words of its error: with early stopping the
    best before the loss became NaN (``best``), else the last."""
    return "the best before it (early stopping)" if best else "the last before it"
