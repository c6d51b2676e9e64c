"""``digitnet show ...``: pictures of what a model learned and how it reads a digit.

Each subcommand draws one figure of :mod:`digitnet.viz` and saves it as PNG or SVG.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .. import inputs, modelfile, poke, replacing, words
from ..errors import ConfigError, DataError, ModelFileError, listed
from ..soundcheck import FORMATS
from . import train_files
from .group import cli
from .inputs import one_input
from .labelled import data_options, labelled_split


def _check_picture_name(ctx, param, value):
    """``--out``, checked before the command does its work (ablation takes seconds): a .png or
    .svg name, and a file that can and may be written (its folder there, not read-only, not a
    folder): the error saving it would give (:func:`digitnet.modelfile.check_writable`), as
    ``digitnet edit`` and ``train`` check their ``--out`` first."""
    suffix = Path(value).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise click.BadParameter(f"{value}: unknown picture type {suffix or '(no extension)'!r}; "
                                 "give a file name ending in .png or .svg")
    modelfile.check_writable(value, model=False)
    return value


def _out_option(kind: str):
    """A show command's ``--out``, checked by :func:`_check_picture_name` as it is read, and
    by :func:`_check_out` when the command starts."""
    option = click.option("--out", default=f"{kind}.png", show_default=True, metavar="FILE",
                          type=click.Path(dir_okay=False), callback=_check_picture_name,
                          help="Where to save the picture: PNG or SVG, by the file's extension; "
                               "only a picture digitnet drew there is replaced, never a picture "
                               "of yours, MODEL or a file read.")
    return lambda command: option(_check_out(command))


#: The arguments of a show command that name a file it reads, with what each is.
_READS = {"model": "MODEL", "model2": "MODEL2", "file": "the input it draws, PICTURE|RECORDING",
          "storage": "STUDY_DB"}


def _check_out(command):
    """``command`` refusing, before it does any work, a ``--out`` that is a file it reads
    (MODEL, the picture it draws, a file of --data; also through a link) or a file there that
    is not a picture (:func:`digitnet.replacing.check`: a model named .png, say)."""
    @functools.wraps(command)
    def checked(**params):
        out = params["out"]
        train_files.refuse_reads("--out", out, {what: params.get(name)
                                                for name, what in _READS.items()})
        if params.get("data"):
            train_files.refuse_data("--out", out, params["data"])
        replacing.check(out, "picture", option="--out")
        return command(**params)
    return checked


def only_for(kind: str):
    """Mark a show command as taking only models of ``kind`` ("28x28 pictures": it draws the
    inputs as such, :func:`_picture_model`); the commands left unmarked take any model, and a
    marked one's refusal names them (:func:`for_any_model`)."""
    def mark(command: click.Command) -> click.Command:
        command.model_kind = kind
        return command
    return mark


def for_any_model() -> str:
    """The show commands that take a MODEL of any kind (a table's, say), as messages name them:
    "`show confusion`, `show history` and ..."; those :func:`only_for` marks are left out."""
    return listed([f"`show {name}`" for name, command in show_group.commands.items()
                   if not hasattr(command, "model_kind")
                   and any(p.name == "model" for p in command.params)])


def _picture_model(model: str):
    """MODEL, if it reads 28x28 pictures (the pictures of its inputs are drawn as such)."""
    net = modelfile.load(model)
    if inputs.of(net).image_shape != (28, 28):
        raise ModelFileError(f"{model}: reads {net.sizes[0]} inputs, not 28x28 pictures, so its "
                             f"inputs cannot be drawn as pictures; {for_any_model()} work for "
                             "any model")
    return net


def _one_input(net, file: str, command: str):
    """FILE, one picture or recording, read as ``digitnet predict`` reads it, for a figure that
    reads it as net.predict does (deskewing it, for a model that deskews: once); a folder is
    refused, as the picture drawn is of one input."""
    if Path(file).is_dir():
        what = "recording" if isinstance(inputs.of(net), inputs.Audio) else "picture or .npy"
        raise DataError(f"{file}: is a folder, and `digitnet show {command}` draws one input; "
                        f"give one {what} file")
    return one_input(net, file)


#: The one example `show network` and `show saliency` draw, named for either kind it can be.
_FILE = click.argument("file", metavar="PICTURE|RECORDING", type=click.Path())
#: What it may be, in their help.
_FILE_IS = ("PICTURE|RECORDING is an image file (PNG, JPEG, ...) or .npy pixels; for a model of "
            f"recordings, a recording ({FORMATS}). Each is read as `digitnet predict` "
            "reads it.")


def _save_picture(fig, out: str) -> None:
    from .. import viz

    path = viz.save_figure(fig, out)
    click.echo(f"Saved {path}")


