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


@SETTINGS
@given(index=st.integers(0, 24_344), factor=st.integers(1, 10), resample=st.sampled_from(FILTERS),
       pad=pads, invert=st.booleans())
def test_the_result_is_an_mnist_style_image_centred_by_mass(digits, index, factor, resample,
                                                            pad, invert):
    x = to_mnist(place(scaled(digits[index], factor, resample), pad, invert))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == pytest.approx(1.0)
    cy, cx = center_of_mass(x)
    # Whole-pixel centring, as MNIST's: within half a pixel, a little more if the digit's faint
    # fringe is clipped at the frame's edge.
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6, (cy, cx)
    lit = np.argwhere(x >= 0.25)
    assert (lit.max(axis=0) - lit.min(axis=0) + 1).max() <= 21  # the digit fits 20x20
