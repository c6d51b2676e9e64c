"""What a changed network's metadata says about it: its changes in words, and which of its
neurons are switched off, so that everything people are shown agrees on what "off" means.

:meth:`Changes.apply <digitnet.poke.changes.Changes.apply>` records each saving's changes under
``metadata["changes"]``. A neuron is switched off by zeroing the weights *out of* it: exact for
every activation, but its own activation σ(z) is still computed, and :meth:`Network.trace`
keeps it, as the plain math of the forward pass should. What a neuron *outputs*, though, is what
the next layer receives, and for a neuron switched off that is 0. So the pictures
(``digitnet show network``), the profiles (:func:`~digitnet.poke.neuron_profile`, ``show
top``), the maps, the page and the notebook widget (:func:`described_prediction`) show a
neuron switched off as 0, each through :func:`sent`, which asks :func:`off_neurons`: the one
place that knows which neurons are off. What a figure says of a network changed by hand (how
many neurons off, how many edits) is :func:`by_hand`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .. import descriptions, inputs, words
from ..errors import ConfigError
from ..network import Network
from .changes import Changes, grid_of
from .reading import whole
from .rows import check_rows

__all__ = ["ByHand", "by_hand", "described_changes", "described_neuron", "described_prediction",
           "off_neurons", "sent", "weight_source"]

#: Where a first-layer weight of a model of recordings comes from, in words (those of
#: :func:`weight_source`; the figures' "time →, pitch ↑" is digitnet.viz's): row 0 of a picture
#: of a sound is its highest mel band, column 0 its first time frame.
SOUND_CELL = "mel band {} from the top, time frame {}"


def _recorded(net: Network) -> Iterator[tuple[object, Changes | None]]:
    """Each saving's changes in ``net``'s metadata, read, or None if this digitnet cannot read
    it or ``net`` has no place for it (its neurons switched off may still be:
    :func:`_readable_off`)."""
    for saved in net.metadata.get("changes") or []:
        try:
            changes = Changes.from_json(saved)
            changes.check(net)
        except ConfigError:
            yield saved, None
            continue
        yield saved, changes


def off_neurons(net: Network) -> tuple[tuple[int, int], ...]:
    """The (layer, neuron) pairs ``net`` has switched off: those its metadata records as
    switched off (by :meth:`Changes.apply`, in any saving) whose outgoing weights, column j of
    ``net.weights[l]``, are still all 0 (a later edit painting one of them turns it back on).
    A saving whose edits this digitnet cannot read (an op of a later version) counts the pairs
    of its "off" that it can. In the order first recorded; () for a network never changed."""
    found = []
    for saved, changes in _recorded(net):
        for layer, neuron in changes.off if changes is not None else _readable_off(net, saved):
            if not net.weights[layer][:, neuron].any():
                found.append((layer, neuron))
    return tuple(dict.fromkeys(found))


def _readable_off(net: Network, saved: object) -> tuple[tuple[int, int], ...]:
    """The pairs of a saving's "off" (one :func:`_recorded` cannot read whole) that can be read
    and that ``net`` has a place for, each read alone: what the rest of the saving holds (an
    edit it cannot read) does not say which neurons were switched off."""
    off = saved.get("off") if isinstance(saved, dict) else None
    pairs = []
    for pair in off if isinstance(off, list) else ():
        try:
            one = Changes(off=[pair])
            one.check(net)
        except ConfigError:
            continue
        pairs += one.off
    return tuple(pairs)


def sent(net: Network, layer: int, a, off=None) -> np.ndarray:
    """``a``, activations of ``layer`` (shape (..., sizes[layer])), as the layer after it
    receives them: those of its neurons switched off (:func:`off_neurons`, or the pairs ``off``
    if given, from one call of it for many layers) set to 0. ``a`` itself when none is off,
    else a copy; layer 0 (the input) and the output layer have none."""
    off = off_neurons(net) if off is None else off
    silent = [j for l, j in off if l == layer]
    if not silent:
        return a
    a = np.array(a, copy=True)
    a[..., silent] = 0
    return a


def described_prediction(net: Network, x: np.ndarray, off=()) -> dict:
    """:func:`digitnet.descriptions.describe_prediction` of input row ``x`` (checked by
    :func:`~.rows.check_rows`, as every poking function checks its rows), a neuron switched
    off given a = 0, what the next layer reads: those :func:`off_neurons` finds in ``net``, and
    the (layer, neuron) pairs ``off`` lists (a :class:`Changes`' not yet recorded)."""
    answer = descriptions.describe_prediction(net, check_rows(net, x, "x", single=True))
    off = (*off, *off_neurons(net))
    for layer in answer["layers"][:-1]:
        layer["a"] = sent(net, layer["layer"], layer["a"], off)
    return answer


def described_neuron(net: Network, layer: int, index: int, x: np.ndarray | None) -> dict:
    """:func:`digitnet.descriptions.describe_neuron` for input row ``x`` (or None; checked by
    :func:`~.rows.check_rows`), a neuron switched off (:func:`off_neurons`) given a = 0 as
    :func:`described_prediction` gives it. ``layer`` and ``index`` are whole numbers, read as
    every poking function reads them."""
    layer, index = whole(layer, "layer"), whole(index, "neuron")
    x = None if x is None else check_rows(net, x, "x", single=True)
    answer = descriptions.describe_neuron(net, layer, index, x)
    if answer["current"] is not None and (layer, index) in off_neurons(net):
        answer["current"]["a"] = 0.0  # its output, what the next layer reads (sent)
    return answer


# -- in words ---------------------------------------------------------------------------------


def described_changes(net: Network) -> list[str]:
    """Each change recorded under "changes" in ``net``'s metadata (by :meth:`Changes.apply`), in
    a few words, in the order they were made (each saving's edits, then its neurons switched
    off); one this digitnet cannot read is shown as its JSON."""
    described = []
    for saved, changes in _recorded(net):
        if changes is None:
            described.append(json.dumps(saved))
            continue
        described += [_described_edit(net, edit) for edit in changes.edits]
        described += [f"layer {l} neuron {j}: switched off" for l, j in changes.off]
    return described


def _described_edit(net: Network, edit: dict) -> str:
    layer, op = edit["layer"], edit["op"]
    where = f"layer {layer} neuron {edit['neuron']}: "
    if op == "bias":
        return where + f"bias set to {edit['value']:g}"
    if op == "scale":
        return where + f"incoming weights multiplied by {edit['factor']:g}"
    if op == "edge":
        return where + (f"made an edge detector on the {edit['height']}x{edit['width']} pixels "
                        f"from ({edit['top']}, {edit['left']}), border {edit['margin']} wide, "
                        f"weight {edit['weight']:g}")
    rows, cols = grid_of(net, layer)
    sound = rows > 1 and inputs.audio_of(net) is not None
    # (a sound's cell has a comma in its words: another before its weight, ; between cells)
    after, apart = ("," if sound else ""), ("; " if sound else ", ")
    before = "" if rows > 1 else "from "  # ("from input 3", "from neuron 3 of layer 1")
    cells = [before + weight_source(net, layer, c["row"] * cols + c["col"]) + after
             + f" to {c['weight']:g}" for c in edit["cells"]]
    shown = apart.join(cells[:3]) + (f"{apart}... ({len(cells)} in all)" if len(cells) > 3
                                     else "")
    return where + ("incoming weights set: " + shown if cells else "no weight set")


def weight_source(net: Network, layer: int, index: int) -> str:
    """Where the weight from ``index`` of layer ``layer - 1`` into a neuron of ``layer`` comes
    from, in the words everything says it in: ``digitnet info`` (:func:`described_changes`) of
    a painted cell, /api/backprop of its largest changes ("source", which the page's backprop
    panel shows). Into layer 1 of a model of pictures, "pixel (row, col)"; of recordings, its
    cell of the picture of the sound, :data:`SOUND_CELL`; of any other, "input {index}"; into
    a later layer, "neuron {index} of layer {layer - 1}". (row, col) is the cell of
    :func:`~.changes.grid_of`'s grid (a row of that grid: row 0) that ``index`` is, row-major."""
    rows, cols = grid_of(net, layer)
    if rows > 1:
        row, col = divmod(int(index), cols)
        sound = inputs.audio_of(net) is not None
        return (SOUND_CELL if sound else "pixel ({}, {})").format(row, col)
    return f"input {index}" if layer == 1 else f"neuron {index} of layer {layer - 1}"


#: What a figure says of a network changed by hand: one rule for ``show weights`` and ``show
#: network`` (:func:`digitnet.viz.weights_figure`, :func:`digitnet.viz.network_figure`), so that
#: neither draws it as the trained network.
class ByHand(NamedTuple):
    """``off``: the (layer, neuron) pairs switched off (:func:`off_neurons`);
    ``said``: the words a figure's title adds, "" for a network never changed by hand;
    ``edited``: the pairs an edit changed (its bias or incoming weights), not those now off."""

    off: tuple[tuple[int, int], ...]
    said: str
    edited: tuple[tuple[int, int], ...] = ()


def by_hand(net: Network) -> ByHand:
    """The neurons ``net`` has switched off and, if it was changed by hand, its changes
    counted: "changed by hand: 2 neurons off, 2 edits (digitnet info lists them)". Counted are
    the neurons off now (one an edit turned back on is not) and every edit recorded; a record
    this digitnet cannot read shows as "changed by hand (digitnet info lists how)"."""
    recorded = net.metadata.get("changes") or []
    if not recorded:
        return ByHand((), "")
    off = off_neurons(net)
    edits = sum(len(saved["edits"]) for saved in recorded
                if isinstance(saved, dict) and isinstance(saved.get("edits"), list))
    parts = [words.counted(len(off), "neuron") + " off"] * bool(off)
    parts += [words.counted(edits, "edit")] * bool(edits)
    them = "it" if len(off) + edits == 1 else "them"
    edited = dict.fromkeys((edit["layer"], edit["neuron"]) for _, changes in _recorded(net)
                           if changes is not None for edit in changes.edits)
    return ByHand(off, f"changed by hand: {', '.join(parts)} (digitnet info lists {them})"
                  if parts else "changed by hand (digitnet info lists how)",
                  tuple(pair for pair in edited if pair not in off))
