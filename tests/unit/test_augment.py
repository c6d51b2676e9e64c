"""augment.py's elastic distortions against plain per-pixel references, on real digits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitnet.augment import displacement_fields, elastic_distort, shift_images, warp

U32 = np.finfo(np.float32).eps / 2  # float32's unit roundoff


def plain_gaussian_filter(field: np.ndarray, sigma: float) -> np.ndarray:
    """2-d Gaussian smoothing written out: each output is Σ k(di) k(dj) field[i+di, j+dj] over
    the window |di|, |dj| <= 4σ, with k normalised to sum 1 and zeros beyond the edges."""
    radius = int(4 * sigma + 0.5)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    h, w = field.shape
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            for di in range(-radius, radius + 1):
                for dj in range(-radius, radius + 1):
                    if 0 <= i + di < h and 0 <= j + dj < w:
                        out[i, j] += k[di + radius] * k[dj + radius] * field[i + di, j + dj]
    return out


def plain_warp(image: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Bilinear interpolation pixel by pixel, in float64; 0 outside the image."""
    h, w = image.shape

    def pixel(r, c):
        return float(image[r, c]) if 0 <= r < h and 0 <= c < w else 0.0

    out = np.zeros((h, w))
    for r in range(h):
        for c in range(w):
            y, x = r + float(dy[r, c]), c + float(dx[r, c])
            r0, c0 = math.floor(y), math.floor(x)
            ty, tx = y - r0, x - c0
            out[r, c] = ((1 - ty) * (1 - tx) * pixel(r0, c0) + (1 - ty) * tx * pixel(r0, c0 + 1)
                         + ty * (1 - tx) * pixel(r0 + 1, c0) + ty * tx * pixel(r0 + 1, c0 + 1))
    return out


@pytest.mark.parametrize("sigma", [2.0, 4.0])
def test_displacement_fields_are_smoothed_uniform_noise(sigma):
    alpha, n = 34.0, 2
    fields = displacement_fields(np.random.default_rng(3), n, (28, 28), alpha, sigma)
    assert fields.shape == (n, 2, 28, 28) and fields.dtype == np.float32
    noise = np.random.default_rng(3).random((n, 2, 28, 28), dtype=np.float32) * 2 - 1
    for i in range(n):
        for d in range(2):
            expected = alpha * plain_gaussian_filter(noise[i, d].astype(np.float64), sigma)
            # Two float32 products of 28 terms each, with weights summing to at most 1 and
            # |noise| <= 1: error <= (28 + 28 + a few) u * alpha.
            np.testing.assert_allclose(fields[i, d], expected, rtol=0, atol=64 * U32 * alpha)


def test_warp_is_bilinear_interpolation_of_real_digits(mnist):
    images = mnist.x[:3].astype(np.float32)
    fields = displacement_fields(np.random.default_rng(0), 3, (28, 28), 34.0, 4.0)
    moved = warp(images, fields)
    for i in range(3):
        expected = plain_warp(images[i], fields[i, 0], fields[i, 1])
        # Positions r + d carry float32 rounding of ~|r + d| u <= 64 u pixels, and pixels change
        # by at most 255 per pixel; the four products and sums add ~8 u relative to <= 255.
        np.testing.assert_allclose(moved[i], expected, rtol=0, atol=255 * (64 + 8) * U32)
    assert not np.allclose(moved, images)


def test_warp_with_no_displacement_or_whole_pixels_moves_exactly(mnist):
    images = mnist.x[:5].astype(np.float32)
    np.testing.assert_array_equal(warp(images, np.zeros((5, 2, 28, 28), np.float32)), images)
    moves = np.array([[1, -2], [0, 3], [-1, 0], [2, 2], [0, 0]])
    fields = np.zeros((5, 2, 28, 28), np.float32)
    fields[:, 0] = -moves[:, :1, None]  # output (r, c) reads (r - dy, c - dx): moved by +dy
    fields[:, 1] = -moves[:, 1:, None]
    np.testing.assert_array_equal(warp(images, fields).reshape(5, 784),
                                  shift_images(images.reshape(5, 784), moves, (28, 28)))


def test_elastic_distort_fills_the_buffer_reproducibly(mnist):
    pixels = np.ascontiguousarray(mnist.x[:300].reshape(300, 784))
    out = np.zeros_like(pixels)
    assert elastic_distort(pixels, (28, 28), np.random.default_rng(9), 34.0, 4.0, out) is out
    fields = displacement_fields(np.random.default_rng(9), 300, (28, 28), 34.0, 4.0)
    expected = np.rint(warp(pixels.reshape(300, 28, 28), fields)).astype(np.uint8)
    np.testing.assert_array_equal(out, expected.reshape(300, 784))
    again = elastic_distort(pixels, (28, 28), np.random.default_rng(9), 34.0, 4.0,
                            np.zeros_like(pixels))
    np.testing.assert_array_equal(out, again)
    # A distorted digit keeps roughly its ink (bilinear resampling of a smooth field).
    kept = out.sum(axis=1, dtype=np.float64) / pixels.sum(axis=1, dtype=np.float64)
    assert 0.7 < np.median(kept) < 1.3
    # alpha 0: no displacement, the images themselves.
    still = elastic_distort(pixels, (28, 28), np.random.default_rng(9), 0.0, 4.0,
                            np.zeros_like(pixels))
    np.testing.assert_array_equal(still, pixels)


def test_elastic_distort_can_distort_some_images_only(mnist):
    pixels = np.ascontiguousarray(mnist.x[:50].reshape(50, 784))
    index = np.array([40, 3, 17])
    out = np.zeros_like(pixels)
    elastic_distort(pixels, (28, 28), np.random.default_rng(2), 34.0, 4.0, out, index=index)
    alone = elastic_distort(pixels[index], (28, 28), np.random.default_rng(2), 34.0, 4.0,
                            np.zeros((3, 784), np.uint8))
    np.testing.assert_array_equal(out[index], alone)
    assert not np.delete(out, index, axis=0).any()  # the others are left alone
