"""Rows of a model of pictures are brightness in [0, 1]: the one check of it.

A network reads any numbers, so nothing in its math tells pixels 0..255 given as floats (a
picture not divided by 255) from brightness: a model of pictures reads them 255 times too bright
and answers nonsense, confidently, without an error. :func:`digitnet.arrays.check_brightness`
refuses them where pictures are read (:func:`digitnet.arrays.pixel_values`), in every poking
function (:func:`digitnet.poke.rows.check_rows`) and, through :func:`check_given`, where rows
come in from the user: :meth:`Network.forward <digitnet.Network.forward>`,
:meth:`~digitnet.Network.probabilities` and :meth:`~digitnet.Network.predict` of a network that
records no input. The passes inside digitnet (training's steps,
:func:`digitnet.evaluate`'s batches through :meth:`~digitnet.Network.trace`) read rows that the
model's own input made, and pay for no check.
"""

from __future__ import annotations

import numpy as np

from . import inputs
from .arrays import check_brightness
from .errors import DataError

__all__ = ["check_given", "picture_input"]

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


def _what_to_do(model_input: inputs.Input) -> str:
    """What a Network method's caller does with pixels 0..255 given as floats."""
    examples = "images" if model_input.kind == "images" else "pictures"
    made = f"inputs.of(net).rows({examples})"
    if getattr(model_input, "deskew", False):
        return (f"pass {made}, the input layer's rows (this model reads its images deskewed), "
                f"or the {examples} themselves to net.predict_proba")
    return f"divide them by 255 or pass uint8 pixels; {made} makes the input layer's rows"
