"""Any image -> grey levels: files, bytes, PIL images and arrays, decoded and checked.

The first step of :func:`digitnet.preprocess.to_mnist`: PNG, JPEG, BMP, GIF's first frame, WebP
and TIFF, 8 or 16 bits, grey, RGB or with transparency (transparent pixels count as background),
and NumPy arrays of uint8, uint16, bool, integers or floats in [0, 1]. Grey levels of 16 bits or
more are read at the depth their values show: a 12-bit scan kept in a 16-bit file (0..4095) reads
as bright as the 16-bit or the 8-bit file of the same picture. Images over
:data:`MAX_PIXELS` are refused before their pixels are decoded (decompression bombs), and large
ones shrunk to :data:`WORK_SIZE` pixels on their longer side. The result is turned grey with
ITU-R 601 luma weights, as Pillow's "L" mode does.

(The files in a folder are found by :func:`digitnet.folders.walk`, for training and ``digitnet
predict`` alike.)
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageError

__all__ = ["IMAGE_EXTENSIONS", "FORMATS", "MAX_PIXELS", "WORK_SIZE", "NotAnImage", "read_image",
           "shrink"]

#: Larger images are refused before their pixels are decoded (decompression bombs).
MAX_PIXELS = 40_000_000
#: File name endings that ``digitnet predict`` reads as images when it walks a folder.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
#: The image formats read, as messages name them.
FORMATS = "PNG, JPEG, BMP, GIF, WebP, TIFF"
#: Larger images are shrunk to this many pixels on their longer side first.
WORK_SIZE = 800

# The bit depths whole-number grey levels in a container of 16 bits or more may have, each as
# its level of full brightness, shallowest first (see _full_scale).
_DEPTHS = (255, 4095, 65535)

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as Pillow's "L" mode
_EXIF_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                   4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                   6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                   8: Image.Transpose.ROTATE_90}


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


class NotAnImage(ImageError):
    """A file that is no image, or of a format not read here (not one of :data:`FORMATS`)."""


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
        raise NotAnImage(f"{name}: not an image (or not a format we read: {FORMATS})") from None
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
        gray = shrink(_deep_gray(np.asarray(im), im.mode == "F"), WORK_SIZE)
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
    """16-bit, 32-bit or floating-point grey pixels as floats in [0, 1].

    Whole-number levels (of any of these modes: Pillow's "F" holds them too, from a 16-bit image
    converted) are divided by their :func:`_full_scale`; other floats, unless in [0, 1] already,
    have no known range, and are stretched from their lowest to their highest.
    """
    a = np.nan_to_num(a.astype(np.float32))
    low, high = float(a.min()), float(a.max())
    if floating:
        if 0 <= low and high <= 1:
            return a
        whole = low >= 0 and all((row == np.floor(row)).all() for row in a)  # (no copy of a)
        if not whole:  # no known range: stretch what is there
            return (a - low) / (high - low) if high > low else np.zeros_like(a)
    return np.clip(a / np.float32(_full_scale(high)), 0, 1)


def _full_scale(high: float) -> float:
    """The grey level that reads as full brightness in whole-number levels of 16 bits or more
    whose highest level is ``high``: the shallowest of ``_DEPTHS`` that holds it, else
    ``high`` itself.

    PNG and TIFF keep a 12-bit scanner's or camera's levels (0..4095) in a 16-bit file, as
    NumPy's ``astype(np.uint16)`` keeps 8-bit levels (0..255), and Pillow reads all of them as
    16 bits ("I;16"). Read as 16-bit levels they would lie below 1/16 of full brightness: a
    black picture, with no ink to find. A 16-bit picture whose levels all lie in 0..4095 is
    12-bit data, then (one scaled up to 16 bits, as PNG asks, reaches above 4095 wherever it
    is brighter than 1/16); one whose levels lie in 0..255, 8-bit data.
    """
    return next((top for top in _DEPTHS if high <= top), high)


def _from_array(a: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (2, 3, 4))):
        raise ImageError(f"{name}: array of shape {a.shape}; expected (H, W) grey, (H, W, 3) "
                         "RGB or (H, W, 4) RGBA pixels")
    _check_size(a.shape[1], a.shape[0], name)
    if a.dtype.kind == "f":  # the web page's drawings
        a = a.astype(np.float32)
        low, high = float(a.min()), float(a.max())  # NaN if a pixel is (and there are pixels)
        if not (-1e-6 <= low and high <= 1 + 1e-6):
            if not np.isfinite(a).all():
                raise ImageError(f"{name}: pixels contain NaN or infinite values")
            raise ImageError(f"{name}: pixel values run from {low:g} to {high:g}; "
                             "expected floats in [0, 1] or uint8 pixels (0 to 255)")
        if low < 0 or high > 1:  # rounding errors of a few millionths
            a = np.clip(a, 0, 1)
    elif a.dtype == np.bool_ or a.dtype == np.uint8:
        a = a.astype(np.float32) / (1 if a.dtype == np.bool_ else 255)
    elif a.dtype.kind in "iu":  # 8, 12 or 16-bit levels; 0/1 too, but for uint16
        low, high = int(a.min()), int(a.max())
        if low < 0 or high > 65535:
            raise ImageError(f"{name}: pixel values run from {low} to {high}; expected 0 to 255 "
                             "(or 4095, or 65535), or floats in [0, 1]")
        binary = high <= 1 and a.dtype.type is not np.uint16
        a = a.astype(np.float32) / np.float32(1 if binary else _full_scale(high))
    else:
        raise ImageError(f"{name}: pixels of dtype {a.dtype}; expected numbers")
    alpha = None
    if a.ndim == 3:
        if a.shape[2] in (2, 4):
            alpha = shrink(a[:, :, -1], WORK_SIZE)
        a = a[:, :, 0] if a.shape[2] == 2 else a[:, :, :3] @ _LUMA
    return shrink(np.ascontiguousarray(a, np.float32), WORK_SIZE), alpha


def _check_size(width: int, height: int, name: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name}: the image is {width}x{height} ({width * height / 1e6:.0f} "
                         f"megapixels), over the {MAX_PIXELS // 1_000_000}-megapixel limit; "
                         "scale it down (a digit needs only a few hundred pixels)")
    if width == 0 or height == 0:
        raise ImageError(f"{name}: the image is empty ({width}x{height} pixels)")


def shrink(a: np.ndarray, longest: int) -> np.ndarray:
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
