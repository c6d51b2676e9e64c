"""to_mnist finds the background from what is background, the border, never from the subject:
pictures whose subject fills most of the frame (scikit-learn's 8x8 digits, MNIST digits cropped
to their ink) are read as the same subject with a margin around it is, and a picture the web
page letterboxed onto its black canvas is read as the picture itself. Real digits throughout:
scikit-learn's ``load_digits`` and MNIST's."""

from __future__ import annotations

import numpy as np
import pytest
from page_uploads import GRID, on_the_page, photographed
from PIL import Image

from digitnet.errors import ImageError
from digitnet.preprocess import to_mnist


@pytest.fixture(scope="module")
def eight_by_eight() -> np.ndarray:
    """scikit-learn's 1,797 8x8 digits as uint8 pixels (0..16 scaled to 0..255), light on
    black: in most of them the ink covers over half the pixels and reaches the edges."""
    from sklearn.datasets import load_digits

    return (load_digits().images * 255 / 16).astype(np.uint8)


@pytest.fixture(scope="module")
def digits(mnist):
    """500 real MNIST digits (50 of each), uint8 (500, 28, 28)."""
    picks = [int(i) for d in range(10) for i in np.flatnonzero(mnist.labels == d)[:50]]
    return mnist.x[picks]


def cropped(digit: np.ndarray, margin: int = 0) -> np.ndarray:
    """``digit`` cropped to its ink (every pixel above 0), with ``margin`` black pixels around."""
    ys, xs = np.nonzero(digit)
    return np.pad(digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], margin)


def similar(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 images, the better of every alignment within one pixel (MNIST
    centres by whole pixels: a centre of mass at 13.5 may round either way)."""
    return max(float(np.corrcoef(np.roll(a, (dy, dx), (0, 1)).ravel(), b.ravel())[0, 1])
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


# -- a subject filling the frame --------------------------------------------------------------


def test_a_clear_eight_by_eight_zero_is_no_blank(eight_by_eight):
    """scikit-learn's digit 10, a 0 in light ink on black over half its pixels: it was refused
    as blank (its "background" was fitted to the 0 itself)."""
    zero = eight_by_eight[10]
    assert np.count_nonzero(zero) > zero.size / 2
    x = to_mnist(zero)
    assert x.max() == 1.0
    assert x[14, 14] < 0.2 < x[14, 9] and x[14, 19] > 0.2  # a hole in the middle, ink beside


def test_every_eight_by_eight_digit_reads_as_it_does_with_a_margin(eight_by_eight):
    """However much of its 8x8 frame the ink fills, each of the 1,797 digits comes out as the
    same digit with a black margin around it (whose border is all background) comes out."""
    for k, digit in enumerate(eight_by_eight):
        np.testing.assert_allclose(to_mnist(digit), to_mnist(np.pad(digit, 4)), atol=1e-6,
                                   err_msg=f"load_digits image {k}")


@pytest.mark.parametrize("invert", [False, True], ids=["light-on-black", "dark-on-white"])
def test_mnist_digits_cropped_with_a_one_pixel_margin_come_out_as_the_digits(digits, invert):
    """A border that is all background and a subject filling the rest: the noise is that of the
    border (none), not the spread of the ink's own grey levels."""
    for k, digit in enumerate(digits):
        crop = cropped(digit, margin=1)
        x = to_mnist(255 - crop if invert else crop)
        np.testing.assert_allclose(x, to_mnist(digit), atol=2e-3, err_msg=f"digit {k}")


@pytest.mark.parametrize("invert", [False, True], ids=["light-on-black", "dark-on-white"])
def test_mnist_digits_cropped_to_their_ink_come_out_as_the_digits(digits, invert):
    """The ink touches all four edges; the background is still what most of the border holds.
    (A thick 1 cropped to its stroke is a solid bar of ink, with no background left to find:
    those, narrower than 7 pixels, are left out here.)"""
    for k, digit in enumerate(digits):
        crop = cropped(digit)
        if crop.shape[1] < 7:
            continue
        x = to_mnist(255 - crop if invert else crop)
        assert similar(x, to_mnist(digit)) > 0.99, f"digit {k}"


# -- a picture letterboxed onto a canvas ------------------------------------------------------


@pytest.mark.parametrize("wide", [True, False], ids=["letterboxed", "pillarboxed"])
def test_a_photo_the_page_letterboxed_is_read_as_the_photo(digits, wide):
    """The page draws an uploaded photo scaled to fit its black square, so the grid it sends
    has black bars along two opposite edges: they are the canvas, not the paper. (They were
    taken for the background, the paper for ink: most such photos were refused as blank.)
    The page's resampling blurs a little."""
    rng = np.random.default_rng(7)
    scores = []
    for k, digit in enumerate(digits[::5]):
        photo = photographed(digit, rng, wide)
        grid = on_the_page(photo)
        assert (grid[0] == 0).all() if wide else (grid[:, 0] == 0).all()  # the bars are there
        scores.append(similar(to_mnist(grid), to_mnist(photo)))
        assert scores[-1] > 0.85, f"digit {5 * k}"
    assert np.median(scores) > 0.9


def test_clean_dark_ink_on_white_paper_letterboxed_is_read_as_on_white(digits):
    """The digit on white paper 36 pixels wide (one exact value): the black bars are cut, and
    it reads as it does laid on a white pad (only the rows blending bar and paper, cut with the
    bars, may hold a stroke's end)."""
    scores = []
    for k, digit in enumerate(digits[::5]):
        paper = Image.fromarray(np.pad(255 - digit, ((0, 0), (4, 4)), constant_values=255))
        scores.append(similar(to_mnist(on_the_page(paper)),
                              to_mnist(on_the_page(paper, canvas=(255, 255, 255)))))
        assert scores[-1] > 0.9, f"digit {5 * k}"
    assert np.median(scores) > 0.99


def test_black_bars_around_a_digit_on_black_are_background(digits):
    """Bars of the background's own value (an MNIST digit on a wider black canvas, or its own
    empty rows) are just more background: nothing is cut, nothing changes."""
    for k, digit in enumerate(digits[::5]):
        wide = np.pad(digit, ((0, 0), (14, 14)))
        np.testing.assert_allclose(to_mnist(wide), to_mnist(digit), atol=2e-3, err_msg=f"{k}")
        grid = on_the_page(Image.fromarray(wide))
        assert similar(to_mnist(grid), to_mnist(digit)) > 0.9, k


def test_a_letterboxed_blank_page_is_still_blank():
    """Cutting the bars leaves the paper, with nothing on it: refused, not guessed at."""
    page = on_the_page(Image.new("RGB", (64, 48), (235, 228, 216)))
    assert (page[0] == 0).all() and page[GRID // 2, 0] > 0.5
    with pytest.raises(ImageError, match="no digit found: the image is blank"):
        to_mnist(page)
