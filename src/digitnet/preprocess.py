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
2. find the background from what is background, the border (:mod:`digitnet.background`):
   first cut off letterbox bars (strips of one exact value along two opposite edges, as where
   the web page lays a photo on its square canvas), then fit a smooth surface (a quadratic in
   x and y) to the border's typical pixels (its one exact value, in a clean digital picture)
   and every pixel near it, ignoring the digit however much of the picture it fills, and
   subtract it, which removes the paper's shade and a lighting gradient;
3. decide which side is ink: whatever departs further from the background (dark ink on light
   paper is turned into light on dark), and measure the noise of the background along the
   border;
4. zero everything within the noise (a soft threshold at a few noise standard deviations) and
   stretch the ink so that its strokes reach 1, like MNIST's 255;
5. crop to the digit's bounding box (ignoring small specks away from it), scale it so the box
   fits 20x20 with Pillow (area averages when shrinking; when enlarging, the Lanczos filter
   anti-aliases) and place it in 28x28 with its centre of mass at pixel (14, 14), where
   MNIST's centres of mass sit.

An image with no ink raises :class:`~digitnet.errors.ImageError`: we say so rather than guess.
A picture whose subject fills most of it (a digit cropped to its ink, a Fashion-MNIST garment,
scikit-learn's 8x8 digits) is no blank: its border is still background.

Every picture takes all five steps, whatever its size, MNIST's own 28x28 digits too: they come
back almost as they are (MNIST made them so), and where a digit sits or how much page surrounds
it changes nothing. A 28x28 picture made another way is made MNIST's way too: a Fashion-MNIST
garment, which fills its 28x28 field, is scaled into 20x20 as a digit is. Kept at its scale,
it would suit a network trained on Fashion-MNIST's own files, but a digit drawn to fill its
28x28 field would be read too large by a network of MNIST's (bench/results/own-pictures.md
weighs both). So a model records which it reads (:mod:`digitnet.preparation`): this, for a
model of digits, or the picture as it is, for one of full frames such as Fashion-MNIST's.

A drawing from the web page (a grid of floats, ink on a background of one exact value) takes
the same steps with one shortcut, which :func:`~digitnet.background.flat_background` decides:
where the border holds one exact value (all of it, or most of it where a stroke runs off the
edge) and so do over half of all pixels, that value is the background, with no surface to fit
and no sensor noise to blur away; and the noise, a median absolute deviation, is 0 without
sorting anything.

For a model of digits, the command line (``digitnet predict``), the Python API, the web page
and the notebook widget all call :func:`to_mnist`, through
:func:`digitnet.preparation.picture`::

    x = to_mnist("photo.jpg")          # a path, bytes, a binary file object, a PIL image ...
    x = to_mnist(canvas)               # ... or a NumPy array (H, W) or (H, W, 3|4), [0, 1] or uint8
    net.predict(x)                     # x: (28, 28) float32 in [0, 1]
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from PIL import Image

from . import background
from .errors import ImageError
from .images import IMAGE_EXTENSIONS, MAX_PIXELS, read_image

__all__ = ["to_mnist", "read_image", "center_digit", "warn_if_inverted",
           "IMAGE_EXTENSIONS", "MAX_PIXELS"]

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
    gray = background.unletterbox(gray)
    ink = _extract_ink(gray, name, background.flat_background(gray))
    return center_digit(ink)


# -- 2-4. background, polarity, noise ---------------------------------------------------------


