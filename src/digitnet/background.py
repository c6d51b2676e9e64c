"""A picture's background, estimated from what is background: step 2 of
:func:`digitnet.preprocess.to_mnist`.

The background is what the picture's border holds: the edges of a photo are paper, and those
of a digit saved from MNIST or of a garment from Fashion-MNIST are black, however much of the
frame the subject fills (a Fashion-MNIST coat covers two thirds of its 28x28 pixels, a digit
cropped tight to its ink most of its own). Each estimate comes from the border, never from the
subject:

- :func:`unletterbox`: a picture laid on a canvas of another shape (the web page draws an
  uploaded photo scaled to fit its black square) has bars of one exact value along two
  opposite edges; they are the canvas, not the paper, and are cut off first;
- :func:`flat_background`: a drawing has a background of one exact value, which most of its
  border and most of its pixels hold (the shortcut: nothing to fit);
- :func:`exact_value`: a clean digital picture (a PNG of a digit or garment) has a background
  of one exact value too, even where its subject covers most of the border;
- :func:`fit_background`: a photo's paper is a smooth surface (a quadratic in x and y) under
  uneven lighting, fitted first to the border's typical pixels (or its exact value), then to
  every pixel near the surface;
- :func:`noise`: the background's noise, a robust standard deviation measured in the band
  along the border, where the surface was first fitted.

Measured on pictures people have (MNIST digits cropped to their ink, Fashion-MNIST and
scikit-learn's 8x8 digits as PNGs, photos letterboxed by the page): bench/own_pictures.py,
bench/results/own-pictures.md.
"""

from __future__ import annotations

import math

import numpy as np

from .images import shrink

__all__ = ["exact_value", "fit_background", "flat_background", "noise", "smooth", "unletterbox"]

#: Rows (or columns) this close to a letterbox bar are left out when the picture's own edges
#: across the bars are read: they may blend bar and picture (the page's canvas is resampled).
BLEND = 3
#: A letterboxed picture's paper is this even: three quarters of its border within this of its
#: typical value, which is over twice this from the bars'.
EVEN = 0.1


def unletterbox(gray: np.ndarray) -> np.ndarray:
    """``gray`` without letterbox bars: rows (or columns) of one exact value along two opposite
    edges, both the same value, around a picture whose own background is another (its edges
    across the bars hold an even value far from the bars'), with the rows blending the two.

    An MNIST digit's empty rows are no bars: the columns beside its ink are as black as they.
    Returns a view of ``gray`` (itself when there are no bars).
    """
    for axis in (0, 1):
        lines = gray if axis == 0 else gray.T
        top, bottom = _bars(lines)
        if top:
            gray = gray[top:-bottom] if axis == 0 else gray[:, top:-bottom]
    return gray