@cli.group("show")
def show_group():
    """Draw what MODEL learned and how it reads a digit (drawn, or spoken for a model of
    recordings), as PNG or SVG pictures.

    \b
      digitnet show weights MODEL              what each first-layer neuron looks for
      digitnet show network MODEL digit.png    the video's diagram, lit up by one digit
                                               (or seven.wav, for a model of recordings)
      digitnet show saliency MODEL digit.png   which pixels made it answer as it did
      digitnet show dream MODEL --digit 5      the input that most excites the 5
      digitnet show confusion MODEL --data D   which digits it takes for which
      digitnet show mistakes MODEL --data D    its most confident wrong answers
      digitnet show history MODEL              loss and accuracy per epoch
      digitnet show search tune.db             how a digitnet tune search went
      digitnet show ablation MODEL             accuracy lost without each hidden neuron
      digitnet show top MODEL --layer L --neuron J   the digits one neuron answers to most
      digitnet show embedding MODEL            maps of the layers: digits pulling apart
      digitnet show robustness MODEL [MODEL2]  accuracy as digits are distorted
    """


def check_layer_neuron(net, layer: int, neuron: int | None = None, *, lowest: int = 1) -> None:
    """A usage error (exit code 2) naming --layer unless ``layer`` is one of ``net``'s layers
    ``lowest`` (1: the first with weights; 0: the input) to L, or naming --neuron unless
    ``neuron``, if given, is one of that layer's: the library's checks
    (:func:`digitnet.probes.check_layer`, :func:`digitnet.descriptions.check_neuron`) in the
    words of the show commands' options, made when MODEL is read."""
    from .. import descriptions, probes

    try:
        probes.check_layer(net, layer, lowest=lowest)
    except ConfigError as e:
        raise click.BadParameter(str(e), param_hint="'--layer'") from None
    try:
        if neuron is not None:
            descriptions.check_neuron(net, layer, neuron)
    except ConfigError as e:
        raise click.BadParameter(str(e), param_hint="'--neuron'") from None


def examples(subset, split: str | None = None) -> str:
    """The examples a show command scored, as "2,434 mnist-train-prefix (val)"."""
    return f"{len(subset):,} {Path(str(subset.name)).name} ({split or subset.split})"


@only_for("28x28 pictures")
@show_group.command("weights")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--layer", type=int, default=1, show_default=True,
              help="1: the first hidden layer's weights; deeper layers: approximate templates "
                   "(weights multiplied back through the earlier layers), up to the output "
                   "layer's.")
@_out_option("weights")
def show_weights(model, layer, out):
    """Each neuron's incoming weights as a 28x28 picture: blue positive, red negative (for a
    model of recordings, time-frequency pictures: the sounds each neuron listens for)."""
    from .. import probes, viz

    net = _picture_model(model)
    check_layer_neuron(net, layer)
    _save_picture(viz.weights_figure(net, layer), out)
    blank = probes.blank_neurons(net, layer)
    if len(blank):
        what = "every weight" if layer == 1 else "their whole template"
        click.echo(f"{len(blank)} of the {net.sizes[layer]} neurons of layer {layer} look for "
                   f"nothing (black tiles: {what} under {probes.BLANK_SHARE:.0%} of the "
                   "layer's largest): whatever the input, they pass on about their bias alone")


@only_for("28x28 pictures")
@show_group.command("network", help="The video's diagram of MODEL reading one digit: neurons "
                    f"lit by their activation, each output named by its class.\n\n{_FILE_IS}")
@click.argument("model", type=click.Path(dir_okay=False))
@_FILE
@click.option("--links", type=click.IntRange(min=1), default=300, show_default=True,
              help="How many of the strongest connections to draw into each layer.")
@_out_option("network")
def show_network(model, file, links, out):
    from .. import viz

    net = _picture_model(model)
    _save_picture(viz.network_figure(net, _one_input(net, file, "network"), links), out)


@only_for("28x28 pictures")
@show_group.command("saliency", help="Which pixels of a picture (or of the picture of a "
                    "recording's sound) pushed MODEL towards its answer (gradient of the answer's "
                    f"z).\n\n{_FILE_IS}")
@click.argument("model", type=click.Path(dir_okay=False))
@_FILE
@_out_option("saliency")
def show_saliency(model, file, out):
    from .. import viz

    net = _picture_model(model)
    _save_picture(viz.saliency_figure(net, _one_input(net, file, "saliency")), out)


@only_for("28x28 pictures")
@show_group.command("dream")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--digit", "--class", "digit", metavar="CLASS", multiple=True,
              help="The output to excite, by its class's name as `digitnet info` lists them "
                   "(5; Trouser), or by its number from 0 when no class is named by a number; "
                   "repeat for several. Default: every class.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the starting noise.")
