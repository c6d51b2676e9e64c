"""What every poking function takes: the input layer's rows, checked.

:func:`~digitnet.poke.ablate` and the rest take ``inputs.of(net).rows(examples)``, what layer 0
reads (deskewed, for the default recipe's digits; standardised, for a table), where
:meth:`Network.predict <digitnet.Network.predict>` and :func:`digitnet.evaluate` take examples
as the data holds them. Those given where rows are expected would be read silently wrong (held-out
digits not deskewed scored 80% against their 93%), so :func:`check_rows`, the one check of rows
every poking function makes, refuses what cannot be rows in one line saying what to pass.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import arrays, inputs
from ..errors import DataError
from ..network import Network

__all__ = ["DESKEWED", "DESKEW_CHECK", "check_deskewed", "check_rows"]


def check_rows(net: Network, rows, name: str = "rows", single: bool = False) -> np.ndarray:
    """``rows`` as every poking function takes them, ``inputs.of(net).rows`` of the examples
    (``name``: the function's argument, for errors; ``single``: one row (sizes[0],) may come
    alone): refused, in a DataError of one line saying what to pass, wherever they cannot be
    the input layer's rows, since the network would read examples as the data holds them
    silently wrong (the default recipe's digits not deskewed, 0..255 as brightness):

    * anything but an array of shape (n, sizes[0]): a DataFrame (a table as the data holds
      it), pictures (n, h, w) or one picture (h, w);
    * for a model of pictures (images, or pictures of sounds), values that are not pixels as
      :func:`digitnet.arrays.pixel_values` reads them, uint8 0..255 or floats in [0, 1] (rows
      of uint8 pictures are uint8 pixels; pixels 0..255 given as floats are refused rather
      than read as brightness 255 times too high: :func:`digitnet.arrays.check_brightness`);
    * for a model that deskews, rows that are not deskewed (:func:`check_deskewed`).

    A table model's rows are its columns standardised, which may be any finite numbers (a row
    far out is a fair question to ask it): past their shape, nothing tells them from the table
    as the data holds it, and only NaN and infinity are refused.
    """
    model_input = inputs.of(net)
    todo = _what_to_pass(net, model_input, single)
    pandas = sys.modules.get("pandas")  # (a DataFrame's module is loaded; digitnet needs none)
    if pandas is not None and isinstance(rows, pandas.DataFrame):
        raise DataError(f"{name}: got a DataFrame, a table as the data holds it, not the input "
                        f"layer's rows; {todo}")
    rows = np.asarray(rows)
    if rows.dtype.kind not in "biuf":
        raise DataError(f"{name}: got an array of {rows.dtype} values, not numbers; {todo}")
    n_in, shape = net.sizes[0], model_input.image_shape
    if not ((rows.ndim == 2 and rows.shape[1] == n_in) or (single and rows.shape == (n_in,))):
        said = ", pictures as the data holds them" if rows.ndim > 2 else ""
        if shape is not None and rows.shape == shape:
            said = ", a picture as the data holds it"
        raise DataError(f"{name}: got an array of shape {rows.shape}{said}, not the input "
                        f"layer's rows; {todo}")
    if shape is None:
        bad = int(np.count_nonzero(~np.isfinite(rows))) if rows.dtype.kind == "f" else 0
        if bad:
            raise DataError(f"{name}: {bad:,} values are NaN or infinite; a table model's rows "
                            "are finite numbers, as inputs.of(net).rows(table) makes them")
        return rows
    arrays.check_brightness(rows, name, todo)  # (the check Network.forward makes too)
    rows = arrays.pixel_values(rows, name)  # (NaN; whole numbers past 0..255)
    if getattr(model_input, "deskew", False):
        check_deskewed(rows.reshape(-1, n_in), shape, name, todo)  # (one row: (1, n_in))
    return rows


def _what_to_pass(net: Network, model_input: inputs.Input, single: bool) -> str:
    """What a poking function takes, said after a refusal: "pass inputs.of(net).rows(...)"."""
    table = model_input.image_shape is None
    examples = "table" if table else "images" if model_input.kind == "images" else "pictures"
    made = f"inputs.of(net).rows({examples})" + ("[i]" if single else "")
    rows = "one of the input layer's rows" if single else "the input layer's rows"
    shape = f"({net.sizes[0]},)" if single else f"(n, {net.sizes[0]})"
    if table:
        what = ", each column standardised" if model_input.mean is not None else ""
    else:
        deskews = getattr(model_input, "deskew", False)
        what = " uint8 pixels or floats in [0, 1]" + (
            ", each image deskewed as this model reads it" if deskews else "")
    return f"pass {made}, {rows}, as {shape}{what}"


#: How many rows at least :func:`check_deskewed` reads (fewer are not checked), and at most.
DESKEW_CHECK = (30, 100)
#: The most that deskewing the median row checked may change it, as a fraction of its ink,
#: for rows to be taken as deskewed.
DESKEWED = 0.1


def check_deskewed(rows: np.ndarray, shape: tuple[int, int], name: str, todo: str) -> None:
    """A DataError unless ``rows`` (of a model that deskews, :class:`digitnet.inputs.Images`)
    are deskewed, as :meth:`~digitnet.inputs.Images.rows` makes them, checked on their first
    ``DESKEW_CHECK[1]`` rows when there are at least ``DESKEW_CHECK[0]``.

    Deskewing a deskewed picture changes it little (its slant is 0 already). Deskewed again, the
    median of 30 deskewed MNIST digits changes by 0% of its ink, and of 30 deskewed
    Fashion-MNIST pictures (whose ink, reaching the edges, was sheared past them) by at most 4%,
    where the median of 30 MNIST digits as the data holds them changes by 17% or more (20,000
    draws of 30 from 20,000 of each; of all 20,000 digits, by 46%). One picture says too
    little: a deskewed garment can change by 59%, a digit written upright by nothing. Clothes as
    the data holds them mostly pass (the median of 30 changes by 4%, from 1% to 34%): deskewing
    moves most of them little.
    """
    fewest, most = DESKEW_CHECK
    if len(rows) < fewest:
        return
    pixels = arrays.pixels(rows[:most].reshape(-1, *shape), name)
    again = inputs.deskew(pixels)
    ink = pixels.sum(axis=(1, 2), dtype=np.int64)
    changed = np.abs(again.astype(np.int16) - pixels).sum(axis=(1, 2)) / np.maximum(ink, 1)
    median = float(np.median(changed))
    if median > DESKEWED:
        raise DataError(f"{name}: not deskewed (deskewing changes the median of the first "
                        f"{len(pixels)} by {median:.0%} of its ink), and this model reads its "
                        f"images deskewed; {todo}")
