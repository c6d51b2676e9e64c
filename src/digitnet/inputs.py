"""What the input layer sees: how a data set's examples become rows of numbers.

A network reads rows of ``sizes[0]`` numbers. What those numbers are depends on the data:

* **images** (:class:`Images`): the grey levels of an h x w picture, 0 = background, 1 = ink
  (MNIST's convention), one number per pixel, as the video's 784 input neurons;
* **tables** (:class:`Table`): one number per feature column, each standardised with the mean
  and standard deviation of the training split, so that no column dominates because of its units;
* **recordings** (:class:`Audio`): the pixels of a picture of the sound, a log-mel spectrogram of
  ``bands`` frequency bands by ``frames`` moments in time, brightness = loudness (0..255 as
  MNIST's pixels). The record holds the front end's parameters; :mod:`digitnet.audio` makes the
  picture from a recording with them.

An :class:`Input` says which, keeps what it learned from the training split, and is saved in the
model file (``metadata["input"]``), so that training, evaluation, ``predict``, the page and the
pictures all turn examples into rows in exactly the same way. :func:`of` reads it back from a
network; models from before digitnet recorded it read as 28x28 images.

Rows come out as uint8 pixels (read by every part of digitnet as value / 255, without a float
copy of the whole data set) or as float32 numbers.

Images may also be **deskewed** (``Images(shape, deskew=True)``): each digit's slant is
straightened before the network sees it (:func:`deskew`), so a 1 written leaning right and one
written upright reach the input layer alike. LeCun et al.'s MNIST table credits this with the
largest single gain for fully connected networks (one hidden layer of 300: 4.7% error to 1.6%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import arrays, tables, words
from .classnames import classes_of, classes_problem  # (re-exported: inputs.classes_of(net))
from .errors import DataError, ModelFileError

__all__ = ["Input", "Images", "Table", "Audio", "deskew", "from_dict", "of", "audio_of",
           "classes_of", "classes_problem"]
#: How many of a table's columns (and values) its descriptions show: ``digitnet info``, repr.
_MOST = 12


class Input:
    """Base class: how examples become rows. Subclasses are frozen dataclasses."""

    kind = ""
    #: What its examples are called, in the plural ("accuracy 97% on 100 images").
    noun = "examples"
    #: Whether :meth:`fit` learns anything from the training examples (else it returns self).
    learns = False

    @property
    def n_inputs(self) -> int:
        """How many numbers a row has: the input layer's size."""
        raise NotImplementedError

    @property
    def image_shape(self) -> tuple[int, int] | None:
        """(h, w) when a row is a picture (for shift augmentation and pictures), else None."""
        return None

    def fit(self, x: np.ndarray) -> Input:
        """This input with what it learns from the training examples ``x``; by default itself."""
        return self

    def rows(self, x) -> np.ndarray:
        """Examples as rows (n, n_inputs): uint8 pixels (a network reads them / 255) or floats."""
        raise NotImplementedError

    def batch(self, x) -> tuple[object, bool]:
        """``x`` as a batch of examples, and whether it was one example (a table's row, a
        picture, or a picture's row): what predict and evaluate read examples through."""
        single = (np.ndim(x) == 1 and np.size(x) > 0) or np.shape(x) == self.image_shape
        return (np.asarray(x)[None] if single else x), single

    def to_dict(self) -> dict:
        raise NotImplementedError

    def describe(self, detailed: bool = False) -> str:
        """What the input layer reads, for people: short, for a message (``"28x28 images"``),
        or ``detailed``, for ``digitnet info`` (with the front end's or the table's details)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Images(Input):
    """Pictures of ``shape`` (h, w); a row is the picture's pixels, row by row.

    With ``deskew``, each picture is straightened by :func:`deskew` first: uint8 pixels in give
    uint8 pixels out (a data set), brightness in [0, 1] the same pixels / 255 (float32).
    ``pictures`` is how a picture file becomes one (:meth:`read`, :mod:`digitnet.preparation`):
    "digits", made as MNIST's digits were, or "frames", read as it is; decided in training.
    """

    shape: tuple[int, int] = (28, 28)
    deskew: bool = False
    pictures: str = "digits"
    kind = "images"
    noun = "images"

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        object.__setattr__(self, "deskew", bool(self.deskew))
        if self.pictures not in ("digits", "frames"):
            raise ModelFileError(f"image inputs' pictures are 'digits' or 'frames' (how files are "
                                 f"read), not {self.pictures!r}; give one, or retrain the model")

    @property
    def n_inputs(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.shape

    def rows(self, x) -> np.ndarray:
        x = arrays.picture_rows(x, self.shape, "images")
        return deskew(x.reshape(-1, *self.shape)).reshape(x.shape) if self.deskew else x

    def to_dict(self) -> dict:
        record = {"kind": self.kind, "shape": list(self.shape)}
        if self.deskew:  # (absent, as in records from before digitnet could deskew: no)
            record["deskew"] = True
        if self.pictures != "digits":  # (absent: digits, as every model read pictures before)
            record["pictures"] = self.pictures
        return record

    def read(self, image, name: str | None = None) -> np.ndarray:
        """A picture file (or bytes, PIL image, array) as read: preparation.picture."""
        from .preparation import picture

        return picture(image, self, name=name)

    def describe(self, detailed: bool = False) -> str:
        h, w = self.shape  # (detailed, for info: deskewed or not, as --json's "deskew" says)
        straightened = ", each deskewed (its slant straightened) first" if self.deskew else ""
        return f"{h}x{w} images" + (f"{straightened}, one input neuron per pixel"
                                     if detailed else "")


@dataclass(frozen=True)
class Table(Input):
    """Rows of a table: one number per column, standardised as (value - mean) / std.

    ``mean`` and ``std`` come from the training split (:meth:`fit`); a column that is constant
    there keeps std 1, so it becomes 0 rather than NaN.
    """

    columns: tuple[str, ...]
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    kind = "table"
    noun = "rows"
    learns = True

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))
        for name in ("mean", "std"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(float(v) for v in value))
                if len(value) != len(self.columns):
                    raise ModelFileError(f"a table input's {name} has {len(value)} values for "
                                         f"{len(self.columns)} columns")

    @property
    def n_inputs(self) -> int:
        return len(self.columns)

    def fit(self, x: np.ndarray) -> Table:
        x = self._numbers(x)
        std = x.std(axis=0)
        return Table(self.columns, tuple(x.mean(axis=0)), tuple(np.where(std > 0, std, 1.0)))

    def rows(self, x) -> np.ndarray:
        x = self._numbers(x)
        if self.mean is None:
            return x.astype(np.float32)
        return ((x - np.array(self.mean)) / np.array(self.std)).astype(np.float32)

    def _numbers(self, x) -> np.ndarray:
        x, _ = tables.frame(x, "rows", self.columns)  # a DataFrame's: its columns the model reads
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:  # (a word among the numbers, say)
            raise DataError(f"rows: hold a value that is not a number ({e}); a table's columns "
                            "hold numbers: fix or drop it") from None
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != len(self.columns):
            raise DataError(f"expected rows of {len(self.columns)} numbers (columns "
                            f"{words.listed(self.columns, 3)}), got an array of shape {x.shape}")
        if not np.isfinite(x).all():
            row, col = np.argwhere(~np.isfinite(x))[0]
            raise DataError(f"row {row}, column {self.columns[col]!r}: missing or not a finite "
                            "number; fill in or drop that row")
        return x

    def to_dict(self) -> dict:
        return {"kind": self.kind, "columns": list(self.columns),
                "mean": None if self.mean is None else list(self.mean),
                "std": None if self.std is None else list(self.std)}

    def describe(self, detailed: bool = False) -> str:
        short = f"a table of {self.n_inputs} columns"
        if not detailed:
            return short
        standardised = " (standardised with the training split's mean and std)" if self.mean else ""
        return f"{short}{standardised}: {_first(self.columns, str)}"

    def __repr__(self) -> str:
        """Python's own; past :data:`_MOST` columns, as ``digitnet info`` lists them."""
        shown = [None if v is None else f"({_first(v, repr)}{',' * (len(v) == 1)})"
                 for v in (self.columns, self.mean, self.std)]
        return "Table(columns={}, mean={}, std={})".format(*shown)


