"""Offline, with no MNIST anywhere, "mnist" is the 5,000-digit sample shipped with digitnet, and
both ways of training say so once: ``digitnet train`` on stderr, ``digitnet.train("mnist")`` in
Python as a UserWarning (it fell back without a word, r.n_train == 4500)."""

from __future__ import annotations

import warnings

import pytest

import digitnet

SAID = "using the 5,000-digit sample of real MNIST shipped with digitnet, so accuracy will be lower"


def test_train_in_python_warns_that_it_uses_the_sample(offline):
    with pytest.warns(UserWarning) as told:
        result = digitnet.train("mnist", epochs=1, handle_signals=False)
    assert result.n_train == 4500 and result.network.metadata["data"]["train"]["name"] == (
        "mnist-sample")
    assert len(told) == 1
    note = str(told[0].message)
    assert note.startswith("could not download train-images-idx3-ubyte.gz") and SAID in note
    assert told[0].filename == __file__  # pointing at the line that called digitnet.train


def test_train_of_the_sample_loaded_first_warns_too(offline):
    """The README's first lines: the data loaded, then trained on. Loading says nothing (the
    note is data.note); training on it warns, once, as training on "mnist" does."""
    data = digitnet.datasets.load("mnist", split="train")
    assert data.name == "mnist-sample" and SAID in data.note
    with pytest.warns(UserWarning) as told:
        digitnet.train(data, epochs=1, handle_signals=False)
    assert len(told) == 1 and str(told[0].message) == data.note
    assert told[0].filename == __file__


def test_train_with_the_full_data_warns_nothing(mnist_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        digitnet.train(str(mnist_dir), epochs=1, val_fraction=0.9, handle_signals=False)


def test_the_command_says_it_once(offline, run, tmp_path):
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", "mnist", "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.count(SAID) == 1 and out.exists()
