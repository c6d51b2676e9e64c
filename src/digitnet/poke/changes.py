"""Changes a learner makes to a network by hand: neurons switched off, and neurons rewritten.

A :class:`Changes` is a small JSON-able value, ``{"off": [[layer, neuron], ...], "edits": [...]}``,
that travels with each request of the page (so two people editing at once never see each
other's changes), is read from the file ``digitnet edit`` takes, and is recorded in the
metadata of a model saved with it. :meth:`Changes.apply` makes the changed network: a copy (with
no changes, the network itself), the original untouched. Each part of a description is read
and checked by :mod:`~.reading`; whether a network has a place for it, here.

**Switching a neuron off** sets its output to 0 for every input: the weights *out of* neuron j
of layer l (column j of ``net.weights[l]``, into layer l + 1) become 0, so the next layer
receives exactly what it would from a⁽ˡ⁾ⱼ = 0. Hidden neurons only (layers 1 to L - 1): the
input layer is the image, and an output neuron has nothing after it to be silent to. Its own
σ(z) is untouched by this, and :meth:`Network.trace` (the plain math) still computes it; what
people are shown (pictures, profiles, the page) is its output, 0: :mod:`~.recorded` knows
which neurons a changed network has switched off.

**Rewriting a neuron** (layers 1 to L): each edit is a dict naming ``layer`` and ``neuron`` and
one ``op``:

==========  =====================================================================================
``bias``    ``{"value": b}``: set its bias b
``scale``   ``{"factor": s}``: multiply its incoming weights by s
``paint``   ``{"cells": [{"row", "col", "weight"}, ...]}``: set single incoming weights, on the grid
            of the layer before: the input image (28x28) for the first hidden layer of an image
            model, one row of ``sizes[l - 1]`` neurons otherwise (row 0); each cell once, so
            at most as many as the neuron has incoming weights
``edge``    ``{"top", "left", "height", "width", "margin", "weight"}``: the video's hand-built edge
            detector, on a first-layer neuron of an image model: weight +w on a strip of pixels,
            negative weights on a border ``margin`` pixels wide around it (-w times the strip's
            area over the border's, so that an evenly lit patch adds up to 0), 0 elsewhere, and
            a bias so that it fires when the strip is brighter than its border by more than
            :data:`EDGE_CONTRAST` on average; ``margin`` and ``weight`` may be left out of the
            JSON read with the network (:meth:`Changes.from_json`), taking
            :func:`edge_detector`'s defaults (:func:`edge_defaults`)
==========  =====================================================================================

Edits apply in order, then neurons are switched off (an off neuron stays off, whatever an edit
of the layer after it paints). Layers are numbered as everywhere in digitnet: 0 is the input,
1 the first hidden layer, L = ``len(net.sizes) - 1`` the output layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import inputs
from ..errors import ConfigError
from ..modelfile import as_network
from ..network import Network
from .reading import read_edit, read_edits, read_off, shown

__all__ = ["EDGE_CONTRAST", "EDGE_MARGIN", "Changes", "edge_defaults", "edge_detector",
           "grid_of"]

#: How much brighter (brightness 0..1) than its border, on average, an edge detector's strip
#: must be for it to fire: about a fifth of MNIST's digits have such a stroke across the middle.
EDGE_CONTRAST = 0.15
#: How many pixels wide an edge detector's border is when not given (:func:`edge_defaults`).
EDGE_MARGIN = 1


@dataclass(frozen=True)
class Changes:
    """Neurons switched off and edits (see the module docstring).

    Built directly (``Changes(off=((1, 3),), edits=(edit,))``, lists or tuples) or by
    :meth:`from_json`, they are checked the same way: anything malformed is a ConfigError of one
    line naming it (``edits[0].value: ...``). Whether ``net`` has a place for them is
    :meth:`check`'s to say.

    Attributes
    ----------
    off : tuple of (layer, neuron)
        Each pair once, in the order first given.
    edits : tuple of dict
        Each with "op", "layer", "neuron" and the op's fields, numbers as Python floats and ints
        (NumPy's are taken too).
    """

    off: tuple[tuple[int, int], ...] = ()
    edits: tuple[dict, ...] = field(default_factory=tuple)

    def __post_init__(self):
        # The one place changes are read, however they were made (from_json comes here too).
        object.__setattr__(self, "off", read_off(self.off))
        object.__setattr__(self, "edits", read_edits(self.edits))

    @classmethod
    def from_json(cls, value, net: Network | None = None) -> Changes:
        """Read ``{"off": [...], "edits": [...]}`` (either key may be missing); a ConfigError of
        one line for anything else. Each key's value is checked as the constructor checks it
        (``{"off": 0}`` or ``{"edits": null}`` is refused, as ``Changes(off=0)`` is).

        An edge edit that leaves out ``margin`` or ``weight`` takes :func:`edge_detector`'s
        defaults (:func:`edge_defaults`) for ``net``, the network the changes are for; without
        ``net`` (a saved model's record is read so) ``margin`` is :data:`EDGE_MARGIN` and
        ``weight`` must be given."""
        if not isinstance(value, dict):
            raise ConfigError(f"changes must be an object {{\"off\": [...], \"edits\": [...]}}, "
                              f"got {shown(value)}")
        unknown = sorted(set(value) - {"off", "edits"})
        if unknown:
            raise ConfigError(f"changes: unknown key {unknown[0]!r}; the keys are off and edits")
        edits = value.get("edits", ())
        if isinstance(edits, (list, tuple)):
            edits = [_with_edge_defaults(e, f"edits[{i}]", net) for i, e in enumerate(edits)]
        return cls(value.get("off", ()), edits)

    def to_json(self) -> dict:
        """The JSON-able form :meth:`from_json` reads."""
        return {"off": [list(p) for p in self.off], "edits": [dict(e) for e in self.edits]}

    def __bool__(self) -> bool:
        return bool(self.off or self.edits)

    def check(self, net: Network) -> None:
        """A ConfigError of one line for the first change ``net`` has no place for."""
        for i, (layer, neuron) in enumerate(self.off):
            _check_neuron(net, layer, neuron, f"off[{i}]", hidden=True)
        for i, edit in enumerate(self.edits):
            _check_edit(net, edit, f"edits[{i}]")

    def apply(self, net: Network) -> Network:
        """A copy of ``net`` with the edits made and the neurons switched off; ``net`` itself
        when there are no changes (no copy for every prediction of a page that pokes nothing:
        the result is to read, not to modify).

        The copy's metadata lists these changes under ``"changes"`` (after any that ``net``
        already had), so a model saved from it says how it differs from the trained one.
        Edits that would make the network overflow (its weighted inputs z could pass
        :func:`_overflow`: 1.8e19 in float32) are a ConfigError naming the first such edit.
        """
        net = as_network(net, "Changes.apply")
        self.check(net)
        if not self:
            return net
        changed = net.copy()
        for edit in self.edits:
            _make_edit(changed, edit)
        if self.edits and _overflow(changed) is not None:
            _name_the_overflow(net, self.edits)
        for layer, neuron in self.off:
            changed.weights[layer][:, neuron] = 0  # out of neuron j of layer l, into layer l + 1
        changed.metadata["changes"] = [*net.metadata.get("changes", []), self.to_json()]
        return changed

    def check_effect(self, net: Network) -> None:
        """A ConfigError of one line naming the first change that changes no weight or bias of
        ``net``: a neuron switched off already, an edit that leaves the values it sets as they
        were (a paint of no cells, a scale by 1) or sets only weights out of a neuron switched
        off; or, if each changes something, that together they change nothing (a scale by 2,
        then by 0.5). ``digitnet edit`` refuses such changes: saving them would make a copy
        whose metadata lists changes it does not have.

        Each edit is judged by :meth:`apply` itself, on growing prefixes of the edits: the
        parameters with edits ``[:i]`` made and the neurons switched off, against those with
        edits ``[:i + 1]``; so "changes nothing" means what saving the changes would mean.
        """
        net = as_network(net, "Changes.check_effect")
        self.check(net)
        for i, (layer, neuron) in enumerate(self.off):
            if not net.weights[layer][:, neuron].any():
                raise ConfigError(f"off[{i}]: neuron {neuron} of layer {layer} is switched off "
                                  "already (every weight out of it is 0), so switching it off "
                                  "changes nothing; leave it out")

        def params(off, edits) -> np.ndarray:
            return Changes(off, edits).apply(net).params

        for i, edit in enumerate(self.edits):
            if not np.array_equal(params(self.off, self.edits[:i]),
                                  params(self.off, self.edits[: i + 1])):
                continue
            made = not np.array_equal(params((), self.edits[:i]), params((), self.edits[: i + 1]))
            why, fix = (("it paints no cells", "give it cells to paint")
                        if edit["op"] == "paint" and not edit["cells"] else
                        ("each weight it sets comes from a neuron switched off, and stays 0",
                         "set weights from neurons not switched off") if made else
                        ("they have the values it gives already", "give other values"))
            raise ConfigError(f"edits[{i}]: this {edit['op']} edit of neuron {edit['neuron']} "
                              f"of layer {edit['layer']} changes no weight or bias ({why}); "
                              f"leave it out, or {fix}")
        if self and np.array_equal(net.params, self.apply(net).params):
            raise ConfigError("these changes, made one after another, leave every weight and "
                              "bias as it was (each undoes another); leave them out")


def grid_of(net: Network, layer: int) -> tuple[int, int]:
    """(rows, cols) of the grid a neuron of ``layer``'s incoming weights are painted on: the
    input image for layer 1 of an image model, else one row of the layer before."""
    shape = inputs.of(net).image_shape if layer == 1 else None
    return tuple(shape) if shape else (1, net.sizes[layer - 1])


def edge_defaults(net: Network) -> dict:
    """An edge detector's ``margin`` and ``weight`` for ``net`` when not given: a border
    :data:`EDGE_MARGIN` pixel wide, and the first layer's largest |w|, so that the neuron keeps
    the scale of its neighbours. What :func:`edge_detector` and an edge edit of JSON read by
    :meth:`Changes.from_json` (``digitnet edit``) take."""
    return {"margin": EDGE_MARGIN, "weight": float(np.abs(net.weights[0]).max())}


def _with_edge_defaults(edit, where: str, net: Network | None):
    """``edit`` (as given, to be read) with the fields an edge edit leaves out taken from
    :func:`edge_defaults` for ``net``; without ``net``, the margin's alone (a ConfigError for a
    weight left out: its default is the network's)."""
    if not isinstance(edit, dict) or edit.get("op") != "edge":
        return edit
    if net is not None:
        return {**edge_defaults(net), **edit}
    if "weight" not in edit:
        raise ConfigError(f"{where}.weight: missing from the edge edit, and its default (as "
                          "poke.edge_detector's: the first layer's largest |w|) is the network's; "
                          "give one, or read the changes with the network they are for: "
                          "Changes.from_json(changes, net)")
    return {"margin": EDGE_MARGIN, **edit}


def edge_detector(net: Network, neuron: int, top: int, left: int, height: int, width: int,
                  margin: int = EDGE_MARGIN, weight: float | None = None) -> dict:
    """The edit making first-layer ``neuron`` the video's edge detector: +weight on the strip of
    ``height`` x ``width`` pixels from (``top``, ``left``), -weight on a border ``margin``
    pixels wide around it. ``weight`` defaults to the layer's largest |w|, so the neuron keeps
    the scale of its neighbours (:func:`edge_defaults`). Returns the edit dict (see the module
    docstring)."""
    net = as_network(net, "poke.edge_detector")
    if weight is None:
        weight = edge_defaults(net)["weight"]
    edit = read_edit({"op": "edge", "layer": 1, "neuron": neuron, "top": top, "left": left,
                      "height": height, "width": width, "margin": margin, "weight": weight},
                     "edge")
    _check_edit(net, edit, "edge")
    return edit


# -- checking against a network ---------------------------------------------------------------


def _check_neuron(net: Network, layer: int, neuron: int, where: str, hidden: bool) -> None:
    last = len(net.sizes) - 1
    sizes = "-".join(map(str, net.sizes))
    if hidden and last < 2:  # (else the layers named below would be "1 to 0")
        raise ConfigError(f"{where}: this {sizes} network has no hidden layers (layer 0 is its "
                          "input, layer 1 its output), so no neuron can be switched off; edit "
                          "an output neuron instead, or use a network with hidden layers")
    top = last - 1 if hidden else last
    what = "hidden layers 1 to " if hidden else "layers 1 to "
    if layer == 0:
        raise ConfigError(f"{where}: layer 0 is the input layer and cannot be changed; this "
                          f"{sizes} network's neurons are in {what}{top}")
    if hidden and layer == last:
        raise ConfigError(f"{where}: layer {last} is the output layer, which has nothing after "
                          f"it to switch off; switch off neurons of hidden layers 1 to {top}")
    if not 1 <= layer <= top:
        raise ConfigError(f"{where}: layer {layer} does not exist; this {sizes} network's "
                          f"neurons are in {what}{top}")
    if not 0 <= neuron < net.sizes[layer]:
        raise ConfigError(f"{where}: neuron {neuron} does not exist; layer {layer} has "
                          f"{net.sizes[layer]} neurons, 0 to {net.sizes[layer] - 1}")


def _check_edit(net: Network, edit: dict, where: str) -> None:
    layer = edit["layer"]
    _check_neuron(net, layer, edit["neuron"], where, hidden=False)
    rows, cols = grid_of(net, layer)
    if edit["op"] == "paint":
        if len(edit["cells"]) > rows * cols:
            raise ConfigError(f"{where}.cells: {len(edit['cells']):,} cells, but neuron "
                              f"{edit['neuron']} of layer {layer} has {rows * cols:,} incoming "
                              f"weights (a {rows}x{cols} grid) to paint, each once")
        for i, cell in enumerate(edit["cells"]):
            r, c = cell["row"], cell["col"]
            if not (0 <= r < rows and 0 <= c < cols):
                raise ConfigError(f"{where}.cells[{i}]: cell ({r}, {c}) is outside the "
                                  f"{rows}x{cols} grid of layer {layer}'s incoming weights; rows "
                                  f"are 0 to {rows - 1}, columns 0 to {cols - 1}")
    elif edit["op"] == "edge":
        _check_edge(net, edit, where, rows, cols)


def _check_edge(net: Network, edit: dict, where: str, rows: int, cols: int) -> None:
    if edit["layer"] != 1 or inputs.of(net).image_shape is None:
        raise ConfigError(f"{where}: an edge detector looks at pixels, so it is built on a "
                          "neuron of layer 1 of an image model")
    if inputs.audio_of(net) is not None:  # as robustness.check_distortable refuses it
        raise ConfigError(f"{where}: an edge detector finds a pen stroke's edge, which means "
                          "nothing in this network's pictures of recorded sounds; paint the "
                          "neuron's incoming weights instead (a paint edit)")
    top, left, height, width = edit["top"], edit["left"], edit["height"], edit["width"]
    for name, size in (("height", "high"), ("width", "wide")):
        if edit[name] < 1:
            raise ConfigError(f"{where}.{name}: the strip is at least 1 pixel {size}, got "
                              f"{edit[name]}")
    if not (0 <= top and top + height <= rows and 0 <= left and left + width <= cols):
        raise ConfigError(f"{where}: the strip of {height}x{width} pixels at ({top}, {left}) "
                          f"does not fit the {rows}x{cols} image")
    if not 1 <= edit["margin"] <= max(rows, cols):
        raise ConfigError(f"{where}.margin: an edge detector's border (its negative weights, "
                          f"which balance the strip's) is 1 to {max(rows, cols)} pixels wide, "
                          f"got {edit['margin']}; for the strip's weights alone, paint them")
    if (height, width) == (rows, cols):
        raise ConfigError(f"{where}: the strip fills the whole {rows}x{cols} image, leaving no "
                          "border to balance it, so it would detect no edge; give a smaller "
                          "strip, or paint the weights")


# -- making them ------------------------------------------------------------------------------


def _overflow(net: Network) -> tuple[int, float, float] | None:
    """(layer, bound, limit): the first layer of ``net`` whose weighted inputs z could pass the
    square root of its float type's largest number (3.4e38 in float32: a limit of 1.8e19) for
    some input in [0, 1]; None if none could. The bound on |z| is Σ|w|·(the layer before's bound
    on |a|) + |b|, a sigmoid or tanh neuron's |a| being at most 1, a ReLU's at most |z|. Under
    the limit the forward pass cannot overflow, with room to spare by the same factor for inputs
    past 1 (a table's columns) and for backpropagation's products of an activation and a δ."""
    limit, a = float(np.sqrt(np.finfo(net.dtype).max)), np.ones(net.sizes[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
            z = np.abs(w) @ a + np.abs(b)  # (in float64, as a is)
            if not z.max() <= limit:  # (NaN too)
                return layer, float(z.max()), limit
            a = np.ones_like(z) if net.activation.name in ("sigmoid", "tanh") else z
    return None


def _name_the_overflow(net: Network, edits: tuple[dict, ...]) -> None:
    """A ConfigError naming the first of ``edits`` that makes :func:`_overflow` find a layer,
    made again one at a time on a copy of ``net``; nothing if ``net`` itself was past it."""
    changed = net.copy() if _overflow(net) is None else None
    for i, edit in enumerate(edits if changed is not None else ()):
        _make_edit(changed, edit)
        found = _overflow(changed)
        if found is not None:
            layer, top, limit = found
            raise ConfigError(
                f"edits[{i}]: this {edit['op']} edit of neuron {edit['neuron']} of layer "
                f"{edit['layer']} makes the network overflow: z of layer {layer} could reach "
                f"{top:.1e}, past the {limit:.1e} that {np.dtype(net.dtype).name} has room for; "
                "use a smaller value, or fewer edits of the same neurons")


@np.errstate(over="ignore", invalid="ignore")  # what overflows, _overflow finds
def _make_edit(net: Network, edit: dict) -> None:
    l, j, op = edit["layer"] - 1, edit["neuron"], edit["op"]  # weights[l]: into layer l + 1
    w = net.weights[l][j]
    if op == "bias":
        net.biases[l][j] = edit["value"]
    elif op == "scale":
        w *= edit["factor"]
    elif op == "paint":
        _, cols = grid_of(net, edit["layer"])
        for cell in edit["cells"]:
            w[cell["row"] * cols + cell["col"]] = cell["weight"]
    else:  # edge
        rows, cols = grid_of(net, 1)
        top, left, m, weight = edit["top"], edit["left"], edit["margin"], edit["weight"]
        bottom, right = top + edit["height"], left + edit["width"]
        strip = np.zeros((rows, cols), bool)
        strip[top:bottom, left:right] = True
        border = np.zeros((rows, cols), bool)
        border[max(0, top - m) : bottom + m, max(0, left - m) : right + m] = True
        border &= ~strip
        # z = w·A_strip·(mean of the strip - mean of the border) + b
        area = strip.sum()
        image = np.where(strip, weight, 0.0)
        if border.any():
            image[border] = -weight * area / border.sum()
        w[...] = image.reshape(-1)
        net.biases[l][j] = -weight * area * EDGE_CONTRAST