def _first(v, show, most: int = _MOST) -> str:
    """The first ``most`` of ``v`` as ``show`` gives them, and how many in all when more."""
    return ", ".join(map(show, v[:most])) + f", ... ({len(v)} in all)" * (len(v) > most)


#: Images deskewed at once by :func:`deskew`: bounds its temporary arrays to a few megabytes.
_DESKEW_BLOCK = 128


def deskew(images: np.ndarray) -> np.ndarray:
    """Straighten each image's slant: the horizontal shear that makes its ink's x-y covariance 0.

    Treat an image's brightness as mass, with centre (x̄, ȳ). A digit written leaning right has
    its rows' ink further right the lower the row sits (y grows downwards), so x and y covary:
    cov(x, y) > 0. Moving row y sideways by α (y - ȳ), with α = cov(x, y) / var(y), makes the
    covariance cov(x, y) - α var(y) = 0 and leaves the centre of mass where it was. Each row is
    resampled by linear interpolation between its two nearest pixels (zeros beyond the edges),
    which moves the row's ink centre by exactly the shift and keeps its mass, so the result's
    covariance is 0 up to rounding (and ink sheared past the edge, which a digit centred in a
    margin rarely has). A blank image is left as it is. The result is rounded to whole pixels, as
    the uint8 digits models train on are; floats (brightness in [0, 1]) are read as the nearest
    pixels (:func:`digitnet.arrays.pixels`) and come back as those pixels times float32(1/255),
    as networks read uint8: an image deskews to the same numbers as uint8 pixels or as them / 255.

    Parameters
    ----------
    images : ndarray, shape (h, w) or (n, h, w)
        One image or n of them: uint8 pixels, or floats, brightness in [0, 1].

    Returns
    -------
    ndarray, the shape of ``images``
        uint8 pixels for whole-number pixels, else float32 brightness (the pixels / 255).
    """
    images = np.asarray(images)
    if images.ndim not in (2, 3):
        raise DataError(f"deskew takes an image (h, w) or images (n, h, w), got {images.shape}")
    pixels = arrays.pixel_values(images.reshape(-1, *images.shape[-2:]), "images")
    out = np.empty(pixels.shape, np.uint8)
    for start in range(0, len(pixels), _DESKEW_BLOCK):
        block = arrays.pixels(pixels[start : start + _DESKEW_BLOCK], "images").astype(np.float32)
        sheared = _shear_rows(block, _slant(block))
        out[start : start + _DESKEW_BLOCK] = np.rint(sheared, out=sheared)
    out = out if pixels.dtype == np.uint8 else arrays.as_floats(out, np.float32)  # as nets read
    return out.reshape(images.shape)


