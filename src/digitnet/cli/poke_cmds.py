"""``digitnet show ablation|top|embedding|robustness`` and ``digitnet edit``: poking a model.

The numbers come from :mod:`digitnet.poke` on labelled examples MODEL was not trained on (by
default its validation split rebuilt from ``--data``, else the test files); the pictures from
:mod:`digitnet.pokeviz`.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from .. import inputs, jsontext, modelfile, poke, words
from ..errors import ConfigError, DigitnetError
from .group import cli
from .labelled import held_out_options, labelled_split
from .show_cmds import (_out_option, _save_picture, check_layer_neuron, examples, only_for,
                        show_group)
from .train_files import outputs, same_file


def _held_out(model: str, data: str, split: str, target: str | None, check=None):
    """(network, its rows of the examples, their labels, the Dataset) for a show command.
    ``check(net)``, if given, runs before any data is read: a layer or neuron MODEL does not
    have is refused at once, not after the data is found and loaded."""
    net = modelfile.load(model)
    if check is not None:
        check(net)
    subset, _ = labelled_split(net, data, split, model, target)
    return net, inputs.of(net).rows(subset.x), subset.labels.astype(np.intp), subset


def _where(model: str, subset) -> str:
    return f"{Path(model).name} on {examples(subset)}"


@show_group.command("ablation")
@click.argument("model", type=click.Path(dir_okay=False))
@held_out_options
@_out_option("ablation")
def show_ablation(model, data, split, target, out):
    """How much accuracy falls when each hidden neuron of MODEL is switched off alone."""
    from .. import pokeviz

    def check(net):  # before any data is read
        if len(net.sizes) < 3:
            raise ConfigError(f"{model}: this {'-'.join(map(str, net.sizes))} network has no "
                              "hidden layers, so no hidden neuron to switch off; train one "
                              "with hidden layers (digitnet train --hidden 16,16, say)")

    net, rows, labels, subset = _held_out(model, data, split, target, check)
    drops = poke.rank_neurons(net, rows, labels)
    baseline = poke.ablate(net, rows, labels).baseline
    accuracy = baseline.accuracy
    classes, off = inputs.classes_of(net), poke.off_neurons(net)
    table = isinstance(inputs.of(net), inputs.Table)  # (its labels 0, 1, 2: classes, not digits)
    costly, free = [d for d in drops if d.costs], [d for d in drops if not d.costs]
    click.echo(f"On {examples(subset)}, each hidden neuron switched off alone"
               + ("; the 5 that cost the most:" if len(costly) > 5 else ":"))
    title = _where(model, subset)
    for d in costly[:5]:
        click.echo(f"layer {d.layer} neuron {d.neuron}: accuracy {accuracy:.1%} -> "
                   f"{d.accuracy:.1%}; "
                   f"{_hurt(d.per_class_drop, baseline.per_class, classes, table)}")
    gain = min(drops, key=lambda d: d.drop, default=None)
    if gain is not None and -gain.drop >= max(_NOTED_GAIN, 5 / len(labels)):  # (bars below 0)
        click.echo(f"Switched off alone, layer {gain.layer} neuron {gain.neuron} raises accuracy "
                   f"the most: {accuracy:.1%} -> {gain.accuracy:.1%}")
    if free:
        click.echo(_costless(free, len(drops), bool(off)))
        title += (f"; the table leaves out {words.counted(len(free), 'neuron')} that cost"
                  f"{'s' * (len(free) == 1)} nothing" if costly else
                  "; no neuron costs any class accuracy")
    # Only neurons that cost something in the table of the classes that suffer: those that
    # cost nothing would pad it with neurons 0, 1, 2 ... as if they mattered.
    _save_picture(pokeviz.ablation_figure(costly + free, accuracy, classes, title,
                                          worst=min(len(costly), _TABLE_ROWS), off=off,
                                          table=table), out)


#: Rows of show ablation's table of the classes that suffer: the worst neurons, at most.
_TABLE_ROWS = 12
#: The rise in accuracy (a share) from switching one neuron off that show ablation names on the
#: terminal: a point or more, and 5 examples or more, as when switching off a neuron an edit
#: broke (less is a few examples' luck, which the picture still shows).
_NOTED_GAIN = 0.01


def _costless(free: list, ranked: int, some_off: bool) -> str:
    """One line for the ``free`` neurons of the ``ranked`` (those still on, when ``some_off``)
    that cost nothing, left out of the list: how many, and how many raise accuracy when off."""
    n, rise = len(free), sum(d.drop < 0 for d in free)
    of = words.counted(ranked, "neuron") + " still on" * some_off
    who = (f"none of the {of} costs anything" if n == ranked else
           f"{n:,} of the {of} cost{'s' * (n == 1)} nothing, so {'is' if n == 1 else 'are'} "
           "not listed")
    raised = f" ({rise:,} even raise{'s' * (rise == 1)} it)" if rise else ""
    return f"{who}: switched off alone, no class loses accuracy{raised}"


def _hurt(per_class_drop: np.ndarray, per_class: np.ndarray, classes: list[str],
          table: bool = False, most: int = 3) -> str:
    """The ``most`` classes that lose the most accuracy, each with its accuracy before and
    after (``per_class``: the intact network's), as "hurts digit 5 (98.0% -> 80.0%), digit 0
    (99.1% -> 96.3%)": not a drop alone ("-18%"), which reads as a share of the class's
    accuracy. Each is named as a class ('class "Ankle boot"', :func:`words.noun` and
    :func:`words.quoted`; ``table``: a table's labels), and only those that lose half a point
    or more; if none does, that plainly."""
    worst = np.argsort(-per_class_drop, kind="stable")[:most]
    noun = words.noun(classes, table)  # ("hurts 5" would read as five examples)
    shown = [f"{noun} {words.quoted(classes[c])} ({per_class[c]:.1%} -> "
             f"{per_class[c] - per_class_drop[c]:.1%})" for c in worst
             if round(per_class_drop[c], 9) >= 0.005]  # (a loss that shows as 1% or more)
    if shown:
        return "hurts " + ", ".join(shown)
    return ("no class loses accuracy" if per_class_drop.max(initial=0) <= 0
            else "no class loses as much as half a point")


@show_group.command("top")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--layer", type=int, required=True,
              help="1: the first hidden layer, ..., L: the output layer.")
@click.option("--neuron", type=int, required=True, help="Its index, from 0.")
@click.option("--count", type=click.IntRange(1, 64), default=25, show_default=True,
              help="How many of the examples it answers to most.")
@held_out_options
@_out_option("top")
def show_top(model, layer, neuron, count, data, split, target, out):
    """The held-out examples one neuron of MODEL answers to most, and its taste in classes."""
    from .. import pokeviz

    def check(net):  # before any data is read
        check_layer_neuron(net, layer, neuron)

    net, rows, labels, subset = _held_out(model, data, split, target, check)
    profile = poke.neuron_profile(net, rows, labels, layer, neuron, count)
    front_end, top = inputs.of(net), rows[profile.top]
    top = top / 255.0 if top.dtype == np.uint8 else top
    shape = front_end.image_shape  # what the network read (deskewed, say), not the raw files
    images = top.reshape(len(top), *shape) if shape else None
    seen = "deskewed, " * getattr(front_end, "deskew", False) + "as the network reads them"
    classes = inputs.classes_of(net)
    table = isinstance(front_end, inputs.Table)  # (its labels 0, 1, 2: classes, not digits)
    named = f"{words.noun(classes, table)} {words.quoted(classes[neuron])}"  # (an output's)
    who = (f"neuron {neuron} of layer {layer}" if layer < len(net.sizes) - 1
           else f"output neuron {neuron} ({named}) of layer {layer}")
    title = (f"What {who} answers to: {_where(model, subset)}, the {len(profile.top)} that "
             f"activate it most ({seen})" if images is not None else
             f"What {who} answers to: {_where(model, subset)}, its activation per class")
    if images is None:  # (a table's rows: listed here, as no picture can show them)
        click.echo(f"The {len(profile.top)} of {examples(subset)} it answers to most:")
        for index, a in zip(profile.top, profile.top_activation):
            name = subset.names[index] if subset.names else f"#{index:,}"
            label = words.quoted(classes[labels[index]])
            click.echo(f"{name}: {words.noun(classes, table)} {label}, a = {a:.2f}")
    if profile.off:
        click.echo(f"layer {layer} neuron {neuron} is switched off in {Path(model).name}: it "
                   "sends 0 to the next layer whatever it sees; shown, what its z favours most")
        title = (f"Neuron {neuron} of layer {layer}, switched off: {_where(model, subset)}, "
                 f"the {len(profile.top)} its z favours most ({seen})")
    _save_picture(pokeviz.top_figure(profile, images, labels, classes, title,
                                     sound=isinstance(front_end, inputs.Audio)), out)


@show_group.command("embedding")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--layer", type=int, multiple=True,
              help="A layer to map (0: the input; repeat for several; default: every layer).")
@click.option("--method", type=click.Choice(poke.maps.METHODS), default="pca", show_default=True,
              help="pca (fast, straight projection) or tsne (keeps neighbours; needs the "
                   "sklearn extra, takes seconds).")
@click.option("--count", type=click.IntRange(5, 20000), default=2000, show_default=True,
              help="How many held-out examples to place.")
@held_out_options
@_out_option("embedding")
def show_embedding(model, layer, method, count, data, split, target, out):
    """Maps of MODEL's layers: each example's activations as a point in a plane."""
    from .. import pokeviz

    def check(net):
        for l in layer:
            check_layer_neuron(net, l, lowest=0)

    net, rows, labels, _ = _held_out(model, data, split, target, check)
    rows, labels = rows[:count], labels[:count]
    layers = layer or range(len(net.sizes))
    maps = [poke.embedding(net, rows, l, method) for l in layers]
    title = (f"{Path(model).name}: each layer's activations for {len(labels):,} held-out "
             "examples, a point each, coloured by class")
    _save_picture(pokeviz.embedding_figure(maps, labels, inputs.classes_of(net), title,
                                           sound=inputs.audio_of(net) is not None), out)


@only_for("pictures of handwriting")  # (poke.check_distortable says so)
@show_group.command("robustness")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("model2", type=click.Path(dir_okay=False), required=False)
@click.option("--count", type=click.IntRange(10, 60000), default=2000, show_default=True,
              help="How many held-out examples to distort.")
@held_out_options
@_out_option("robustness")
def show_robustness(model, model2, count, data, split, target, out):
    """MODEL's accuracy (and MODEL2's, side by side) as held-out images are distorted more and
    more: noise, rotation, shift, stroke thickness. Both see the same distorted images."""
    from .. import pokeviz

    files = [model, model2] if model2 else [model]
    nets, names = [], [Path(f).name for f in files]

    def check(net):  # before any data is read: robustness means nothing for recordings
        nets.extend([net, modelfile.load(model2)] if model2 else [net])
        for each, name in zip(nets, files):
            try:
                poke.check_distortable(each)
            except DigitnetError as e:
                raise type(e)(f"{name}: {e}") from None

    _, _, labels, subset = _held_out(model, data, split, target, check)
    curves = poke.robustness_curves(nets, subset.x[:count], labels[:count])
    for curve in curves:
        click.echo(_curve_table(curve, names))
    _save_picture(pokeviz.robustness_figure(curves, names), out)


def _curve_table(curve, names: list[str]) -> str:
    """A curve as lines of text: its name and unit, then each level over each model's
    accuracy there."""
    width = max(len(n) for n in names)
    cell = max(5, *(len(f"{v:g}") + 1 for v in curve.levels))
    levels = "".join(f"{v:>{cell}g}" for v in curve.levels)
    rows = ["  " + f"{name:<{width}}" + "".join(f"{a:>{cell}.0%}" for a in accuracy)
            for name, accuracy in zip(names, curve.accuracy)]
    head = [f"{curve.name}: accuracy by {curve.unit}", f"  {'':<{width}}{levels}"]
    return "\n".join(head + rows)


#: A changes file, as the errors of ``digitnet edit`` show one.
_EXAMPLE = '{"off": [[1, 3]], "edits": [{"op": "bias", "layer": 2, "neuron": 0, "value": -1}]}'


@cli.command("edit")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("edits", type=click.Path(dir_okay=False), metavar="EDITS.json")
@click.option("--out", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Where to save the edited model: not MODEL or EDITS.json. A model there is "
                   "replaced, as train --out replaces one, unless it is read-only; any other "
                   "file (a checkpoint, another program's) is refused.")
def edit_command(model, edits, out):
    """Save MODEL with the changes in EDITS.json as a new model file whose metadata lists them.

    EDITS.json holds what the page's "Save" sends, {"off": [[layer, neuron], ...], "edits":
    [...]}: neurons switched off and neurons rewritten (see digitnet.poke.changes), as UTF-8
    JSON; at least one of them, and each changing a weight or bias (a file of no changes, or
    a change that changes nothing, such as a neuron switched off already, is refused: it
    would save a copy). Edits apply in order, then neurons are switched off.

    \b
    Layers: 0 the input, 1 the first hidden layer, ..., L the output layer; "off" takes hidden
    neurons. Each edit is {"layer": l, "neuron": j, "op": ...} and one of:
      "op": "bias", "value": -1.5        set its bias
      "op": "scale", "factor": 2         multiply its incoming weights
      "op": "paint", "cells": [{"row": 3, "col": 7, "weight": 1}, ...]
          set single incoming weights on the grid of the layer before: for layer 1, the
          28x28 input (of a model of recordings, row = mel band from the top, col = time
          frame); past it, row 0 and col = the neuron of the layer before
      "op": "edge", "top": 10, "left": 6, "height": 2, "width": 16, "margin": 2, "weight": 1
          the video's edge detector: a first-layer neuron of a model of pictures that fires
          on a bright strip with a darker border "margin" pixels wide; "margin" (default 1)
          and "weight" (default: the first layer's largest |w|) may be left out
    """
    for path, name, what in ((model, "MODEL", "the model it edits"),
                             (edits, "EDITS.json", "the changes it reads")):
        if same_file(path, out):
            raise click.UsageError(f"--out {out}: is {name}, and saving there would replace "
                                   f"{what}; give --out another file name")
    outputs(out, None, None, None, {})  # as train --out: a name, writable, not .onnx
    net = modelfile.load(model)
    try:
        changes = poke.Changes.from_json(jsontext.read_file(edits, "the changes", _EXAMPLE),
                                         net)  # (an edge edit's defaults are for this network)
        if not changes:
            raise ConfigError("no changes given (no neuron switched off, no edit), so the "
                              "model would be saved as it is; write the changes such as "
                              f"{_EXAMPLE} (see digitnet edit --help)")
        edited = changes.apply(net)
        changes.check_effect(net)  # after apply: what it refuses (an overflow) is said first
    except ConfigError as e:
        raise ConfigError(f"{edits}: {e}") from None
    path = modelfile.save(edited, out)
    made = [words.counted(len(changes.off), "neuron") + " switched off"] * bool(changes.off)
    made += [words.counted(len(changes.edits), "edit")] * bool(changes.edits)
    click.echo(f"Saved {path}: {model} with {' and '.join(made)}")  # (the same pair once)
