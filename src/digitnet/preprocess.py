"""Any picture of a digit -> the 28x28 image MNIST would have made of it.

The network only ever saw MNIST digits, and MNIST digits were made in a particular way (LeCun,
Cortes and Burges): white ink on black, the digit's bounding box scaled, keeping its aspect
ratio, to fit a 20x20 box with anti-aliasing, then placed in a 28x28 field so that its centre of
mass sits at the centre. A photo of a digit on paper is none of these things: dark ink on light
paper, any size, off-centre, with uneven lighting and sensor noise. :func:`to_mnist` repeats
MNIST's procedure on any image:

1. decode (PNG, JPEG, BMP, GIF's first frame, WebP, TIFF; 8 or 16 bits; grey, RGB or with
   transparency, where transparent pixels count as background), refusing images over
   :data:`MAX_PIXELS` before their pixels are decoded, and turn it grey (ITU-R 601 luma): this
   step is :mod:`digitnet.images`, whose :func:`read_image` is re-exported here;
2. flatten the background: fit a smooth surface (a quadratic in x and y) to the background,
   starting from the border and ignoring the digit, and subtract it, which removes the paper's
   shade and a lighting gradient;
3. decide which side is ink: whatever departs further from the background (dark ink on light
   paper is turned into light on dark), and measure the noise of the background;
4. zero everything within the noise (a soft threshold at a few noise standard deviations) and
   stretch the ink so that its strokes reach 1, like MNIST's 255;
5. crop to the digit's bounding box (ignoring small specks away from it), scale it so the box
   fits 20x20 (Pillow's Lanczos filter anti-aliases) and place it in 28x28 with its centre of
   mass at pixel (14, 14), where MNIST's centres of mass sit.

An image with no ink raises :class:`~digitnet.errors.ImageError`: we say so rather than guess.

A drawing from the web page (a grid of floats, ink on a background of one exact value) takes
the same steps, but much of their work is provably void for it, and skipped: its
background is one exact value, the one its border holds (all of it, or most of it where a
stroke runs off the edge), with no surface to fit; most of its pixels are
exactly background, so the noise is 0, with no medians to sort; its ink is one blob, so there
are no specks to weigh. NumPy's and Pillow's general routines for percentiles and resizing are
replaced, on small arrays, by leaner ones that give the same values to within float32 rounding.
Where digitnet was built with a C compiler, ``_drawing.c`` does these steps for drawings in
one pass each (the web server preprocesses every drawing the page sends: 55 µs for its 56x56
grid, against 185 with NumPy, which was itself a quarter of the plain computation's time);
it leaves to NumPy whatever is not a drawing, and any step whose outcome a sum's rounding
could decide, so both give the same result to float32 rounding.

The command line (``digitnet predict``), the Python API and the web page all call
:func:`to_mnist`::

    x = to_mnist("photo.jpg")          # a path, bytes, a binary file object, a PIL image ...
    x = to_mnist(canvas)               # ... or a NumPy array (H, W) or (H, W, 3|4), [0, 1] or uint8
    net.predict(x)                     # x: (28, 28) float32 in [0, 1]
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image

from .errors import ImageError
from .images import IMAGE_EXTENSIONS, MAX_PIXELS, image_files, read_image, shrink

try:  # the same steps for drawings, in C (_drawing.c), built when digitnet was installed
    from . import _drawing as _compiled
except ImportError:  # no C compiler then: NumPy does them
    _compiled = None

__all__ = ["to_mnist", "read_image", "center_digit", "image_files", "IMAGE_EXTENSIONS",
           "MAX_PIXELS"]

SIZE = 28  # MNIST's field
BOX = 20  # the box MNIST scaled each digit's bounding box to fit
CENTER = 14.0  # where MNIST's centres of mass sit, in pixel indices (measured: 14.00 ± 0.29)


def to_mnist(image, *, name: str | None = None) -> np.ndarray:
    """Turn a picture of one handwritten digit into an MNIST-style 28x28 image.

    Parameters
    ----------
    image : path, bytes, binary file object, PIL.Image.Image or ndarray
        An image file (PNG, JPEG, BMP, GIF, WebP, TIFF) or its bytes, or pixels: an array of
        shape (H, W) (grey), (H, W, 3) (RGB) or (H, W, 4) (RGBA), of uint8, uint16, bool, or
        floats in [0, 1]. Any size up to :data:`MAX_PIXELS`; ink may be dark on light or light
        on dark.
    name : str, optional
        What to call the image in error messages; defaults to the file name, else "image".

    Returns
    -------
    ndarray, shape (28, 28), float32 in [0, 1]
        White digit on black, its bounding box fitting 20x20, its centre of mass at (14, 14).

    Raises
    ------
    ImageError
        The file is not an image, is truncated, is too large, or holds no digit.
    """
    gray, name = read_image(image, name=name)
    flat = _flat_background(gray)
    if _compiled is not None and flat is not None:
        digit = _compiled_drawing(gray, flat)
        if digit is not None:
            return digit
    ink = _extract_ink(gray, name, flat)
    return center_digit(ink)


def _compiled_drawing(gray: np.ndarray, flat: float) -> np.ndarray | None:
    """to_mnist of a drawing whose background is ``flat`` by _drawing.c, which does what
    _extract_ink and center_digit do for one; None where _drawing.c leaves a step to NumPy."""
    step = _noise_step(gray.size)
    if step != 1 or gray.dtype != np.float32:  # (_drawing.c measures the noise on every pixel)
        return None
    gray = np.ascontiguousarray(gray)
    ink, box = np.empty_like(gray), np.empty(4, np.int64)
    status = _compiled.ink(gray, *gray.shape, flat, ink, box)
    if status == 0:
        return None
    return _center(ink, tuple(int(v) for v in box) if status == 1 else _digit_box(ink))


# -- 2-4. background, polarity, noise ---------------------------------------------------------


def _extract_ink(gray: np.ndarray, name: str, flat: float | None) -> np.ndarray:
    """Ink as light on dark, 0 where there is only background, strokes reaching 1.

    ``flat`` is :func:`_flat_background` of ``gray``. Returns an array of the shape of
    ``gray``; raises ImageError if there is no ink.
    """
    sharp = gray
    blurred = flat is None and min(gray.shape) >= 64
    if blurred:
        gray = _smooth(gray)  # averages sensor noise away; 1 pixel is nothing at 20x20 ...
    if flat is not None:
        # A drawing or a clean digital image (the web page's canvas): the background is one
        # exact value, with no surface to fit.
        background = np.float32(flat)
    else:
        background = _fit_background(gray)
    residual = gray if flat == 0 else gray - background  # (nothing to subtract on black)
    noise = _noise(residual)
    sign = 1 if flat == 0 else _ink_side(residual, noise)  # nothing is darker than black
    ink = _stretch(residual if sign > 0 else -residual, noise, name)

    if blurred:
        y0, y1, x0, x1 = _digit_box(ink)
        size = max(y1 - y0, x1 - x0)
        if size < 64:  # ... unless the digit is small: take its own pixels, unblurred,
            m = max(2, size // 4)  # from around it (leaving the noise elsewhere out)
            region = slice(max(y0 - m, 0), y1 + m), slice(max(x0 - m, 0), x1 + m)
            residual = sign * (sharp - background)
            ink = np.zeros_like(ink)
            ink[region] = _stretch(residual[region], _noise(residual), name)
    return ink


def _flat_background(gray: np.ndarray) -> float | None:
    """The background's value if it is one exact value, as in a drawing, else None.

    It is if the image's outermost pixels all hold it, or, when a stroke runs off the edge,
    if most of them do and so do over half of all pixels: no photo's paper is that even.
    """
    ring = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    value = ring[0]
    if not (ring == value).all():
        value = np.median(ring)  # the value most of the border holds, if one does
        if (2 * np.count_nonzero(ring == value) <= ring.size
                or 2 * np.count_nonzero(gray == value) <= gray.size):
            return None
    return float(value)


def _ink_side(residual: np.ndarray, noise: float) -> int:
    """1 if the ink is lighter than the background, -1 if darker: whichever departs further.

    How far each side departs is the sum of what lies beyond a few noise deviations.
    """
    t = max(4 * noise, 0.05)
    if residual.min() >= -t:  # nothing darker (a drawing: everything else is background)
        return 1
    if residual.max() <= t:  # nothing lighter
        return -1
    darker = np.maximum(-residual - t, 0).sum()
    lighter = np.maximum(residual - t, 0).sum()
    return -1 if darker > lighter else 1


def _stretch(ink: np.ndarray, noise: float, name: str) -> np.ndarray:
    """Zero what lies within the noise and scale so that the strokes reach 1.

    ``ink`` is the departure from the background on the ink's side (negative elsewhere).
    """
    strong = ink > max(5 * noise, 0.08)
    if np.count_nonzero(strong) < max(3, 1e-4 * ink.size):
        raise ImageError(f"{name}: no digit found: the image is blank (no ink stands out from "
                         "the background); write or draw a digit and try again")
    full = _percentile(ink[strong], 90)
    floor = min(max(3.5 * noise, 0.02 * full), 0.5 * full)
    ink = ink - floor
    ink /= full - floor
    return np.minimum(np.maximum(ink, 0, out=ink), 1, out=ink)  # clipped to [0, 1]


def _percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` of a 1-D array (linear interpolation), in a tenth of the time.

    np.percentile spends about 100 µs in Python before it partitions; we partition directly
    around the two values that the q-th percentile lies between. Reorders ``values``.
    """
    position = q / 100 * (values.size - 1)
    i = int(position)
    j = min(i + 1, values.size - 1)
    values.partition((i, j))  # values[i] and values[j] now as if sorted
    below, above = float(values[i]), float(values[j])
    return below + (above - below) * (position - i)


