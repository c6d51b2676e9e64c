"""digitnet in a notebook: the drawing widget, training progress bars, and rich displays.

* ``digitnet.widget(net)`` (:class:`Explorer`): draw a digit in a cell's output and watch the
  network read it, with the page's own JavaScript; the next cell reads ``w.digit``.
* :class:`ProgressBar`: ``digitnet.train(data, callback=ProgressBar())`` shows one notebook
  progress bar for the run, "epoch 28/150", begun again each epoch.
* A :class:`~digitnet.Network`, a :class:`~digitnet.TrainResult` and an
  :class:`~digitnet.Evaluation` show themselves as tables
  (:mod:`digitnet.notebook.summaries`), and :mod:`digitnet.viz`'s figures as pictures.

The widget and the bars need the notebook extra (``pip install 'digitnet[notebook]'``:
anywidget, ipywidgets and what the tutorial uses); they are imported only when used.
"""

from __future__ import annotations

__all__ = ["Explorer", "ProgressBar"]


def __getattr__(name: str):
    if name == "Explorer":
        from .explorer import Explorer

        return Explorer
    if name == "ProgressBar":
        from .progress import ProgressBar

        return ProgressBar
    raise AttributeError(f"module 'digitnet.notebook' has no attribute {name!r}")
