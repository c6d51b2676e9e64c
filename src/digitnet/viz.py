"""Pictures of what the network learned and how it thinks (the only module that uses matplotlib).

Every function returns a :class:`matplotlib.figure.Figure` built directly (never pyplot's global
state) on the Agg canvas, so it works on a server or in CI with no display. Save one with
:func:`save_figure` (PNG or SVG by the file name) or ``fig.savefig(...)``; in a notebook, the
figure displays itself.

=========================  =====================================================================
:func:`weights_figure`     each neuron's incoming weights as a 28x28 picture (blue +, red -)
:func:`network_figure`     the video's diagram: input, neurons lit by activation, strongest links
:func:`confusion_figure`   which digits are taken for which
:func:`mistakes_figure`    the most confident wrong answers
:func:`history_figure`     loss and accuracy per epoch, from the model file
:func:`saliency_figure`    which pixels pushed the network towards its answer
:func:`dream_figure`       the input that most excites an output neuron
=========================  =====================================================================

The numbers behind the pictures are functions too: :func:`effective_templates`,
:func:`saliency` and :func:`dream`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from .errors import ConfigError, DataError, ModelFileError
from .network import Network, as_inputs

__all__ = [
    "weights_figure", "network_figure", "confusion_figure", "mistakes_figure", "history_figure",
    "saliency_figure", "dream_figure", "effective_templates", "saliency", "dream",
    "save_figure", "figure_bytes", "FORMATS", "WEIGHT_CMAP",
]

#: File types :func:`save_figure` writes, by extension.
FORMATS = {".png": "png", ".svg": "svg"}

# The video's colours: blue for positive weights, red for negative, black for zero.
BLUE, RED, INK = "#3d9df3", "#f0524f", "#0e1117"
#: A diverging colour map, red (negative) through black (0) to blue (positive).
WEIGHT_CMAP = LinearSegmentedColormap.from_list("digitnet_weights", [RED, "#000000", BLUE])
_DARK = {"facecolor": INK}
_TEXT = "#e6e6e6"
_MAX_DRAWN = 32  # neurons drawn per layer in the network diagram


# -- saving -----------------------------------------------------------------------------------


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 100) -> bytes:
    """The picture encoded as PNG or SVG bytes.

    PNGs are stored with a palette of 256 colours (as pngquant does), which keeps a diagram
    of hundreds of translucent lines to about a third of the size, with no visible change.
    """
    if fmt not in FORMATS.values():
        raise ConfigError(f"cannot write {fmt!r} pictures; choose png or svg")
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)  # headless: attach an Agg canvas whatever the backend
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor=fig.get_facecolor())
    if fmt == "png":
        from PIL import Image

        buffer.seek(0)
        with Image.open(buffer) as rendered:
            palette = rendered.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        buffer = io.BytesIO()
        palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def save_figure(fig: Figure, path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` atomically, as PNG or SVG by its extension."""
    from .modelfile import atomic_write

    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown picture type {path.suffix or '(no extension)'!r}; "
                          "give a file name ending in .png or .svg")
    return atomic_write(path, figure_bytes(fig, fmt, dpi))


def _figure(width: float, height: float, dark: bool = False) -> Figure:
    fig = Figure(figsize=(width, height), layout=None, **(_DARK if dark else {}))
    FigureCanvasAgg(fig)
    return fig


