"""Folders laid out in ways that read as something else: a data set one folder too deep (as
unzipping leaves it), split folders digitnet does not read as splits (val/, training/), a class
only test/ holds, pictures beside the class folders, hidden folders; and a single class, read.
Real MNIST digits written as PNG files, read (nothing trained): each is refused with one line
saying what to do, or read with a note, rather than silently read as some other data set."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import datasets
from digitnet.errors import DataError
from digitnet.folders import walk


@pytest.fixture(scope="module")
def digits(mnist):
    """40 real digits, 4 of each, from the middle of the prefix."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[2000:2004] for d in range(10)])
    return mnist.x[picks], mnist.labels[picks]


def refusal(path, split="train") -> str:
    with pytest.raises(DataError) as info:
        datasets.load(path, split)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_data_set_one_folder_too_deep_says_where_to_point(tmp_path, digits):
    """wrap/mnist_png/0..9 read from wrap was one class, "mnist_png", learnt at 100%."""
    images, labels = digits
    write_digit_folder(tmp_path / "wrap" / "mnist_png", images, labels)
    assert refusal(tmp_path / "wrap") == (
        f"{tmp_path / 'wrap'}: holds one folder, mnist_png, which holds class folders 0..9: "
        f"point --data at {tmp_path / 'wrap' / 'mnist_png'}")
    assert len(datasets.load(tmp_path / "wrap" / "mnist_png")) == 40  # where it points: read
    # Deeper still, and a split data set inside: the folder that holds them is named.
    (tmp_path / "deep" / "a").mkdir(parents=True)
    shutil.move(tmp_path / "wrap", tmp_path / "deep" / "a" / "wrap")
    assert refusal(tmp_path / "deep").endswith(
        f"holds one folder, a/wrap/mnist_png, which holds class folders 0..9: point --data at "
        f"{tmp_path / 'deep' / 'a' / 'wrap' / 'mnist_png'}")
    split = tmp_path / "zip" / "mine"
    write_digit_folder(split / "train", images[:30], labels[:30])
    write_digit_folder(split / "test", images[30:], labels[30:])
    assert refusal(tmp_path / "zip") == (f"{tmp_path / 'zip'}: holds one folder, mine, which "
                                         f"holds test/ and train/: point --data at {split}")


def test_a_single_class_is_read(tmp_path, digits):
    """One class folder was refused ("a classifier needs at least two classes"), also for
    scoring a model that knows the class; training refuses it (recipes.check_classes_trained)."""
    images, labels = digits
    sevens = labels == 7
    write_digit_folder(tmp_path / "sevens", images[sevens], labels[sevens])
    data = datasets.load(tmp_path / "sevens")
    assert data.classes == datasets.DIGITS and data.labels.tolist() == [7] * 4
    write_digit_folder(tmp_path / "cats", images[:8], labels[:8], names={0: "cat", 1: "cat"})
    assert datasets.load(tmp_path / "cats").classes == ("cat",)
    split = tmp_path / "split"
    write_digit_folder(split / "train", images[sevens], labels[sevens])
    write_digit_folder(split / "test", images[sevens][:1], labels[sevens][:1])
    assert [len(datasets.load(split, part)) for part in ("train", "test", "all")] == [4, 1, 5]


@pytest.mark.parametrize("layout, expected", [
    (("train", "test", "val"), ("{root}: holds val/ beside test/ and train/; digitnet reads "
     "train/ and test/, and holds out part of train/ for validation itself (--val-fraction): "
     "put the pictures of val/ in train/'s class folders, or move val/ out of {root}")),
    (("train", "valid"), "{root}: holds valid/ beside train/; digitnet reads train/ and test/"),
    (("train", "test", "validation"), "{root}: holds validation/ beside test/ and train/;"),
    (("training", "testing"), ("{root}: holds testing/ and training/; digitnet reads the "
     "splits from folders named train/ and test/: rename testing/ to test/ and training/ to "
     "train/")),
    (("Train", "Test"), ("{root}: holds Test/ and Train/; digitnet reads the splits from "
     "folders named train/ and test/: rename Test/ to test/ and Train/ to train/")),
    (("test",), ("{root}: holds test/ but no train/; put the training pictures in "
     "{root}/train/<class>/")),
    (("test", "val"), "{root}: holds test/ and val/ but no train/"),
])
def test_split_folders_are_not_read_as_classes(tmp_path, digits, layout, expected):
    """train/ test/ val/ was three classes, "test, train, val"."""
    images, labels = digits
    root = tmp_path / "data"
    for i, name in enumerate(layout):
        write_digit_folder(root / name, images[i::3], labels[i::3])
    assert refusal(root).startswith(expected.format(root=root))
    assert not datasets.has_test_split(root)


