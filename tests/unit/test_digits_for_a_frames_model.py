"""Real MNIST digits labelled by bare numbers (IDX files of no known dataset), given to a model
trained on pictures read as they are ("frames": Fashion-MNIST's clothes) whose classes are named
otherwise than by digits, are refused in one line naming both, where they were paired by
position (0 scored as 'T-shirt/top', an accuracy of chance). Clothes given to it, and digits
given to a model of pictures made as MNIST's digits are (whose characters look alike), are
paired as before, with their note. Networks built untrained, with the records a model file
gives."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from digitnet import classmatch, datasets, heldout
from digitnet.errors import DataError
from digitnet.inputs import Images
from digitnet.network import Network

FASHION = Path("/usr/share/datasets/fashion-mnist")
CLOTHES = datasets.SPECS["fashion-mnist"].classes


def model(pictures: str, classes) -> Network:
    net = Network((784, 16, len(classes)), seed=0)
    net.metadata = {"input": Images((28, 28), pictures=pictures).to_dict(),
                    "classes": list(classes)}
    return net


def test_digits_for_a_model_of_clothes_are_refused_naming_both(mnist):
    with pytest.raises(DataError) as e:
        classmatch.for_model(mnist, model("frames", CLOTHES), "fashion.safetensors")
    said = str(e.value)
    assert said == (f"{mnist.name}: holds handwritten digits (made as MNIST's are, by their "
                    "look), and fashion.safetensors was trained on other pictures, of "
                    "'T-shirt/top', 'Trouser', 'Pullover', ..., 'Ankle boot', read as they are: "
                    "paired by position, each digit would be scored as one of these; give data "
                    "of its classes, or use a model trained on digits")


def test_a_part_of_them_as_held_out_examples_is_refused_too(mnist):
    test = mnist.subset(slice(0, 500), split="test")
    with pytest.raises(DataError, match="holds handwritten digits"):
        heldout.held_out(model("frames", CLOTHES), test)


def test_starting_a_run_from_such_a_model_says_to_train_without_it(mnist):
    with pytest.raises(DataError, match=r"--init continues training a model on its own classes"):
        classmatch.for_model(mnist, model("frames", CLOTHES), "--init fashion.safetensors",
                             init="--init")


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_clothes_labelled_by_numbers_are_still_paired_by_position():
    clothes = datasets.load(str(FASHION), split="test")
    numbered = dataclasses.replace(clothes, classes=datasets.DIGITS)  # (a copy of no known name)
    with pytest.warns(UserWarning, match="paired by position: 0 is read as 'T-shirt/top'"):
        matched = classmatch.for_model(numbered, model("frames", CLOTHES))
    assert matched.classes == CLOTHES


def test_digits_for_a_model_of_characters_made_as_digits_are_left_to_the_pairing(mnist):
    """Letters or kana prepared as MNIST's digits look as digits do: whether the data holds
    digits or such characters cannot be told, so they are paired, with the note."""
    kana = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")  # (KMNIST's order)
    with pytest.warns(UserWarning, match="paired by position: 0 is read as 'o'"):
        classmatch.for_model(mnist, model("digits", kana))


def test_digits_for_a_model_of_digits_read_as_frames_are_matched_quietly(mnist):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matched = classmatch.for_model(mnist, model("frames", datasets.DIGITS))
    assert matched.classes == datasets.DIGITS
