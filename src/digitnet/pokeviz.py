"""Pictures of poking the network: which neurons accuracy needs, what a neuron answers to, maps
of the layers, and robustness curves.

The numbers come from :mod:`digitnet.poke`; the figures are drawn on :mod:`digitnet.viz`'s
headless canvas in its style (viz.py keeps the plotting library to itself but has no room left
under the 400 lines a module may have). Each function returns a matplotlib ``Figure``; save it
with :func:`digitnet.viz.save_figure`.

=============================  ================================================================
:func:`ablation_figure`        each hidden neuron's accuracy drop, and the digits that suffer
:func:`top_figure`             the digits a neuron answers to most, and its mean per class
:func:`embedding_figure`       one 2-D map per layer, a point per digit coloured by its class
:func:`robustness_figure`      accuracy as noise, rotation, shift and thickness grow
=============================  ================================================================
"""

from __future__ import annotations

import numpy as np

from . import viz, words
from .errors import ConfigError
from .figtext import fit_width
from .poke import Curve, Embedding, NeuronDrop, Profile

__all__ = ["ablation_figure", "embedding_figure", "robustness_figure", "top_figure"]

_PALETTE = "tab10"  # one colour per class (up to ten)


#: Layers up to this wide have each neuron numbered under its bar; wider ones a readable few.
EACH_NUMBERED = 32


def _number_neurons(ax, n: int) -> None:
    """Neuron numbers under a layer's ``n`` bars, none past its last neuron."""
    ax.set_xlim(-0.6, n - 0.4)
    if n <= EACH_NUMBERED:
        ax.set_xticks(range(n))
    else:
        ax.locator_params(axis="x", integer=True)


def ablation_figure(drops: list[NeuronDrop], accuracy: float, classes, title: str = "",
                    worst: int = 12, off=(), table: bool = False):
    """Left, one bar chart per hidden layer: how much accuracy falls when each neuron is
    switched off alone (a bar below 0: accuracy gained). Right, for the ``worst`` neurons, the
    fall for each class (red: that class suffers), its axis "digit" or "class"
    (:func:`digitnet.words.noun`; ``table``: the classes are a table's labels), its colour bar
    from -L to +L, L the largest fall or gain rounded up to a tick (:func:`_bar_ticks`).

    ``drops`` are :func:`~digitnet.poke.rank_neurons`', which leaves out every neuron already
    switched off; each of those has no bar but the word "off" at its place: those ``off``
    names ((layer, neuron) pairs, :func:`~digitnet.poke.off_neurons`), and any neuron a
    layer's ranking skips before its last (a layer's last neurons are known only from ``off``).
    Both empty (a network with no hidden layers) is a ConfigError: there is nothing to draw.
    """
    off = set(off)
    layers = sorted({d.layer for d in drops} | {l for l, _ in off})
    if not layers:
        raise ConfigError("no hidden neuron to draw: the drops and the neurons off are both "
                          "empty (a network with no hidden layers has none to switch off)")
    fig = viz._figure(11, 1.9 * max(2, len(layers)) + 1.2)
    grid = fig.add_gridspec(len(layers), 2, width_ratios=(1.6, 1))
    top = max((d.drop for d in drops), default=0) or 0.01
    silent_any, gained = False, any(d.drop < 0 for d in drops)
    for row, layer in enumerate(layers):
        ax = fig.add_subplot(grid[row, 0])
        mine = sorted((d for d in drops if d.layer == layer), key=lambda d: d.neuron)
        width = max([d.neuron for d in mine] + [j for l, j in off if l == layer]) + 1
        silent = sorted(set(range(width)) - {d.neuron for d in mine})
        values = [d.drop for d in mine]
        ax.bar([d.neuron for d in mine], values, color=[viz.RED if v > 0 else viz.BLUE
                                                        for v in values])
        ax.set_ylim(min(0, *values) * 1.1, top * 1.1)
        for j in silent:  # no bar: it is off already, and ranking it would mean nothing
            ax.text(j, 0, "off", rotation=90, ha="center", va="bottom", fontsize=6,
                    color="0.4")
        silent_any = silent_any or bool(silent)
        ax.yaxis.set_major_formatter(viz._Percent())
        ax.set_ylabel(f"layer {layer}", fontsize=9)
        _number_neurons(ax, width)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", alpha=0.3)
    already = "\noff: switched off already" if silent_any else ""  # (a line of its own: room)
    fig.axes[0].set_title(f"accuracy lost{' (below 0: gained)' * gained} when one neuron is "
                          f"switched off (from {accuracy:.1%}){already}", fontsize=10)
    fig.axes[-1].set_xlabel("neuron")
    ax = fig.add_subplot(grid[:, 1])
    chosen = drops[:worst]
    suffer = np.array([d.per_class_drop for d in chosen]) if chosen else np.zeros((1, len(classes)))
    ticks = _bar_ticks(float(np.abs(suffer).max()) or 0.01)  # every cell within the bar
    limit = ticks[-1]
    shown = ax.imshow(suffer, cmap=viz.WEIGHT_CMAP.reversed(), vmin=-limit, vmax=limit,
                      aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(chosen)), [f"{d.layer}:{d.neuron}" for d in chosen], fontsize=8)
    ax.set_xticks(range(len(classes)), classes, fontsize=8)
    ax.set_xlabel(words.noun(classes, table), fontsize=9)
    ax.set_title("which classes suffer (layer:neuron, worst first)", fontsize=10)
    bar = fig.colorbar(shown, ax=ax, fraction=0.05, pad=0.03, ticks=ticks)
    bar.ax.yaxis.set_major_formatter(viz._Percent(signed=True))
    bar.ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    lower = 0.2 / fig.get_figheight() * silent_any  # (inches: room for the title's second line)
    fig.subplots_adjust(left=0.07, right=0.96, bottom=0.08,
                        top=(0.88 if title else 0.92) - lower, hspace=0.35, wspace=0.25)
    return fig


