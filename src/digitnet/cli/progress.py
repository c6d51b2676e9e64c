"""Progress on a terminal (rich, on stderr): a training run's, a bar per epoch and a line after
each; and the reading of recordings, a bar while they are read (:func:`reading_bar`)."""

from __future__ import annotations

import contextlib
import sys

from ..training import Callback


class RichProgress(Callback):
    """A progress bar per run and a line per epoch, on stderr (used only on a terminal)."""

    def __enter__(self):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4f}"),
                                 TimeRemainingColumn(), console=self.console, transient=True)
        self.progress.__enter__()
        self.task = None
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def on_train_start(self, config, n_train, n_val, start_epoch):
        sizes = "-".join(map(str, config.sizes))
        resumed = f", resuming after epoch {start_epoch}" if start_epoch else ""
        self.epochs = config.epochs
        self.console.print(f"Training {sizes} ({config.activation}, {config.optimizer}, "
                           f"lr {config.lr:g}, batch {config.batch_size}) on {n_train:,} examples, "
                           f"validating on {n_val:,}{resumed}")

    def on_epoch_start(self, epoch, n_steps):
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task("", total=n_steps, epoch=f"{epoch}/{self.epochs}",
                                           loss=0.0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.progress.update(self.task, completed=step, loss=loss)

    def on_epoch_end(self, epoch, record, network):
        self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        val = (f"  val loss {record['val_loss']:.4f}  val accuracy {record['val_accuracy']:.2%}"
               if "val_accuracy" in record else "")
        self.console.print(f"epoch {epoch:>3}/{self.epochs}  train loss {record['train_loss']:.4f}"
                           f"{val}  {record['seconds']:.2f} s")


@contextlib.contextmanager
def reading_bar(what: str, total: int):
    """A bar on stderr while ``total`` recordings of ``what`` (``"recordings/"``) are read, when
    stderr is a terminal (as training's): thousands take seconds, and librosa's first use
    seconds more before the first is done. It goes once they are read. Gives the function to
    call after each recording (:func:`digitnet.recordings.progress_shown_by`)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(SpinnerColumn(), TextColumn(f"[bold]Reading {escape(what)}"), BarColumn(),
                  TextColumn("{task.completed:,.0f}/{task.total:,.0f} recordings"),
                  TimeRemainingColumn(), console=Console(stderr=True),
                  transient=True) as progress:
        task = progress.add_task("", total=total)
        yield lambda: progress.advance(task)


def reading_shown():
    """While active (a command), reading recordings shows :func:`reading_bar`."""
    from ..recordings import progress_shown_by

    return progress_shown_by(reading_bar)
