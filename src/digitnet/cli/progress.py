"""A training run's progress on a terminal: a bar per epoch and a line after each (rich)."""

from __future__ import annotations

from ..training import Callback


class RichProgress(Callback):
    """A progress bar per run and a line per epoch, on stderr (used only on a terminal)."""

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
        self.task = self.progress.add_task("", total=n_steps, epoch=f"{epoch}/{self.epochs}", loss=0.0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.progress.update(self.task, completed=step, loss=loss)

    def on_epoch_end(self, epoch, record, network):
        self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        val = (f"  val loss {record['val_loss']:.4f}  val accuracy {record['val_accuracy']:.2%}"
               if "val_accuracy" in record else "")
        self.console.print(f"epoch {epoch:>3}/{self.epochs}  train loss {record['train_loss']:.4f}"
                           f"{val}  {record['seconds']:.2f} s")
