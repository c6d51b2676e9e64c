"""digitnet.notebook.ProgressBar in a real kernel (nbclient), training on real MNIST digits: one
bar for the whole run, begun again each epoch ("epoch 3/4"), not a bar per epoch stacked in the
cell (150 of them for the default recipe); its line of text, which a saved notebook shows where
widgets are not drawn, is the bar's last. A run stopped in the middle of an epoch (the kernel
interrupted, should_stop(), an error) leaves the bar saying so at the step it reached, not at
"0%| 0/685" as it was first shown."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

SETUP = """\
import os, signal
import digitnet
from digitnet.notebook import ProgressBar
mnist = digitnet.datasets.load({path!r}, split="train")
data = mnist.subset(slice(0, 1920), "train")  # 60 steps of 32, reported every 3
val = mnist.subset(slice(20000, 20500), "train")"""

TRAINED = "result = digitnet.train(data, val=val, epochs=4, callback=ProgressBar())"

STOPPED = """\
class StopsInEpoch2(ProgressBar):
    at = (0, 0)
    def on_progress(self, epoch, step, n_steps, loss):
        super().on_progress(epoch, step, n_steps, loss)
        self.at = (epoch, step)
    def should_stop(self):
        return self.at >= (2, 30)
digitnet.train(data, val=val, epochs=4, callback=StopsInEpoch2())"""

# The kernel interrupted as the notebook's stop button does it (SIGINT), in epoch 3.
INTERRUPTED = """\
class InterruptedInEpoch3(ProgressBar):
    def on_progress(self, epoch, step, n_steps, loss):
        super().on_progress(epoch, step, n_steps, loss)
        if (epoch, step) == (3, 45):
            os.kill(os.getpid(), signal.SIGINT)
digitnet.train(data, val=val, epochs=4, callback=InterruptedInEpoch3())"""

BROKEN = """\
class Breaks(ProgressBar):
    def on_progress(self, epoch, step, n_steps, loss):
        super().on_progress(epoch, step, n_steps, loss)
        if step >= 10:
            raise ValueError("a bug in the callback")
digitnet.train(data, val=val, epochs=4, callback=Breaks())"""


@pytest.fixture(scope="module")
def cells(mnist_dir):
    nb = nbformat.v4.new_notebook()
    sources = [SETUP.format(path=str(mnist_dir)), TRAINED, STOPPED, INTERRUPTED, BROKEN]
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True,
                   store_widget_state=False).execute()
    assert "ename" not in str(nb.cells[0].outputs)
    return {name: cell.outputs for name, cell in
            zip(["setup", "trained", "stopped", "interrupted", "broken"], nb.cells)}


def bars(outputs) -> list[str]:
    """The text lines of the progress bars a cell's outputs hold (the widgets' fallback)."""
    return [o["data"]["text/plain"] for o in outputs if WIDGET_VIEW in o.get("data", {})]


def error(outputs) -> dict:
    (shown,) = [o for o in outputs if o["output_type"] == "error"]
    return shown


def test_a_run_shows_one_bar_whose_text_is_its_last_epochs(cells):
    (line,) = bars(cells["trained"])  # one bar, not one per epoch
    assert "\n" not in line
    assert re.fullmatch(r"epoch 4/4: 100%\|#+\| 60/60 \[.*, loss=\d\.\d{3}, "
                        r"val_accuracy=\d+\.\d\d%\]", line), line
    assert "epoch 1/4" not in str(cells["trained"])


def test_should_stop_leaves_the_bar_at_the_step_reached(cells):
    said = error(cells["stopped"])
    assert said["ename"] == "TrainingInterrupted"
    assert said["evalue"].startswith("training interrupted in epoch 2, step 30 of 60")
    (line,) = bars(cells["stopped"])
    assert re.fullmatch(r"epoch 2/4, interrupted:  50%\|[#0-9 ]+\| 30/60 \[.*loss=\d\.\d{3}\]",
                        line), line


def test_an_interrupted_kernel_leaves_the_bar_at_the_step_reached(cells):
    said = error(cells["interrupted"])
    assert said["ename"] == "TrainingInterrupted"
    assert said["evalue"].startswith("training interrupted in epoch 3, step 45 of 60")
    (line,) = bars(cells["interrupted"])
    assert re.fullmatch(r"epoch 3/4, interrupted:  75%\|[#0-9 ]+\| 45/60 \[.*loss=\d\.\d{3}\]",
                        line), line


def test_an_error_leaves_the_bar_saying_what_stopped_it(cells):
    assert error(cells["broken"])["ename"] == "ValueError"
    (line,) = bars(cells["broken"])
    assert re.match(r"epoch 1/4, stopped by ValueError:  20%\|[#0-9 ]+\| 12/60 \[", line), line
