"""What ``digitnet tune`` shows while it searches: a line per finished trial, with the study's
status as that trial's end left it; on a terminal, above a live line of the study's status."""

from __future__ import annotations

import click

from .. import studies, words
from ..tuning import Progress

__all__ = ["PlainDisplay", "RichDisplay"]


def _finished_line(r: studies.TrialRecord) -> str:
    if r.state == "COMPLETE":
        return (f"trial {r.number}: validation accuracy {r.value:.2%} after "
                f"{words.counted(r.epochs, 'epoch')}")
    if r.state == "PRUNED" and r.diverged is not None:
        lr = f" (learning rate {r.config['lr']:g})" if r.config else ""
        return f"trial {r.number}: training diverged in epoch {r.epochs + 1}{lr}; pruned"
    if r.state == "PRUNED":
        return f"trial {r.number}: pruned after {words.counted(r.epochs, 'epoch')}"
    if r.surplus:
        return f"trial {r.number}: not run, the study already had its trials"
    return f"trial {r.number}: stopped before it finished"


def _status_line(status) -> str:
    best = (f"; best {status.best.value:.2%} (trial {status.best.number})"
            if status.best else "")
    return (f"{status.done}/{status.target} trials finished ({status.pruned} pruned), "
            f"{status.running} running, {status.failed} interrupted{best}")


class PlainDisplay(Progress):
    """A line per finished trial, on stderr (when it is not a terminal), ended by the study's
    status as that trial's end left it (:meth:`Progress.on_status`)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    ran = 0  # trials that finished while it showed the search

    def on_status(self, status, finished):
        self.ran += len(finished)
        for r in finished:
            click.echo(f"{_finished_line(r)}; {_status_line(status)}", err=True)


class RichDisplay(Progress):
    """A line per finished trial above a live line of the study's status (on a terminal)."""

    def __enter__(self):
        from rich.console import Console
        from rich.live import Live

        self.console = Console(stderr=True)
        self.live = Live("starting the trials...", console=self.console, transient=True)
        self.live.__enter__()
        return self

    def __exit__(self, *exc):
        return self.live.__exit__(*exc)

    ran = 0  # trials that finished while it showed the search

    def on_status(self, status, finished):
        self.ran += len(finished)
        for r in finished:
            self.console.print(_finished_line(r))
        self.live.update(_status_line(status))
