"""How a model of pictures reads a picture file: as MNIST's digits were made, or as it is.

A network knows only the pictures it was trained on. MNIST's digits were made in a particular
way (cropped to the ink, fitted into 20x20, centred by mass in 28x28, strokes stretched to full
brightness), and a photo of a digit has to be made so too before a network of MNIST's can read
it: :func:`digitnet.preprocess.to_mnist`. Fashion-MNIST's garments fill their 28x28 frame: a
network trained on them learned whole frames, and one of its own test images cropped and shrunk
into 20x20 is a picture it never saw (an ankle boot read as a sandal). So how a model reads
picture files is part of its input record, :attr:`digitnet.inputs.Images.pictures`, decided once,
when it is trained, from where its pictures came from (:func:`of_data`):

* ``"digits"`` (:data:`DIGITS`): MNIST's digits, digitnet's packaged sample of them, and class
  folders of photos, scans or drawings of any size, which digitnet prepares as MNIST's digits
  as it reads them: each picture file goes through :func:`~digitnet.preprocess.to_mnist`;
* ``"frames"`` (:data:`FRAMES`): Fashion-MNIST's pictures, and any others that are not made as
  MNIST's digits were: each picture is read as it is, grey (ITU-R 601 luma, transparent parts
  as background), resized to the model's shape (area-averaged when shrunk) and rounded to the
  whole pixels 0..255 the model trained on; nothing is cropped, centred or stretched;
* pictures of unknown origin (IDX files of another data set, arrays given to
  :func:`digitnet.train`, class folders of picture files) are told apart by how they look, by
  one rule (:func:`by_look`): digits when nearly all are 28x28 with their ink's box within
  20x20 and its centre of mass near (14, 14), as MNIST's and to_mnist's are
  (:func:`looks_like_digits`); frames otherwise. A class folder's files are looked at as they
  are (grey, their ink light on dark as to_mnist takes it: dark ink on paper too), and are
  digits unless nearly all of them are 28x28 already: a photo of a digit is made as MNIST's
  digits were, whatever it looks like; Fashion-MNIST's pictures saved as PNG files are read as
  they are (:func:`frames_note` says so), and not deskewed (:func:`digitnet.recipes.for_data`).

A model from before digitnet recorded this reads picture files as digits, as it did then; only
one whose metadata names its training data as fashion-mnist reads frames
(:func:`digitnet.inputs.of`). :func:`picture` is the one implementation: ``digitnet predict``,
``show`` and ``evaluate`` (on folders of pictures), the web API (files and drawings), the
notebook widget and, in Python, ``digitnet.inputs.of(net).read(path)`` all read pictures
through it. (.npy arrays and IDX files hold pixels already: they are read as they are.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["DIGITS", "FRAMES", "KINDS", "picture", "of_data", "by_look", "looks_like_digits",
           "other_sizes_decide", "frames_note", "for_training", "described"]

DIGITS = "digits"
FRAMES = "frames"
KINDS = (DIGITS, FRAMES)
#: Known data sets by name (:attr:`digitnet.datasets.Dataset.name`), with how their pictures
#: were made: MNIST's digits, the sample of them digitnet ships, Fashion-MNIST's full frames.
_KNOWN = {"mnist": DIGITS, "mnist-sample": DIGITS, "fashion-mnist": FRAMES}
#: Pictures looked at to tell digits from frames, and the share of them that must look like
#: MNIST's digits (every MNIST digit does; 4 in 1,000 Fashion-MNIST pictures do), or, of a
#: folder's picture files, be 28x28 already to be looked at so.
_LOOKED_AT, _SHARE = 1000, 0.9


def picture(image, reads=None, *, name: str | None = None) -> np.ndarray:
    """``image`` as a model whose input record is ``reads`` reads a picture file.

    Parameters
    ----------
    image : path, bytes, binary file object, PIL.Image.Image or ndarray
        A picture, as :func:`digitnet.preprocess.to_mnist` takes one.
    reads : digitnet.inputs.Images, optional
        The model's input record (``digitnet.inputs.of(net)``); None: as MNIST's digits were
        made.
    name : str, optional
        What to call the picture in error messages.

    Returns
    -------
    ndarray, float32 in [0, 1]
        For a model of digits, to_mnist's (28, 28); for one of frames, the picture grey, of the
        model's shape, as the uint8 pixels it trained on times float32(1 / 255): exactly the
        numbers it reads for those pixels.

    Raises
    ------
    ImageError
        Not a picture, truncated, too large, or blank (no ink, as a .npy's image is checked).
    """
    from .preprocess import require_ink, to_mnist

    if reads is None or getattr(reads, "pictures", DIGITS) == DIGITS:
        return to_mnist(image, name=name)
    from PIL import Image

    from .images import read_image

    gray, name = read_image(image, name=name)
    h, w = reads.shape
    if gray.shape != (h, w):
        shrunk = gray.shape[0] >= h and gray.shape[1] >= w
        resample = Image.Resampling.BOX if shrunk else Image.Resampling.LANCZOS
        gray = np.asarray(Image.fromarray(gray).resize((w, h), resample))
    pixels = np.rint(np.clip(gray, 0, 1) * 255).astype(np.uint8)
    require_ink(pixels / np.float32(255), name)
    return np.multiply(pixels, np.float32(1 / 255), dtype=np.float32)  # (as networks read uint8)


def of_data(data) -> str:
    """How a model trained on ``data`` (a :class:`~digitnet.datasets.Dataset` of pictures)
    reads picture files: as the pictures of a folder were read (``data.names``: each from a
    file, as they looked, :func:`by_look`, or as the model they were read for reads them), as a
    known data set's were made (by name), else as they look (:func:`by_look`)."""
    if data.names is not None:
        return getattr(data.input, "pictures", DIGITS)
    return _KNOWN.get(data.name) or by_look(data.x)


def by_look(x, read: int | None = None) -> str:
    """How pictures of unknown origin are read, the one rule for arrays, IDX files and class
    folders: :data:`DIGITS` when ``x`` (n, h, w), as they are, look made as MNIST's digits were
    (:func:`looks_like_digits`), else :data:`FRAMES`. ``read``: for picture files, how many
    were read, ``x`` being those of them that are 28x28 already (uint8), each looked at as
    to_mnist takes its ink, dark ink on paper too (:func:`_light_ink`); when more than a few
    are not 28x28 (:func:`other_sizes_decide`), they are photos or scans: :data:`DIGITS`."""
    if read is not None and (not read or other_sizes_decide(read - len(x), read)):
        return DIGITS
    return DIGITS if looks_like_digits(x if read is None else _light_ink(x)) else FRAMES


def _light_ink(x: np.ndarray) -> np.ndarray:
    """Pictures ``x`` (n, h, w) uint8 as :func:`~digitnet.preprocess.to_mnist` takes their ink,
    light on dark: those with a bright border inverted (three quarters of the outermost pixels
    brighter than mid-grey, as :func:`~digitnet.preprocess.warn_if_inverted` tells them: no
    MNIST digit nor Fashion-MNIST picture has one, dark ink on paper does). A picture file's
    ink may be dark, as to_mnist reads it; an array's pixels are read as they are."""
    x = np.asarray(x)
    ring = np.concatenate([x[:, 0], x[:, -1], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1)
    bright = 4 * np.count_nonzero(ring > 127, axis=1) >= 3 * ring.shape[1]
    return np.where(bright[:, None, None], 255 - x, x)


def other_sizes_decide(other: int, read: int) -> bool:
    """Whether ``other`` picture files of ``read`` that are not 28x28 make them digits (photos,
    scans: prepared as MNIST's digits): over 10% of them."""
    return other > (1 - _SHARE) * read


def frames_note(name: str) -> str:
    """The note for the class folders ``name`` whose pictures :func:`by_look` reads as they
    are."""
    return (f"{name}: read as they are (frames): they are 28x28 and not made as MNIST's digits; "
            "nothing is cropped, centred or stretched, nor deskewed unless asked (--deskew, "
            "deskew=True), and a model trained on them reads picture files so")


def looks_like_digits(x) -> bool:
    """Whether pictures ``x`` (n, h, w), uint8 or brightness in [0, 1], look made as MNIST's
    digits were: 28x28, and in at least 90% of up to 1,000 of them (spread evenly) the ink's
    box (where it is at least a quarter of the picture's brightest, as to_mnist boxes a digit)
    fits 21x21 and its centre of mass lies within 1.5 pixels of (14, 14). Fashion-MNIST's
    pictures, whose subject spans 25 to 28 pixels, do not."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or not len(x):
        return False
    x = x[np.linspace(0, len(x) - 1, min(len(x), _LOOKED_AT)).astype(np.intp)]
    x = x.astype(np.float32)
    lit = x >= 0.25 * np.maximum(x.max(axis=(1, 2), keepdims=True), 1e-6)
    box = np.maximum(_span(lit.any(axis=2)), _span(lit.any(axis=1)))
    mass = np.maximum(x.sum(axis=(1, 2)), 1e-6)
    at = np.arange(28, dtype=np.float32)
    cy, cx = x.sum(axis=2) @ at / mass, x.sum(axis=1) @ at / mass
    fits = (box <= 21) & (np.hypot(cy - 14, cx - 14) <= 1.5) & (x.max(axis=(1, 2)) > 0)
    return bool(fits.mean() >= _SHARE)


def _span(flags: np.ndarray) -> np.ndarray:
    """For each row of ``flags`` (n, k), from its first True to its last, inclusive; 0 if none."""
    first = flags.argmax(axis=1)
    last = flags.shape[1] - 1 - flags[:, ::-1].argmax(axis=1)
    return np.where(flags.any(axis=1), last - first + 1, 0)


def for_training(model_input, data, deskew: bool):
    """The input record ``model_input`` (images) of a model trained on ``data``: deskewed or
    not, as the recipe says, and reading picture files as ``data``'s were made
    (:func:`of_data`)."""
    import dataclasses

    return dataclasses.replace(model_input, deskew=deskew, pictures=of_data(data))


def described(reads) -> str:
    """How a model of input record ``reads`` (images) prepares a picture file, for people
    (``digitnet info``'s "pictures")."""
    if reads.pictures == FRAMES:
        h, w = reads.shape
        return f"read as they are: grey, resized to {h}x{w}; nothing cropped, centred or stretched"
    return ("prepared as MNIST's digits were: cropped to the ink, fitted into 20x20, centred by "
            "mass in 28x28")
