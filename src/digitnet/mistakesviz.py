"""The gallery of a model's most confident mistakes, each named so that it can be found again.

The numbers come from :func:`digitnet.probes.confident_mistakes`; the figure is drawn on
:mod:`digitnet.viz`'s headless canvas in its style (viz.py keeps the plotting library to itself
but has no room left under the 400 lines a module may have). Each tile is titled with what the
example is: its name in ``names`` (``Dataset.names``), for data read from files its file
("7/take3.wav", shown whole when it fits the tile, else its basename, else the basename's last
characters), or, with no names (data with no file of its own: IDX files, arrays, tables), its
index in the examples given ("#1,234"). ``digitnet show mistakes`` names the examples of a
train or val part by their numbers in the whole training data, "#12,345"
(:func:`digitnet.cli.labelled.numbered`), and lists the same names in full. Save the figure with
:func:`digitnet.viz.save_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import numpy as np

from . import inputs, poke, probes, viz, words
from .errors import DataError, one_line
from .figtext import fit_width
from .network import Network

__all__ = ["example_name", "mistakes_figure"]

_PAD = 4  # pixels (at the figure's 100 dpi) kept between a tile's title and its neighbour's


def example_name(names: Sequence[str] | None, i: int) -> str:
    """What example ``i`` is called, in one line: its name in ``names`` (``Dataset.names``: its
    file's, or its number in the data it was taken from, "#12,345"), or, when ``names`` is None,
    its index in the examples given: "#1,234"."""
    return f"#{i:,}" if names is None else one_line(str(names[i]))


def mistakes_figure(net: Network, images, labels, n: int = 24, classes=None,
                    names: Sequence[str] | None = None, where: str = ""):
    """A gallery of the ``n`` most confident wrong answers, most confident first.

    Parameters
    ----------
    net : Network
    images : array_like, shape (count, 28, 28) or (count, 784)
        The rows the network reads (``inputs.of(net).rows(data.x)``).
    labels : array_like of int, shape (count,)
        The true classes, indices into ``classes``.
    n : int
        How many mistakes to show at most.
    classes : sequence of str, optional
        The class names; default the model's.
    names : sequence of str, optional
        Each example's name (``Dataset.names``: its file, or its number in the data it was
        taken from, "#12,345"), ``count`` of them; each tile is titled with its example's,
        shortened to fit. None: with its index in ``images``, "#1,234".
    where : str
        The examples in the title, as "2,434 mnist-train-prefix (val)"; default their count
        and kind, "2,434 images". A network changed by hand says so after it
        (:func:`digitnet.poke.by_hand`), as every figure of it does.

    Returns a Figure. Raises DataError when ``names`` does not hold one name per example.
    """
    images, labels, what = np.asarray(images), np.asarray(labels), inputs.of(net).noun
    if names is not None and len(names) != len(labels):
        raise DataError(f"names: {len(names):,} for {len(labels):,} {what}; give one per "
                        "example, in their order (Dataset.names), or None to number them")
    order, answers, confidence, n_wrong = probes.confident_mistakes(net, images, labels, n)
    classes = list(classes) if classes else inputs.classes_of(net)
    if n_wrong == 0:
        fig = viz._figure(5, 1.5)
        fig.text(0.5, 0.5, f"No mistakes on these {len(labels):,} {what}", ha="center", va="center")
        return fig
    rows, cols = -(-len(order) // min(8, len(order))), min(8, len(order))
    fig = viz._figure(max(cols * 1.35, 5.0), rows * 1.75 + 0.7)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.75 / fig.get_figheight(),
                        hspace=0.75, wspace=0.1)
    room = fig.bbox.width * 0.96 / cols - _PAD  # a tile's share of the width, in pixels
    # As the network sees each: a sound bright where loud (as everywhere), ink dark on white.
    side, sound = viz._side(net.sizes[0]) or 1, isinstance(inputs.of(net), inputs.Audio)
    for k, (i, answer, p) in enumerate(zip(order, answers, confidence)):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(probes.single_input(net, images[i]).reshape(side, -1), vmin=0, vmax=1,
                  cmap="gray" if sound else "gray_r", interpolation="nearest")
        title = ax.set_title("", fontsize=8, color="#b3261e", pad=2, parse_math=False)
        shown = _fitted(title, example_name(names, int(i)), room)
        title.set_text(f"{shown}\ntrue {classes[labels[i]]}\nsaid {classes[answer]} {p:.0%}")
        ax.set_axis_off()
    axes = f"; the pictures are sounds: {words.SOUND_AXES}" * sound  # (as every one reads)
    changed = poke.by_hand(net).said
    heading = fig.suptitle(f"The {len(order)} most confident mistakes of {n_wrong:,} on "
                           f"{where or f'{len(labels):,} {what}'}{axes}"
                           + f"; {changed}" * bool(changed), fontsize=10)
    fit_width(fig, heading)  # (a long title in lines: the tiles lower, to leave it room)
    fig.subplots_adjust(top=1 - (0.75 + 0.18 * heading.get_text().count("\n"))
                        / fig.get_figheight())
    return fig


def _fitted(text, name: str, room: float) -> str:
    """``name`` as ``text`` (a tile's title) can show it within ``room`` pixels: whole, else
    its basename, else "…" and as many of the basename's last characters as fit."""
    renderer = text.get_figure().canvas.get_renderer()

    def width(shown: str) -> float:
        text.set_text(shown)
        return text.get_window_extent(renderer).width

    base = PurePosixPath(name).name or name
    for shown in dict.fromkeys((name, base)):  # (the name may be its basename)
        if width(shown) <= room:
            return shown
    keep = min(len(base) - 1, int(len(base) * room / width(base)))
    while keep > 1 and width("…" + base[-keep:]) > room:
        keep -= 1
    return "…" + base[-keep:]
