"""Folders of class folders of pictures: real MNIST digits written as PNG files (some as photos
of dark ink on paper), read back through to_mnist; splits, class names, skipped files, and each
folder that cannot be a data set refused with one line naming it."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import datasets, folders
from digitnet.errors import DataError
from digitnet.inputs import Images
from digitnet.preprocess import to_mnist


@pytest.fixture(scope="module")
def digits(mnist):
    """60 real digits, 6 of each, from the middle of the prefix."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[1000:1006] for d in range(10)])
    return mnist.x[picks], mnist.labels[picks]


def test_every_picture_becomes_an_mnist_digit(tmp_path, digits):
    images, labels = digits
    paths = write_digit_folder(tmp_path, images, labels)  # every third one a photo
    data = datasets.load(tmp_path)
    assert data.classes == datasets.DIGITS and data.input == Images((28, 28))
    assert data.x.shape == (60, 28, 28) and data.x.dtype == np.uint8 and data.note is None
    # Read in sorted order (class folders, then file names): the digits in label order.
    ordered = sorted(paths, key=lambda p: (p.parent.name, p.name))
    np.testing.assert_array_equal(data.labels, [int(p.parent.name) for p in ordered])
    for x, path in zip(data.x, ordered):
        np.testing.assert_array_equal(x, np.round(to_mnist(path) * 255).astype(np.uint8))
    assert list(data.files) == [f"{tmp_path.name}/"]


def test_the_fingerprint_follows_the_files(tmp_path, digits):
    images, labels = digits
    paths = write_digit_folder(tmp_path, images[:20], labels[:20])
    before = datasets.load(tmp_path).files
    assert datasets.load(tmp_path).files == before
    paths[0].write_bytes(paths[1].read_bytes())
    assert datasets.load(tmp_path).files != before


def test_train_and_test_folders_are_the_splits(tmp_path, digits):
    images, labels = digits
    write_digit_folder(tmp_path / "train", images[labels != 9], labels[labels != 9])
    some = (labels >= 5) & (labels != 9)  # (a digit train/ lacks is refused in test/)
    write_digit_folder(tmp_path / "test", images[some], labels[some])
    train, test = datasets.load(tmp_path, "train"), datasets.load(tmp_path, "test")
    assert (len(train), len(test)) == (54, 24)
    assert train.classes == test.classes == datasets.DIGITS
    assert set(train.labels) == set(range(9)) and set(test.labels) == set(range(5, 9))
    assert datasets.has_test_split(tmp_path) and not datasets.has_test_split(tmp_path / "train")
    with pytest.raises(DataError, match="no test/ folder"):
        datasets.load(tmp_path / "train", "test")


def test_class_names_are_the_folder_names(tmp_path, digits):
    images, labels = digits
    keep = labels < 3
    names = {0: "zero", 1: "one", 2: "two"}
    write_digit_folder(tmp_path, images[keep], labels[keep], names=names)
    data = datasets.load(tmp_path)
    assert data.classes == ("one", "two", "zero")  # sorted
    np.testing.assert_array_equal(np.array(data.classes)[data.labels],
                                  sorted(names[d] for d in labels[keep]))


def test_a_few_digit_folders_keep_their_digits(tmp_path, digits):
    images, labels = digits
    keep = (labels == 3) | (labels == 7)
    write_digit_folder(tmp_path, images[keep], labels[keep])
    data = datasets.load(tmp_path)
    assert data.classes == datasets.DIGITS and set(data.labels) == {3, 7}


