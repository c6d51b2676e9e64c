"""Grey pictures deeper than 8 bits read as bright as the 8-bit picture: 16-bit PNGs, 12-bit
scans kept in 16-bit PNGs (levels 0..4095, which Pillow reads as 16 bits), the same levels as
TIFF, 32-bit and float pictures and as uint16 arrays, and folder data sets of them; on real
MNIST digits (the arithmetic of each tolerance is in tests/helpers/deep_levels.py)."""

from __future__ import annotations

import numpy as np
import pytest
from deep_levels import DELTA, EPS_X, F32, LEAST_F, ink_percentile, levels, write_pngs
from PIL import Image

from digitnet import datasets
from digitnet.preprocess import read_image, to_mnist


@pytest.fixture(scope="module")
def ten_digits(mnist):
    """Ten real MNIST digits, one of each class (uint8, (10, 28, 28)), and their labels."""
    picks = [int(np.flatnonzero(mnist.labels == d)[9]) for d in range(10)]
    return mnist.x[picks], mnist.labels[picks]


@pytest.fixture(scope="module")
def pngs(ten_digits, tmp_path_factory):
    return write_pngs(tmp_path_factory.mktemp("deep"), ten_digits[0])


def test_pillow_reads_a_12_bit_scan_as_16_bits(pngs):
    """What the reader is given: nothing but the levels tells 12-bit data from 16-bit."""
    for path in pngs["12-bit"]:
        with Image.open(path) as image:
            assert image.mode == "I;16" and image.getextrema()[1] <= 4095


@pytest.mark.parametrize("depth", ["16-bit", "12-bit"])
def test_a_deep_png_reads_as_the_8_bit_png(pngs, depth):
    for deep, shallow in zip(pngs[depth], pngs["8-bit"]):
        grey, _ = read_image(deep)
        expected, _ = read_image(shallow)
        assert expected.max() > 0.9  # (a digit, its strokes near 255)
        if depth == "16-bit":
            np.testing.assert_array_equal(grey, expected)  # v * 257 / 65535 = v / 255
        else:
            np.testing.assert_allclose(grey, expected, rtol=0, atol=DELTA + F32)


@pytest.mark.parametrize("container", ["tiff I;16B", "tiff I", "tiff F", "PIL image",
                                       "uint16 array"])
@pytest.mark.parametrize("depth", ["16-bit", "12-bit"])
def test_deep_levels_read_alike_in_every_container(ten_digits, tmp_path, container, depth):
    digit = ten_digits[0][3]
    deep = levels(digit)[depth]
    if container == "uint16 array":
        image = deep
    elif container == "PIL image":
        image = Image.fromarray(deep)
    else:
        array = {"tiff I;16B": deep.astype(">u2"), "tiff I": deep.astype(np.int32),
                 "tiff F": deep.astype(np.float32)}[container]  # ("F": a 16-bit one converted)
        image = tmp_path / "deep.tif"
        Image.fromarray(array).save(image)
        with Image.open(image) as stored:
            assert stored.mode == container.split()[1]
    grey, _ = read_image(image)
    np.testing.assert_allclose(grey, digit / np.float32(255), rtol=0,
                               atol=DELTA + F32 if depth == "12-bit" else F32)


def test_16_bit_pictures_keep_their_brightness(ten_digits):
    """Levels above 4095 are 16-bit ones, however dark the picture; levels all within 0..255
    in a 16-bit container are 8-bit ones (NumPy's astype(np.uint16))."""
    digit = ten_digits[0][5]
    half = digit.astype(np.uint16) * 257 // 2  # half as bright: up to 32767
    np.testing.assert_allclose(read_image(Image.fromarray(half))[0], half / 65535,
                               rtol=0, atol=F32)
    dim = np.where(digit > 0, 4096, 0).astype(np.uint16)  # 1/16 of full brightness, just over
    np.testing.assert_allclose(read_image(dim)[0], dim / 65535, rtol=0, atol=F32)
    eight = digit.astype(np.uint16)
    np.testing.assert_array_equal(read_image(Image.fromarray(eight))[0], read_image(digit)[0])


def test_mnist_style_pictures_of_deep_pngs_are_the_8_bit_ones(ten_digits, pngs):
    """to_mnist, which predict, the web API and folder data sets all read pictures through."""
    for digit, deep16, deep12, shallow in zip(ten_digits[0], pngs["16-bit"], pngs["12-bit"],
                                              pngs["8-bit"]):
        assert ink_percentile(digit) >= LEAST_F  # (EPS_X's arithmetic assumes it)
        expected = to_mnist(shallow)
        np.testing.assert_array_equal(to_mnist(deep16), expected)
        np.testing.assert_allclose(to_mnist(deep12), expected, rtol=0, atol=EPS_X)


def test_a_folder_data_set_of_12_bit_pngs_is_the_8_bit_one(ten_digits, tmp_path):
    """Training data in class folders is read by the same reader: the same labels, and pixels
    within one 8-bit level (EPS_X is under half a level, but rounding may still part them)."""
    images, labels = ten_digits
    for depth in ("8-bit", "12-bit"):
        for i, (digit, label) in enumerate(zip(images, labels)):
            (tmp_path / depth / str(label)).mkdir(parents=True)
            Image.fromarray(levels(digit)[depth]).save(tmp_path / depth / str(label) / f"{i}.png")
    shallow, deep = (datasets.load(tmp_path / depth) for depth in ("8-bit", "12-bit"))
    assert list(deep.labels) == list(shallow.labels) and len(deep) == 10
    assert np.abs(deep.x.astype(int) - shallow.x.astype(int)).max() <= 1
