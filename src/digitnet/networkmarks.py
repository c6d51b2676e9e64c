"""Which neurons the network diagram (:func:`digitnet.viz.network_figure`) draws, and how it
marks a network changed by hand: each neuron switched off "off" (dark: it sends 0), each
edited (its bias set, its incoming weights scaled or painted) ringed in amber, marked "edit".

What was changed is :func:`digitnet.poke.by_hand`'s, the one place ``show weights`` asks too;
this module only decides how the diagram shows it. It draws with the axes' own methods
(viz.py keeps the plotting library to itself, and has no room left under 400 lines).

A layer wider than the diagram's ``limit`` shows its most active neurons of those still on: a
neuron switched off sends 0, which says nothing of how active it would be, so it is neither
drawn among them nor counted as one of them ("32 most active / of the 126 on; 2 off"). Each
neuron edited is drawn whatever its activation: it is what the user changed.
"""

from __future__ import annotations

import numpy as np

from . import probes
from .poke.recorded import ByHand

__all__ = ["EDIT", "column", "mark", "note", "ring"]

#: An edited neuron's ring and word: amber, apart from the links' blue and red, the winner's
#: blue ring and the grey rims, and legible on the diagram's dark background.
EDIT = "#ffb020"
_RIM = {"edgecolor": "#bbbbbb", "lw": 0.8}  # every other neuron's


def column(a: np.ndarray, layer: int, hand: ByHand, limit: int,
           is_output: bool = False) -> tuple[np.ndarray, str]:
    """The neurons of ``layer`` the diagram draws, in index order, and the words under them.

    ``a``: what each neuron of the layer sends on (0 for one switched off:
    :func:`digitnet.poke.sent`). A layer of ``limit`` neurons or fewer is drawn whole, those
    off among them (each marked). A wider one draws each of its neurons edited, then the most
    active of the others still on, ``limit`` in all; its words say how many of each, and how
    many of the layer are on and off.
    """
    n = len(a)
    if n <= limit:
        return np.arange(n), ("output\n" if is_output else f"hidden layer {layer}\n") + (
            f"{n} neurons")
    off = {j for l, j in hand.off if l == layer}
    edited = [j for l, j in hand.edited if l == layer][:limit]
    on = np.array([j for j in range(n) if j not in off], dtype=np.intp)
    rest = np.array([j for j in on if j not in edited], dtype=np.intp)
    active = rest[probes.most_active(a[rest], limit - len(edited))]
    shown = np.sort(np.concatenate([active, np.array(edited, dtype=np.intp)]))
    top = set(on[probes.most_active(a[on], limit)].tolist())
    if set(shown.tolist()) == top:  # the edited ones are among the most active anyway
        said = f"{len(shown)} most active"
    else:
        said = f"{len(active)} most active\n+ {len(edited)} edited"
    of = f"of the {len(on)} on; {len(off)} off" if off else f"of {n} neurons"
    return shown, f"{said}\n{of}"


def ring(layer: int, neuron: int, hand: ByHand) -> dict:
    """The rim of a neuron's circle (matplotlib's ``edgecolor``, ``lw``): amber and thicker
    for one edited, grey for every other."""
    return {"edgecolor": EDIT, "lw": 2.2} if (layer, neuron) in hand.edited else dict(_RIM)


def mark(ax, layer: int, neuron: int, xy, radius: float, hand: ByHand) -> None:
    """The word on a neuron changed by hand: "off" inside the dark circle of one switched off,
    "edit" beside (left of) one edited, on a patch of the background (its circle may be
    bright, and links run under it)."""
    x, y = xy
    if (layer, neuron) in hand.off:
        ax.text(x, y, "off", color="0.6", fontsize=6, ha="center", va="center", zorder=4)
    elif (layer, neuron) in hand.edited:
        ax.text(x - radius - 0.06, y, "edit", color=EDIT, fontsize=6.5, ha="right",
                va="center", zorder=4, bbox={"boxstyle": "round,pad=0.12", "ec": "none",
                                             "fc": ax.figure.get_facecolor()})


def note(hand: ByHand, shown) -> str:
    """What the diagram's subtitle adds after :func:`digitnet.poke.by_hand`'s words: how it
    marks the neurons off and edited it draws (``shown``: the neurons drawn, layer 1 first)."""
    drawn = {(l, int(j)) for l, neurons in enumerate(shown, start=1) for j in neurons}
    off_drawn = any(pair in drawn for pair in hand.off)
    said = "; a neuron off sends 0 (dark, marked off)" * off_drawn
    if hand.off and not off_drawn:
        said += "; neurons off send 0 (not drawn: counted under their layers)"
    return said + "; a neuron edited is ringed (amber, marked edit)" * bool(hand.edited)
