"""Rows of a model of pictures are brightness in [0, 1]: the one check of it.

A network reads any numbers, so nothing in its math tells pixels 0..255 given as floats (a
picture not divided by 255) from brightness: a model of pictures reads them 255 times too bright
and answers nonsense, confidently, without an error. :func:`digitnet.arrays.check_brightness`
refuses them where pictures are read (:func:`digitnet.arrays.pixel_values`), in every poking
function (:func:`digitnet.poke.rows.check_rows`) and, through :func:`check_given`, where rows
come in from the user: :meth:`Network.forward <digitnet.Network.forward>`,
:meth:`~digitnet.Network.probabilities`, :meth:`~digitnet.Network.trace` (and so
:meth:`~digitnet.Network.loss` and :meth:`~digitnet.Network.backprop`) and, through
:func:`example_rows`, :meth:`~digitnet.Network.predict` of a network that records no input.
uint8 pixels cost nothing to check. The passes inside digitnet that read rows the model's own
input made (training's steps, each step of a dream) pay for no check.

Those methods read numbers: a file's name given to them is refused by :func:`check_not_files`,
whose error says how to read the file first, or, when the file is of another kind than the
model's examples (a recording given to a model of pictures), what the model reads instead.
"""

from __future__ import annotations

import os

import numpy as np

from . import inputs, words
from .arrays import as_rows, check_brightness
from .audio import AUDIO_EXTENSIONS
from .errors import DataError
from .images import IMAGE_EXTENSIONS

__all__ = ["check_given", "check_not_files", "example_rows", "other_kind", "picture_input"]

#: The input layer of MNIST's 28x28 digits: a network that records no input reads pictures when
#: its input layer has this many neurons (as an import that records none is read).
MNIST_INPUTS = 784


def picture_input(net) -> inputs.Input | None:
    """The input of ``net`` when it reads pictures, else None: the input it records when that
    is images or pictures of sounds (:func:`digitnet.inputs.of`); for a network that records
    none (built by hand), 28x28 images when its input layer has :data:`MNIST_INPUTS` neurons,
    the video's network, and nothing else (a hand-built network of 4 inputs reads iris's
    columns as they are, not 2x2 pictures)."""
    if not net.metadata.get("input") and net.sizes[0] != MNIST_INPUTS:
        return None
    model_input = inputs.of(net)
    return model_input if model_input.image_shape is not None else None


def check_given(net, rows: np.ndarray, name: str) -> np.ndarray:
    """``rows`` (n, sizes[0]), given to a :class:`~digitnet.Network` method as the input
    layer's rows, checked by :func:`~digitnet.arrays.check_brightness` when ``net`` reads
    pictures (:func:`picture_input`; ``name``: the method's argument, for the error); returned
    as they are. Whole numbers other than uint8 (and booleans) are read as numbers, not pixels:
    past 0 and 1 they are refused too (int64 0..255, as a CSV of pixels gives them, would be
    read 255 times too bright). uint8 pixels cost nothing."""
    if rows.dtype.kind not in "fiu" or rows.dtype == np.uint8:
        return rows
    model_input = picture_input(net)
    if model_input is None:
        return rows
    if rows.dtype.kind == "f":
        check_brightness(rows, name, _what_to_do(model_input))
    elif rows.size and (rows.min() < 0 or rows.max() > 1):
        raise DataError(f"{name}: whole numbers of {rows.dtype} from {rows.min()} to "
                        f"{rows.max()} are read as they are, not as pixels (only uint8 is); "
                        f"{_what_to_do(model_input)}")
    return rows


def example_rows(net, x, stacklevel: int = 3) -> tuple[np.ndarray, bool]:
    """Examples ``x`` as the model's data holds them -> the rows ``net``'s input layer reads,
    and whether ``x`` was a single example: the one path of :meth:`~digitnet.Network.predict`,
    :meth:`~digitnet.Network.predict_proba` and the pictures of one example
    (:func:`digitnet.probes.example_row`), refusing what they refuse.

    A model that records its input (every model digitnet trains or converts) has it applied,
    :meth:`digitnet.inputs.Input.rows` (deskewing; shape and values checked); pictures that look
    inverted (dark ink on a bright background) are warned of
    (:func:`digitnet.preprocess.warn_if_inverted`, ``stacklevel`` counted from this function's
    caller's caller). A network built by hand records none: its examples are its rows, checked
    as :meth:`~digitnet.Network.forward` checks them (:func:`check_given`)."""
    x = check_not_files(net, x, "x")
    if not net.metadata.get("input"):
        rows, single = as_rows(x, net.sizes[0])
        return check_given(net, rows, "x"), single
    model_input = inputs.of(net)
    x, single = model_input.batch(x)
    rows = model_input.rows(x)  # (their shape and values checked first)
    if isinstance(model_input, inputs.Images):  # pictures given as they are: the right way up?
        from .preprocess import warn_if_inverted

        pictures = np.asarray(x).reshape(-1, *model_input.image_shape)
        warn_if_inverted(pictures, "the image" if len(pictures) == 1 else "images", stacklevel)
    return rows, single


