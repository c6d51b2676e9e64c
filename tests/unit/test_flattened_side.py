"""Rows that look like flattened pictures (arrays.flattened_side): real MNIST digits flattened
to (n, 784), as uint8 pixels, brightness in [0, 1] or 0..255 held as floats, are 28x28
pictures; scikit-learn's real tables (wine, breast cancer, 8x8 digits: pictures too small to
gain from the picture recipe) and the same MNIST columns in another order are not."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk

from digitnet.arrays import MIN_PICTURE_SIDE, flattened_side


@pytest.fixture(scope="module")
def flat(mnist):
    return mnist.x[:2000].reshape(2000, -1)


def test_flattened_mnist_digits_are_28x28_pictures_however_their_pixels_are_held(flat):
    assert flat.dtype == np.uint8 and flattened_side(flat) == 28
    assert flattened_side(flat / 255) == 28  # brightness
    assert flattened_side(flat / np.float32(255)) == 28
    assert flattened_side(flat.astype(np.float64)) == 28  # 0..255 as floats (fetch_openml's)
    assert flattened_side(flat.astype(np.int64)) == 28


def test_the_same_numbers_not_laid_out_as_pictures_are_not(flat):
    shuffled = flat[:, np.random.default_rng(0).permutation(784)]  # the same columns, reordered
    assert flattened_side(shuffled) is None
    assert flattened_side(flat / 255 * 2) is None  # brightness up to 2: no pixels digitnet reads
    assert flattened_side(flat.astype(np.float64) + 0.5) is None  # 0.5..255.5: not pixels
    assert flattened_side(flat[:, :783]) is None  # not square
    assert flattened_side(np.zeros((10, 784), np.uint8)) is None  # all blank: nothing to tell


@pytest.mark.parametrize("table", ["wine", "breast_cancer", "digits"])
def test_scikit_learns_tables_are_tables(table):
    X = getattr(sk, f"load_{table}")().data
    assert flattened_side(X) is None
    assert flattened_side(X / X.max()) is None  # also scaled into [0, 1]


def test_pictures_smaller_than_mnists_are_left_as_tables():
    digits = sk.load_digits().data  # 8x8 pictures, 0..16
    assert MIN_PICTURE_SIDE == 28
    assert flattened_side(np.round(digits * 255 / 16).astype(np.uint8)) is None