def test_split_folders_of_loose_pictures_or_beside_class_folders_are_refused(tmp_path, digits):
    images, labels = digits
    loose = tmp_path / "loose"
    for name, part in (("train", slice(0, 20)), ("val", slice(20, 40))):
        write_digit_folder(loose, images[part], labels[part], names=dict.fromkeys(range(10), name))
    assert refusal(loose).startswith(f"{loose / 'train'}: holds 20 pictures but no class folders;")
    mixed = tmp_path / "mixed"
    write_digit_folder(mixed / "train", images, labels)
    write_digit_folder(mixed, images[:8], labels[:8])
    assert refusal(mixed) == (f"{mixed}: holds train/ beside class folders (0 and 1); put the "
                              f"class folders inside {mixed / 'train'}/ (or test/), or rename "
                              "train/ if it is a class")


def test_a_named_class_only_test_holds_is_refused(tmp_path, digits):
    """A class in test/ alone was an output no training example was for."""
    images, labels = digits
    names = {0: "zéro", 1: "un", 2: "deux", 3: "три"}
    root = tmp_path / "words"
    train, test = (labels == 0) | (labels == 2), labels < 4
    write_digit_folder(root / "train", images[train], labels[train], names=names)
    write_digit_folder(root / "test", images[test], labels[test], names=names)
    expected = (f"{root / 'test'}: classes un and три have no folder in {root / 'train'}, so the "
                f"network could not learn them; put training pictures in {root / 'train' / 'un'}"
                "/, or take them out of test/")
    assert refusal(root, "train") == refusal(root, "test") == expected
    shutil.rmtree(root / "test" / "un")
    assert refusal(root).startswith(f"{root / 'test'}: class три has no folder in")
    shutil.rmtree(root / "test" / "три")
    assert datasets.load(root, "test").classes == ("deux", "zéro")


def test_a_digit_only_test_holds_is_refused_too(tmp_path, digits):
    """Digit folders make a model of ten outputs whichever digits train/ holds, but a digit it
    has no picture of is still one it could not learn: its test accuracy counted it."""
    images, labels = digits
    root = tmp_path / "digits"
    train, test = labels < 2, labels < 3
    write_digit_folder(root / "train", images[train], labels[train])
    write_digit_folder(root / "test", images[test], labels[test])
    assert refusal(root, "test") == (
        f"{root / 'test'}: class 2 has no folder in {root / 'train'}, so the network could not "
        f"learn it; put training pictures in {root / 'train' / '2'}/, or take it out of test/")
    shutil.rmtree(root / "test" / "2")
    assert datasets.load(root, "test").classes == tuple(str(d) for d in range(10))


def test_pictures_beside_the_class_folders_are_named_in_the_note(tmp_path, digits):
    images, labels = digits
    root = tmp_path / "mine"
    paths = write_digit_folder(root, images, labels)
    shutil.copy(paths[0], root / "loose.png")
    (root / "README.txt").write_text("my digits")  # not a picture: no concern of the note
    data = datasets.load(root)
    assert len(data) == 40
    assert data.note == (f"{root}: skipped 1 of 41 files, which lie in no class folder: "
                         "loose.png; move each into its class's folder, or remove it")
    (root / "5" / "notes.txt").write_text("fives")
    assert datasets.load(root).note == (
        f"{root}: skipped 2 of 42 files, which are not pictures of a digit (or object) in a "
        "class folder: loose.png (in no class folder), 5/notes.txt (not a picture); move those "
        "in no class folder into their class's, fix or remove the others")
    split = tmp_path / "split"
    write_digit_folder(split / "train", images[:30], labels[:30])
    known = np.isin(labels[30:], labels[:30])  # (a digit only test/ holds is refused)
    write_digit_folder(split / "test", images[30:][known], labels[30:][known])
    shutil.copy(paths[0], split / "top.png")
    shutil.copy(paths[0], split / "train" / "inner.png")
    assert datasets.load(split, "train").note == (
        f"{split / 'train'}: skipped 2 of 32 files, which lie in no class folder: inner.png, "
        f"{split / 'top.png'}; move each into its class's folder, or remove it")
    assert datasets.load(split, "test").note is None


def test_predict_and_training_leave_out_the_same_hidden_folders(tmp_path, digits):
    """`digitnet predict FOLDER` read pictures in hidden folders, which training leaves out."""
    images, labels = digits
    root = tmp_path / "digits" / "train"
    paths = write_digit_folder(root, images, labels)
    for hidden in (root / ".hidden_class", root / "3" / ".thumbnails"):
        write_digit_folder(hidden, images[:2], labels[:2])
    shutil.copy(paths[16], root / "4" / ".scan.png")
    found = [p for p in walk(root) if p.suffix == ".png"]  # (the pictures predict reads)
    assert len(found) == len(datasets.load(root)) == 40
    assert not any(part.startswith(".") for p in found for part in p.relative_to(root).parts)
    assert len([p for p in walk(root / ".hidden_class") if p.suffix == ".png"]) == 2  # named