def _slant(images: np.ndarray) -> np.ndarray:
    """The shift of each row that deskews it: α (y - ȳ), shape (n, h); 0 for blank images."""
    n, h, w = images.shape
    y, x = np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64)
    row_mass = images.sum(axis=2, dtype=np.float64)  # (n, h)
    row_x = images @ x.astype(np.float32)  # (n, h): Σ_x x·ink of each row
    mass = row_mass.sum(axis=1)
    safe = np.where(mass > 0, mass, 1)
    x_bar, y_bar = row_x.sum(axis=1) / safe, row_mass @ y / safe
    dy = y[None] - y_bar[:, None]
    var_y = (row_mass * dy * dy).sum(axis=1) / safe
    cov_xy = ((row_x - x_bar[:, None] * row_mass) * dy).sum(axis=1) / safe
    alpha = np.divide(cov_xy, var_y, out=np.zeros(n), where=var_y > 0)
    return (alpha[:, None] * dy).astype(np.float32)


def _shear_rows(images: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Output pixel (y, x) is the input's row y at x + shifts[y], linearly interpolated."""
    n, h, w = images.shape
    source = np.arange(w, dtype=np.float32)[None, None, :] + shifts[:, :, None]  # (n, h, w)
    left = np.floor(source)
    t = source - left
    left = left.astype(np.intp)
    padded = np.zeros((n, h, w + 2), np.float32)  # a 0 each side stands for "beyond the edge"
    padded[:, :, 1:-1] = images
    at_left = np.take_along_axis(padded, np.clip(left + 1, 0, w + 1), axis=2)
    at_right = np.take_along_axis(padded, np.clip(left + 2, 0, w + 1), axis=2)
    return at_left * (1 - t) + at_right * t


@dataclass(frozen=True)
class Audio(Input):
    """Recordings, read as pictures of their sound; a row is the picture's pixels, row by row.

    The fields are the front end's parameters (:func:`digitnet.audio.picture`): the sound is
    resampled to ``sample_rate`` Hz, trimmed where it is more than ``trim_db`` below its loudest,
    cut into windows of ``n_fft`` samples every ``hop`` samples (a longer sound gets a longer hop,
    so that it fits into ``frames`` columns; a shorter one is centred), the power in each of
    ``bands`` mel bands from ``fmin`` Hz to half the sample rate taken in decibels below the
    loudest, and the top ``range_db`` decibels mapped to 0..255. Row 0 is the highest band.
    """

    sample_rate: int = 8000
    bands: int = 28
    frames: int = 28
    n_fft: int = 256
    hop: int = 128
    fmin: float = 100.0
    trim_db: float = 15.0
    range_db: float = 40.0
    kind = "audio"
    noun = "recordings"

    def __post_init__(self):
        for name in ("sample_rate", "bands", "frames", "n_fft", "hop"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ModelFileError(f"the recording front end's {name} must be a positive "
                                     f"whole number, got {value!r}")
            object.__setattr__(self, name, int(value))
        if not 0 <= self.fmin < self.sample_rate / 2 or self.trim_db <= 0 or self.range_db <= 0:
            raise ModelFileError(f"the recording front end's fmin {self.fmin}, trim_db "
                                 f"{self.trim_db} or range_db {self.range_db} is out of range")

    @property
    def n_inputs(self) -> int:
        return self.bands * self.frames

    @property
    def image_shape(self) -> tuple[int, int]:
        return (self.bands, self.frames)

    def rows(self, x) -> np.ndarray:
        return arrays.picture_rows(x, self.image_shape, "pictures of sounds")

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{f: getattr(self, f) for f in self.__dataclass_fields__}}

    def describe(self, detailed: bool = False) -> str:
        picture = f"{self.bands}x{self.frames} pictures of their sound"
        if not detailed:
            return f"recordings ({picture})"
        return (f"recordings, as {picture} (log-mel: {self.bands} bands from {self.fmin:g} Hz "
                f"to {self.sample_rate // 2} Hz by {self.frames} time frames, "
                f"{self.sample_rate} Hz, hop {self.hop}, window {self.n_fft}, top "
                f"{self.range_db:g} dB), one input neuron per pixel")


_KINDS = {cls.kind: cls for cls in (Images, Table, Audio)}


def from_dict(d: dict) -> Input:
    """The :class:`Input` a model file records (see :meth:`Input.to_dict`), or a ModelFileError
    saying what is wrong with a record that is not one."""
    kind, remedy = d.get("kind") if isinstance(d, dict) else None, "retrain the model"
    try:
        if isinstance(kind, str) and kind not in _KINDS:  # (a newer digitnet's, perhaps)
            remedy = "upgrade digitnet or retrain the model"
            raise ValueError(f"kind {kind!r} is not one of {', '.join(_KINDS)}")
        record = _KINDS[kind](**{k: v for k, v in d.items() if k != "kind"})
        if isinstance(record, Images) and (len(record.shape) != 2 or min(record.shape) < 1):
            raise ValueError("an image's shape is two positive sizes, height and width")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        reason = "not an object with a 'kind'" if kind is None else str(e)
        raise ModelFileError(f"the model's input record {d!r} is not one digitnet knows "
                             f"({reason}); {remedy}") from None
    return record


def of(net) -> Input:
    """How ``net``'s inputs are made: its model's record, or for a model without one (made
    before digitnet kept it), square images if the input layer is a square, else a table. A
    record of images that does not say how picture files are read (made before digitnet kept
    that) reads them as digits, as then, unless the model's metadata names its training data as
    fashion-mnist: as the frames its pictures were, then (:mod:`digitnet.preparation`)."""
    recorded = net.metadata.get("input")
    if not recorded:
        side = math.isqrt(net.sizes[0])
        return (Images((side, side)) if side * side == net.sizes[0]
                else Table(tuple(f"x{i}" for i in range(net.sizes[0]))))
    record, data = from_dict(recorded), net.metadata.get("data")
    train = data.get("train") if isinstance(data, dict) else None
    if isinstance(record, Images) and "pictures" not in recorded and isinstance(train, dict) \
            and train.get("name") == "fashion-mnist":
        return Images(record.shape, record.deskew, "frames")
    return record


def audio_of(net) -> Audio | None:
    """The audio front end ``net`` reads recordings with, or None for a model of pictures or
    tables: recordings for it are read through exactly the transformation it was trained with."""
    front_end = of(net)
    return front_end if isinstance(front_end, Audio) else None

