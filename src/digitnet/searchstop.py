"""Stopping a search: Ctrl-C and SIGTERM as :class:`~digitnet.stopping.StopFlag` takes them,
but for the ones that come while the search's workers stop.

:func:`digitnet.tuning.tune` runs inside a :class:`SearchStopFlag`, and ``digitnet tune`` saves
the best recipe so far inside one.
"""

from __future__ import annotations

from .stopping import StopFlag

__all__ = ["SearchStopFlag"]


class SearchStopFlag(StopFlag):
    """The StopFlag of a search. Once its workers run (:attr:`stopping`, or given), a Ctrl-C
    or SIGTERM after the first is taken as the first was, where StopFlag's raises
    KeyboardInterrupt: the first stops the workers at their next progress report, and the main
    process, which cannot end before they do, ends as after one, saying what they left and
    how to continue (a KeyboardInterrupt would cut that short, and end no sooner). Before they
    run, a second interrupts at once (a database that keeps the search waiting)."""

    def __init__(self, enabled: bool, stopping: bool = False):
        super().__init__(enabled)
        self.stopping = stopping

    def _handler(self, signum, frame):
        if not (self.stopping and self.requested):
            super()._handler(signum, frame)