def _bars(lines: np.ndarray) -> tuple[int, int]:
    """How many of ``lines``' rows, first and last, are letterbox bars and their blend with the
    picture: (0, 0) when they are not bars."""
    first, last, middle = lines[0], lines[-1], lines[len(lines) // 2]
    value = first[0]
    if middle[0] == value and middle[-1] == value:
        return 0, 0  # the picture's edges are the first row's value, halfway along: no bars
    if not ((first == value).all() and (last == value).all()):
        return 0, 0  # the usual case: no row of one value at both edges
    flat = (lines == lines[:, :1]).all(axis=1) & (lines[:, 0] == value)
    top, bottom = _run(flat), _run(flat[::-1])
    inner = lines[top + BLEND : len(lines) - bottom - BLEND]
    edges = np.concatenate([inner[:, 0], inner[:, -1]])  # the picture's own, across the bars
    if np.count_nonzero(edges == value) * 2 >= edges.size:
        return 0, 0  # they hold the bars' value (an MNIST digit's empty rows): its background
    paper = float(np.median(edges))
    if abs(paper - value) <= 2 * EVEN or not _even(edges, paper):
        return 0, 0
    # Rows blending bar and paper (the canvas resampled) lie further from the paper.
    far = np.abs(np.median(lines, axis=1) - paper) > EVEN / 2
    blend_top, blend_bottom = _run(far[top:]), _run(far[::-1][bottom:])
    if max(blend_top, blend_bottom) > BLEND:
        return 0, 0  # no paper next to the bars: a subject between empty rows (a shoe)
    top, bottom = top + blend_top, bottom + blend_bottom
    inner = lines[top : len(lines) - bottom]
    ring = np.concatenate([inner[0], inner[-1], inner[1:-1, 0], inner[1:-1, -1]])
    if not _even(ring, paper):
        return 0, 0  # no even paper all round (a garment between empty columns)
    return top, bottom


def _even(values: np.ndarray, paper: float) -> bool:
    """Whether three quarters of ``values`` lie within :data:`EVEN` of ``paper``."""
    return np.count_nonzero(np.abs(values - paper) <= EVEN) >= 0.75 * values.size


def _run(flags: np.ndarray) -> int:
    """How many of ``flags``, from the first, are True before the first False."""
    return len(flags) if flags.all() else int(np.argmin(flags))


def flat_background(gray: np.ndarray) -> float | None:
    """The background's value if it is one exact value, as in a drawing, else None.

    It is if the image's outermost pixels all hold it, or, when a stroke runs off the edge,
    if most of them do and so do over half of all pixels: no photo's paper is that even.
    (A clean image whose subject fills most of it has its background found by
    :func:`exact_value`, and fitted from it; this is the shortcut for drawings.)
    """
    ring = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    value = ring[0]
    if not (ring == value).all():
        value = np.median(ring)  # the value most of the border holds, if one does
        if (2 * np.count_nonzero(ring == value) <= ring.size
                or 2 * np.count_nonzero(gray == value) <= gray.size):
            return None
    return float(value)


def exact_value(gray: np.ndarray) -> float | None:
    """The background of a clean digital picture, however much of its border the subject covers:
    the value most of the band along the border holds exactly, if an eighth of it or more does,
    it is the picture's lowest or highest (the subject lies to one side of its background:
    nothing is darker than black, nor lighter than white paper), and no fewer of the band's
    pixels lie near it (within 0.02) than near the band's median (a digit cropped to its ink
    has its strokes on most of the border; a photo's paper is never one value, but black ink
    running off it may be). Else None."""
    band = gray[_band(gray.shape)]
    values, counts = np.unique(band, return_counts=True)
    most = counts.argmax()
    value = values[most]
    if 8 * counts[most] < band.size or not (value == gray.min() or value == gray.max()):
        return None
    median = np.median(band)
    near = np.count_nonzero(np.abs(band - value) <= 0.02)
    return float(value) if near >= np.count_nonzero(np.abs(band - median) <= 0.02) else None


def fit_background(gray: np.ndarray, start: float | None = None,
                   rounds: int = 6) -> np.ndarray:
    """A smooth background under the subject: a quadratic surface fitted while ignoring ink.

    The fit runs on a coarse copy (at most 64 pixels a side). It starts from the band along the
    border, where there is rarely ink, leaving out the band's pixels far from its typical value
    (a stroke running off the edge), or, given ``start`` (:func:`exact_value`), all but those
    within 0.02 of it (a subject covering most of the border); then it refits on every pixel
    within a few robust standard deviations of the surface, so the digit's strokes drop out
    however large the digit is.

    Returns an array of the shape of ``gray``.
    """
    small = shrink(gray, 64)
    basis_small = _quadratic_basis(*small.shape)
    values = small.ravel()
    band = _band(small.shape).ravel()
    use = band & (np.abs(values - start) <= 0.02) if start is not None else band
    if not use.any() or start is None:
        use = band & _typical(values, band)
    for _ in range(rounds):
        coef = _least_squares(basis_small[use], values[use])
        r = values - basis_small @ coef
        use = _typical(r, use)
    return _quadratic(coef, *gray.shape)


def _typical(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Where ``values`` lie within 3 robust standard deviations (at least 0.02) of the median of
    ``values[among]``, measured on ``among``."""
    center = np.median(values[among])
    spread = max(3 * 1.4826 * np.median(np.abs(values[among] - center)), 0.02)
    return np.abs(values - center) <= spread


def noise(residual: np.ndarray, exact: bool = False) -> float:
    """The background's noise: a robust standard deviation (1.4826 x median absolute deviation)
    of ``residual`` (the picture less its background) in the band along the border.

    Measured on at most about 40,000 of the band's pixels, spread evenly, twice leaving out
    pixels far from the typical value (ink at the edge). Over the whole picture, a subject
    filling most of it (a garment, a digit cropped to its ink) would be taken for the noise.
    ``exact``: the background is one exact value (:func:`flat_background`,
    :func:`exact_value`), and only the band's pixels within 0.02 of it are background.
    """
    step = max(1, int(math.sqrt(residual.size / 40_000)))  # every step-th pixel each way
    if 2 * np.count_nonzero(residual[::step, ::step]) < residual[::step, ::step].size:
        # Over half the pixels are exactly the background (a drawing): the median is 0, so is
        # the median absolute deviation, and leaving out the ink keeps them so. No need to sort.
        return 0.0
    r = residual[_band(residual.shape)]
    r = r[:: max(1, r.size // 40_000)]
    if exact:
        r = r[np.abs(r) <= 0.02]
    if 2 * np.count_nonzero(r) < r.size or not r.size:
        return 0.0  # (as above, in the band)
    for _ in range(2):
        center = np.median(r)
        sigma = 1.4826 * float(np.median(np.abs(r - center)))
        r = r[np.abs(r - center) <= max(3 * sigma, 0.02)]
    return sigma


def _band(shape: tuple[int, int]) -> np.ndarray:
    """Where the band along the border lies (a tenth of the shorter side wide, at least 1)."""
    band = np.zeros(shape, bool)
    edge = max(1, min(shape) // 10)
    band[:edge], band[-edge:], band[:, :edge], band[:, -edge:] = True, True, True, True
    return band


def smooth(a: np.ndarray) -> np.ndarray:
    """A 5-tap binomial blur (σ = 1 pixel) along both axes, edges repeated."""
    k = np.array([1, 4, 6, 4, 1], np.float32) / 16
    p = np.pad(a, 2, mode="edge")
    p = sum(k[i] * p[i : i + a.shape[0], :] for i in range(5))
    return sum(k[i] * p[:, i : i + a.shape[1]] for i in range(5)).astype(np.float32)


def _least_squares(basis: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Coefficients c minimising |basis @ c - values|², from the 6x6 normal equations."""
    basis = basis.astype(np.float64)
    gram = basis.T @ basis + 1e-9 * np.eye(basis.shape[1])  # a whisker of ridge: never singular
    return np.linalg.solve(gram, basis.T @ values.astype(np.float64))


def _quadratic_basis(h: int, w: int) -> np.ndarray:
    """Columns 1, x, y, x², xy, y² at the pixel centres, x and y running over [-1, 1]."""
    y, x = _grid(h, w)
    y, x = np.broadcast_to(y, (h, w)).ravel(), np.broadcast_to(x, (h, w)).ravel()
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)


def _quadratic(coef: np.ndarray, h: int, w: int) -> np.ndarray:
    """The quadratic surface of coefficients ``coef`` (as in _quadratic_basis), on an h x w grid."""
    y, x = _grid(h, w)
    return (coef[0] + coef[1] * x + coef[2] * y + coef[3] * x * x + coef[4] * x * y
            + coef[5] * y * y).astype(np.float32)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h * 2 - 1)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / w * 2 - 1)[None, :]
    return y, x
