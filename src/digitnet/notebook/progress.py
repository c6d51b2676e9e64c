"""Training progress as a notebook progress bar: ``digitnet.train(data, callback=ProgressBar())``.

In a notebook (a Jupyter kernel: JupyterLab, Jupyter Notebook, VS Code, ...) tqdm's notebook
display, one ipywidgets bar for the whole run, rather than terminal escape codes in a cell's
output; elsewhere tqdm's plain bar on stderr, a line per epoch.
"""

from __future__ import annotations

import sys
import threading

from ..errors import TrainingInterrupted
from ..interop import require
from ..training import Callback

__all__ = ["ProgressBar"]


class ProgressBar(Callback):
    """A progress bar through each epoch, advanced every few dozen training steps with the
    running loss, and ended with the epoch's loss and validation accuracy. Pass it as
    ``callback=`` to :func:`digitnet.train`.

    In a notebook it is one bar, "epoch 28/150", begun again for each epoch; its output is also
    updated, after each epoch, with the bar's line of text, so that a notebook saved with its
    outputs reads right where widgets are not drawn (a repository's page, nbconvert). When the
    cell stops in the middle of an epoch (the kernel interrupted, ``should_stop()``, an error)
    the bar, and its line, say so at the step it reached: "epoch 28/150, interrupted: 40%|
    274/685".
    """

    def __init__(self):
        self._notebook = _in_a_kernel()
        if self._notebook:
            require("ipywidgets", "notebook", "a notebook progress bar")
        self._bar = None
        self._shown = None  # the notebook's display of the bar, updated after each epoch
        self._epochs = self._epoch = 0
        self._running = False  # an epoch begun and not ended

    def on_train_start(self, config, n_train: int, n_val: int, start_epoch: int) -> None:
        self._stopped(None)  # (a run before this one with this bar, stopped and caught)
        self._finish()
        self._epochs, self._bar, self._shown = config.epochs, None, None
        if self._notebook and threading.current_thread() is threading.main_thread():
            _after_the_cell(self)  # (a run in a thread of its own may outlast its cell)

    def on_epoch_start(self, epoch: int, n_steps: int) -> None:
        self._epoch, self._running = epoch, True
        desc = f"epoch {epoch}/{self._epochs}"
        if not self._notebook:
            from tqdm import tqdm

            self._bar = tqdm(total=n_steps, desc=desc, unit="step")
        elif self._bar is None:
            from IPython.display import display
            from tqdm.notebook import tqdm

            self._bar = tqdm(total=n_steps, desc=desc, unit="step", display=False)
            self._shown = display(self._bar.container, display_id=True)
        else:  # the same bar, its count, clock and loss begun again
            self._bar.reset(total=n_steps)
            self._bar.set_postfix(refresh=False)
            self._bar.set_description(desc)

    def on_progress(self, epoch: int, step: int, n_steps: int, loss: float) -> None:
        self._bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        self._bar.update(step - self._bar.n)

    def on_epoch_end(self, epoch: int, record: dict, network) -> None:
        accuracy = record.get("val_accuracy")
        validated = {"val_accuracy": f"{accuracy:.2%}"} if accuracy is not None else {}
        self._bar.set_postfix(loss=f"{record['train_loss']:.3f}", refresh=False, **validated)
        self._bar.update(self._bar.total - self._bar.n)
        self._running = False
        if not self._notebook or epoch == self._epochs:
            self._bar.close()
        else:
            self._bar.refresh()
        self._show()

    def _stopped(self, error: BaseException | None) -> None:
        """The bar of an epoch that training left in the middle (``error``: what stopped it,
        if the cell ended by it) says so, at the step it reached, and is closed (red)."""
        if self._bar is None or not self._running:
            return
        self._running = False
        why = ("interrupted" if error is None or isinstance(error, (TrainingInterrupted,
                                                                    KeyboardInterrupt))
               else f"stopped by {type(error).__name__}")
        self._bar.set_description(f"epoch {self._epoch}/{self._epochs}, {why}", refresh=False)
        self._bar.close()
        self._show()

    def _finish(self) -> None:
        """Close the bar of a run that ended before its last epoch (early stopping)."""
        if self._bar is not None and not self._running and not self._bar.disable:
            self._bar.close()
            self._show()

    def _show(self) -> None:
        """Put the bar's line of text as it is now in the cell's output, under the widget."""
        if self._shown is not None:
            self._shown.update(self._bar.container)


def _after_the_cell(bar: ProgressBar) -> None:
    """Have ``bar`` told, once the cell that trains ends, whether training stopped in the middle
    of an epoch (and by what), and close a bar left open (IPython's post_run_cell event)."""
    events = sys.modules["IPython"].get_ipython().events

    def ended(result) -> None:
        events.unregister("post_run_cell", ended)
        bar._stopped(result.error_in_exec)
        bar._finish()

    events.register("post_run_cell", ended)


def _in_a_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (as tqdm.auto decides it)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config
