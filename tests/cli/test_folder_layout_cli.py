"""Folders of real digits laid out as they often arrive, through `digitnet train` and
`digitnet predict` and the Python API: a data set one folder too deep, a val/ folder, a class
only test/ holds are each refused with one line before any training (they trained a one-output
network at 100%, or classes named after the splits); a picture beside the class folders is
named in the note; and predict reads the pictures training reads, hidden folders left out."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from real_data import write_digit_folder

import digitnet
from digitnet.errors import DataError


@pytest.fixture(scope="module")
def digits(mnist):
    """100 real digits, 10 of each."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[1500:1510] for d in range(10)])
    return mnist.x[picks], mnist.labels[picks]


def test_train_refuses_a_data_set_one_folder_too_deep(run, digits, tmp_path, one_line):
    """`digitnet train --data wrap` on wrap/mnist_png/0..9 trained 784-16-16-1 at 100%."""
    images, labels = digits
    wrap = tmp_path / "wrap"
    write_digit_folder(wrap / "mnist_png", images, labels)
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", wrap, "--epochs", "3", "--out", out)
    expected = (f"{wrap}: holds one folder, mnist_png, which holds class folders 0..9: point "
                f"--data at {wrap / 'mnist_png'}")
    assert result.exit_code == 1 and one_line(result.stderr) == f"digitnet: error: {expected}"
    assert result.stdout == "" and not out.exists()
    with pytest.raises(DataError) as info:
        digitnet.train(str(wrap), epochs=2)
    assert str(info.value) == expected


def test_train_refuses_val_and_a_class_only_test_holds(run, digits, tmp_path, one_line):
    images, labels = digits
    split = tmp_path / "split"
    for i, part in enumerate(("train", "test", "val")):
        write_digit_folder(split / part, images[i::3], labels[i::3])
    result = run("train", "--data", split, "--epochs", "1", "--out", tmp_path / "a.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(f"digitnet: error: {split}: holds val/ beside "
                                              "test/ and train/; digitnet reads train/ and test/")
    words = tmp_path / "words"
    names = {0: "zéro", 2: "deux", 3: "три"}
    train, test = (labels == 0) | (labels == 2), np.isin(labels, (0, 2, 3))
    write_digit_folder(words / "train", images[train], labels[train], names=names)
    write_digit_folder(words / "test", images[test], labels[test], names=names)
    result = run("train", "--data", words, "--epochs", "1", "--out", tmp_path / "b.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {words / 'test'}: class три has no folder in {words / 'train'}, so "
        f"the network could not learn it; put training pictures in {words / 'train' / 'три'}/, "
        "or take it out of test/")


def test_predict_reads_the_pictures_training_reads(run, digits, tmp_path):
    """Beside the class folders: a hidden folder of pictures (predict read them, training did
    not) and a loose picture (training left it out without a word)."""
    images, labels = digits
    root = tmp_path / "digits" / "train"
    paths = write_digit_folder(root, images, labels)
    write_digit_folder(root / ".hidden_class", images[:3], labels[:3])
    shutil.copy(paths[0], root / "loose.png")
    out = tmp_path / "m.safetensors"
    trained = run("train", "--data", root, "--epochs", "1", "--out", out, "--json")
    assert trained.exit_code == 0, trained.output
    assert trained.stderr.strip() == (f"note: {root}: skipped 1 of 101 files, which lie in no "
                                      "class folder: loose.png; move each into its class's "
                                      "folder, or remove it")
    report = json.loads(trained.stdout)
    assert report["n_train"] + report["n_val"] == 100 and report["classes"] == list("0123456789")
    shutil.move(root / "loose.png", tmp_path / "loose.png")
    predicted = run("predict", out, root)
    assert predicted.exit_code == 0, predicted.output
    lines = predicted.stdout.splitlines()
    assert len(lines) == 100 and ".hidden_class" not in predicted.stdout
    assert lines[0].startswith(f"{root / '0' / '00000.png'}: ")
