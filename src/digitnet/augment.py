"""Augmentation: new training images from old ones, so a small network generalises better.

Today one kind: **shifts**. Each training image is moved by up to ``max_shift`` pixels in each
direction (zeros shifted in), a different move for each image in each epoch. A handwritten 3
is still a 3 a pixel to the left, and a network that has seen it both ways stops relying on
exactly where the strokes sit.

A shift is one of the ``(2 max_shift + 1)²`` moves ``(dy, dx)`` of :func:`shift_offsets`. The
engines apply it as a gather through :func:`shift_maps` (for each move, where each output pixel
comes from), which moves a whole batch in one indexing operation; :func:`shift_images` is the
plain version of the same thing, kept as the reference the gather is tested against.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shift_offsets", "shift_maps", "shift_images"]


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
