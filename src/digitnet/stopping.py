"""Stopping a run politely: Ctrl-C and SIGTERM ask the step in progress to finish first.

Training (:func:`digitnet.train`) and searches (:func:`digitnet.tuning.tune`) both run inside a
:class:`StopFlag`, then save what they have and stop where a step ends. A second Ctrl-C
interrupts at once.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["StopFlag"]


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
