"""Any picture of a digit -> the 28x28 image MNIST would have made of it.

The network only ever saw MNIST digits, and MNIST digits were made in a particular way (LeCun,
Cortes and Burges): white ink on black, the digit's bounding box scaled, keeping its aspect
ratio, to fit a 20x20 box with anti-aliasing, then placed in a 28x28 field so that its centre of
mass sits at the centre. A photo of a digit on paper is none of these things: dark ink on light
paper, any size, off-centre, with uneven lighting and sensor noise. :func:`to_mnist` repeats
MNIST's procedure on any image:

1. decode (PNG, JPEG, BMP, GIF's first frame, WebP, TIFF; 8 or 16 bits; grey, RGB or with
   transparency, where transparent pixels count as background), refusing images over
   :data:`MAX_PIXELS` before their pixels are decoded, and turn it grey (ITU-R 601 luma);
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

The command line (``digitnet predict``), the Python API and the web page all call
:func:`to_mnist`::

    x = to_mnist("photo.jpg")          # a path, bytes, a binary file object, a PIL image ...
    x = to_mnist(canvas)               # ... or a NumPy array (H, W) or (H, W, 3|4), [0, 1] or uint8
    net.predict(x)                     # x: (28, 28) float32 in [0, 1]
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageError

__all__ = ["to_mnist", "read_image", "center_digit", "image_files", "IMAGE_EXTENSIONS",
           "MAX_PIXELS"]

#: Larger images are refused before their pixels are decoded (decompression bombs).
MAX_PIXELS = 40_000_000
#: File name endings that ``digitnet predict`` reads as images when it walks a folder.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")

SIZE = 28  # MNIST's field
BOX = 20  # the box MNIST scaled each digit's bounding box to fit
CENTER = 14.0  # where MNIST's centres of mass sit, in pixel indices (measured: 14.00 ± 0.29)
WORK_SIZE = 800  # larger images are shrunk to this many pixels on their longer side first

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as Pillow's "L" mode
_EXIF_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                   4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                   6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                   8: Image.Transpose.ROTATE_90}


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
    ink = _extract_ink(gray, name)
    return center_digit(ink)


# -- 1. decoding ------------------------------------------------------------------------------


def read_image(image, *, name: str | None = None) -> tuple[np.ndarray, str]:
    """Decode ``image`` into grey levels, transparent parts filled in as background.

    Images larger than :data:`WORK_SIZE` on their longer side are shrunk (area-averaged) to it:
    the digit ends up 20 pixels tall anyway, and this keeps a 40-megapixel photo fast.

    Returns
    -------
    gray : ndarray, shape (H, W), float32 in [0, 1]
    name : str
        The name used in error messages.
    """
    if isinstance(image, np.ndarray):
        name = name or "image"
        gray, alpha = _from_array(image, name)
    elif isinstance(image, Image.Image):
        name = name or getattr(image, "filename", None) or "image"
        gray, alpha = _from_pil(image, name)
    else:
        if isinstance(image, (bytes, bytearray, memoryview)):
            source, default = io.BytesIO(image), "image"
        elif isinstance(image, (str, os.PathLike)):
            source, default = image, os.fspath(image)
        elif hasattr(image, "read"):
            source, default = image, getattr(image, "name", None) or "image"
        else:
            raise ImageError(f"{name or 'image'}: cannot read a {type(image).__name__}; give a "
                             "file path, bytes, a file object, a PIL image or a NumPy array")
        name = name or str(default)
        gray, alpha = _open(source, name)
    if alpha is not None:
        gray = _fill_transparent(gray, alpha)
    return gray, name


def _open(source, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Open an image file lazily, check its size, then decode it."""
    try:
        with warnings.catch_warnings():
            # We refuse large images ourselves, below Pillow's warning threshold.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(source)
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: the image is far over the {MAX_PIXELS // 1_000_000}-megapixel "
                         "limit; scale it down (a digit needs only a few hundred pixels)") from None
    except UnidentifiedImageError:
        if isinstance(source, (str, os.PathLike)) and os.path.getsize(source) == 0:
            raise ImageError(f"{name}: the file is empty (0 bytes), not an image") from None
        raise ImageError(f"{name}: not an image (or not a format we read: PNG, JPEG, BMP, GIF, "
                         "WebP, TIFF)") from None
    except FileNotFoundError:
        raise ImageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{name}: is a folder, not an image") from None
    except OSError as e:
        raise ImageError(f"{name}: cannot read it ({e.strerror or e})") from None
    with im:
        return _from_pil(im, name)


