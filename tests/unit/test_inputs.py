"""inputs.py: deskewing real MNIST digits, and the input record that carries it."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import inputs
from digitnet.errors import DataError
from digitnet.inputs import Images, deskew

N = 400  # real digits per test: enough slants of every kind, quick to deskew


def _moments(images):
    """Centre of mass, var(y) and cov(x, y) of each image's brightness, in float64."""
    im = np.asarray(images, np.float64)
    y, x = np.mgrid[: im.shape[1], : im.shape[2]]
    mass = im.sum(axis=(1, 2))
    x_bar = (im * x).sum(axis=(1, 2)) / mass
    y_bar = (im * y).sum(axis=(1, 2)) / mass
    dx, dy = x - x_bar[:, None, None], y - y_bar[:, None, None]
    var_y = (im * dy * dy).sum(axis=(1, 2)) / mass
    cov = (im * dx * dy).sum(axis=(1, 2)) / mass
    return x_bar, y_bar, var_y, cov, np.abs(dx * dy)


def _inside(before, after, tolerance=1e-3):
    """Digits that lost no ink past the frame's edge: float brightness in [0, 1] whose mass was
    kept within ``tolerance`` (float32 sums of <= 784 values <= 1 are good to ~1e-4)."""
    lost = np.abs(np.asarray(before, np.float64).sum(axis=(1, 2))
                  - np.asarray(after, np.float64).sum(axis=(1, 2)))
    return lost <= tolerance


def _straightened(x):
    """deskew's shear of float32 brightness before it rounds to whole pixels: the arithmetic
    that the covariance is 0 after, to float rounding."""
    return inputs._shear_rows(x, inputs._slant(x))


def _kept_ink(pixels):
    """Which uint8 digits deskew without shearing ink past the edge (judged in floats)."""
    x = pixels.astype(np.float32) / 255
    return _inside(x, _straightened(x))


def _shear(images, alpha):
    """Slant upright digits by hand: row y moves right by alpha (y - ȳ), one pixel at a time
    where the shift is whole, the plain way (no interpolation): a reference independent of
    inputs.py's arithmetic."""
    out = np.zeros_like(images)
    _, y_bar, *_ = _moments(images)
    for i, image in enumerate(images):
        for y in range(image.shape[0]):
            s = int(round(alpha * (y - y_bar[i])))
            row = np.roll(image[y], s)
            if s > 0:
                row[:s] = 0
            elif s < 0:
                row[s:] = 0
            out[i, y] = row
    return out


def test_deskewed_digits_have_no_x_y_covariance(mnist):
    x = mnist.x[:N]
    straight = deskew(x)
    assert straight.dtype == np.uint8 and straight.shape == x.shape
    *_, cov_before = _moments(x)[:4]
    assert np.abs(cov_before / _moments(x)[2]).mean() > 0.1  # real digits do slant
    x_bar, y_bar, var_y, cov, weight = _moments(straight)
    inside = _kept_ink(x)
    assert inside.mean() > 0.97
    # Before rounding the covariance is 0 to float rounding (linear interpolation moves each
    # row's ink centre by exactly its shift). Rounding to uint8 changes each pixel by at most
    # 0.5, so cov(x, y) * mass can move by at most 0.5 Σ |dx dy| over the pixels (to first order).
    mass = straight.astype(np.float64).sum(axis=(1, 2))
    bound = 0.5 * (weight * (straight > 0)).sum(axis=(1, 2)) / mass
    assert (np.abs(cov) <= bound + 1e-9)[inside].all()
    # The centre of mass stays (to the same rounding: at most 0.5 Σ |dx| / mass per axis, < 0.5).
    x0, y0, *_ = _moments(x)
    assert np.abs(x_bar - x0)[inside].max() < 0.5 and np.abs(y_bar - y0)[inside].max() < 0.5


def test_a_sheared_digit_is_straightened(mnist):
    upright = _straightened(mnist.x[:N].astype(np.float32) / 255)
    slanted = _shear(upright, 0.5)
    kept = _inside(upright, slanted)
    straightened = _straightened(slanted)
    kept &= _inside(slanted, straightened)
    assert kept.mean() > 0.8
    *_, var_y, cov, _ = _moments(slanted[kept])
    assert (cov / var_y).mean() > 0.3  # the slant we gave (0.5, less whole-pixel rounding)
    *_, var_y, cov, _ = _moments(straightened[kept])
    # float32 arithmetic on 784 pixels of magnitude <= 1 with |dx dy| < 200: far below 1e-3.
    assert np.abs(cov / var_y).max() < 1e-3
    # Straightened, each digit is the upright one again, up to the interpolation's blur:
    # closer to it than the slanted one is, pixel for pixel.
    err_after = np.abs(straightened[kept] - upright[kept]).sum(axis=(1, 2))
    err_before = np.abs(slanted[kept] - upright[kept]).sum(axis=(1, 2))
    assert np.mean(err_after < err_before) > 0.95