def _noise(residual: np.ndarray) -> float:
    """The background's noise: a robust standard deviation (1.4826 x median absolute deviation).

    Measured on at most about 40,000 pixels spread evenly over the image, twice leaving out
    pixels far from the typical value (the ink).
    """
    step = _noise_step(residual.size)
    r = residual[::step, ::step].ravel()
    if np.count_nonzero(r != 0) < r.size / 2:
        # Over half the pixels are exactly the background (a drawing): the median is 0, so is
        # the median absolute deviation, and leaving out the ink keeps them so. No need to sort.
        return 0.0
    for _ in range(2):
        center = np.median(r)
        sigma = 1.4826 * float(np.median(np.abs(r - center)))
        r = r[np.abs(r - center) <= max(3 * sigma, 0.02)]
    return sigma


def _noise_step(size: int) -> int:
    """_noise looks at every step-th pixel each way, about 40,000 of an image of ``size``."""
    return max(1, int(math.sqrt(size / 40_000)))


def _smooth(a: np.ndarray) -> np.ndarray:
    """A 5-tap binomial blur (σ = 1 pixel) along both axes, edges repeated."""
    k = np.array([1, 4, 6, 4, 1], np.float32) / 16
    p = np.pad(a, 2, mode="edge")
    p = sum(k[i] * p[i : i + a.shape[0], :] for i in range(5))
    return sum(k[i] * p[:, i : i + a.shape[1]] for i in range(5)).astype(np.float32)