def _from_pil(im: Image.Image, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    width, height = im.size
    _check_size(width, height, name)
    orientation = None
    if im.format in ("JPEG", "MPO", "WEBP", "TIFF"):
        orientation = im.getexif().get(0x0112)
    try:
        if getattr(im, "n_frames", 1) > 1:
            im.seek(0)  # an animated GIF or WebP: its first frame
        if im.format == "JPEG" and max(im.size) > 2 * WORK_SIZE:
            im.draft(im.mode, (im.size[0] // 2, im.size[1] // 2))  # decode at lower resolution
        im.load()
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageError(f"{name}: the image file is truncated or corrupt ({e}); save or "
                         "export it again") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: the image is over the {MAX_PIXELS // 1_000_000}-megapixel "
                         "limit; scale it down") from None

    alpha = None
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        gray = _shrink(_deep_gray(np.asarray(im), im.mode == "F"), WORK_SIZE)
    else:
        has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
        if has_alpha:
            im = im.convert("RGBA")
            alpha = _levels(im.getchannel("A"))
        gray = _levels(im.convert("L"))
    if orientation in _EXIF_TRANSPOSE:  # a phone photo taken sideways
        gray = _transpose(gray, orientation)
        alpha = None if alpha is None else _transpose(alpha, orientation)
    return gray, alpha


def _levels(channel: Image.Image) -> np.ndarray:
    """An 8-bit channel as floats in [0, 1], shrunk first (in 8 bits, to save memory)."""
    longest = max(channel.size)
    if longest > WORK_SIZE:
        f = WORK_SIZE / longest
        size = (max(1, round(channel.size[0] * f)), max(1, round(channel.size[1] * f)))
        channel = channel.resize(size, Image.Resampling.BOX)
    return np.asarray(channel, np.float32) / 255


def _deep_gray(a: np.ndarray, floating: bool) -> np.ndarray:
    """16-bit, 32-bit or floating-point grey pixels as floats in [0, 1]."""
    a = np.nan_to_num(a.astype(np.float32))
    if floating:
        if 0 <= a.min() and a.max() <= 1:
            return a
        low, high = float(a.min()), float(a.max())  # no known range: stretch what is there
        return (a - low) / (high - low) if high > low else np.zeros_like(a)
    top = 65535.0 if a.max() <= 65535 else float(a.max())
    return np.clip(a / top, 0, 1)


def _from_array(a: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (2, 3, 4))):
        raise ImageError(f"{name}: array of shape {a.shape}; expected (H, W) grey, (H, W, 3) "
                         "RGB or (H, W, 4) RGBA pixels")
    _check_size(a.shape[1], a.shape[0], name)
    if a.dtype == np.bool_ or a.dtype == np.uint8:
        a = a.astype(np.float32) / (1 if a.dtype == np.bool_ else 255)
    elif a.dtype == np.uint16:
        a = a.astype(np.float32) / 65535
    elif np.issubdtype(a.dtype, np.integer):  # plain ints: 0/1, 8-bit or 16-bit levels
        low, high = int(a.min()), int(a.max())
        if low < 0 or high > 65535:
            raise ImageError(f"{name}: pixel values run from {low} to {high}; expected 0 to 255 "
                             "(or 65535), or floats in [0, 1]")
        a = a.astype(np.float32) / (1 if high <= 1 else 255 if high <= 255 else 65535)
    elif np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float32)
        if not np.isfinite(a).all():
            raise ImageError(f"{name}: pixels contain NaN or infinite values")
        if a.size and (a.min() < -1e-6 or a.max() > 1 + 1e-6):
            raise ImageError(f"{name}: pixel values run from {a.min():g} to {a.max():g}; "
                             "expected floats in [0, 1] or uint8 pixels (0 to 255)")
        a = np.clip(a, 0, 1)
    else:
        raise ImageError(f"{name}: pixels of dtype {a.dtype}; expected numbers")
    alpha = None
    if a.ndim == 3:
        if a.shape[2] in (2, 4):
            alpha = _shrink(a[:, :, -1], WORK_SIZE)
        a = a[:, :, 0] if a.shape[2] == 2 else a[:, :, :3] @ _LUMA
    return _shrink(np.ascontiguousarray(a, np.float32), WORK_SIZE), alpha


def _check_size(width: int, height: int, name: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name}: the image is {width}x{height} ({width * height / 1e6:.0f} "
                         f"megapixels), over the {MAX_PIXELS // 1_000_000}-megapixel limit; "
                         "scale it down (a digit needs only a few hundred pixels)")
    if width == 0 or height == 0:
        raise ImageError(f"{name}: the image is empty ({width}x{height} pixels)")


def _shrink(a: np.ndarray, longest: int) -> np.ndarray:
    """Area-average a float image down so that its longer side is at most ``longest``."""
    h, w = a.shape
    if max(h, w) <= longest:
        return a
    f = longest / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(a).resize(size, Image.Resampling.BOX), np.float32)


