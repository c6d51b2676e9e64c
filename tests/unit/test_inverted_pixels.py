"""Pixels given as they are that look inverted (dark ink on a bright background, where MNIST's
digits are light on black) are said in one UserWarning, by digitnet.preprocess.warn_if_inverted:
the one check the widget's ``w.image`` (and any other path reading arrays as given) calls.
Measured on real digits: no digit of the MNIST prefix is flagged and every one inverted is; no
Fashion-MNIST item is flagged either (the border's median alone would flag 2 of its 60,000)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from digitnet import datasets
from digitnet.preprocess import to_mnist, warn_if_inverted

FASHION = Path("/usr/share/datasets/fashion-mnist")

WHAT_TO_DO = ("the background is bright and the ink dark (most of the border is brighter than "
              "mid-grey), but networks read light ink on black, as MNIST's digits are; use 1 - x "
              "(255 - x for uint8 pixels), or pass the picture through "
              "digitnet.preprocess.to_mnist")


@pytest.fixture(scope="module")
def digits(mnist_dir):
    return datasets.load(str(mnist_dir), split="train").x  # (24345, 28, 28) uint8


def quiet(images, name: str = "images") -> int:
    """warn_if_inverted(images), failing the test on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return warn_if_inverted(images, name)


def test_no_real_digit_is_flagged(digits):
    assert len(digits) == 24345
    assert quiet(digits) == 0  # uint8 pixels
    assert quiet(digits / 255) == 0  # brightness in [0, 1], float64
    assert quiet((digits / 255).astype(np.float32)) == 0
    assert quiet(digits[7], "w.image") == 0  # one image


def test_every_real_digit_inverted_is_flagged_in_one_line(digits):
    for inverted in (255 - digits, 1 - digits / 255):
        with pytest.warns(UserWarning) as told:
            assert warn_if_inverted(inverted) == len(digits)
        assert len(told) == 1
        assert str(told[0].message) == f"24,345 of the 24,345 images: {WHAT_TO_DO}"
        assert told[0].filename == __file__  # at the line that called it


def test_one_image_is_named_and_only_the_inverted_ones_are_counted(digits):
    with pytest.warns(UserWarning) as told:
        assert warn_if_inverted(255 - digits[3], "w.image") == 1
    assert str(told[0].message) == f"w.image: {WHAT_TO_DO}"
    mixed = np.concatenate([digits[:8], 255 - digits[8:10]])
    with pytest.warns(UserWarning, match=r"^2 of the 10 images: the background is bright"):
        assert warn_if_inverted(mixed) == 2
    # the fix the warning gives is right: 1 - x of the inverted floats is the digit again
    again = 1 - (1 - digits[3] / 255)
    assert quiet(again) == 0
    np.testing.assert_allclose(again, digits[3] / 255, atol=1e-12)


def test_to_mnist_of_an_inverted_digit_is_not_flagged(digits):
    # the other fix: to_mnist reads dark ink on paper as ink, and gives light on black
    made = to_mnist(255 - digits[5])
    assert quiet(made) == 0
    np.testing.assert_allclose(made, to_mnist(digits[5]), atol=1e-6)  # as the digit itself


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_no_fashion_mnist_item_is_flagged():
    for split in ("train", "test"):
        items = datasets.load("fashion-mnist", split=split).x
        assert quiet(items) == 0
