"""``digitnet train``: options -> TrainConfig, the run with its progress, the report."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sys
import time
from pathlib import Path

import click

from .. import datasets, finetune, inputs, jsontext, metrics, modelfile, recipes, words
from ..errors import ConfigError, DigitnetError, DivergenceError
from ..config import PRESETS, TrainConfig, checked_option
from ..inputs import Audio
from ..training import Callback, train
from . import train_files
from .group import cli, terminated_as_interrupted
from .labelled import DATA_HELP, TARGET_HELP
from .progress import RichProgress
from .recent import remember_model
from .resume import refuse_changed_init, refuse_changed_options, resumed_run

DEFAULT_MODEL = "digitnet-model.safetensors"

_TRAIN_FIELDS = {  # CLI option name -> TrainConfig field
    "layers": "sizes", "activation": "activation", "output": "output",
    "optimizer": "optimizer", "lr": "lr", "momentum": "momentum",
    "weight_decay": "weight_decay", "dropout": "dropout", "teacher": "teacher",
    "temperature": "temperature", "teacher_weight": "teacher_weight",
    "label_smoothing": "label_smoothing", "batch_size": "batch_size",
    "epochs": "epochs", "schedule": "schedule", "shift": "shift", "deskew": "deskew",
    "elastic_alpha": "elastic_alpha", "elastic_sigma": "elastic_sigma",
    "val_fraction": "val_fraction",
    "early_stopping": "early_stopping", "patience": "patience", "seed": "seed",
    "copies": "copies", "speed": "speed", "stretch": "stretch", "noise": "noise",
    "warp": "warp", "cut": "cut", "colour": "colour", "val_speaker": "val_group",
}


def _parse_layers(ctx, param, value):
    if value is None:
        return None
    hidden = param.name == "hidden"
    example = "16,16" if hidden else "784,16,16,10"
    try:
        sizes = tuple(int(v) for v in re.split(r",|(?<=\d)-", value))  # (784-16-10; -3: < 1)
    except ValueError:
        raise click.BadParameter(f"expected comma-separated layer sizes such as {example}, got {value!r}")
    if len(sizes) < (1 if hidden else 2) or min(sizes) < 1:
        what = "positive sizes" if hidden else "at least two positive sizes (input and output)"
        raise click.BadParameter(f"need {what}, got {value!r}")
    return sizes


@cli.command("train")
@click.option("--data", default="mnist", show_default=True, metavar="NAME|DIR|TABLE",
              help=DATA_HELP)
@click.option("--target", metavar="COLUMN", help=TARGET_HELP)
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="default", show_default=True,
              help="A named recipe: default (best for 784-16-16-10), video (sigmoid hidden "
                   "layers), large (784-800-800-10, the most accurate; it takes minutes) or "
                   "speech (spoken digits, best on a voice it never heard).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="A JSON file of training options over the preset (digitnet tune --out writes "
                   "one); the options given here override it.")
@click.option("--hidden", callback=_parse_layers, metavar="SIZES",
              help="Hidden layer sizes; the input and output layers come from the data  "
                   "[default: 16,16].")
@click.option("--layers", callback=_parse_layers, metavar="SIZES",
              help="Every layer's size, input first (784,16,16,10 for MNIST).")
@click.option("--init", type=click.Path(dir_okay=False), metavar="MODEL",
              help="Start from MODEL's weights (fine-tuning): same layers; the report gives "
                   "the accuracy before and after on the held-out examples and on the test "
                   "files, when there are any (the default 10% of 5 recordings per digit "
                   "holds none out: see --val-fraction).")
@click.option("--activation", type=click.Choice(["sigmoid", "relu", "leaky_relu", "tanh"]),
              help="Hidden layers' activation.")
@click.option("--output", type=click.Choice(["softmax", "sigmoid"]),
              help="softmax with cross-entropy, or sigmoid with the video's squared error.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]))
@click.option("--lr", type=float, help="Learning rate (peak, with the cosine schedule).")
@click.option("--momentum", type=float, help="SGD momentum, 0 for plain SGD.")
@click.option("--weight-decay", type=float, help="L2 penalty on weights.")
@click.option("--dropout", type=float, metavar="P",
              help="Drop each hidden neuron with probability P in training (NumPy engine).")
@click.option("--teacher", type=click.Path(dir_okay=False), metavar="MODEL",
              help="Distil: learn from MODEL's softened answers too (NumPy engine).")
@click.option("--temperature", type=float, metavar="T",
              help="How much --teacher's answers are softened (1 = as they are).")
@click.option("--teacher-weight", type=float, metavar="W",
              help="Weight of --teacher's answers against the labels, 0 to 1.")
@click.option("--label-smoothing", type=float, metavar="E",
              help="Train towards 1 - E on the label and E shared by all classes (NumPy "
                   "engine).")
@click.option("--batch-size", type=int, help="Examples per gradient step.")
@click.option("--epochs", type=int, help="Passes over the training examples.")
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), help="Learning-rate schedule.")
@click.option("--shift", type=int, help="Augment: shift training images by up to N pixels (0 = off).")
@click.option("--elastic-alpha", type=float, metavar="PIXELS",
              help="Augment: elastic distortions of this scale (Simard et al. used 34; 0 = off).")
@click.option("--elastic-sigma", type=float, metavar="PIXELS",
              help="Smoothness of the elastic distortions (Simard et al. used 4).")
@click.option("--deskew/--no-deskew", default=None,
              help="Straighten each digit's slant before the network sees it (recorded in the "
                   "model, so predict, evaluate and the page do the same).")
@click.option("--copies", type=int,
              help="Augment recordings: altered copies of each training recording (0 = off).")
@click.option("--speed", type=float,
              help="A copy plays up to this much faster or slower (0.1: x0.9 to x1.1).")
@click.option("--stretch", type=float, help="A copy's tempo alone changes by up to this much.")
@click.option("--cut", type=float,
              help="A copy loses up to this share of its start (a third of copies) or of its "
                   "end (a third), as a recording begun late or stopped early.")
@click.option("--noise", type=float,
              help="Hiss added to a copy, up to this share of the voice's loudness.")
@click.option("--colour", type=float, metavar="DB",
              help="A copy sounds as through another microphone or room: each frequency up to "
                   "this many decibels louder or quieter, smoothly across frequencies.")
@click.option("--warp", type=float,
              help="A copy's frequencies are up to this much higher or lower, as from a "
                   "shorter or longer vocal tract (0.1: x0.9 to x1.1).")
@click.option("--seed", type=int, help="Seed for split, initial weights, shuffling, augmentation.")
@click.option("--val-fraction", type=float, help="Fraction held out for validation, stratified.")
@click.option("--val-speaker", "--val-group", "val_speaker", metavar="NAME",
              help="Hold out every recording of this speaker (or group) for validation "
                   "instead: accuracy on a voice the network never heard.")
@click.option("--early-stopping/--no-early-stopping", default=None,
              help="Stop when validation loss stops improving; keep the best weights.")
@click.option("--patience", type=int, help="Epochs without improvement before early stopping.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), metavar="PATH",
              help="Save a resumable checkpoint here after every epoch and on Ctrl-C.")
@click.option("--resume", type=click.Path(dir_okay=False), metavar="PATH",
              help="Continue the run saved in this checkpoint, with its training options, on "
                   "the data it records (--data: where those files are now).")
@click.option("--out", type=click.Path(dir_okay=False), default=DEFAULT_MODEL, show_default=True,
              help="Where to save the trained model (resuming: the --out its run was given).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the results.")
@click.option("--engine", type=click.Choice(["auto", "compiled", "numpy"]), default="auto",
              show_default=True,
              help="Compute the steps with digitnet's compiled kernel or with plain NumPy "
                   "(auto: compiled when it was built; with --resume, the engine the run "
                   "started with).")
@click.pass_context
def train_command(ctx, data, target, hidden, init, preset, config_file, checkpoint, resume, out,
                  as_json, engine, **options):
    """Train a network on MNIST, or on your data (pictures in class folders, recordings, a
    table), and save it.

    With no options this trains the video's 784-16-16-10 shape with the recipe that reached
    the best validation accuracy, holds out 10% of the training examples for validation,
    reports accuracy (also on the test set when one is available) and saves the model. On
    other data the input and output layers follow the data (--hidden sets the others), and
    recordings and tables train without shift augmentation (a table with its own recipe).
    """
    if resume is not None:  # (the checkpoint read first; the data and --out it records)
        data, out = resumed_run(resume, data, out, _explicit(ctx, "data"), _explicit(ctx, "out"))
    # Said now, not after the training: an output over a file the run reads, or not writable.
    checkpoint = train_files.outputs(out, checkpoint, resume, data, {
        "--init": init, "--teacher": options["teacher"], "--config": config_file})
    run = train_files.Interruption(data, target, out, out != DEFAULT_MODEL, checkpoint, resume)
    with terminated_as_interrupted():
        with run:
            train_set, config, start = _recipe(ctx, data, target, hidden, init, preset,
                                               config_file, resume, options)
            train_files.refuse_data_folder(data, train_set.source,
                                           {"--out": out, "--checkpoint": checkpoint})
            started = time.perf_counter()
            test_set = _test_set(data, train_set, target)
            run.stage = "training"
            result = _train(train_set, config, test_set, checkpoint, resume, engine, start, out)
            run.stage = "saving"
            path = modelfile.save(result.network, out)
        remember_model(path)
        _report(result, path, train_set, init, as_json, time.perf_counter() - started)


def _train(train_set, config, test_set, checkpoint, resume, engine, start, out):
    """The run, with a progress bar on a terminal; a run that diverged after an epoch ended
    saves the weights it kept to ``out`` (:func:`train_files.diverged`)."""
    interactive = sys.stderr.isatty()
    progress = RichProgress() if interactive else Callback()
    try:
        with progress if interactive else contextlib.nullcontext():
            return train(train_set, config, test=test_set, callback=progress,
                         checkpoint=checkpoint, resume=resume, engine=engine, init=start)
    except DivergenceError as e:
        raise train_files.diverged(e, out) from None


def _report(result, path, train_set, init, as_json: bool, total: float) -> None:
    """What a finished run says: one JSON object, or lines for people."""
    net, config, test = result.network, result.config, result.test
    test_before = result.init_test_accuracy
    if as_json:
        click.echo(json.dumps({
            "model": str(path), "epochs": len(result.history),
            "val_accuracy": result.val_accuracy, "val_loss": result.val_loss,
            "test_accuracy": test.accuracy if test else None,
            "best_epoch": result.best_epoch, "stopped_early": result.stopped_early,
            "seconds": result.seconds, "wall_seconds": total,
            "parameters": net.parameter_count, "config": config.to_dict(),
            "data": train_set.name, "n_train": result.n_train, "n_val": result.n_val,
            "classes": list(train_set.classes), "init": init,
            "init_val_accuracy": result.init_val_accuracy, "init_test_accuracy": test_before,
            "history": result.history,
        }))
        return
    sizes = "-".join(map(str, net.sizes))
    hidden_layers = f"{config.activation} hidden" if len(net.sizes) > 2 else "no hidden layers"
    click.echo(f"Trained {sizes} ({hidden_layers}, {net.output_function.name} + "
               f"{net.output_function.cost.replace('_', ' ')}, {net.parameter_count:,} parameters) "
               f"on {train_set.name} for {words.counted(len(result.history), 'epoch')} "
               f"({words.duration(result.seconds)} of training steps)"
               + (" (stopped early)" if result.stopped_early else ""))
    if result.val_accuracy is not None:
        click.echo(f"Validation accuracy: {result.val_accuracy:.2%}"
                   + (f" (best epoch {result.best_epoch})" if result.best_epoch else "")
                   + f" on {result.n_val:,} held-out examples")
    cli.note(_loss_note(result.history, net, config.lr))
    if result.init_val_accuracy is not None:
        click.echo(f"Before training, {net.metadata['init']['model'] or 'the init model'} scored "
                   f"{result.init_val_accuracy:.2%} on the same examples "
                   f"({100 * (result.val_accuracy - result.init_val_accuracy):+.2f} points "
                   "from this training)")
    if test is not None:
        click.echo(f"Test accuracy: {test.accuracy:.2%} on {test.n:,} test examples")
    if test_before is not None:
        click.echo(f"Before training, {net.metadata['init']['model'] or 'the init model'} scored "
                   f"{test_before:.2%} on the test examples "
                   f"({100 * (test.accuracy - test_before):+.2f} points from this training)")
    if result.n_val == 0 and config.val_fraction and test is None and init is None:
        why, more = recipes.none_held_out(train_set, config.val_fraction)
        click.echo(f"{train_set.name}: no accuracy to show, since {why}; {more}", err=True)
    if init is not None and result.init_val_accuracy is None and test_before is None:
        click.echo("Nothing was held out to score before and after: give --val-fraction 0.2, or "
                   "put other examples in a test/ folder beside train/", err=True)
    click.echo(f"Saved the model to {path}")


def _loss_note(history: list[dict], net, lr: float) -> str | None:
    """A note when training ended confidently wrong (:func:`digitnet.metrics.confidently_wrong`:
    its cross entropy far above a guess's), for a run that still saves."""
    if (ended := metrics.confidently_wrong(history, net)) is None:
        return None
    return (f"the training loss ended at {ended[0]:.3g}, far above the {ended[1]:.2f} of guessing "
            f"evenly among {net.sizes[-1]} classes (its wrong answers are given with near "
            f"certainty): the learning rate {lr:g} is likely too high; try a lower --lr")


def _check_given(ctx, param, value):
    """A training option's value, checked as TrainConfig checks it; out of range, a usage error
    naming the option (``--batch-size``, not the field batch_size)."""
    if value is None:
        return None
    field = _TRAIN_FIELDS[param.name]
    try:
        return checked_option(field, value)
    except ConfigError as e:
        raise click.BadParameter(str(e).removeprefix(f"{field} ")) from None


for _param in train_command.params:  # (--layers and --hidden have their own)
    if _param.name in _TRAIN_FIELDS and _param.callback is None:
        _param.callback = _check_given


def _recipe(ctx, data, target, hidden, init, preset, config_file, resume, options):
    """(training data, TrainConfig or None when resuming, finetune.Start or None): the options
    are checked before any data is read, then the recipe is shaped for the data."""
    given = {k: v for k, v in options.items() if v is not None}
    fields, named = given_fields(given, preset if _explicit(ctx, "preset") else None,
                                  config_file)
    if resume is not None:
        modelfile.read_metadata(resume, kind="checkpoint")  # missing or not one: said first
        refuse_changed_options(resume, fields, named)
    else:  # the fields a person chose: the --config file's and the options', over the preset
        fields = chosen_fields(config_file, given)
        if hidden is not None and named.get("sizes", "").startswith("--config"):
            del fields["sizes"]  # (--hidden over the file's layers, as the options override it)
        base = PRESETS[preset].replace(**fields)
    start = None if init is None else finetune.start_from(init)
    if resume is not None and start is not None:
        refuse_changed_init(resume, start)
        start = None  # the checkpoint holds the weights now, and what they started from
    if start is not None:  # (other layers: said before the data is read)
        _refuse_other_layers(start, hidden, fields.get("sizes"), named.get("sizes"))
    train_files.check_kinds(data, start, base.teacher if resume is None else None)
    train_set = datasets.load(data, split="train", target=target, progress=sys.stderr.isatty(),
                              audio=inputs.audio_of(start.network) if start else None,
                              model_classes=inputs.classes_of(start.network) if start else None)
    cli.note(train_set.note)
    if resume is None and preset == "speech" and train_set.sounds is None:
        raise ConfigError(f"--preset speech is the recipe for recordings, and {train_set.name} "
                          "holds none; drop --preset speech to train it with the default recipe")
    if resume is None:
        if start is None and "sizes" in fields:  # (a --config file's: said so, if they misfit)
            recipes.check_layers_given(train_set, fields["sizes"], named["sizes"])
        return train_set, recipes.for_data(base, train_set, fields, hidden=hidden,
                                           init=start and start.network), start
    if hidden is not None:
        sizes = (train_set.input.n_inputs, *hidden, len(train_set.classes))
        refuse_changed_options(resume, {"sizes": sizes}, {"sizes": "--hidden"})
    return train_set, None, start


def _refuse_other_layers(start: finetune.Start, hidden, sizes, option: str | None) -> None:
    """A ConfigError for --hidden, or ``sizes`` (given by ``option``: --layers or --config
    FILE), other than the layers of the model --init starts from: a fine-tuned model keeps them
    (the same layers given again are accepted)."""
    own = start.network.sizes
    for asked, theirs, given in ((hidden, own[1:-1], "--hidden"), (sizes, own, option)):
        if asked is None or tuple(asked) == tuple(theirs):
            continue
        drop = given if given in ("--hidden", "--layers") else f"sizes from {given}"
        raise ConfigError(f"{given} {'sizes ' * (drop != given)}{','.join(map(str, asked))}: "
                          f"{start.name} has the layers {'-'.join(map(str, own))} "
                          f"({words.counted(len(own) - 2, 'hidden layer')}), and a fine-tuned "
                          f"model keeps the layers of the model it starts from; drop {drop}")


def chosen_fields(config_file: str | None, options: dict) -> dict:
    """TrainConfig field -> value that a command's user chose: the --config file's fields, and
    the training options on the command line (CLI names, None left out) over them."""
    return {**read_config_file(config_file), **training_fields(options)}


def training_fields(options: dict) -> dict:
    """TrainConfig field -> value for the training options given (CLI names, None left out)."""
    return {_TRAIN_FIELDS[k]: v for k, v in options.items() if v is not None}


def recipe_params() -> list[click.Parameter]:
    """``digitnet train``'s options that say what to train on and how (not where to save):
    other commands that train (``digitnet tune``) take them as they are."""
    shared = {"data", "target", "preset", "config_file", "engine", *_TRAIN_FIELDS}
    return [p for p in train_command.params if p.name in shared]


def read_config_file(path: str | None) -> dict:
    """The training options in a JSON file of TrainConfig fields (``{}`` for no file)."""
    if path is None:
        return {}
    fields = jsontext.read_file(path, "the training options", '{"lr": 0.01}', ConfigError)
    if not isinstance(fields, dict):
        raise ConfigError(f"{path}: expected a JSON object of training options such as "
                          f'{{"lr": 0.01}}, got {type(fields).__name__}')
    try:
        return {name: checked_option(name, value) for name, value in fields.items()}
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def given_fields(options: dict, preset: str | None,
                  config_file: str | None = None) -> tuple[dict, dict[str, str]]:
    """The TrainConfig fields a command gives, and for each the option that gave it.

    ``options`` are the training options on the command line (CLI names, None left out);
    ``preset``, when named on the command line, gives every field of that recipe, the
    ``--config`` file its fields over it, and the options given beside them override both as
    they do when a run starts.
    """
    values, named = {}, {}
    if preset is not None:
        for field in dataclasses.fields(TrainConfig):
            values[field.name] = getattr(PRESETS[preset], field.name)
            named[field.name] = f"--preset {preset}"
    for field, value in read_config_file(config_file).items():
        values[field], named[field] = value, f"--config {config_file}"
    for option, value in options.items():
        field = _TRAIN_FIELDS[option]
        flag = "--" + option.replace("_", "-")
        if value is False:  # a --no-... switch
            flag = "--no-" + option.replace("_", "-")
        values[field], named[field] = value, flag
    return values, named


def _explicit(ctx, name: str) -> bool:
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE


def _test_set(data: str, train_set, target: str | None) -> datasets.Dataset | None:
    """The matching test split, when the data source has one on this machine; else None."""
    if train_set.name == "mnist-sample" or not datasets.has_test_split(data):
        return None
    front_end = train_set.input if isinstance(train_set.input, Audio) else None
    try:
        test = datasets.load(data, split="test", target=target, allow_download=False,
                             allow_sample=False, audio=front_end)
    except DigitnetError:
        folder = Path(data)
        if any(folder.glob("t10k-*")) or (folder / "test").is_dir():
            raise  # the folder's own test part is there, but cannot be read: said, not skipped
        return None  # no test files here (an IDX folder of training files, a named data set's)
    cli.note(test.note)
    return test
