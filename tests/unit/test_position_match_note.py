"""When a data set's classes are matched to a model's by position (one side only numbers its
classes: an IDX file's labels are bare numbers; a model recording no names), digitnet says so
in a UserWarning showing the pairing; matched by name, or both sides numbered alike, it says
nothing. Before, real MNIST digits scored by a Fashion-MNIST model were read as clothes (0 as
'T-shirt/top') without a word. Real MNIST digits, Fashion-MNIST and scikit-learn's wine table;
the networks are built untrained, with the class names a model file records."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv

from digitnet import classmatch, datasets, heldout
from digitnet.inputs import Images, Table
from digitnet.network import Network

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-"
                                   "mnist, which the README's test command installs")
CLOTHES = datasets.SPECS["fashion-mnist"].classes
WINE = sklearn_table("wine")


def model(sizes, input_, classes=None) -> Network:
    """An untrained network as a model file gives it: its input record and, if given, the names
    of its classes (metadata "classes", as training records them)."""
    net = Network(sizes, seed=0)
    net.metadata = {"input": input_.to_dict(), **({"classes": list(classes)} if classes else {})}
    return net


def clothes_note(name) -> str:
    return (f"{name}: its classes are numbers and the model's are names, so they are paired by "
            "position: 0 is read as 'T-shirt/top', 1 as 'Trouser', 2 as 'Pullover', ..., 9 as "
            "'Ankle boot'; if that is wrong, give data that names its classes as the model does "
            "(class folders, a table's labels), or use a model trained on these classes")


def test_mnist_digits_scored_by_a_fashion_model_are_noted_as_read_as_clothes(mnist):
    net = model((784, 16, 10), Images((28, 28)), CLOTHES)
    with pytest.warns(UserWarning) as told:
        matched = classmatch.for_model(mnist, net, "fashion.safetensors")
    assert [str(w.message) for w in told] == [clothes_note(mnist.name)]
    np.testing.assert_array_equal(matched.labels, mnist.labels)  # still matched by position
    assert matched.classes == CLOTHES


def test_held_out_digits_for_a_fashion_model_are_noted_to_a_python_user(mnist):
    """digitnet.held_out, as a notebook calls it, on digits given as a test split."""
    net = model((784, 16, 10), Images((28, 28)), CLOTHES)
    test = mnist.subset(slice(0, 500), split="test")
    with pytest.warns(UserWarning, match="paired by position") as told:
        found = heldout.held_out(net, test)
    assert len(told) == 1 and str(told[0].message) == clothes_note(mnist.name)
    assert found.data.classes == CLOTHES


def test_a_few_digits_for_a_model_of_a_few_named_classes_show_every_pair(mnist):
    small = mnist.subset(mnist.labels < 3)
    with pytest.warns(UserWarning) as told:
        small.with_classes(("cat", "dog", "bird"))
    assert str(told[0].message).startswith(
        f"{mnist.name}: its classes are numbers and the model's are names, so they are paired by "
        "position: 0 is read as 'cat', 1 as 'dog', 2 as 'bird'; if that is wrong, ")


def test_a_tables_words_for_a_model_recording_no_names_are_noted_in_their_order(tmp_path):
    """The cultivars' names as labels, sorted (barbera, barolo, grignolino), for a wine model
    that records no class names: barbera is its class 0."""
    names = np.array(["barolo", "grignolino", "barbera"])
    path = write_csv(tmp_path / "named.csv", WINE.data, names[WINE.target], WINE.feature_names)
    data = datasets.load(path)
    net = model((13, 8, 3), Table(tuple(WINE.feature_names)))
    with pytest.warns(UserWarning) as told:
        matched = classmatch.for_model(data, net, "wine.safetensors")
    assert [str(w.message) for w in told] == [(
        f"{path}: its classes are names and the model only numbers its own (it records no "
        "names), so they are paired by position: 'barbera' is read as 0, 'barolo' as 1, "
        "'grignolino' as 2; if that is wrong, label the data with the model's numbers (0 to 2) "
        "in place of names, or use a model that records its classes' names")]
    assert matched.classes == ("barbera", "barolo", "grignolino")
    np.testing.assert_array_equal(matched.labels, data.labels)


def _silent(data, net):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return classmatch.for_model(data, net)


@pytest.mark.parametrize("classes", [None, datasets.DIGITS], ids=["no names", "0 to 9"])
def test_a_digit_model_on_digits_says_nothing(mnist, classes):
    matched = _silent(mnist, model((784, 16, 10), Images((28, 28)), classes))
    assert matched.classes == datasets.DIGITS
    np.testing.assert_array_equal(matched.labels, mnist.labels)


def test_digits_matched_by_name_to_a_model_of_fewer_digits_say_nothing(mnist):
    small = mnist.subset(mnist.labels < 3)
    matched = _silent(small, model((784, 16, 3), Images((28, 28)), ("0", "1", "2")))
    assert matched.classes == ("0", "1", "2")


def test_a_wine_model_on_its_own_table_says_nothing(tmp_path):
    net = model((13, 8, 3), Table(tuple(WINE.feature_names)), list(WINE.target_names))
    assert _silent(datasets.load(wine_csv(tmp_path / "w.csv")), net).classes \
        == tuple(WINE.target_names)


@needs_fashion
def test_a_fashion_model_on_fashion_mnist_says_nothing():
    """Fashion-MNIST's files name its classes as the model does: matched by name."""
    test = datasets.load(FASHION, split="test")
    matched = _silent(test, model((784, 16, 10), Images((28, 28)), CLOTHES))
    assert matched.classes == CLOTHES
    np.testing.assert_array_equal(matched.labels, test.labels)
