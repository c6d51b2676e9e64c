"""Pictures of what the network learned and how it thinks (the only module that uses matplotlib).

Every function returns a :class:`matplotlib.figure.Figure` built directly (never pyplot's global
state) on the Agg canvas, so it works with no display (a server, CI). Save one with
:func:`save_figure` (PNG or SVG by the file name) or ``fig.savefig(...)``; a notebook shows it.

=========================  =====================================================================
:func:`weights_figure`     each neuron's incoming weights as a 28x28 picture (blue +, red -)
:func:`network_figure`     the video's diagram: input, neurons lit by activation, strongest links
:func:`confusion_figure`   which classes (digits) are taken for which
:func:`saliency_figure`    which pixels (or parts of a sound) pushed the network to its answer
:func:`dream_figure`       the input that most excites an output neuron
=========================  =====================================================================

The numbers behind the pictures come from :mod:`digitnet.probes`; this module draws them. Layers
are numbered as in ``net.sizes``: 1 is the first hidden layer, ``len(net.sizes) - 1`` the output.
Sibling modules draw on its canvas: :mod:`digitnet.historyviz` a training's loss and accuracy
per epoch, :mod:`digitnet.mistakesviz` the most confident wrong answers, each named,
:mod:`digitnet.pokeviz` poking the network, :mod:`digitnet.searchviz` a search.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import Formatter

from . import inputs, networkmarks, poke, probes, replacing, words
from .errors import ConfigError
from .figtext import fit_width
from .modelfile import atomic_write
from .network import Network
from .metrics import score
from .poke.rows import check_rows

__all__ = ["weights_figure", "network_figure", "confusion_figure", "FORMATS",
           "saliency_figure", "dream_figure", "save_figure", "figure_bytes", "WEIGHT_CMAP"]

#: File types :func:`save_figure` writes, by extension.
FORMATS = {".png": "png", ".svg": "svg"}

# The video's colours: blue for positive weights, red for negative, black for zero.
BLUE, RED, INK = "#3d9df3", "#f0524f", "#0e1117"
#: A diverging colour map, red (negative) through black (0) to blue (positive).
WEIGHT_CMAP = LinearSegmentedColormap.from_list("digitnet_weights", [RED, "#000000", BLUE])
_TEXT = "#e6e6e6"
_MAX_DRAWN = 32  # neurons drawn per layer in the network diagram
_SOUND = words.SOUND_AXES  # how every picture of a sound (a model of recordings') reads
#: The figures' class: a Figure that a notebook shows as PNG by itself (no pyplot, no %matplotlib).
_InlineFigure = type("InlineFigure", (Figure,), {"_repr_png_": lambda fig: figure_bytes(fig)})


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 100) -> bytes:
    """The picture as PNG or SVG bytes, marked as digitnet's (:func:`~.replacing.picture_metadata`);
    PNGs with a palette of 256 colours, as pngquant does: a third of the size, no visible change."""
    if fmt not in FORMATS.values():
        raise ConfigError(f"cannot write {fmt!r} pictures; choose png or svg")
    buffer, mark = io.BytesIO(), replacing.picture_metadata(fmt)
    FigureCanvasAgg(fig)  # headless: attach an Agg canvas whatever the backend
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor=fig.get_facecolor(), metadata=mark)
    if fmt == "png":
        from PIL import Image, PngImagePlugin
        with Image.open(buffer) as rendered:  # (from its start: Image.open seeks to 0)
            palette = rendered.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
            text = PngImagePlugin.PngInfo()  # the mark, kept: a tEXt chunk before the IDAT
            text.add_text("Software", rendered.text["Software"])
        buffer = io.BytesIO()
        palette.save(buffer, format="PNG", optimize=True, pnginfo=text)
    return buffer.getvalue()


def save_figure(fig: Figure, path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` atomically, as PNG or SVG by its extension; ConfigError, before
    writing, for a file there but a picture digitnet drew (:func:`digitnet.replacing.check`)."""
    path, fmt = Path(path), FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown picture type {path.suffix or '(no extension)'!r}; "
                          "give a file name ending in .png or .svg")
    replacing.check(path, "picture")
    return atomic_write(path, figure_bytes(fig, fmt, dpi))


