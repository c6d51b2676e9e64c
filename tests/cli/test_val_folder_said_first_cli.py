"""A val/ folder beside train/ (and test/) is refused as such whatever it holds: an empty one
was "ms/val: holds no class folders; put each class's pictures in a folder named after the
class (ms/val/0/a.png, ...)", and following that only led to the real refusal ("move val/ out
of ms"). So with Train/ for train/: the rename is said first, whatever val/ holds. A train/
holding pictures and no class folders is still said to (loose pictures beside val/). Real MNIST
digits written as PNG files; nothing trains."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import write_digit_folder


@pytest.fixture(scope="module")
def digits(mnist):
    """40 real digits, 4 of each."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[1500:1504] for d in range(10)])
    return mnist.x[picks], mnist.labels[picks]


def _layout(root, digits, train="train", val=None):
    images, labels = digits
    write_digit_folder(root / train, images[:30], labels[:30])
    write_digit_folder(root / "test", images[30:], labels[30:])
    if val == "empty":
        (root / "val").mkdir()
    elif val == "classes":
        write_digit_folder(root / "val", images[:10], labels[:10])
    return root


def _said(run, one_line, root) -> str:
    result = run("train", "--data", root, "--epochs", "1", "--out", root.parent / "m.safetensors")
    assert result.exit_code == 1, result.output
    return one_line(result.stderr)


@pytest.mark.parametrize("val", ["empty", "classes"])
def test_val_beside_train_and_test_is_refused_whatever_it_holds(run, one_line, tmp_path, digits,
                                                                 val):
    ms = _layout(tmp_path / "ms", digits, val=val)
    assert _said(run, one_line, ms) == (
        f"digitnet: error: {ms}: holds val/ beside test/ and train/; digitnet reads train/ and "
        "test/, and holds out part of train/ for validation itself (--val-fraction): put the "
        f"pictures of val/ in train/'s class folders, or move val/ out of {ms}")


@pytest.mark.parametrize("val", [None, "empty"])
def test_train_spelled_otherwise_is_said_first(run, one_line, tmp_path, digits, val):
    ms = _layout(tmp_path / "ms", digits, train="Train", val=val)
    assert _said(run, one_line, ms) == (
        f"digitnet: error: {ms}: holds Train/; digitnet reads the splits from folders named "
        "train/ and test/: rename Train/ to train/")


def test_an_empty_val_beside_class_folders_is_named_beside_them(run, one_line, tmp_path,
                                                                 digits):
    images, labels = digits
    mine = tmp_path / "mine"
    write_digit_folder(mine, images, labels)
    (mine / "val").mkdir()
    assert _said(run, one_line, mine) == (
        f"digitnet: error: {mine}: holds val/ beside class folders (0..9); put the class folders "
        f"inside {mine / 'train'}/ (or test/), or rename val/ if it is a class")


def test_a_train_folder_of_loose_pictures_is_still_said(run, one_line, tmp_path, digits):
    images, labels = digits
    loose = tmp_path / "loose"
    write_digit_folder(loose, images[:20], labels[:20], names=dict.fromkeys(range(10), "train"))
    (loose / "val").mkdir()
    assert _said(run, one_line, loose).startswith(
        f"digitnet: error: {loose / 'train'}: holds 20 pictures but no class folders;")