def test_deskewing_twice_changes_nothing_beyond_rounding(mnist):
    # floats: the second pass's shear is float rounding of 0, so the images do not move.
    inside = _kept_ink(mnist.x[:N])
    assert inside.mean() > 0.97
    once = _straightened(mnist.x[:N].astype(np.float32) / 255)
    twice = _straightened(once)
    # |shift| <= |α| 14 pixels, α ~ 1e-6 from float32 sums; a pixel moves by |shift| * 1.
    assert np.abs(twice - once)[inside].max() < 1e-4
    # uint8: the first pass's rounding leaves |α| <= the bound of the covariance test, so a
    # pixel moves by at most |α| max|y - ȳ| * 255 (its neighbour's difference), then rounds.
    once = deskew(mnist.x[:N])
    twice = deskew(once)
    _, _, var_y, _, weight = _moments(once)
    mass = once.astype(np.float64).sum(axis=(1, 2))
    alpha_bound = 0.5 * (weight * (once > 0)).sum(axis=(1, 2)) / mass / var_y
    moved = np.abs(twice.astype(int) - once).max(axis=(1, 2))
    assert (moved <= np.ceil(alpha_bound * 28 * 255 + 1))[inside].all()
    assert np.mean(moved[inside] <= 1) > 0.9  # and in practice, mostly rounding alone


def test_blank_images_and_floats():
    blank = np.zeros((2, 28, 28), np.uint8)
    assert (deskew(blank) == 0).all()
    single = np.zeros((1, 28, 28), np.float64)
    single[0, 10:18, 14] = 0.75
    out = deskew(single)
    assert out.dtype == np.float32
    # a vertical stroke has no slant; 0.75 is read as the nearest pixel, 191, as 191 / 255
    np.testing.assert_array_equal(out, np.uint8(191) * (single > 0) * np.float32(1 / 255))
    with pytest.raises(DataError, match=r"an image \(h, w\) or images \(n, h, w\)"):
        deskew(np.zeros(784))


def test_images_rows_deskew_data_sets_and_single_drawings(mnist):
    plain, straight = Images((28, 28)), Images((28, 28), deskew=True)
    x = mnist.x[:50]
    rows = straight.rows(x)
    assert rows.dtype == np.uint8 and rows.shape == (50, 784)
    np.testing.assert_array_equal(rows, deskew(x).reshape(50, 784))
    assert (plain.rows(x) != rows).any()
    drawing = x[3].astype(np.float32) / 255  # one (28, 28) drawing in [0, 1]
    row = straight.rows(drawing)
    assert row.dtype == np.float32 and row.shape == (1, 784)
    np.testing.assert_array_equal(row, deskew(drawing[None]).reshape(1, 784))


def test_the_record_round_trips_and_old_records_read_as_not_deskewed():
    for record in (Images((28, 28)), Images((28, 28), deskew=True)):
        assert inputs.from_dict(record.to_dict()) == record
    assert inputs.from_dict({"kind": "images", "shape": [28, 28]}).deskew is False


def test_each_kind_of_input_describes_itself_short_and_in_detail():
    from sklearn.datasets import load_wine

    wine = load_wine()
    table = inputs.Table(wine.feature_names).fit(wine.data)
    audio = inputs.Audio()
    assert Images((28, 28)).describe() == "28x28 images"
    assert Images((8, 8)).describe(detailed=True) == "8x8 images, one input neuron per pixel"
    assert audio.describe() == "recordings (28x28 pictures of their sound)"
    detailed = audio.describe(detailed=True)
    assert detailed.startswith("recordings, as 28x28 pictures of their sound (log-mel: 28 bands")
    assert "from 100 Hz to 4000 Hz" in detailed and "hop 128, window 256, top 40 dB" in detailed
    assert table.describe() == "a table of 13 columns"
    detailed = table.describe(detailed=True)
    assert detailed.startswith("a table of 13 columns (standardised with the training split's")
    assert detailed.endswith(", ".join(wine.feature_names[:12]) + ", ... (13 in all)")
    assert "standardised" not in inputs.Table(wine.feature_names[:3]).describe(detailed=True)