def _bar_ticks(x: float) -> np.ndarray:
    """The ticks of a colour bar from -L to +L that covers ``x`` (> 0) and ends on a tick: a
    round step (1, 2, 2.5 or 5 times a power of ten) that ``x`` is at most 5 of, and L the first
    of its multiples at least ``x`` (0.045: steps of 0.01, L 0.05; 0.32: of 0.1, L 0.4)."""
    power = 10.0 ** np.floor(np.log10(x / 5))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if 5 * m * power >= x)
    n = int(np.ceil(round(x / step, 9)))  # (round: 0.3 / 0.1 is 2.9999999999999996)
    return np.arange(-n, n + 1) * step


def top_figure(profile: Profile, images, labels, classes, title: str = "", sound: bool = False):
    """The examples that activate the neuron most (``images``: theirs, shape (k, h, w) in
    [0, 1], or None when they are not pictures), and its mean activation and firing rate per
    class; for a neuron switched off (``profile.off``), that it is, in their place. ``sound``:
    the images are pictures of sounds (a model of recordings'), labelled as every one is."""
    k = len(profile.top)
    pictures = images is not None
    rows, cols = viz._grid_shape(k) if pictures else (1, 1)
    fig = viz._figure(11, max(3.6, rows * 1.25 + 1.0))
    grid = fig.add_gridspec(rows, cols + 4)
    if pictures:
        for i, (index, a) in enumerate(zip(profile.top, profile.top_activation)):
            ax = fig.add_subplot(grid[i // cols, i % cols])
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"{classes[labels[index]]}  a={a:.2f}", fontsize=7, pad=2)
            ax.set_axis_off()
    ax = fig.add_subplot(grid[:, cols + 1 :] if pictures else grid[:, :])
    positions = np.arange(len(classes))
    ax.bar(positions, np.nan_to_num(profile.class_mean), color=viz.BLUE, label="mean a")
    ax.set_xticks(positions, classes, fontsize=8)
    dead = "" if profile.firing else "\n(it fires for none: a dead neuron; its top is by z)"
    heading = f"mean activation per class; fires (z > 0) for {profile.firing:.0%}{dead}"
    if profile.off:
        heading = ("switched off: it sends 0 to the next layer for every input\n(shown: the "
                   "examples its weighted input z favours most)")
    ax.set_title(heading, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    share = ax.twinx()
    share.plot(positions, profile.class_firing, "o", color=viz.RED, ms=4, label="share firing")
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(viz._Percent())
    share.tick_params(labelsize=7)
    fig.legend(loc="lower right", fontsize=7)
    title = title or (f"What neuron {profile.neuron} of layer {profile.layer} answers to: "
                      "the held-out examples that activate it most")
    if sound and pictures:  # (in viz's words, as every picture of a sound is labelled)
        title += f"\nthe pictures are sounds: {words.SOUND_AXES}"
    heading = fig.suptitle(title, fontsize=10)
    fit_width(fig, heading)  # (a long data name: the title in two lines)
    lines = heading.get_text().count("\n")
    fig.subplots_adjust(left=0.02 if pictures else 0.07, right=0.95,  # (no pictures: its ticks)
                        bottom=min(0.25, 0.7 / fig.get_figheight()),  # the legend below the axis
                        top=0.86 - 0.04 * lines, wspace=0.15, hspace=0.4)
    return fig


def embedding_figure(maps: list[Embedding], labels, classes, title: str = "",
                     sound: bool = False):
    """One scatter plot per layer's map, a point per example coloured by its class. ``sound``:
    the input is the picture of a sound (a model of recordings'), and its map is named so (its
    axes are the map's two directions, not time and pitch)."""
    labels = np.asarray(labels)
    cols = min(4, len(maps))
    rows = -(-len(maps) // cols)
    fig = viz._figure(3.4 * cols + 1.2, 3.3 * rows + 0.8)
    for i, m in enumerate(maps):
        ax = fig.add_subplot(rows, cols, i + 1)
        points = ax.scatter(m.points[:, 0], m.points[:, 1], c=labels, cmap=_PALETTE, s=4,
                            vmin=-0.5, vmax=9.5, alpha=0.75, linewidths=0)
        name = f"layer {m.layer}" if m.layer else (
            "input (the sound)" if sound else "input (pixels)")
        detail = "" if m.explained is None else f": {m.explained.sum():.0%} of its variance"
        ax.set_title(f"{name}, {m.method.upper()}{detail}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if len(classes) <= 10:
        bar = fig.colorbar(points, ax=fig.axes, ticks=range(len(classes)), fraction=0.02)
        bar.ax.set_yticklabels(classes, fontsize=8)
    fig.suptitle(title or "Each layer's activations laid out in two dimensions: a point per "
                          "held-out example, coloured by its class", fontsize=10)
    return fig


def robustness_figure(curves: list[Curve], names: list[str], title: str = ""):
    """One panel per distortion: each model's accuracy as it grows."""
    cols = min(2, len(curves))
    rows = -(-len(curves) // cols)
    fig = viz._figure(5.2 * cols, 3.2 * rows + 0.9)
    for i, curve in enumerate(curves):
        ax = fig.add_subplot(rows, cols, i + 1)
        for m, name in enumerate(names):
            ax.plot(curve.levels, curve.accuracy[m], "o-", ms=3.5, label=name)
        ax.set_title(curve.name, fontsize=10)
        ax.set_xlabel(curve.unit, fontsize=8)
        if all(float(v).is_integer() for v in curve.levels):  # whole steps: no tick at 0.5
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(viz._Percent())
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title or "How sturdy it is: accuracy on held-out examples as they are "
                          "distorted more and more", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.88, hspace=0.55, wspace=0.25)
    return fig