@_out_option("dream")
def show_dream(model, digit, seed, out):
    """The input that most excites each output (for a model of recordings, the sound it would
    most like to hear): gradient ascent from faint noise."""
    from .. import viz

    net = _picture_model(model)
    outputs = [_output_of(net, model, name) for name in digit]
    _save_picture(viz.dream_figure(net, outputs or None, seed=seed), out)


def _output_of(net, model: str, name: str) -> int:
    """The output neuron of the class called ``name``: by its name; by its number only when no
    class is named by a number (so that 7 is always the class "7", wherever its neuron is)."""
    classes = inputs.classes_of(net)
    if name in classes:
        return classes.index(name)
    numbered = any(c.strip().lstrip("+-").isdecimal() for c in classes)
    if not numbered and name.strip().isdecimal() and int(name) < len(classes):
        return int(name)
    how = "" if numbered else f", or its number from 0 to {len(classes) - 1}"
    raise click.BadParameter(f"{words.quoted(name)} is not a class of {model} (its classes: "
                             f"{words.listed(classes)}); give a class's name{how}",
                             param_hint="'--digit' / '--class'")


@show_group.command("confusion")
@click.argument("model", type=click.Path(dir_okay=False))
@data_options
@_out_option("confusion")
def show_confusion(model, data, split, target, out):
    """The confusion matrix of MODEL on a data split: which classes it takes for which."""
    from .. import viz

    net = modelfile.load(model)
    subset, split = labelled_split(net, data, split, model, target)
    title = f"{Path(model).name} on {Path(str(subset.name)).name} ({split})"
    _save_picture(viz.confusion_figure(net, inputs.of(net).rows(subset.x), subset.labels,
                                       inputs.classes_of(net), title), out)


@only_for("28x28 pictures")
@show_group.command("mistakes")
@click.argument("model", type=click.Path(dir_okay=False))
@data_options
@click.option("--count", type=click.IntRange(1, 200), default=24, show_default=True,
              help="How many mistakes to show.")
@_out_option("mistakes")
def show_mistakes(model, data, split, target, count, out):
    """A gallery of MODEL's most confident wrong answers on a data split, each titled with its
    file (of a folder of pictures or recordings) or its number (#1,234); then the same, one a
    line, to find them by: "7/take3.wav: true 7, said 2 (91%)".

    A number is the example's place in the data as loaded, counted from 0:

    \b
      --split train, val  in the training data, not in the part (as `all` does)
      --split test        in the test files
      --split all         in the training data, then on in the test files

    For IDX files that is the index into the arrays read from the files; for an .npz, into its
    X and y; for a .csv table, its data row."""
    from .. import mistakesviz, probes

    net = _picture_model(model)
    subset, split = labelled_split(net, data, split, model, target)
    rows, labels, classes = inputs.of(net).rows(subset.x), subset.labels, inputs.classes_of(net)
    _save_picture(mistakesviz.mistakes_figure(net, rows, labels, count, classes, subset.names,
                                              examples(subset, split)), out)
    order, answers, confidence, n_wrong = probes.confident_mistakes(net, rows, labels, count)
    for i, answer, p in zip(order, answers, confidence):
        click.echo(f"{mistakesviz.example_name(subset.names, int(i))}: true "
                   f"{words.quoted(classes[labels[i]])}, said {words.quoted(classes[answer])} "
                   f"({p:.0%})")
    if n_wrong == 0:  # (as the picture says it)
        click.echo(f"No mistakes on these {len(labels):,} {inputs.of(net).noun}")


@show_group.command("history")
@click.argument("model", type=click.Path(dir_okay=False))
@_out_option("history")
def show_history(model, out):
    """Training and validation loss and accuracy per epoch, from MODEL's file (for a model
    changed by hand after training, the curves of its training, before those changes)."""
    from .. import historyviz

    net = modelfile.load(model)
    history = net.metadata.get("history")
    if not history:
        raise ModelFileError(f"{model}: has no training history to draw; it was saved without "
                             "one (models trained by digitnet train have it)")
    title, changes = Path(model).name, len(poke.described_changes(net))
    if changes:
        title += (f": recorded in training, before the {changes} edit{'s' * (changes > 1)} "
                  "made by hand since (digitnet info lists them)")
    _save_picture(historyviz.history_figure(history, title=title), out)


@show_group.command("search")
@click.argument("storage", metavar="STUDY_DB")
@click.option("--study", "study_name", metavar="NAME",
              help="The study to draw (needed when the database holds several).")
@_out_option("search")
def show_search(storage, study_name, out):
    """How a digitnet tune search went: each trial's validation accuracy with the best so far,
    and each parameter's importance. STUDY_DB is its SQLite file or database URL."""
    from .. import searchviz, studies

    study = studies.load_study(studies.open_storage(storage, create=False), study_name)
    title = f"digitnet tune: study {study.study_name!r}"
    cli.note(studies.importances_left_out(study))
    _save_picture(searchviz.search_figure(studies.records(study), studies.importances(study),
                                          title), out)