def test_bad_files_are_skipped_and_named(tmp_path, digits):
    images, labels = digits
    write_digit_folder(tmp_path, images[::3], labels[::3])  # 20 digits, two of each
    (tmp_path / "3" / "notes.txt").write_text("my threes")
    (tmp_path / "5" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    (tmp_path / "5" / "blank.png").write_bytes(_blank())  # a picture of empty paper
    (tmp_path / "7" / ".DS_Store").write_bytes(b"\0\0")  # hidden: not even mentioned
    data = datasets.load(tmp_path)
    assert len(data) == 20
    note = data.note
    assert note.startswith(f"{tmp_path}: skipped 3 of 23 files") and "\n" not in note
    for named in ("3/notes.txt (not a picture)", "5/blank.png (no digit found", "5/broken.png"):
        assert named in note
    assert "DS_Store" not in note


def _blank() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((40, 40), 230, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_folders_that_are_not_data_sets(tmp_path, digits):
    images, labels = digits
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds no class folders; put each class's pictures"):
        datasets.load(empty)
    loose = tmp_path / "loose"
    loose.mkdir()
    for i in range(3):
        (loose / f"{i}.png").write_bytes(_blank())
    with pytest.raises(DataError, match="holds 3 pictures but no class folders"):
        datasets.load(loose)
    write_digit_folder(tmp_path / "classes", images[:5], labels[:5])
    (tmp_path / "classes" / "nine").mkdir()
    (tmp_path / "classes" / "nine" / "readme.txt").write_text("to do")
    with pytest.raises(DataError) as info:
        datasets.load(tmp_path / "classes")
    assert str(info.value).startswith(f"{tmp_path / 'classes' / 'nine'}: class 'nine' has no pictures")
    unreadable = tmp_path / "unreadable" / "0"
    unreadable.mkdir(parents=True)
    (unreadable / "a.png").write_bytes(b"not a png")
    (unreadable.parent / "1").mkdir()  # (two classes: a single one is refused before reading)
    (unreadable.parent / "1" / "b.png").write_bytes(b"not a png either")
    with pytest.raises(DataError, match="none of its pictures could be read"):
        folders.read_folder(tmp_path / "unreadable")


def test_train_and_test_folders_of_fsdd_named_recordings(tmp_path, spoken_digits):
    """voice/train/ and voice/test/ holding recordings named as FSDD names them (no class
    folders) are the splits, each read whole: the labels and speakers come from the names."""
    import shutil

    voice = tmp_path / "voice"
    for part, numbers in (("train", range(2)), ("test", range(5, 8))):
        (voice / part).mkdir(parents=True)
        for digit in range(10):
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_nicolas_{i}.wav", voice / part)
    train, test = datasets.load(voice, "train"), datasets.load(voice, "test")
    assert (len(train), len(test)) == (20, 30) and datasets.has_test_split(voice)
    assert train.classes == test.classes == datasets.DIGITS
    np.testing.assert_array_equal(np.bincount(test.labels), [3] * 10)
    assert set(train.groups) == set(test.groups) == {"nicolas"}


def test_a_split_of_recordings_not_named_as_fsdd_names_them_says_how_to_name_them(
        tmp_path, spoken_digits):
    """Beside a train/ of class folders, a test/ of loose recordings with other names is one
    line naming test/ and the two layouts that work; FSDD-named recordings beside class folders
    that are not digits are one line saying that the two do not go together."""
    import shutil

    voice = tmp_path / "voice"
    for digit in range(3):
        (voice / "train" / str(digit)).mkdir(parents=True)
        shutil.copy(spoken_digits / f"{digit}_nicolas_0.wav", voice / "train" / str(digit))
    (voice / "test").mkdir()
    for digit in range(3):
        shutil.copy(spoken_digits / f"{digit}_nicolas_9.wav", voice / "test" / f"take{digit}.wav")
    with pytest.raises(DataError) as e:
        datasets.load(voice, "test")
    assert str(e.value).startswith(f"{voice / 'test'}: holds 3 recordings but no class folders; "
                                   "name each recording as FSDD does")
    (voice / "train" / "0").rename(voice / "train" / "zero")
    for digit in range(3):
        (voice / "test" / f"take{digit}.wav").rename(voice / "test" / f"{digit}_nicolas_9.wav")
    with pytest.raises(DataError, match="beside class folders that are not digits \\(zero\\)"):
        datasets.load(voice, "train")