def _transpose(a: np.ndarray, orientation: int) -> np.ndarray:
    return np.asarray(Image.fromarray(a).transpose(_EXIF_TRANSPOSE[orientation]))


def _fill_transparent(gray: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite over a background so that transparent pixels read as background.

    If opaque pixels cover most of the image they are the background themselves (a sheet of
    paper with a transparent margin): fill with their typical shade. If they are few, they are
    the strokes (a drawing on a transparent canvas): fill with the shade opposite theirs.
    """
    if alpha.min() >= 1:
        return gray
    opaque = alpha > 0.5
    if not opaque.any():
        return np.zeros_like(gray)
    shade = float(np.median(gray[opaque]))
    fill = shade if opaque.mean() > 0.5 else (0.0 if shade > 0.5 else 1.0)
    return alpha * gray + (1 - alpha) * fill


# -- 2-4. background, polarity, noise ---------------------------------------------------------


def _extract_ink(gray: np.ndarray, name: str) -> np.ndarray:
    """Ink as light on dark, 0 where there is only background, strokes reaching 1.

    Returns an array of the shape of ``gray``; raises ImageError if there is no ink.
    """
    sharp = gray
    flat = _uniform_border(gray)
    blurred = flat is None and min(gray.shape) >= 64
    if blurred:
        gray = _smooth(gray)  # averages sensor noise away; 1 pixel is nothing at 20x20 ...
    if flat is not None:
        # A drawing or a clean digital image (the web page's canvas): not one pixel of its
        # border differs, so the background is that value, with no surface to fit.
        background = np.float32(flat)
    else:
        background = _fit_background(gray)
    residual = gray - background
    noise = _noise(residual)

    # Ink is whichever side departs further from the background.
    t = max(4 * noise, 0.05)
    darker = np.maximum(-residual - t, 0).sum()
    lighter = np.maximum(residual - t, 0).sum()
    sign = -1 if darker > lighter else 1
    ink = _stretch(sign * residual, noise, name)

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


def _uniform_border(gray: np.ndarray) -> float | None:
    """The value of the image's outermost pixels if they are all the same, else None."""
    ring = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(ring[0]) if np.all(ring == ring[0]) else None


def _stretch(ink: np.ndarray, noise: float, name: str) -> np.ndarray:
    """Zero what lies within the noise and scale so that the strokes reach 1.

    ``ink`` is the departure from the background on the ink's side (negative elsewhere).
    """
    ink = np.maximum(ink, 0)
    strong = ink > max(5 * noise, 0.08)
    if strong.sum() < max(3, 1e-4 * ink.size):
        raise ImageError(f"{name}: no digit found: the image is blank (no ink stands out from "
                         "the background); write or draw a digit and try again")
    full = float(np.percentile(ink[strong], 90))
    floor = min(max(3.5 * noise, 0.02 * full), 0.5 * full)
    return np.clip((ink - floor) / (full - floor), 0, 1).astype(np.float32)


def _noise(residual: np.ndarray) -> float:
    """The background's noise: a robust standard deviation (1.4826 x median absolute deviation).

    Measured on at most about 40,000 pixels spread evenly over the image, twice leaving out
    pixels far from the typical value (the ink).
    """
    step = max(1, int(np.sqrt(residual.size / 40_000)))
    r = residual[::step, ::step].ravel()
    for _ in range(2):
        center = np.median(r)
        sigma = 1.4826 * float(np.median(np.abs(r - center)))
        r = r[np.abs(r - center) <= max(3 * sigma, 0.02)]
    return sigma


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
    small = _shrink(gray, 64)
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
    y0, y1, x0, x1 = _digit_box(ink)
    f = BOX / max(y1 - y0, x1 - x0)
    # Keep a margin around the box for the fringe: 4 output pixels' worth.
    m = int(np.ceil(4 / f))
    y0, x0 = max(y0 - m, 0), max(x0 - m, 0)
    y1, x1 = min(y1 + m, ink.shape[0]), min(x1 + m, ink.shape[1])
    digit = np.ascontiguousarray(ink[y0:y1, x0:x1], np.float32)
    h, w = digit.shape
    size = (max(1, round(w * f)), max(1, round(h * f)))
    if size != (w, h):
        digit = np.asarray(Image.fromarray(digit).resize(size, Image.Resampling.BOX if f < 1 else Image.Resampling.LANCZOS))
    digit = np.clip(digit, 0, None)
    top = digit.max()
    if top > 0:
        digit = digit / top

    mass = digit.sum()
    rows, cols = np.arange(digit.shape[0]), np.arange(digit.shape[1])
    cy = (digit.sum(axis=1) @ rows) / mass
    cx = (digit.sum(axis=0) @ cols) / mass
    oy, ox = int(round(CENTER - cy)), int(round(CENTER - cx))  # whole pixels, as MNIST did
    out = np.zeros((SIZE, SIZE), np.float32)
    ty0, tx0 = max(oy, 0), max(ox, 0)
    ty1, tx1 = min(oy + digit.shape[0], SIZE), min(ox + digit.shape[1], SIZE)
    out[ty0:ty1, tx0:tx1] = digit[ty0 - oy : ty1 - oy, tx0 - ox : tx1 - ox]
    return np.clip(out, 0, 1)


def _digit_box(ink: np.ndarray, level: float = 0.25) -> tuple[int, int, int, int]:
    """The bounding box (y0, y1, x0, x1) of the ink at ``level`` and above, ignoring specks.

    Along each axis, the ink's profile splits into runs separated by empty rows (or columns);
    runs holding under 2% of the ink are stray marks apart from the digit.
    """
    ink = np.where(ink >= level * ink.max(), ink, 0)
    y0, y1 = _main_span(ink.sum(axis=1))
    x0, x1 = _main_span(ink[y0:y1].sum(axis=0))
    y0b, y1b = _main_span(ink[:, x0:x1].sum(axis=1))
    return max(y0, y0b), min(y1, y1b), x0, x1


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


# -- folders ----------------------------------------------------------------------------------


def image_files(folder: str | os.PathLike):
    """Image files under ``folder``, recursively, in sorted order, by their extension.

    Yields ``Path`` objects, or an :class:`ImageError` for each sub-folder that cannot be read
    (so a caller can report it and go on).
    """
    folder = Path(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except PermissionError:
        yield ImageError(f"{folder}: cannot read this folder (permission denied)")
        return
    except OSError as e:
        yield ImageError(f"{folder}: cannot read this folder ({e.strerror or e})")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir():
            yield from image_files(path)
        elif path.suffix.lower() in IMAGE_EXTENSIONS and not entry.name.startswith("."):
            yield path
