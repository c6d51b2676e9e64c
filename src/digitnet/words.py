"""What digitnet shows, in words that read one way wherever it is shown: a model's classes
(whether they are the digits, and lists of their names whatever the names hold: "Ankle boot",
"red, dry"), how long something took, how a picture of a sound reads (:data:`SOUND_AXES`), and
what an array of pictures of the wrong shape is (:func:`picture_shape`); and a path or name in a
command printed to be copied, quoted for the shell where it needs to be (:func:`shell`).

For the command line (``digitnet evaluate``'s confusion table, ``digitnet info``, ``digitnet
train``'s summary), the confusion picture (:func:`digitnet.viz.confusion_figure`) and the
notebook's summaries. Draws and prints nothing.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
from collections.abc import Sequence

__all__ = ["SOUND_AXES", "a", "are_digits", "closest", "counted", "data_name", "duration",
           "durations", "listed", "noun", "picture_shape", "quoted", "shell"]

#: How every picture of a sound (a model of recordings') reads: the pictures of
#: :mod:`digitnet.viz`, :mod:`digitnet.pokeviz` and :mod:`digitnet.mistakesviz` label it so.
SOUND_AXES = "time →, pitch ↑"

_DIGITS = tuple(str(d) for d in range(10))


def are_digits(classes: Sequence[str], table: bool = False) -> bool:
    """Whether ``classes`` are digits: each named "0" to "9" (MNIST's, spoken digits', class
    folders ``3/``, ``5/`` ...). For a model of a ``table``, whose labels 0, 1, 2 may number
    anything (wines), only all ten digits in order are."""
    names = tuple(str(c) for c in classes)
    if table:
        return names == _DIGITS
    return bool(names) and all(n in _DIGITS for n in names)


def noun(classes: Sequence[str], table: bool = False) -> str:
    """"digit" when ``classes`` are digits (:func:`are_digits`), else "class"."""
    return "digit" if are_digits(classes, table) else "class"


def quoted(name: str) -> str:
    """``name`` as a list shows it: as it is, or in double quotes (with JSON's escapes) when it
    is empty, holds a space, comma or quote, or is "...", so that where it ends is clear."""
    plain = (name and name != "..." and name.isprintable()
             and not any(c.isspace() or c in ",\"'" for c in name))
    return name if plain else json.dumps(name, ensure_ascii=False)


def shell(word) -> str:
    """``word`` (a path, a column's name, a URL) as a command to copy and paste gives it: as it
    is when a shell reads it back so (``../iris.csv``, ``DATA``), else in single quotes
    (``'res ü/best.json'``): :func:`shlex.quote`. For every such command digitnet prints."""
    return shlex.quote(os.fspath(word) if isinstance(word, os.PathLike) else str(word))


def listed(names: Sequence[str], most: int = 12) -> str:
    """The first ``most`` of ``names``, each :func:`quoted`, joined by commas, and how many
    there are in all when some are left out: 'T-shirt/top, Trouser, ..., "Ankle boot"'."""
    shown = [quoted(str(n)) for n in names]
    more = f", ... ({len(shown)} in all)" if len(shown) > most else ""
    return ", ".join(shown[:most]) + more


def counted(n: int, word: str) -> str:
    """``n`` and ``word``, in the plural unless ``n`` is 1: "1 trial", "2,500 epochs"."""
    return f"{n:,} {word}{'s' * (n != 1)}"


def data_name(name) -> str:
    """Data as a model's summary names it (``digitnet info``, the notebook's): a folder or table
    that is here, which the model file names from the root
    (:attr:`digitnet.datasets.Dataset.fingerprint`), from the working folder when the two
    share a folder below the root (through links too: the shorter way), as it was most likely
    given, so that a notebook's saved output shows ``../data/digits``, not this machine's
    ``/home/...``; any other name as recorded."""
    name = str(name)
    try:
        if not (os.path.isabs(name) and os.path.exists(name)):
            return name
        here = os.getcwd()  # (resolved: so the name is tried through its links too)
        near = [os.path.relpath(path) for path in (name, os.path.realpath(name))
                if os.path.dirname(common := os.path.commonpath([path, here])) != common]
    except (OSError, ValueError):  # (no working folder, or another drive)
        return name
    return min(near, key=len) if near else name


def duration(seconds: float) -> str:
    """"2.4 s", "0.1 s"; under 0.05 s, which would round to "0.0 s", in milliseconds: "38 ms";
    from two minutes, in minutes to a tenth: "2.5 minutes", "10 minutes"."""
    if seconds >= 120:
        return f"{round(seconds / 60, 1):g} minutes"
    if seconds >= 0.05:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0005 else "under 1 ms"


def durations(seconds: Sequence[float]) -> list[str]:
    """Durations read together (a table's column) in one unit: the one :func:`duration` gives
    the longest, each to as many decimals (one, or none in milliseconds, up to three) as the
    shortest needs to show more than 0: "0.10 s", "0.03 s", not "0.1 s", "32 ms"."""
    longest = max(seconds, default=0.0)
    scale, unit = ((60, "minutes") if longest >= 120 else (1, "s") if longest >= 0.05
                   else (0.001, "ms"))
    shortest = min((s for s in seconds if s > 0), default=longest)
    decimals = 0 if unit == "ms" else 1
    while decimals < 3 and round(shortest / scale, decimals) == 0:
        decimals += 1
    return [f"{s / scale:.{decimals}f} {unit}" for s in seconds]


def closest(typed: str, names: Sequence[str]) -> list[str]:
    """Of ``names``, those most like ``typed``, as a mistyped name's suggestions: difflib's,
    at 0.6 alike and up (as click finds the options near a mistyped one), and of those the
    ones about as close as the closest; one that is much closer is the one meant (``--epoch``
    finds ``--epochs``, not ``--stretch`` and ``--teacher`` too). In the order given."""
    alike = {n: difflib.SequenceMatcher(None, typed, n).ratio() for n in names}
    near = {n: ratio for n, ratio in alike.items() if ratio >= 0.6}
    best = max(near.values(), default=0.0)
    return [n for n, ratio in near.items() if ratio >= best - 0.1]


def picture_shape(shape: tuple[int, ...], picture: tuple[int, int], what: str) -> str:
    """What is wrong with an array of ``shape`` given as ``what`` ("images"), pictures of
    ``picture`` (h, w): "expected images of 28x28 pixels, got an array of shape (5, 3, 28, 28)";
    for pictures with one channel axis of 1, as PyTorch holds a batch (n, 1, h, w) and others
    (n, h, w, 1) or (h, w, 1), also how to drop that axis."""
    (h, w), n = picture, shape[0] if shape else 0
    said = f"expected {what} of {h}x{w} pixels, got an array of shape {tuple(shape)}"
    index = {(n, 1, h, w): "x[:, 0]", (n, h, w, 1): "x[..., 0]",
             (h, w, 1): "x[..., 0]"}.get(tuple(shape))
    if index is None:
        return said
    kept = f"{n}, {h}, {w}" if len(shape) == 4 else f"{h}, {w}"
    return f"{said}, with a channel axis of 1; drop that axis: {index} or x.reshape({kept})"


def a(name: str) -> str:
    """``name`` after its article: "a Linear", "an OrderedDict", "an MLP", "a GRU", "an M" (a
    name of one letter, or starting with two capitals, is read letter by letter)."""
    spelled = len(name) == 1 or name[:2].isupper()
    return f"{'an' if name[:1] in ('AEFHILMNORSX' if spelled else 'AEIOUaeiou') else 'a'} {name}"
