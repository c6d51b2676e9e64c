"""The training picture says how its two losses are measured: training loss, averaged over an
epoch's steps on what the network learned from (augmented copies, dropout, label smoothing),
can sit above validation loss, which puzzles people; the figure says why, under the plots."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

from digitnet import historyviz

pytestmark = pytest.mark.engine_independent  # (a figure of a recorded history, nothing trained)


def _texts(fig) -> str:
    return " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))


def test_the_losses_are_said_to_be_measured_differently():
    history = [{"epoch": e, "train_loss": 1.0 / e + 0.3, "val_loss": 0.8 / e + 0.1,
                "val_accuracy": 0.9} for e in range(1, 4)]
    text = _texts(historyviz.history_figure(history, title="m.safetensors"))
    assert "training: the mean of each epoch's steps, on what it learned from" in text
    assert "So training loss can sit above validation loss." in text
    assert "not recorded in the model file: training accuracy" in text


def test_without_a_training_loss_nothing_is_said_of_it():
    history = [{"epoch": 1, "val_loss": 0.5, "val_accuracy": 0.9}]
    text = _texts(historyviz.history_figure(history))
    assert "mean of each epoch's steps" not in text
    assert "not recorded in the model file: training loss, training accuracy" in text