def _fit_background(gray: np.ndarray, rounds: int = 6) -> np.ndarray:
    """A smooth background under the digit: a quadratic surface fitted while ignoring ink.

    The fit runs on a coarse copy (at most 64 pixels a side). It starts from the border, where
    there is rarely ink, then refits on every pixel within a few robust standard deviations of
    the surface, so the digit's strokes drop out however large the digit is.

    Returns an array of the shape of ``gray``.
    """
    small = shrink(gray, 64)
    basis_small = _quadratic_basis(*small.shape)
    values = small.ravel()
    ring = np.zeros(small.shape, bool)
    edge = max(1, min(small.shape) // 10)
    ring[:edge], ring[-edge:], ring[:, :edge], ring[:, -edge:] = True, True, True, True
    use = ring.ravel()
    for _ in range(rounds):
        coef = _least_squares(basis_small[use], values[use])
        r = values - basis_small @ coef
        center = np.median(r[use])
        spread = max(3 * 1.4826 * np.median(np.abs(r[use] - center)), 0.02)
        use = np.abs(r - center) <= spread
    return _quadratic(coef, *gray.shape)


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
    """The quadratic surface with coefficients ``coef`` (as in _quadratic_basis) on an h x w grid."""
    y, x = _grid(h, w)
    return (coef[0] + coef[1] * x + coef[2] * y + coef[3] * x * x + coef[4] * x * y
            + coef[5] * y * y).astype(np.float32)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h * 2 - 1)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / w * 2 - 1)[None, :]
    return y, x


