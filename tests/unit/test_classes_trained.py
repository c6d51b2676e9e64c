"""recipes.check_classes_trained on real MNIST digits, with networks made but never trained:
a model fine-tuned (--init) needs a training example of each of its classes, except those the
data declares (from_arrays's classes=, as scikit-learn's partial_fit gives them); any network
needs two classes to learn from. Training's refusals end to end:
tests/integration/test_untrained_classes.py."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import datasets, recipes
from digitnet.errors import DataError
from digitnet.network import Network


@pytest.fixture(scope="module")
def threes_and_sevens(mnist):
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))[:40]
    return mnist.x[index], mnist.labels[index]


def check(data, net, train_index=None) -> str | None:
    """The refusal's words, or None when the network may train on ``data``."""
    train_index = np.arange(len(data)) if train_index is None else train_index
    val = np.setdiff1d(np.arange(len(data)), train_index)
    try:
        recipes.check_classes_trained(data, train_index, data.labels[val], net)
    except DataError as e:
        return str(e)
    return None


def test_classes_declared_may_have_no_examples_and_others_may_not(threes_and_sevens):
    x, y = threes_and_sevens
    new = Network((784, 8, 10), seed=0)
    declared = datasets.from_arrays(x, y, classes=range(10), name="declared")
    assert declared.declared == datasets.DIGITS and check(declared, new) is None
    trained = Network((784, 8, 10), seed=0)
    trained.metadata = {"classes": list(datasets.DIGITS)}  # (a model's, as --init gives it)
    assert check(declared, trained) is None
    files = datasets.Dataset(x, y, "files", "train", "files")  # the ten digits, none declared
    assert files.declared == () and check(files, new) is None  # (3 and 7 told apart)
    assert check(files, trained).startswith("files: no training pictures of 0, 1, 2, 4, 5, 6, 8 "
                                            "and 9, classes of the model it starts from; "
                                            "fine-tuned on 3 and 7 alone, it would unlearn them")
    own = datasets.from_arrays(x, y)  # classes: the labels it holds
    assert own.declared == () and check(own, Network((784, 8, 2), seed=0)) is None
    threes = np.flatnonzero(own.labels == 0)
    assert check(own, Network((784, 8, 2), seed=0), threes) == (
        "arrays: holds training pictures of one class only, 3; a classifier needs at least two "
        "classes: add pictures of another; those of 7 are all held out for validation: give "
        "more, or hold out fewer (val_fraction, --val-fraction)")


def test_a_new_network_of_one_class_is_refused(threes_and_sevens):
    x, y = threes_and_sevens
    one = datasets.Dataset(x, np.zeros(len(y), np.uint8), "sevens", "train", "sevens",
                           classes=("seven",))
    assert check(one, Network((784, 8, 1), seed=0)) == (
        "sevens: holds training pictures of one class only, seven; a classifier needs at least "
        "two classes: add pictures of another")
