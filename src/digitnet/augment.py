"""Augmentation: new training images from old ones, so a network generalises better.

Two kinds, each drawn afresh for every image in every epoch.

**Shifts.** Each training image is moved by up to ``max_shift`` pixels in each
direction (zeros shifted in), a different move for each image in each epoch. A handwritten 3
is still a 3 a pixel to the left, and a network that has seen it both ways stops relying on
exactly where the strokes sit.

A shift is one of the ``(2 max_shift + 1)²`` moves ``(dy, dx)`` of :func:`shift_offsets`. The
engines apply it as a gather through :func:`shift_maps` (for each move, where each output pixel
comes from), which moves a whole batch in one indexing operation; :func:`shift_images` is the
plain version of the same thing, kept as the reference the gather is tested against.

**Elastic distortions** (Simard, Steinkraus and Platt, "Best practices for convolutional neural
networks applied to visual document analysis", 2003): every pixel is moved by its own small
displacement, random but smooth, as a hand's wobble bends a stroke. A displacement field is
uniform noise in [-1, 1] per pixel and direction, smoothed by a Gaussian of width ``sigma``
pixels and scaled by ``alpha`` (:func:`displacement_fields`); the image is then resampled at the
displaced positions by bilinear interpolation (:func:`warp`). Small ``sigma`` gives random
jitter, large ``sigma`` nearly a uniform shift; Simard et al. used sigma 4 with alpha 34 on
MNIST, where a 784-800-10 network went from 1.6% to 0.7% test error. :func:`elastic_distort`
does both for a whole training set, a block of images at a time, into a uint8 buffer that the
training engines read as the epoch's images.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shift_offsets", "shift_maps", "shift_images", "displacement_fields", "warp",
           "elastic_distort"]

#: Images distorted at once by :func:`elastic_distort`: bounds its temporaries to ~30 MB.
_BLOCK = 1024


def shift_offsets(max_shift: int) -> list[tuple[int, int]]:
    """The moves (dy, dx) with |dy|, |dx| <= max_shift, in the row order of :func:`shift_maps`."""
    return [(dy, dx) for dy in range(-max_shift, max_shift + 1)
            for dx in range(-max_shift, max_shift + 1)]


def shift_maps(image_shape: tuple[int, int], max_shift: int) -> np.ndarray:
    """For each move of :func:`shift_offsets`, where each output pixel comes from.

    Returns
    -------
    ndarray of int64, shape ((2 max_shift + 1)², h*w)
        Row k belongs to ``shift_offsets(max_shift)[k]``; a value in 0..h*w-1 is the source
        pixel, and the value h*w stands for "outside the image: use 0".
    """
    h, w = image_shape
    maps = []
    for dy, dx in shift_offsets(max_shift):
        r = np.arange(h)[:, None] - dy
        c = np.arange(w)[None, :] - dx
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        maps.append(np.where(inside, r.clip(0, h - 1) * w + c.clip(0, w - 1), h * w).ravel())
    return np.array(maps, dtype=np.int64)


def shift_images(raw: np.ndarray, shifts: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Move each flattened image by its own (dy, dx), filling with 0; returns a new array.

    Parameters
    ----------
    raw : ndarray, shape (b, h*w)
    shifts : ndarray of int, shape (b, 2)
        (dy, dx) of each image: output pixel (r, c) comes from (r - dy, c - dx).
    image_shape : (h, w)
    """
    h, w = image_shape
    b = len(raw)
    s = int(np.abs(shifts).max()) if b else 0
    padded = np.zeros((b, h + 2 * s, w + 2 * s), raw.dtype)
    padded[:, s : s + h, s : s + w] = raw.reshape(b, h, w)
    rows = np.arange(h)[None, :, None] + (s - shifts[:, 0])[:, None, None]
    cols = np.arange(w)[None, None, :] + (s - shifts[:, 1])[:, None, None]
    return padded[np.arange(b)[:, None, None], rows, cols].reshape(b, h * w)