def _figure(width: float, height: float, dark: bool = False) -> Figure:
    fig = _InlineFigure(figsize=(width, height), layout=None, facecolor=INK if dark else None)
    return FigureCanvasAgg(fig).figure


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for n tiles: near square, with as few empty cells as possible."""
    base = int(np.ceil(np.sqrt(n)))
    cols = min(range(base, base + 3), key=lambda c: (-(-n // c) * c - n, c))
    return -(-n // cols), cols


class _Percent(Formatter):
    """Tick labels for fractions as percentages, with the fewest decimals that show each tick
    exactly (96%, 96.25%, 96.5%: no two alike), never "-0%"; ``signed``: "+5%", "-5%"."""

    def __init__(self, signed: bool = False):
        self.sign, self.decimals = "+" if signed else "", 0

    def set_locs(self, locs):
        super().set_locs(locs)
        percents = np.asarray(locs, dtype=float) * 100
        self.decimals = next((d for d in range(6) if np.allclose(
            percents, percents.round(d), rtol=0, atol=1e-6)), 6)

    def __call__(self, x, pos=None):
        value = round(x * 100, self.decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
        return f"{value:{self.sign}.{self.decimals}f}%"


def _side(n: int) -> int | None:
    """The side of a square image of n pixels, or None if n is not a square."""
    return int(round(np.sqrt(n))) if int(round(np.sqrt(n))) ** 2 == n else None


def weights_figure(net: Network, layer: int = 1, max_neurons: int = 256) -> Figure:
    """Each neuron's incoming weights (or effective template) drawn as a 28x28 picture.

    Blue pixels raise the neuron's weighted sum when lit, red pixels lower it, black ones do
    not matter. Each tile has its own colour scale, centred at 0 (at least 1% of the layer's
    largest weight: probes.blank_neurons stay black); each title: the neuron's number and bias.
    A network changed by hand (:func:`digitnet.poke.by_hand`) says so in its title, and each
    neuron switched off is titled "neuron 3: off", its tile dimmed: it sends 0 onward; one
    edited (its bias or weights), "neuron 3: edited".
    ``layer`` is numbered as in ``net.sizes``: from 1, the first hidden layer (its weights
    ``net.weights[0]``), to ``len(net.sizes) - 1``, the output layer; past 1, the approximate
    templates of :func:`digitnet.probes.effective_templates`. The first ``max_neurons`` are drawn.
    """
    templates, side = probes.effective_templates(net, layer), _side(net.sizes[0])
    if side is None:
        raise ConfigError(f"weights can be drawn as pictures only for square inputs; this "
                          f"network has {net.sizes[0]} inputs")
    n = min(len(templates), max_neurons)
    rows, cols = _grid_shape(n)
    tile = 1.6 if n <= 25 else 1.3 if n <= 64 else 1.2
    fig = _figure(max(cols * tile, 6.4), rows * tile * 1.15 + 0.8, dark=True)
    biases, floor = net.biases[layer - 1], probes.BLANK_SHARE * float(np.abs(templates).max())
    output_layer, names = layer == len(net.weights), inputs.classes_of(net)
    off, changed, edited = poke.by_hand(net)
    for j in range(n):
        ax, silent = fig.add_subplot(rows, cols, j + 1), (layer, j) in off
        t = templates[j].reshape(side, side)
        limit = max(float(np.abs(t).max()), floor) or 1.0
        ax.imshow(t, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit, interpolation="nearest",
                  alpha=0.3 if silent else None)  # off: dimmed
        label = (f"neuron {j}" + ": off" * silent if not output_layer else
                 f"digit {names[j]}" if words.are_digits(names) else words.quoted(names[j]))
        label += ": edited" * ((layer, j) in edited)
        scale = f"{limit:.2f}" if limit >= 0.01 else f"{limit:.2g}"  # not "0.00": 0.0029
        ax.set_title(f"{label}\nbias {biases[j]:+.2f}, |w| ≤ {scale}",
                     fontsize=7 if n <= 64 else 6, color=_TEXT, pad=2)  # narrow tiles: smaller
        ax.set_axis_off()
    if layer == 1:  # for sounds: time-frequency pictures, the sounds each neuron listens for
        title = ("Weights into each neuron of the first hidden layer" + (
            f": the sounds it listens for ({_SOUND})" if isinstance(inputs.of(
                net), inputs.Audio) else "") + "\nblue +, red −, black 0 (each tile "
            "scaled to its own largest weight |w|, or to 1% of the layer's largest if smaller)")
    else:
        where = "output layer" if output_layer else f"hidden layer {layer}"
        product = " · ".join(f"W{l}" for l in range(layer, 0, -1))
        back = (f"sound ({_SOUND})" if isinstance(inputs.of(net), inputs.Audio) else "pixels")
        title = (f"APPROXIMATE templates of the {where}: {product} multiplied back to the "
                 f"{back},\nignoring the nonlinearities in between (blue +, red −)")
    if n < len(templates):
        title += f"; first {n} of {len(templates)} neurons"
    title += f"; {changed}" * bool(changed)
    heading = fig.suptitle(title, color=_TEXT, fontsize=9)
    fit_width(fig, heading)
    more = 0.15 * max(0, heading.get_text().count("\n") - 1)  # inches, for lines past two
    fig.set_figheight(fig.get_figheight() + more)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02,
                        top=1 - (0.85 + more) / fig.get_figheight(), wspace=0.15, hspace=0.45)
    return fig


def network_figure(net: Network, image, max_links: int = 300) -> Figure:
    """The video's picture of the network reading one image.

    Left, the 28x28 input as the network saw it; then each layer's neurons as circles, as bright
    as their activation, those changed by hand marked (:mod:`digitnet.networkmarks`: "off",
    "edit") and said under the title; lines carry the strongest contributions |w·a| (blue for
    w > 0, red for w < 0, more opaque when stronger), from lit pixels to the first layer and
    between layers; right, the outputs named by their classes, with probabilities, the winner
    ringed. Layers wider than 32 neurons show 32: those edited, and the most active still on.

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
        One input, as from :func:`digitnet.preprocess.to_mnist`, read as ``net.predict`` reads
        it (:func:`digitnet.probes.example_row`: deskewed if the model deskews, refused alike).
    max_links : int
        How many connections to draw into each layer, strongest first.
    """
    x = probes.example_row(net, image, stacklevel=2)
    trace = net.astype(np.float64)._trace(x[None, :])
    hand = poke.by_hand(net)  # what was changed by hand: its neurons off send a = 0
    acts = [poke.sent(net, l, a[0], hand.off) for l, a in enumerate(trace.activations)]
    columns = [networkmarks.column(a, l, hand, _MAX_DRAWN, l == len(acts) - 1)
               for l, a in enumerate(acts) if l]  # each layer's neurons drawn, words under them
    proba = net.output_function.probabilities(trace.output)[0]
    winner, names = int(np.argmax(proba)), inputs.classes_of(net)
    column_x = [5.0 + 2.6 * l for l in range(len(net.sizes) - 1)]  # layers 1 ... L
    unit = 0.55  # inches per unit of the diagram's coordinates
    wider = (max(map(len, names)) - 1) / 12 / unit  # names: 10-point monospace, 1/12" a letter
    y_min = -1.05 - 0.25 * max(label.count("\n") for _, label in columns)  # 2 or 3 lines
    x_max, y_max = column_x[-1] + 2.2 + wider, 11.7 + 0.6 * bool(hand.said)
    fig = _figure((x_max + 0.3) * unit, (y_max - y_min) * unit, dark=True)
    ax = fig.add_axes((0, 0, 1, 1), xlim=(-0.3, x_max), ylim=(y_min, y_max), aspect="equal")
    ax.set_axis_off()

    # drawn[l]: the neurons of layer l drawn and their (x, y); layer 0 is the input's pixels.
    drawn = [(np.arange(net.sizes[0]), _draw_input(ax, net, x))]
    for (shown, _), x_pos in zip(columns, column_x):
        ys = (5.0 + (np.arange(len(shown))[::-1] - (len(shown) - 1) / 2) * 1.0
              if len(shown) <= 10 else np.linspace(10.0, 0.0, len(shown)))
        drawn.append((shown, np.stack([np.full(len(shown), x_pos), ys], axis=1)))
    radius = min(0.32, 0.42 * min(xy[0, 1] - xy[1, 1] if len(xy) > 1 else 1.0
                                  for _, xy in drawn[1:]))
    for l in range(1, len(net.sizes)):
        start = 0.0 if l == 1 else radius  # a link leaves a pixel at its centre, a neuron its edge
        _draw_links(ax, net.weights[l - 1], acts[l - 1], drawn[l - 1], drawn[l], start, radius,
                    max_links)
        _draw_neurons(ax, net, l, acts[l], proba, drawn[l], radius, hand, columns[l - 1][1])
    sizes, said = "-".join(map(str, net.sizes)), words.quoted(names[winner])
    said = f"a {said}" if words.are_digits(names, inputs.of(net).kind == "table") else said
    fit_width(fig, ax.text(x_max / 2, y_max - 0.1, f"The {sizes} network reads {said} "
                           f"({proba[winner]:.1%})", color=_TEXT, ha="center", va="top",
                           fontsize=11))
    note = (f"\n{hand.said}{networkmarks.note(hand, [s for s, _ in columns])}"
            if hand.said else "")  # (y_max 0.6 higher, for its line)
    fit_width(fig, ax.text(x_max / 2, y_max - 0.65, f"circles: activation (bright = high); "
                           f"lines: up to {max_links} strongest contributions w·a into each "
                           f"layer (blue w > 0, red w < 0){note}", color=_TEXT, ha="center",
                           va="top", fontsize=8))
    return fig


def _draw_input(ax, net: Network, x: np.ndarray) -> np.ndarray | None:
    """The input picture at the diagram's left; each pixel's (x, y) there, shape (sizes[0], 2),
    or None if the input is not a square image (then neither it nor links from it are drawn)."""
    side = _side(net.sizes[0])
    if side is None:
        return None
    img_x0, img_y0, img_size = 0.0, 3.4, 3.2
    ax.imshow(x.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest",
              extent=(img_x0, img_x0 + img_size, img_y0, img_y0 + img_size), zorder=3)
    ax.add_patch(Rectangle((img_x0, img_y0), img_size, img_size, fill=False, ec="#888888",
                           lw=0.8, zorder=3))
    cells = (f"the sound, {_SOUND}\n{side} bands x {side} frames" if isinstance(  # not pixels
        inputs.of(net), inputs.Audio) else f"{side}x{side} = {net.sizes[0]} pixels")
    ax.text(img_x0 + img_size / 2, img_y0 - 0.3, f"input as the network sees it\n{cells}",
            color=_TEXT, ha="center", va="top", fontsize=8)
    step, idx = img_size / side, np.arange(net.sizes[0])
    return np.stack([img_x0 + (idx % side + 0.5) * step,
                     img_y0 + img_size - (idx // side + 0.5) * step], axis=1)


def _draw_links(ax, w: np.ndarray, a_prev: np.ndarray, below, above, start: float,
                radius: float, max_links: int) -> None:
    """Lines for the strongest |w·a| from the neurons (or pixels) ``below`` into those ``above``."""
    (sources, from_xy), (shown, to_xy) = below, above
    if from_xy is None:  # an input that is not a picture is not drawn
        return
    rows, cols, strength = probes.strongest_contributions(w, a_prev, shown, sources, max_links)
    for i, j, s in zip(rows, cols, strength):  # weakest first, strongest on top
        ax.plot([from_xy[j, 0] + start, to_xy[i, 0] - radius], [from_xy[j, 1], to_xy[i, 1]],
                color=BLUE if w[shown[i], sources[j]] > 0 else RED,
                alpha=0.08 + 0.8 * s / strength[-1], lw=0.6, zorder=1)


def _draw_neurons(ax, net: Network, layer: int, a: np.ndarray, proba: np.ndarray, drawn,
                  radius: float, hand, label: str) -> None:
    """Circles as bright as the activations (unbounded ones scaled to the layer's largest),
    those changed by hand (``hand``: poke.by_hand's) marked, and ``label`` under them."""
    (shown, xy), is_output, names = drawn, layer == len(net.sizes) - 1, inputs.classes_of(net)
    width = max(map(len, names))  # (names padded alike: the percentages line up)
    values, bounded = (proba, True) if is_output else (a, net.activation.name == "sigmoid")
    top_value = 1.0 if bounded else max(float(np.abs(a).max()), 1e-12)
    for i, (x_pos, y) in zip(shown, xy):
        level = float(np.clip(abs(values[i]) / top_value, 0, 1))
        ax.add_patch(Circle((x_pos, y), radius, facecolor=(level, level, level), zorder=3,
                            **networkmarks.ring(layer, i, hand)))
        networkmarks.mark(ax, layer, i, (x_pos, y), radius, hand)
        if is_output:
            mark = i == int(np.argmax(proba))
            ax.text(x_pos + radius + 0.15, y, f"{names[i]:<{width}}  {proba[i]:6.1%}",
                    color=BLUE if mark else _TEXT, fontsize=10 if mark else 9, va="center",
                    fontweight="bold" if mark else "normal", family="monospace", zorder=4)
            if mark:
                ax.add_patch(Circle((x_pos, y), radius * 1.35, fill=False, ec=BLUE, lw=2, zorder=4))
    ax.text(xy[0, 0], -0.5, label, color=_TEXT, ha="center", va="top", fontsize=8)


def confusion_figure(net: Network, rows, labels, classes=None, title: str = "") -> Figure:
    """The confusion matrix on labelled ``rows``, ``inputs.of(net).rows(examples)`` (checked as
    the poking functions check them, :func:`~.poke.rows.check_rows`: pictures not deskewed for a
    model that deskews are refused), labels by number: true class down, answer across."""
    ev = score(net, check_rows(net, rows), np.asarray(labels))
    m = np.array(ev.confusion)
    k, examples, shown = len(m), inputs.of(net).noun, m.sum(axis=1)
    classes = list(classes) if classes else inputs.classes_of(net)
    what = words.noun(classes, table=isinstance(inputs.of(net), inputs.Table))
    fig = _figure(6.4, 5.8)
    fig.set_layout_engine("constrained")  # room for the names, however long
    ax = fig.add_subplot()
    rates = m / np.maximum(shown[:, None], 1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if rates[i, j] > 0.5 else "#333333")
    slant = {"rotation": 35, "ha": "right"} if k * max(map(len, classes)) > 40 else {}
    ax.set_xticks(range(k), classes, fontsize=8, **slant)
    rows = [f"{c} ({ev.per_class[i]:.0%})" if shown[i] else f"{c} (no {examples})"
            for i, c in enumerate(classes)]  # a class with none has no accuracy, not 0%
    ax.set_yticks(range(k), rows, fontsize=8)
    ax.set(xlabel=f"network's answer ({what})", ylabel=f"true {what} (accuracy)")
    head = f"{title}\n" if title else ""
    ax.set_title(f"{head}accuracy {ev.accuracy:.2%} on {ev.n:,} {examples} "
                 f"(counts; shading: share of each true {what})", fontsize=9)
    return fig


def saliency_figure(net: Network, image) -> Figure:
    """The input as the network reads it (``image`` read as :func:`digitnet.probes.saliency`
    reads it) and the gradient of the answer's z with respect to each pixel (of a model of
    recordings: each band and frame of the sound, its axes named), side by side."""
    x = probes.example_row(net, image, stacklevel=2)
    gradient, k = probes._row_saliency(net, x, None)
    proba, names = net.probabilities(x), inputs.classes_of(net)
    side, name = _side(net.sizes[0]) or 1, words.quoted(names[k])
    by, lit, which = (  # a model of recordings: the parts of the sound, its axes named once
        ("(band, frame)", "loud parts", f"which parts of the sound ({_SOUND})")
        if isinstance(inputs.of(net), inputs.Audio) else ("pixel", "lit pixels", "which pixels"))
    fig = _figure(8.4, 3.4)
    ax_in, ax_g, ax_both = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    ax_in.imshow(x.reshape(side, -1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax_in.set_title(f"input: read as {name} ({proba[k]:.0%})", fontsize=9)
    limit = float(np.abs(gradient).max()) or 1.0
    shown = ax_g.imshow(gradient.reshape(side, -1), cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit,
                        interpolation="nearest")
    ax_g.set_title(f"∂z{k}/∂{by}: blue + , red −", fontsize=9)
    bar = ax_g.inset_axes((1.04, 0.0, 0.05, 1.0))  # beside, not taken out of the panel's width
    fig.colorbar(shown, cax=bar).ax.tick_params(labelsize=7)
    push = np.clip(gradient * x, 0, None)
    ax_both.imshow(push.reshape(side, -1), cmap="magma", interpolation="nearest")
    ax_both.set_title(f"{lit} pushing towards {name}\n(gradient × input, positive part)",
                      fontsize=9)
    for ax in (ax_in, ax_g, ax_both):
        ax.set_axis_off()
    heading = fig.suptitle(f"Saliency: {which} made the network answer {name} (gradient of "
                           f"{_output(net, k, 'z')}, before softmax)", fontsize=10)
    fit_width(fig, heading)  # (a heading of two lines: the panels lower)
    fig.subplots_adjust(left=0.01, right=0.97, bottom=0.03,
                        top=0.8 - 0.06 * heading.get_text().count("\n"), wspace=0.3)
    return fig


def dream_figure(net: Network, digits=None, *, seed: int = 0) -> Figure:
    """What it "thinks each class looks like": :func:`probes.dream` of outputs ``digits`` (all)."""
    digits = list(range(net.sizes[-1])) if digits is None else list(digits)
    side, names = _side(net.sizes[0]) or 1, inputs.classes_of(net)
    rows, cols = -(-len(digits) // min(5, len(digits))), min(5, len(digits))
    tile = 1.8 if len(digits) > 2 else 2.6
    fig = _figure(max(cols * tile, 5.0), rows * (tile + 0.2) + 0.8)
    for k, d in enumerate(digits):
        x = probes.dream(net, d, seed=seed)
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(x.reshape(side, -1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{words.quoted(names[d])}: p = {net.probabilities(x)[d]:.0%}", fontsize=9)
        ax.set_axis_off()
    which = _output(net, digits[0]) if len(digits) == 1 else "each output"
    what, axes, digit, other, never, cells = (  # a model of recordings: what it would hear
        ("sound", f" ({_SOUND})", "a spoken digit", "a sound", " never learned to speak",
         "loudness")
        if isinstance(inputs.of(net), inputs.Audio) else
        ("input", "", "a digit", "a picture", ", as the video warns, never learned to draw",
         "pixels"))
    drawn = digit if words.are_digits(names) else f"{other} of the class"
    fig.suptitle(f"The {what} that most excites {which}{axes}\ngradient ascent on log p from "
                 f"faint noise; {cells} in [0, 1], L2 norm ≤ 9\n(not {drawn}: the network{never})",
                 fontsize=8.5)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.95 / fig.get_figheight(),
                        hspace=0.3, wspace=0.1)
    return fig


def _output(net: Network, k: int, z: str = "") -> str:
    """Output neuron ``k`` named, with its class unless that is "k": "output z2 (class 7)"."""
    name = words.quoted(inputs.classes_of(net)[k])
    return f"output {z}{k}" + ("" if name == str(k) else f" (class {name})")
