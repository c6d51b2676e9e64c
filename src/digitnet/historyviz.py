"""The picture of a training: loss and accuracy per epoch, as the model file records them.

The figure is drawn on :mod:`digitnet.viz`'s headless canvas in its style; it lives beside
viz.py, which keeps the plotting library to itself but has no room left under the 400 lines a
module may have. Save it with :func:`digitnet.viz.save_figure`.
"""

from __future__ import annotations

from . import viz
from .errors import ModelFileError

__all__ = ["history_figure"]

#: Why training loss can sit above validation loss (digitnet.training records it so).
_HOW = ("training: the mean of each epoch's steps, on what it learned from (shifted or distorted "
        "copies, dropout, label smoothing where the recipe has them);\nvalidation: after the "
        "epoch, the network as it predicts. So training loss can sit above validation loss.")


def history_figure(history: list[dict], title: str = ""):
    """Loss and accuracy per epoch, from a model's ``metadata["history"]`` (ModelFileError if
    none). Returns a Figure."""
    if not history:
        raise ModelFileError(f"{title or 'the model'}: has no training history to draw; it was "
                             "saved without one (models trained by digitnet train have it)")
    epochs = [r["epoch"] for r in history]
    fig = viz._figure(9, 3.6)  # viz's headless canvas
    loss_ax, acc_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    series = [("train_loss", loss_ax, "training", "C0", "-o"),
              ("val_loss", loss_ax, "validation", "C1", "-s"),
              ("train_accuracy", acc_ax, "training", "C0", "-o"),
              ("val_accuracy", acc_ax, "validation", "C1", "-s")]
    missing = []
    for key, ax, label, color, style in series:
        values = [r.get(key) for r in history]
        if all(v is not None for v in values):
            ax.plot(epochs, values, style, label=label, color=color, ms=3, lw=1.4)
        else:
            missing.append(key.replace("_", " ").replace("train", "training")
                           .replace("val ", "validation "))
    notes = [_HOW] if history[0].get("train_loss") is not None else []
    if missing:
        notes.append("not recorded in the model file: " + ", ".join(missing))
    fig.text(0.5, 0.01, "\n".join(notes), ha="center", va="bottom", fontsize=8, color="gray")
    for ax, what in ((loss_ax, "loss (cost)"), (acc_ax, "accuracy")):
        ax.set_title(f"{what} per epoch", fontsize=10)
        ax.set_xlabel("epoch")
        ax.locator_params(axis="x", integer=True, min_n_ticks=1)  # whole epochs, even just one
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center", color="gray")
    acc_ax.yaxis.set_major_formatter(viz._Percent())
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17 + 0.05 * len(notes), top=0.84 if title else 0.9,
                        wspace=0.25)
    return fig
