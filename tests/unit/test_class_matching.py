"""A data set's classes lined up with a model's (Dataset.with_classes, digitnet.classmatch): by
name; by position only when one side just numbers its classes (an IDX file's labels are bare
numbers); refused when both name them and no name is shared; and data of another kind refused
for its kind before its classes are looked at. Real MNIST digits, Fashion-MNIST and
scikit-learn's wine table; the networks are built by hand (none is trained here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv, write_digit_folder

from digitnet import datasets, heldout
from digitnet.errors import DataError
from digitnet.inputs import Images, Table
from digitnet.network import Network

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-"
                                   "mnist, which the README's test command installs")
WINE_CLASSES = ("class_0", "class_1", "class_2")


def model(sizes, input_, classes=None) -> Network:
    """A network as a model file gives it: its input record and, if given, its class names."""
    net = Network(sizes, seed=0)
    net.metadata = {"input": input_.to_dict(), **({"classes": list(classes)} if classes else {})}
    return net


@pytest.fixture(scope="module")
def sevens_and_threes(mnist):
    """200 real MNIST 3s and 7s."""
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))[:200]
    return mnist.x[index], mnist.labels[index]


def split_folders(root: Path, images, labels, names=None) -> Path:
    """Class folders of ``images`` under ``root``/train and ``root``/test (half each)."""
    half = len(labels) // 2
    for part, index in (("train", slice(half)), ("test", slice(half, None))):
        write_digit_folder(root / part, images[index], labels[index], photo_every=0, names=names)
    return root


def test_class_folders_named_in_words_are_refused_by_a_digit_model(tmp_path, sevens_and_threes):
    """seven/ and three/ are no digit's name: scored by position, the 7s would be 1s and the 3s
    0s (an accuracy near 0, no warning). Refused, naming both sides' classes."""
    write_digit_folder(tmp_path / "words", *sevens_and_threes, photo_every=0,
                       names={3: "three", 7: "seven"})
    data = datasets.load(tmp_path / "words")
    with pytest.raises(DataError) as e:
        data.with_classes(datasets.DIGITS, "mnist.safetensors")
    assert str(e.value) == (
        f"{tmp_path / 'words'}: classes 'seven' and 'three' are none of the classes of "
        "mnist.safetensors (0, 1, 2, ..., 9); name the data's classes (class folders, a "
        "table's labels) as it names them, or use a model trained on these classes")


def test_class_folders_named_as_digits_are_the_digits(tmp_path, sevens_and_threes):
    """Folders 3/ and 7/ are digits 3 and 7 (folders named as digits give the ten digits)."""
    images, labels = sevens_and_threes
    write_digit_folder(tmp_path / "nums", images, labels, photo_every=0)
    matched = datasets.load(tmp_path / "nums").with_classes(datasets.DIGITS)
    assert matched.classes == datasets.DIGITS
    assert np.array_equal(np.bincount(matched.labels, minlength=10)[[3, 7]],
                          [np.sum(labels == 3), np.sum(labels == 7)])


@needs_fashion
def test_fashion_mnist_is_refused_by_a_digit_model():
    test = datasets.load("fashion-mnist", split="test")
    with pytest.raises(DataError, match=r"^fashion-mnist: classes 'T-shirt/top', 'Trouser', "
                                        r"'Pullover', \.\.\., 'Ankle boot' are none of the "
                                        r"classes of the model \(0, 1, 2, \.\.\., 9\)"):
        test.with_classes(datasets.DIGITS)


def test_idx_digits_keep_their_numbers_with_a_model_that_names_its_classes(mnist):
    """An IDX file's labels are bare numbers: label k is the model's class k, named as the model
    names them (a Fashion-MNIST model scored on clothes in IDX files of no known dataset)."""
    fashion = datasets.SPECS["fashion-mnist"].classes
    assert mnist.classes == datasets.DIGITS  # (the files are not a whole known dataset)
    with pytest.warns(UserWarning, match=r"paired by position: 0 is read as 'T-shirt/top'"):
        matched = mnist.with_classes(fashion)
    np.testing.assert_array_equal(matched.labels, mnist.labels)
    assert matched.classes == fashion


def test_idx_labels_past_a_models_classes_are_refused(mnist):
    with pytest.raises(DataError, match=r"labels go up to 9 but the model has 3 classes \(cat, "
                                        r"dog and bird\); give data of its classes"):
        mnist.with_classes(("cat", "dog", "bird"))


def test_idx_digits_of_a_few_classes_match_a_model_of_those(mnist):
    """IDX data is named 0..9 whichever digits it holds: the names no example has do not count."""
    small = mnist.subset(mnist.labels < 3)
    matched = small.with_classes(("0", "1", "2"))
    np.testing.assert_array_equal(matched.labels, small.labels)
    assert matched.classes == ("0", "1", "2")
    with pytest.raises(DataError, match=r"class '3' unknown to the model"):
        mnist.subset(mnist.labels < 4).with_classes(("0", "1", "2"))


def test_a_table_whose_labels_are_other_words_is_refused(tmp_path):
    wine = sklearn_table("wine")
    names = np.array(["barolo", "grignolino", "barbera"])
    path = write_csv(tmp_path / "named.csv", wine.data, names[wine.target], wine.feature_names)
    with pytest.raises(DataError, match=r"classes 'barbera', 'barolo' and 'grignolino' are none "
                                        r"of the classes of wine.safetensors \(class_0, class_1 "
                                        r"and class_2\)"):
        datasets.load(path).with_classes(WINE_CLASSES, "wine.safetensors")
    assert datasets.load(wine_csv(tmp_path / "w.csv")).with_classes(WINE_CLASSES).classes \
        == WINE_CLASSES


def test_a_model_that_records_no_class_names_takes_named_data_by_position(tmp_path,
                                                                         sevens_and_threes):
    """A model made elsewhere (an ONNX file that says no names) only numbers its classes: data
    that names its own is taken by position, as before, and said in a note."""
    root = split_folders(tmp_path / "words", *sevens_and_threes, names={3: "three", 7: "seven"})
    with pytest.warns(UserWarning, match=r"paired by position: 'seven' is read as 0"):
        found = heldout.held_out(model((784, 8, 10), Images((28, 28))), root)
    test = datasets.load(root, split="test")
    assert found.data.classes == ("seven", "three")
    np.testing.assert_array_equal(found.data.labels, test.labels)


def test_held_out_data_of_another_kind_is_refused_for_its_kind(tmp_path, mnist):
    """Pictures of ten classes for a table model of three: held_out's test split is checked for
    its kind first ("labels go up to 9 but the model has 3 classes" before)."""
    root = split_folders(tmp_path / "digits", mnist.x[:200], mnist.labels[:200])
    wine = sklearn_table("wine")
    net = model((13, 8, 3), Table(tuple(wine.feature_names)), WINE_CLASSES)
    with pytest.raises(DataError) as e:
        heldout.held_out(net, root)
    assert str(e.value) == (f"{root} holds pictures, and the model reads a table; give data of "
                            "the kind it was trained on")