def _as_image(x, net: Network) -> np.ndarray:
    """One input as a float row of shape (784,)."""
    a, _ = as_inputs(x, net.sizes[0], np.float64)
    if len(a) != 1:
        raise DataError(f"expected one image, got {len(a)}")
    return a[0]


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for n tiles: near square, with as few empty cells as possible."""
    base = int(np.ceil(np.sqrt(n)))
    cols = min(range(base, base + 3), key=lambda c: (-(-n // c) * c - n, c))
    return -(-n // cols), cols


def _side(n: int) -> int | None:
    """The side of a square image of n pixels, or None if n is not a square."""
    s = int(round(np.sqrt(n)))
    return s if s * s == n else None


# -- weights ----------------------------------------------------------------------------------


def effective_templates(net: Network, layer: int = 1) -> np.ndarray:
    """What each neuron of ``layer`` looks for in the input, as one row of input weights.

    Layer 1 is the first hidden layer, whose rows are exactly its weights. For a deeper layer
    the template is its weights multiplied back through the layers before it,
    ``W_layer @ ... @ W_2 @ W_1``: an **approximation** that ignores the nonlinearities (and the
    biases) in between, so it says what the neuron would look for if the layers were linear.

    Parameters
    ----------
    layer : int
        1 (first hidden layer) to ``len(net.weights)`` (the output layer).

    Returns
    -------
    ndarray, shape (sizes[layer], sizes[0])
    """
    depth = len(net.weights)
    if not 1 <= layer <= depth:
        raise ConfigError(f"layer must be between 1 (the first hidden layer) and {depth} "
                          f"(the output layer) for {'-'.join(map(str, net.sizes))}, got {layer}")
    template = net.weights[0].astype(np.float64)
    for w in net.weights[1:layer]:
        template = w.astype(np.float64) @ template  # (n_out, n_in) @ (n_in, 784)
    return template


def weights_figure(net: Network, layer: int = 1, max_neurons: int = 256) -> Figure:
    """Each neuron's incoming weights (or effective template) drawn as a 28x28 picture.

    Blue pixels raise the neuron's weighted sum when lit, red pixels lower it, black ones do
    not matter. Each tile has its own symmetric colour scale, centred at 0; its title shows
    the neuron's number and bias.
    """
    templates = effective_templates(net, layer)
    side = _side(net.sizes[0])
    if side is None:
        raise ConfigError(f"weights can be drawn as pictures only for square inputs; this "
                          f"network has {net.sizes[0]} inputs")
    n = min(len(templates), max_neurons)
    rows, cols = _grid_shape(n)
    tile = 1.6 if n <= 25 else 1.3 if n <= 64 else 0.9
    fig = _figure(max(cols * tile, 6.4), rows * tile * 1.15 + 0.8, dark=True)
    biases = net.biases[layer - 1]
    output_layer = layer == len(net.weights)
    for j in range(n):
        ax = fig.add_subplot(rows, cols, j + 1)
        t = templates[j].reshape(side, side)
        limit = float(np.abs(t).max()) or 1.0
        ax.imshow(t, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
        label = f"digit {j}" if output_layer and len(templates) == 10 else f"neuron {j}"
        ax.set_title(f"{label}\nbias {biases[j]:+.2f}, |w| ≤ {limit:.2f}", fontsize=7,
                     color=_TEXT, pad=2)
        ax.set_axis_off()
    where = "first hidden layer" if layer == 1 else (
        "output layer" if output_layer else f"hidden layer {layer}")
    if layer == 1:
        title = (f"Weights into each neuron of the {where}\nblue +, red −, black 0 "
                 "(each tile scaled to its own largest weight |w|)")
    else:
        product = " · ".join(f"W{l}" for l in range(layer, 0, -1))
        title = (f"APPROXIMATE templates of the {where}: {product} multiplied back to the "
                 "pixels,\nignoring the nonlinearities in between (blue +, red −)")
    if n < len(templates):
        title += f"; first {n} of {len(templates)} neurons"
    fig.suptitle(title, color=_TEXT, fontsize=9)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.85 / fig.get_figheight(),
                        wspace=0.15, hspace=0.45)
    return fig


# -- the network diagram ----------------------------------------------------------------------


def network_figure(net: Network, image, max_links: int = 300) -> Figure:
    """The video's picture of the network reading one image.

    Left, the 28x28 input as the network saw it; then each layer's neurons as circles, as bright
    as their activation; lines carry the strongest contributions |w·a| (blue for a positive
    weight, red for a negative one, more opaque when stronger), from lit pixels to the first
    layer and between layers; right, the ten outputs with their probabilities, the winner
    ringed. Layers wider than 32 neurons show their 32 most active.

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
        One input, as from :func:`digitnet.preprocess.to_mnist`.
    max_links : int
        How many connections to draw per layer, strongest first.
    """
    x = _as_image(image, net)
    trace = net.astype(np.float64).trace(x[None, :])
    acts = [a[0] for a in trace.activations]
    proba = net.output_function.probabilities(trace.output)[0]
    winner = int(np.argmax(proba))
    side = _side(net.sizes[0])

    n_layers = len(net.sizes) - 1  # layers drawn as circles: hidden and output
    column_x = [5.0 + 2.6 * l for l in range(n_layers)]
    x_max, y_min, y_max = column_x[-1] + 2.2, -1.3, 11.7
    unit = 0.55  # inches per unit of the diagram's coordinates
    fig = _figure((x_max + 0.3) * unit, (y_max - y_min) * unit, dark=True)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.3, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.set_axis_off()

    # The input picture, left; links from its pixels run underneath it.
    img_x0, img_y0, img_size = 0.0, 3.4, 3.2
    pixel_xy = None
    if side is not None:
        ax.imshow(x.reshape(side, side), cmap="gray", vmin=0, vmax=1, interpolation="nearest",
                  extent=(img_x0, img_x0 + img_size, img_y0, img_y0 + img_size), zorder=3)
        ax.add_patch(Rectangle((img_x0, img_y0), img_size, img_size, fill=False, ec="#888888",
                               lw=0.8, zorder=3))
        step = img_size / side
        idx = np.arange(net.sizes[0])
        pixel_xy = np.stack([img_x0 + (idx % side + 0.5) * step,
                             img_y0 + img_size - (idx // side + 0.5) * step], axis=1)
        ax.text(img_x0 + img_size / 2, img_y0 - 0.3,
                f"input as the network sees it\n{side}x{side} = {net.sizes[0]} pixels",
                color=_TEXT, ha="center", va="top", fontsize=8)

    # Where each drawn neuron of each layer sits.
    columns = []
    for l, x_pos in enumerate(column_x, start=1):
        a = acts[l]
        shown = np.arange(len(a)) if len(a) <= _MAX_DRAWN else np.sort(np.argsort(-a)[:_MAX_DRAWN])
        if len(shown) <= 10:
            ys = 5.0 + (np.arange(len(shown))[::-1] - (len(shown) - 1) / 2) * 1.0
        else:
            ys = np.linspace(10.0, 0.0, len(shown))
        columns.append((shown, x_pos, ys))
    radius = min(0.32, 0.42 * min((ys[0] - ys[1]) if len(ys) > 1 else 1.0 for _, _, ys in columns))

    # Connections: the strongest |w · a| contributions into each layer.
    for l, (w, (shown, x_to, ys_to)) in enumerate(zip(net.weights, columns)):
        w = w.astype(np.float64)
        a_prev = acts[l]
        if l == 0:
            if pixel_xy is None:
                continue
            src_idx, src_xy = np.arange(net.sizes[0]), pixel_xy
        else:
            prev_shown, x_from, ys_from = columns[l - 1]
            src_idx = prev_shown
            src_xy = np.stack([np.full(len(prev_shown), x_from), ys_from], axis=1)
        contrib = w[np.ix_(shown, src_idx)] * a_prev[src_idx]  # (n_shown, n_src)
        strength = np.abs(contrib).ravel()
        k = min(max_links, int((strength > 0).sum()))
        if k == 0:
            continue
        top = np.argpartition(-strength, k - 1)[:k]
        scale = strength[top].max()
        for flat in top[np.argsort(strength[top])]:  # weakest first, strongest on top
            i, j = divmod(int(flat), len(src_idx))
            alpha = 0.08 + 0.8 * strength[flat] / scale
            color = BLUE if w[shown[i], src_idx[j]] > 0 else RED
            ax.plot([src_xy[j, 0] + (0 if l == 0 else radius), x_to - radius],
                    [src_xy[j, 1], ys_to[i]], color=color, alpha=alpha, lw=0.6, zorder=1)

    # Neurons: brightness is activation (scaled to the layer's largest for unbounded ones).
    for l, (shown, x_pos, ys) in enumerate(columns, start=1):
        a = acts[l]
        is_output = l == len(net.sizes) - 1
        values = proba if is_output else a
        bounded = is_output or net.activation.name == "sigmoid"
        top_value = 1.0 if bounded else max(float(np.abs(a).max()), 1e-12)
        for i, y in zip(shown, ys):
            level = float(np.clip(abs(values[i]) / top_value, 0, 1))
            ax.add_patch(Circle((x_pos, y), radius, facecolor=(level, level, level),
                                edgecolor="#bbbbbb", lw=0.8, zorder=3))
            if is_output:
                mark = i == winner
                ax.text(x_pos + radius + 0.15, y, f"{i}  {proba[i]:6.1%}", color=_TEXT if not mark else BLUE,
                        fontsize=9 if not mark else 10, fontweight="bold" if mark else "normal",
                        va="center", family="monospace", zorder=4)
                if mark:
                    ax.add_patch(Circle((x_pos, y), radius * 1.35, fill=False, ec=BLUE, lw=2, zorder=4))
        if len(shown) < len(a):
            label = f"{len(shown)} most active\nof {len(a)} neurons"
        else:
            label = "output" if is_output else f"hidden layer {l}"
            label += f"\n{len(a)} neurons"
        ax.text(x_pos, -0.5, label, color=_TEXT, ha="center", va="top", fontsize=8)
    sizes = "-".join(map(str, net.sizes))
    ax.text(x_max / 2, y_max - 0.1, f"The {sizes} network reads a {winner} "
            f"({proba[winner]:.1%})", color=_TEXT, ha="center", va="top", fontsize=11)
    ax.text(x_max / 2, y_max - 0.65, f"circles: activation (bright = high); lines: up to "
            f"{max_links} strongest contributions w·a into each layer (blue w > 0, red w < 0)",
            color=_TEXT, ha="center", va="top", fontsize=8)
    return fig


# -- accuracy ---------------------------------------------------------------------------------


def confusion_figure(net: Network, images, labels, classes=None, title: str = "") -> Figure:
    """The confusion matrix on labelled images: rows the true digit, columns the answer."""
    from .metrics import evaluate

    ev = evaluate(net, np.asarray(images), np.asarray(labels))
    m = np.array(ev.confusion)
    k = len(m)
    classes = list(classes) if classes else [str(i) for i in range(k)]
    fig = _figure(6.4, 5.8)
    ax = fig.add_axes((0.14, 0.1, 0.72, 0.76))
    rates = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if rates[i, j] > 0.5 else "#333333")
    ax.set_xticks(range(k), classes, fontsize=8)
    ax.set_yticks(range(k), [f"{c} ({ev.per_class[i]:.0%})" for i, c in enumerate(classes)], fontsize=8)
    ax.set_xlabel("network's answer")
    ax.set_ylabel("true digit (accuracy)")
    head = f"{title}\n" if title else ""
    ax.set_title(f"{head}accuracy {ev.accuracy:.2%} on {ev.n:,} images "
                 "(counts; shading: share of each true digit)", fontsize=9)
    return fig


def mistakes_figure(net: Network, images, labels, n: int = 24, classes=None) -> Figure:
    """A gallery of the ``n`` most confident wrong answers, most confident first."""
    images = np.asarray(images)
    labels = np.asarray(labels).astype(np.intp)
    proba = net.predict_proba(images.reshape(len(images), -1))
    answer = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(answer != labels)
    classes = list(classes) if classes else [str(i) for i in range(net.sizes[-1])]
    if len(wrong) == 0:
        fig = _figure(5, 1.5)
        fig.text(0.5, 0.5, f"No mistakes on these {len(labels):,} images", ha="center", va="center")
        return fig
    order = wrong[np.argsort(-proba[wrong, answer[wrong]])][:n]
    cols = min(8, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig = _figure(max(cols * 1.35, 5.0), rows * 1.6 + 0.7)
    side = _side(net.sizes[0]) or 1
    for k, i in enumerate(order):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(images[i].reshape(side, -1), cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true {classes[labels[i]]}\nsaid {classes[answer[i]]} {proba[i, answer[i]]:.0%}",
                     fontsize=8, color="#b3261e", pad=2)
        ax.set_axis_off()
    fig.suptitle(f"The {len(order)} most confident mistakes of {len(wrong):,} "
                 f"on {len(labels):,} images", fontsize=10)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.75 / fig.get_figheight(),
                        hspace=0.55, wspace=0.1)
    return fig


def history_figure(history: list[dict], title: str = "") -> Figure:
    """Loss and accuracy per epoch, from a model's ``metadata["history"]``.

    Raises ModelFileError if there is no history.
    """
    if not history:
        raise ModelFileError(f"{title or 'the model'}: has no training history to draw; it was "
                             "saved without one (models trained by digitnet train have it)")
    epochs = [r["epoch"] for r in history]
    fig = _figure(9, 3.6)
    loss_ax, acc_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    series = [("train_loss", loss_ax, "training", "C0", "-o"),
              ("val_loss", loss_ax, "validation", "C1", "-s"),
              ("train_accuracy", acc_ax, "training", "C0", "-o"),
              ("val_accuracy", acc_ax, "validation", "C1", "-s")]
    missing = []
    for key, ax, label, color, style in series:
        values = [r.get(key) for r in history]
        if all(v is not None for v in values):
            ax.plot(epochs, values, style, label=label, color=color, ms=3, lw=1.4)
        else:
            missing.append(key.replace("_", " ").replace("train", "training").replace("val ", "validation "))
    loss_ax.set_title("loss (cost) per epoch", fontsize=10)
    acc_ax.set_title("accuracy per epoch", fontsize=10)
    if missing:
        fig.text(0.5, 0.01, "not recorded in the model file: " + ", ".join(missing),
                 ha="center", va="bottom", fontsize=8, color="gray")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center", color="gray")
    acc_ax.yaxis.set_major_formatter(lambda v, _: f"{v:.1%}")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.84 if title else 0.9, wspace=0.25)
    return fig


# -- gradients with respect to the input ------------------------------------------------------


def _input_gradient(net: Network, x: np.ndarray, dz_out) -> tuple[np.ndarray, np.ndarray]:
    """Backpropagate to the input: ∂(objective)/∂x, given ∂(objective)/∂z of the output layer.

    ``dz_out(z, a)`` returns the derivative with respect to the output layer's z, shape (n_out,).
    Returns the gradient, shape (784,), and the output probabilities.
    """
    t = net.trace(x[None, :])
    delta = dz_out(t.zs[-1][0], t.output[0])[None, :]
    for l in reversed(range(len(net.weights))):
        delta = delta @ net.weights[l]  # ∂/∂a_prev = Wᵀ δ (batch-first: δ W)
        if l > 0:
            delta = delta * net.activation.derivative(t.zs[l - 1], t.activations[l])
    return delta[0], net.output_function.probabilities(t.output)[0]


def saliency(net: Network, image, digit: int | None = None) -> tuple[np.ndarray, int]:
    """How each input pixel moves the output neuron's weighted input z (before softmax).

    The gradient ∂z_d/∂x of digit ``d``'s output neuron with respect to the 784 inputs,
    computed by backpropagation: positive where brightening the pixel would make the network
    more sure of d. We use z, not the probability, because the softmax flattens gradients
    once the network is sure.

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
    digit : int, optional
        Which output; by default the network's answer.

    Returns
    -------
    gradient : ndarray, shape (784,), float64
    digit : int
    """
    net64 = net.astype(np.float64)
    x = _as_image(image, net)
    if digit is None:
        digit = int(net64.predict(x))
    if not 0 <= digit < net.sizes[-1]:
        raise ConfigError(f"digit must be between 0 and {net.sizes[-1] - 1}, got {digit}")

    def dz(z, a):
        e = np.zeros_like(z)
        e[digit] = 1.0
        return e

    gradient, _ = _input_gradient(net64, x, dz)
    return gradient, digit


def saliency_figure(net: Network, image) -> Figure:
    """The input and the gradient of the answer's z with respect to each pixel, side by side."""
    x = _as_image(image, net)
    gradient, digit = saliency(net, x)
    proba = net.predict_proba(x)
    side = _side(net.sizes[0]) or 1
    fig = _figure(8.4, 3.4)
    ax_in, ax_g, ax_both = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    ax_in.imshow(x.reshape(side, -1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax_in.set_title(f"input: read as {digit} ({proba[digit]:.0%})", fontsize=9)
    limit = float(np.abs(gradient).max()) or 1.0
    shown = ax_g.imshow(gradient.reshape(side, -1), cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit,
                        interpolation="nearest")
    ax_g.set_title(f"∂z{digit}/∂pixel: blue + , red −", fontsize=9)
    fig.colorbar(shown, ax=ax_g, fraction=0.046, pad=0.03).ax.tick_params(labelsize=7)
    push = np.clip(gradient * x, 0, None)
    ax_both.imshow(push.reshape(side, -1), cmap="magma", interpolation="nearest")
    ax_both.set_title(f"lit pixels pushing towards {digit}\n(gradient × input, positive part)",
                      fontsize=9)
    for ax in (ax_in, ax_g, ax_both):
        ax.set_axis_off()
    fig.suptitle(f"Saliency: which pixels made the network answer {digit} "
                 f"(gradient of output z{digit}, before softmax)", fontsize=10)
    fig.subplots_adjust(left=0.01, right=0.97, bottom=0.03, top=0.8, wspace=0.15)
    return fig


def dream(net: Network, digit: int, *, steps: int = 300, step_size: float = 0.5,
          max_norm: float = 9.0, seed: int = 0) -> np.ndarray:
    """The input that most excites output ``digit``: gradient ascent from faint noise.

    Maximises the log-probability of ``digit`` (its z minus the log-sum-exp of all ten, for a
    softmax output), so the picture shows what makes a ``digit`` rather than what excites
    every output. Pixels stay in [0, 1] and the image's L2 norm at most ``max_norm`` (an
    average MNIST digit has norm 9.3), otherwise the ascent would light every pixel.

    Returns
    -------
    ndarray, shape (sizes[0],), float64 in [0, 1]
    """
    if not 0 <= digit < net.sizes[-1]:
        raise ConfigError(f"digit must be between 0 and {net.sizes[-1] - 1}, got {digit}")
    if steps < 1 or step_size <= 0 or max_norm <= 0:
        raise ConfigError("dream needs steps >= 1, step_size > 0 and max_norm > 0")
    net64 = net.astype(np.float64)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.1, net.sizes[0])

    def dlogp(z, a):
        if net.output_function.name == "softmax":
            return -a + np.eye(len(z))[digit]  # ∂ log softmax(z)_d / ∂z = e_d - p
        # sigmoid outputs normalised to sum 1: log p_d = log a_d - log Σ a
        da = -1.0 / a.sum() + np.eye(len(z))[digit] / max(a[digit], 1e-12)
        return da * a * (1 - a)

    for _ in range(steps):
        g, _ = _input_gradient(net64, x, dlogp)
        norm = np.linalg.norm(g)
        if norm == 0:
            break
        x = np.clip(x + step_size * g / norm, 0, 1)
        length = np.linalg.norm(x)
        if length > max_norm:
            x *= max_norm / length
    return x


def dream_figure(net: Network, digits=None, *, seed: int = 0) -> Figure:
    """What the network "thinks each digit looks like": :func:`dream` for each of ``digits``."""
    digits = list(range(net.sizes[-1])) if digits is None else list(digits)
    side = _side(net.sizes[0]) or 1
    cols = min(5, len(digits))
    rows = int(np.ceil(len(digits) / cols))
    tile = 1.8 if len(digits) > 2 else 2.6
    fig = _figure(max(cols * tile, 5.0), rows * (tile + 0.2) + 0.8)
    for k, d in enumerate(digits):
        x = dream(net, d, seed=seed)
        p = net.predict_proba(x)
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(x.reshape(side, -1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{d}: p = {p[d]:.0%}", fontsize=9)
        ax.set_axis_off()
    which = f"output {digits[0]}" if len(digits) == 1 else "each output"
    fig.suptitle(f"The input that most excites {which}\n"
                 "gradient ascent on log p from faint noise; pixels in [0, 1], L2 norm ≤ 9\n"
                 "(not a digit: as the video warns, the network never learned to draw)",
                 fontsize=8.5)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.95 / fig.get_figheight(),
                        hspace=0.3, wspace=0.1)
    return fig