def check_not_files(net, x, name: str, rows: bool = False):
    """``x``, given to a :class:`~digitnet.Network` method, as it is; a DataError if it names
    files (a str or path, or a list or array of names such as "seven.wav") rather than holding
    numbers, saying how to read such a file for ``net`` into what the method takes: examples
    (:meth:`~digitnet.Network.predict`), or with ``rows`` the input layer's rows
    (:meth:`~digitnet.Network.forward`, :meth:`~digitnet.Network.probabilities`)."""
    if isinstance(x, (str, os.PathLike)):
        first = x
    elif isinstance(x, (list, tuple, np.ndarray)) and np.size(x) and np.ndim(x) == 1:
        first = x[0]  # (strings such as "a" or "0.5" are not numbers, nor names of files)
        if not isinstance(first, os.PathLike) and not _named(first):
            return x
    else:
        return x
    model_input, path = inputs.of(net), repr(str(os.fspath(first)))
    shown = f"{path} is a file's name" if np.ndim(x) == 0 else f"holds file names ({path}, ...)"
    given = _KIND_OF_NAME.get(os.path.splitext(str(os.fspath(first)))[1].lower())
    refused = other_kind(given, model_input)
    if refused is not None:  # a recording given to a picture model
        one, said = refused
        named = (f"{path} names {one}" if np.ndim(x) == 0
                 else f"holds names of {_NAMED[given][1]} ({path}, ...)")
        raise DataError(f"{name}: {named}; {said}")
    what, numbers, read = _READ[model_input.kind]
    frames = getattr(model_input, "pictures", None) == "frames"  # (read as they are)
    read = "digitnet.inputs.of(net).read({})" if frames else read
    folder = np.ndim(x) == 0 and os.path.isdir(first)  # (each file in it to read, one by one)
    read = "with " + (f"digitnet.inputs.of(net).rows({read})" if rows else read).format(
        "path" if folder else path)
    if model_input.kind == "images" and model_input.image_shape != (28, 28) and not frames:
        read = f"as an array of shape {model_input.image_shape}, brightness in [0, 1]"
    if folder:
        raise DataError(f"{name}: {path} is a folder; a network reads numbers ({numbers}), not "
                        f"files: read each {what} in it first {read}, or answer for the whole "
                        "folder with the command line: digitnet predict MODEL "
                        f"{words.shell(first)}")
    raise DataError(f"{name}: {shown}; a network reads numbers ({numbers}), not files: read the "
                    f"{what} first {read}")


def other_kind(given: str | None, model_input: inputs.Input) -> tuple[str, str] | None:
    """For an example of kind ``given`` ("audio", "images": as a file's name or its bytes tell
    it) that a model reading ``model_input`` does not read: what it is ("a recording") and what
    to say of it ("this model reads pictures, not recordings: a speech model (one trained on
    recordings) hears those"), in the words of ``net.predict("seven.wav")`` and of the notebook
    widget's upload; None when the model reads it, or its kind is not known."""
    if given not in _NAMED or given == model_input.kind:
        return None
    one, many, who = _NAMED[given]
    return one, f"this model {_TAKES[model_input.kind]}, not {many}: {who}"


def _named(value) -> bool:
    """Whether ``value`` is a file's name as a str: one that ends in an extension ("seven.wav",
    "five.png") and is not a number ("1.5e-3")."""
    if not isinstance(value, str) or not any(c.isalpha() for c in os.path.splitext(value)[1]):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


#: How to read a file of each kind of example (:attr:`~digitnet.inputs.Input.kind`) in Python:
#: what it is, the numbers a network reads of it, and the call that reads it (``{}``: its name).
_READ = {"images": ("picture", "the pixels of pictures", "digitnet.preprocess.to_mnist({})"),
         "audio": ("recording", "the pixels of pictures of sounds",
                   "digitnet.audio.picture({}, digitnet.inputs.of(net))"),
         # (the model's columns, by name: a label column left in the file is not read)
         "table": ("table", "a table's rows",
                   "digitnet.tables.read_features({}, digitnet.inputs.of(net).columns)")}


#: The kind of example (:attr:`~digitnet.inputs.Input.kind`) a file's name says it holds, by its
#: ending, as ``digitnet predict`` tells its inputs apart; each kind named as a file of it, as
#: files of it, and with the model that reads them.
_KIND_OF_NAME = {**dict.fromkeys(AUDIO_EXTENSIONS, "audio"),
                 **dict.fromkeys(IMAGE_EXTENSIONS, "images")}
_NAMED = {"audio": ("a recording", "recordings",
                    "a speech model (one trained on recordings) hears those"),
          "images": ("a picture", "pictures", "a model trained on pictures reads those")}
#: What a model of each kind of example takes.
_TAKES = {"images": "reads pictures", "audio": "hears recordings",
          "table": "reads a table's rows"}


def _what_to_do(model_input: inputs.Input) -> str:
    """What a Network method's caller does with pixels 0..255 given as floats."""
    examples = "images" if model_input.kind == "images" else "pictures"
    made = f"inputs.of(net).rows({examples})"
    if getattr(model_input, "deskew", False):
        return (f"pass {made}, the input layer's rows (this model reads its images deskewed), "
                f"or the {examples} themselves to net.predict_proba")
    return f"divide them by 255 or pass uint8 pixels; {made} makes the input layer's rows"
