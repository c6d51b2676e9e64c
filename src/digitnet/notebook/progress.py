"""Training progress as notebook progress bars: ``digitnet.train(data, callback=ProgressBar())``.

In a notebook (a Jupyter kernel: JupyterLab, Jupyter Notebook, VS Code, ...) tqdm's notebook
display, an ipywidgets bar, rather than terminal escape codes in a cell's output; elsewhere
tqdm's plain bar on stderr.
"""

from __future__ import annotations

import sys

from ..interop import require
from ..training import Callback

__all__ = ["ProgressBar"]


class ProgressBar(Callback):
    """A bar per epoch, advanced every few dozen training steps with the running loss, and
    closed with the epoch's loss and validation accuracy. Pass it as ``callback=`` to
    :func:`digitnet.train`.

    In a notebook each finished bar's output is also updated with its final line of text, so
    that a notebook saved with its outputs reads right where widgets are not drawn (a
    repository's page, nbconvert).
    """

    def __init__(self):
        self._notebook = _in_a_kernel()
        if self._notebook:
            require("ipywidgets", "notebook", "a notebook progress bar")
        self._bar = None
        self._shown = None  # the notebook's display of the bar, updated when it closes
        self._epochs = 0

    def on_train_start(self, config, n_train: int, n_val: int, start_epoch: int) -> None:
        self._epochs = config.epochs

    def on_epoch_start(self, epoch: int, n_steps: int) -> None:
        options = {"total": n_steps, "desc": f"epoch {epoch}/{self._epochs}", "unit": "step"}
        if self._notebook:
            from IPython.display import display
            from tqdm.notebook import tqdm

            self._bar = tqdm(**options, display=False)
            self._shown = display(self._bar.container, display_id=True)
        else:
            from tqdm import tqdm

            self._bar = tqdm(**options)

    def on_progress(self, epoch: int, step: int, n_steps: int, loss: float) -> None:
        self._bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        self._bar.update(step - self._bar.n)

    def on_epoch_end(self, epoch: int, record: dict, network) -> None:
        accuracy = record.get("val_accuracy")
        self._bar.set_postfix(loss=f"{record['train_loss']:.3f}", refresh=False,
                              **({"val_accuracy": f"{accuracy:.2%}"} if accuracy is not None else {}))
        self._bar.update(self._bar.total - self._bar.n)
        self._bar.close()
        if self._shown is not None:
            self._shown.update(self._bar.container)


def _in_a_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (as tqdm.auto decides it)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config