def _gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) matrix G with G @ v = v convolved with a Gaussian of width ``sigma``: weights
    exp(-d² / 2σ²) for |d| <= 4σ, normalised to sum 1 over that window, zeros beyond the
    edges (scipy.ndimage.gaussian_filter's mode="constant")."""
    radius = int(4 * sigma + 0.5)
    d = np.arange(n)[:, None] - np.arange(n)[None, :]
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    g = np.where(np.abs(d) <= radius, np.exp(-0.5 * (d / sigma) ** 2), 0.0) / kernel.sum()
    return g.astype(np.float32)


def displacement_fields(rng: np.random.Generator, n: int, image_shape: tuple[int, int],
                        alpha: float, sigma: float) -> np.ndarray:
    """Smooth random displacements: uniform noise in [-1, 1], Gaussian-smoothed, times alpha.

    Returns
    -------
    ndarray of float32, shape (n, 2, h, w)
        ``[:, 0]`` moves rows (dy), ``[:, 1]`` columns (dx), in pixels.
    """
    h, w = image_shape
    noise = rng.random((n, 2, h, w), dtype=np.float32)
    noise = noise * 2 - 1
    # The 2-d Gaussian is separable: smooth the columns (G_h @ u), then the rows (@ G_w.T).
    return alpha * (_gaussian_matrix(h, sigma) @ noise @ _gaussian_matrix(w, sigma).T)


def warp(images: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """Resample each image at its displaced positions, bilinearly, with zeros beyond the edges.

    Output pixel (r, c) of image i is image i at (r + dy, c + dx), ``dy, dx = fields[i, :, r, c]``.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    fields : ndarray, shape (n, 2, h, w)

    Returns
    -------
    ndarray of float32, shape (n, h, w)
    """
    n, h, w = images.shape
    wide = w + 4
    padded = np.zeros((n, h + 4, wide), np.float32)  # two rings of zeros: "beyond the edge"
    padded[:, 2:-2, 2:-2] = images
    rows = np.arange(h, dtype=np.float32)[:, None] + fields[:, 0]
    cols = np.arange(w, dtype=np.float32)[None, :] + fields[:, 1]
    top, left = np.floor(rows), np.floor(cols)
    ty, tx = rows - top, cols - left
    # The top-left of the four pixels around each position, clipped into the rings: one that
    # lies two or more pixels beyond an edge reads zeros, and so do its neighbours there.
    top = np.clip(top, -2, h).astype(np.intp)
    left = np.clip(left, -2, w).astype(np.intp)
    corner = (np.arange(n) * (h + 4) * wide + 2 * wide + 2)[:, None, None] + top * wide + left
    flat = padded.reshape(-1)
    upper = flat[corner] * (1 - tx) + flat[corner + 1] * tx
    lower = flat[corner + wide] * (1 - tx) + flat[corner + wide + 1] * tx
    return upper * (1 - ty) + lower * ty


def elastic_distort(pixels: np.ndarray, image_shape: tuple[int, int], rng: np.random.Generator,
                    alpha: float, sigma: float, out: np.ndarray,
                    index: np.ndarray | None = None) -> np.ndarray:
    """Distort each image of ``pixels`` (or those at ``index``) with its own field, into ``out``.

    Parameters
    ----------
    pixels : ndarray, shape (n, h*w)
        uint8 pixels or float brightness.
    image_shape : (h, w)
    rng : numpy.random.Generator
        Source of the fields, drawn a block of images at a time in order, so the same rng state
        gives the same distortions.
    alpha, sigma : float
        The fields' scale and smoothness, in pixels (:func:`displacement_fields`).
    out : ndarray, shape (n, h*w)
        Rounded to whole grey levels when uint8 (else float brightness, as ``pixels``).
    index : ndarray of int, optional
        Which images to distort (the others of ``out`` are left as they are); default all.

    Returns
    -------
    ``out``
    """
    h, w = image_shape
    index = np.arange(len(pixels)) if index is None else index
    for start in range(0, len(index), _BLOCK):
        at = index[start : start + _BLOCK]
        block = pixels[at].reshape(-1, h, w)
        moved = warp(block, displacement_fields(rng, len(block), image_shape, alpha, sigma))
        if out.dtype == np.uint8:
            moved = np.rint(moved, out=moved)
        out[at] = moved.reshape(len(block), h * w)
    return out