def _extract_ink(gray: np.ndarray, name: str, flat: float | None) -> np.ndarray:
    """Ink as light on dark, 0 where there is only background, strokes reaching 1.

    ``flat`` is :func:`~digitnet.background.flat_background` of ``gray``. Returns an array of
    the shape of ``gray``; raises ImageError if there is no ink.
    """
    sharp = gray
    # A background of one exact value (a drawing, a picture saved from a data set): the noise
    # is measured on the border's pixels near it alone, the rest being the subject.
    exact = flat if flat is not None else background.exact_value(gray)
    blurred = flat is None and min(gray.shape) >= 64
    if blurred:
        gray = background.smooth(gray)  # averages sensor noise away; 1 pixel is nothing at 20x20
    if flat is not None:
        # A drawing or a clean digital image (the web page's canvas): the background is one
        # exact value, with no surface to fit.
        paper = np.float32(flat)
    else:  # paper, or a picture whose subject covers much of its border: fitted from the border
        paper = background.fit_background(gray, exact)
    residual = gray if flat == 0 else gray - paper  # (nothing to subtract on black)
    noise = background.noise(residual, exact is not None)
    sign = 1 if flat == 0 else _ink_side(residual, noise)  # nothing is darker than black
    ink = _stretch(residual if sign > 0 else -residual, noise, name)

    if blurred:
        y0, y1, x0, x1 = _digit_box(ink)
        size = max(y1 - y0, x1 - x0)
        if size < 64:  # unless the digit is small: take its own pixels, unblurred,
            m = max(2, size // 4)  # from around it (leaving the noise elsewhere out)
            region = slice(max(y0 - m, 0), y1 + m), slice(max(x0 - m, 0), x1 + m)
            residual = sign * (sharp - paper)
            noise = background.noise(residual, exact is not None)
            ink = np.zeros_like(ink)
            ink[region] = _stretch(residual[region], noise, name)
    return ink


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
    strong = require_ink(ink, name, noise)
    full = _percentile(ink[strong], 90)
    floor = min(max(3.5 * noise, 0.02 * full), 0.5 * full)
    ink = ink - floor
    ink /= full - floor
    return np.minimum(np.maximum(ink, 0, out=ink), 1, out=ink)  # clipped to [0, 1]


def require_ink(ink: np.ndarray, name: str, noise: float = 0.0) -> np.ndarray:
    """Where ``ink`` (light on dark, 0 = background) stands out: over 5 noise deviations and
    0.08; an ImageError saying the image is blank if that is fewer than a few pixels. The one
    blank check, for pictures and for pixels given as they are (``noise`` 0: a .npy's)."""
    strong = ink > max(5 * noise, 0.08)
    if np.count_nonzero(strong) < max(3, 1e-4 * ink.size):
        what = ("the image is noise all over (no ink stands out from it)" if noise >= _NOISY
                else "the image is blank (no ink stands out from the background)")
        raise ImageError(f"{name}: no digit found: {what}; write or draw a digit and try again")
    return strong


#: The background noise (:func:`digitnet.background.noise`, measured after a large picture is
#: smoothed) from which a picture with no ink is called noise, not blank: ink would have to stand
#: 25% of the brightness range out of it. Photos of blank paper, even grainy, measure under 0.03;
#: random pixels, 0.08 (smoothed) to 0.39.
_NOISY = 0.05


def warn_if_inverted(images, name: str = "images", stacklevel: int = 1) -> int:
    """How many of ``images`` ((h, w) or (n, h, w), uint8 or brightness in [0, 1], given as
    they are) look inverted, dark ink on a bright background, with a UserWarning of one line if
    any do (``stacklevel`` 1: at the line calling this): three quarters of an image's outermost
    pixels brighter than mid-grey, where MNIST's digits, like to_mnist's, have a black border
    (no MNIST-prefix digit nor Fashion-MNIST item is flagged; every inverted MNIST digit is)."""
    x = np.asarray(images)
    x = x.reshape(-1, *x.shape[-2:])
    ring = np.concatenate([x[:, 0], x[:, -1], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1)
    bright = np.count_nonzero(ring > (127.5 if x.dtype == np.uint8 else 0.5), axis=1)
    n = int(np.count_nonzero(4 * bright >= 3 * ring.shape[1]))
    if n:
        who = name if len(x) == 1 else f"{n:,} of the {len(x):,} {name}"
        warnings.warn(f"{who}: the background is bright and the ink dark (most of the border is "
                      "brighter than mid-grey), but networks read light ink on black, as MNIST's "
                      "digits are; use 1 - x (255 - x for uint8 pixels), or pass the picture "
                      "through digitnet.preprocess.to_mnist", UserWarning, stacklevel + 1)
    return n


def _percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) of a 1-D array; reorders ``values``.

    One partition around the two values that the q-th percentile lies between, then the same
    interpolation: on a drawing's few hundred stroke pixels, np.percentile's own checks and
    dispatch would be a large share of :func:`to_mnist`'s time, whatever the size.
    """
    position = q / 100 * (values.size - 1)
    i = int(position)
    j = min(i + 1, values.size - 1)
    values.partition((i, j))  # values[i] and values[j] now as if sorted
    below, above = float(values[i]), float(values[j])
    return below + (above - below) * (position - i)


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
    digit = _window(ink, y0, y1, x0, x1)
    if size != (w, h):
        resample = Image.Resampling.BOX if f < 1 else Image.Resampling.LANCZOS
        digit = np.asarray(Image.fromarray(digit).resize(size, resample))
    digit = np.maximum(digit, 0)  # Lanczos rings a little below 0 beside strong edges
    top = digit.max()
    if top > 0 and top != 1:  # (it is 1 already unless the crop was resampled)
        digit /= top  # now in [0, 1]

    row_mass = digit.sum(axis=1)
    mass = float(row_mass.sum())
    cy = float(row_mass @ np.arange(digit.shape[0], dtype=float)) / mass
    cx = float(digit.sum(axis=0) @ np.arange(digit.shape[1], dtype=float)) / mass
    oy, ox = round(CENTER - cy), round(CENTER - cx)  # whole pixels, as MNIST did
    return _paste(np.zeros((SIZE, SIZE), np.float32), digit, oy, ox)


def _window(a: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """``a[y0:y1, x0:x1]`` as C-contiguous float32, reading zeros beyond the edges of ``a``.

    Possibly a view of ``a``: do not write to it.
    """
    if 0 <= y0 and 0 <= x0 and y1 <= a.shape[0] and x1 <= a.shape[1]:
        return np.ascontiguousarray(a[y0:y1, x0:x1], np.float32)
    return _paste(np.zeros((y1 - y0, x1 - x0), np.float32), a, -y0, -x0)


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
