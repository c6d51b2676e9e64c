"""What digitnet.train returns prints short in a REPL or a notebook's text: the network's sizes,
the epochs, the validation (and test) accuracy; the fields keep the whole history."""

from __future__ import annotations

import dataclasses

import pytest

import digitnet
from digitnet.training import TrainResult


@pytest.fixture(scope="module")
def result(mnist_small, mnist):
    test = mnist.subset(slice(20000, 20500), "test")  # real digits it does not train on
    return digitnet.training.train(mnist_small, digitnet.PRESETS["default"].replace(epochs=12),
                                   test=test, handle_signals=False)


def test_the_repr_is_one_short_line_of_what_a_run_is_judged_by(result):
    said = repr(result)
    assert len(result.history) == 12
    assert said == (f"TrainResult(sizes=784-16-16-10, epochs=12, "
                    f"val_accuracy={result.val_accuracy:.4f}, "
                    f"test_accuracy={result.test_accuracy:.4f})")
    assert str(result) == said and "\n" not in said and len(said) < 120
    assert "history" not in said and "train_loss" not in said
    assert [f.name for f in dataclasses.fields(TrainResult)][:3] == ["network", "history",
                                                                      "config"]


def test_a_run_kept_at_its_best_epoch_says_both(result):
    """Early stopping keeps the best epoch's network: its accuracy, and the last epoch's."""
    best = max(range(1, 12), key=lambda e: result.history[e - 1]["val_accuracy"])
    kept = dataclasses.replace(result, best_epoch=best, stopped_early=True, test=None)
    assert repr(kept) == (
        f"TrainResult(sizes=784-16-16-10, epochs=12, best_epoch={best}, "
        f"val_accuracy={result.history[best - 1]['val_accuracy']:.4f}"
        + (f", last_val_accuracy={result.history[-1]['val_accuracy']:.4f}"
           if result.history[-1]["val_accuracy"] != result.history[best - 1]["val_accuracy"]
           else "") + ", stopped_early=True)")
