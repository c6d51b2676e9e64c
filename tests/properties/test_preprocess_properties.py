"""Properties of digitnet.preprocess.to_mnist on real MNIST digits (Hypothesis).

Where a digit sits, how much empty page surrounds it, which way round its colours are and how
much it was scaled up must not change what the network is shown, beyond the blur that scaling
itself causes; and the result's centre of mass is always at MNIST's centre.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from digitnet.preprocess import to_mnist

FILTERS = [Image.Resampling.NEAREST, Image.Resampling.BILINEAR, Image.Resampling.BICUBIC,
           Image.Resampling.LANCZOS]
SETTINGS = settings(deadline=None, max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow])

pads = st.tuples(*[st.integers(0, 80)] * 4)


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.x


def place(image: np.ndarray, pad: tuple[int, int, int, int], invert: bool) -> np.ndarray:
    """``image`` on a larger black page (top, bottom, left, right margins), optionally inverted."""
    top, bottom, left, right = pad
    page = np.pad(image, ((top, bottom), (left, right)))
    return 255 - page if invert else page


def scaled(digit: np.ndarray, factor: int, resample) -> np.ndarray:
    size = 28 * factor
    return np.asarray(Image.fromarray(digit).resize((size, size), resample))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 images, the better of every alignment within one pixel.

    MNIST centres by whole pixels, so a centre of mass at 13.5 may round either way.
    """
    return max(float(np.corrcoef(np.roll(a, (dy, dx), (0, 1)).ravel(), b.ravel())[0, 1])
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def center_of_mass(x: np.ndarray) -> tuple[float, float]:
    rows = np.arange(x.shape[0])
    mass = x.sum()
    return float(x.sum(axis=1) @ rows / mass), float(x.sum(axis=0) @ rows / mass)


@SETTINGS
@given(index=st.integers(0, 24_344), pad=pads, invert=st.booleans())
# The crop's margin once stopped at the image's edge: one more row of page below this digit
# made the crop one row taller, so it was resampled differently (moved by 0.02).
@example(index=753, pad=(0, 1, 0, 0), invert=False)
def test_shifting_padding_and_inverting_change_nothing(digits, index, pad, invert):
    digit = digits[index]
    moved = to_mnist(place(digit, pad, invert))
    np.testing.assert_allclose(moved, to_mnist(digit), atol=2e-3)


@SETTINGS
@given(index=st.integers(0, 24_344), factor=st.integers(2, 10), resample=st.sampled_from(FILTERS),
       pad=pads, invert=st.booleans())
def test_scaling_up_changes_little(digits, index, factor, resample, pad, invert):
    digit = digits[index]
    original = to_mnist(digit)
    bigger = to_mnist(place(scaled(digit, factor, resample), pad, invert))
    assert similarity(bigger, original) > 0.8
    assert np.abs(bigger - original).mean() < 0.15  # the mean pixel is ~0.13 of full ink


def has_a_mark_apart(digit: np.ndarray) -> bool:
    """Whether ``digit``'s ink (at a quarter of its brightest and above) has rows or columns
    that are not one unbroken run: a mark apart from the rest, which the crop may leave out of
    the digit's box (1% of MNIST's digits)."""
    lit = digit >= 0.25 * digit.max()
    return any(np.ptp(np.flatnonzero(f)) + 1 != np.count_nonzero(f)
               for f in (lit.any(axis=1), lit.any(axis=0)))


@SETTINGS
@given(index=st.integers(0, 24_344), factor=st.integers(1, 10), resample=st.sampled_from(FILTERS),
       pad=pads, invert=st.booleans())
@example(index=9067, factor=1, resample=Image.Resampling.NEAREST, pad=(0, 0, 0, 0),
         invert=False)  # a mark apart: see the next test
def test_the_result_is_an_mnist_style_image_centred_by_mass(digits, index, factor, resample,
                                                            pad, invert):
    x = to_mnist(place(scaled(digits[index], factor, resample), pad, invert))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == pytest.approx(1.0)
    cy, cx = center_of_mass(x)
    # Whole-pixel centring, as MNIST's: within half a pixel, a little more if the digit's faint
    # fringe is clipped at the frame's edge.
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6, (cy, cx)
    if not has_a_mark_apart(digits[index]):
        lit = np.argwhere(x >= 0.25)
        # The digit fits 20x20: its box is scaled to 20 pixels, which may straddle 21 once placed
        # by whole pixels, and resampling may spread an edge over one pixel more (2 of MNIST's
        # first 24,345 digits, read as they are, reach 22).
        assert (lit.max(axis=0) - lit.min(axis=0) + 1).max() <= 22


def test_a_mark_apart_from_the_digit_is_left_out_of_its_box(digits):
    """MNIST's training digit 9067, a 0 with a mark apart below it (rows 24-25 of 28): the crop
    boxes the 0 alone, which then fills the 20x20 box as a 0 without the mark would, and keeps
    the mark, below it. (MNIST's own box held both; the mark lands at the frame's edge.)"""
    x = to_mnist(digits[9067])
    rows = np.flatnonzero((x >= 0.25).any(axis=1))
    zero, mark = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    assert 19 <= len(zero) <= 21 and mark[0] > zero[-1] + 1 and len(mark) <= 3