# -- 5. crop, scale, centre -------------------------------------------------------------------


def center_digit(ink: np.ndarray) -> np.ndarray:
    """MNIST's normalisation of a light-on-dark digit: box it, fit 20x20, centre its mass.

    The box is where the ink is at least a quarter as bright as the strokes: a scaled-up or
    blurred digit's faint fringe would otherwise make the box, and so the digit, the wrong size
    (MNIST's own digits have the same box at this level as at any level above 0). The fringe
    is kept, scaled with the rest.

    Parameters
    ----------
    ink : ndarray, shape (H, W), floats in [0, 1], 0 where there is no ink, strokes near 1

    Returns
    -------
    ndarray, shape (28, 28), float32 in [0, 1], brightest pixel 1
    """
    return _center(ink, _digit_box(ink))


def _center(ink: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """center_digit of ``ink`` whose digit's box is ``box`` (y0, y1, x0, x1)."""
    y0, y1, x0, x1 = box
    f = BOX / max(y1 - y0, x1 - x0)
    # Keep a margin around the box for the fringe, 4 output pixels' worth, taking what lies
    # past the image's edges as background: the crop's size, and so how it is resampled, then
    # depends on the digit alone, not on how much empty page surrounds it.
    m = math.ceil(4 / f)
    y0, y1, x0, x1 = y0 - m, y1 + m, x0 - m, x1 + m
    h, w = y1 - y0, x1 - x0
    size = (max(1, round(w * f)), max(1, round(h * f)))
    resample = Image.Resampling.BOX if f < 1 else Image.Resampling.LANCZOS
    if _compiled is not None and max(h, w) <= 256 and ink.dtype == np.float32:
        weights = (None, None) if size == (w, h) else (
            _resample_weights(h, size[1], resample), _resample_weights(w, size[0], resample))
        field = np.empty((SIZE, SIZE), np.float32)
        if _compiled.place(np.ascontiguousarray(ink), *ink.shape, y0, y1, x0, x1, *weights,
                           field):
            return field
    digit = _window(ink, y0, y1, x0, x1)
    if size != (w, h):
        digit = _resize(digit, size, resample)
    digit = np.maximum(digit, 0)  # Lanczos rings a little below 0 beside strong edges
    top = digit.max()
    if top > 0 and top != 1:  # (it is 1 already unless the crop was resampled)
        digit = digit / top  # now in [0, 1]

    mass = float(digit.sum())
    rows, cols = np.arange(digit.shape[0], dtype=float), np.arange(digit.shape[1], dtype=float)
    cy = float(digit.sum(axis=1) @ rows) / mass
    cx = float(digit.sum(axis=0) @ cols) / mass
    oy, ox = round(CENTER - cy), round(CENTER - cx)  # whole pixels, as MNIST did
    return _paste(np.zeros((SIZE, SIZE), np.float32), digit, oy, ox)


def _window(a: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """``a[y0:y1, x0:x1]`` as C-contiguous float32, reading zeros beyond the edges of ``a``.

    Possibly a view of ``a``: do not write to it.
    """
    if 0 <= y0 and 0 <= x0 and y1 <= a.shape[0] and x1 <= a.shape[1]:
        return np.ascontiguousarray(a[y0:y1, x0:x1], np.float32)
    return _paste(np.zeros((y1 - y0, x1 - x0), np.float32), a, -y0, -x0)


def _resize(a: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> np.ndarray:
    """``Image.fromarray(a).resize(size, resample)`` as an array: ``a`` resized to ``size``
    (width, height) with Pillow's BOX (area) or LANCZOS (anti-aliased) filter.

    A small image, such as the crop of a drawn digit, is resized by two matrix products with
    Pillow's weights instead (rows first, rounded to float32 in between, as Pillow does): the
    same values to within float32 rounding, in less time than Pillow spends setting up.
    """
    if max(a.shape) > 64:
        return np.asarray(Image.fromarray(a).resize(size, resample))
    width, height = size
    rows = (a @ _resample_weights(a.shape[1], width, resample).T).astype(np.float32)
    return (_resample_weights(a.shape[0], height, resample) @ rows).astype(np.float32)


_FILTERS = {  # Pillow's filters (Resample.c): support, and the weight at distance x
    Image.Resampling.BOX: (0.5, lambda x: ((-0.5 < x) & (x <= 0.5)).astype(np.float64)),
    Image.Resampling.LANCZOS: (3.0, lambda x: np.where((-3 <= x) & (x < 3),
                                                       np.sinc(x) * np.sinc(x / 3), 0.0)),
}


@functools.lru_cache(maxsize=512)
def _resample_weights(n_in: int, n_out: int, resample: Image.Resampling) -> np.ndarray:
    """Pillow's weights for resampling ``n_in`` pixels to ``n_out``: shape (n_out, n_in).

    As Pillow's precompute_coeffs, operation for operation: output pixel o sits at
    c = (o + 0.5) n_in / n_out in the input; when shrinking, the filter widens by n_in / n_out
    to cover it; input pixel i gets the filter's weight at its distance from c, if it lies
    within the filter's support; each row sums to 1. Cached: a digit's crop comes in a few
    hundred sizes.
    """
    support, weight = _FILTERS[resample]
    scale = n_in / n_out
    widen = max(scale, 1.0)
    support *= widen
    c = ((np.arange(n_out) + 0.5) * scale)[:, None]
    i = np.arange(n_in)
    taps = (i >= (c - support + 0.5).astype(int)) & (i < (c + support + 0.5).astype(int))
    w = np.where(taps, weight((i - c + 0.5) * (1.0 / widen)), 0.0)
    w /= w.sum(axis=1, keepdims=True)
    w.flags.writeable = False  # the cache hands the same array to every call
    return w


def _paste(dst: np.ndarray, src: np.ndarray, oy: int, ox: int) -> np.ndarray:
    """Copy ``src`` into ``dst`` with its pixel (0, 0) at (oy, ox), leaving out what falls outside.

    Returns ``dst``.
    """
    y0, x0 = max(oy, 0), max(ox, 0)
    y1, x1 = min(oy + src.shape[0], dst.shape[0]), min(ox + src.shape[1], dst.shape[1])
    dst[y0:y1, x0:x1] = src[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    return dst


def _digit_box(ink: np.ndarray, level: float = 0.25) -> tuple[int, int, int, int]:
    """The bounding box (y0, y1, x0, x1) of the ink at ``level`` and above, ignoring specks.

    Along each axis, the ink's profile splits into runs separated by empty rows (or columns);
    runs holding under 2% of the ink are stray marks apart from the digit.
    """
    top = ink.max()
    assert top > 0, "no ink"
    lit = ink >= level * top
    rows, cols = _one_run(lit.any(axis=1)), _one_run(lit.any(axis=0))
    if rows and cols:  # the usual case: one run each way, so no specks to leave out
        return *rows, *cols
    ink = np.where(lit, ink, 0)
    y0, y1 = _main_span(ink.sum(axis=1))
    x0, x1 = _main_span(ink[y0:y1].sum(axis=0))
    y0b, y1b = _main_span(ink[:, x0:x1].sum(axis=1))
    return max(y0, y0b), min(y1, y1b), x0, x1


def _one_run(flags: np.ndarray) -> tuple[int, int] | None:
    """(start, end) of the True values if they form one unbroken run, else None."""
    at = flags.nonzero()[0]
    start, end = int(at[0]), int(at[-1]) + 1
    return (start, end) if end - start == at.size else None


def _main_span(profile: np.ndarray) -> tuple[int, int]:
    nonzero = profile > 0
    assert nonzero.any()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], nonzero.astype(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]
    total = profile.sum()
    big = [(s, e) for s, e in zip(starts, ends) if profile[s:e].sum() >= 0.02 * total]
    if not big:  # ink spread thinly everywhere: keep it all
        big = list(zip(starts, ends))
    return int(big[0][0]), int(big[-1][1])
