"""The labelled examples a command measures MODEL on: the test part, every example of a table
or a folder without ``test/``, or the train or val part of the training data split exactly as
when MODEL was trained (``--data``, ``--split`` and ``--target``). Their classes are numbered
as MODEL numbers them (by name), and a table's columns are put in MODEL's order."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from .. import datasets, inputs, tables
from ..errors import DataError, DigitnetError
from ..inputs import Audio, Table
from ..network import Network

DATA_HELP = ("A dataset name (mnist, fashion-mnist, kmnist, spoken-digits), a folder of "
             "MNIST-format IDX files, of recordings named as FSDD names them "
             "(7_jackson_32.wav), or of class folders of pictures or recordings "
             "(my-digits/0/a.png ...), or a .csv or .npz table.")
TARGET_HELP = "A CSV table's label column  [default: the last column]."

_OPTIONS = [
    click.option("--data", default="mnist", show_default=True, metavar="NAME|DIR|TABLE",
                 help=DATA_HELP),
    click.option("--split", type=click.Choice(["test", "train", "val", "all"]),
                 help="val: the examples held out when MODEL was trained; all: every example. "
                      "[default: test, or all for a table or a folder without test/]"),
    click.option("--target", metavar="COLUMN",
                 help=TARGET_HELP.replace("last column", "column that MODEL does not read")),
]


def data_options(f):
    """The ``--data``, ``--split`` and ``--target`` options, for :func:`labelled_split`."""
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def labelled_split(net: Network, data: str, split: str | None, model: str,
                   target: str | None = None) -> tuple[datasets.Dataset, str]:
    """The examples of ``split`` of ``data`` for the network in file ``model``, and the split's
    name: "test", "train", "val" or "all" (None: "test" if ``data`` has a test part, else "all")."""
    progress = sys.stderr.isatty()
    split = split or ("test" if datasets.has_test_split(data) else "all")
    if target is None:
        target = _unread_column(net, data)
    model_input = inputs.of(net)  # recordings are read with the model's front end
    front_end = model_input if isinstance(model_input, Audio) else None
    if split == "test":
        subset = datasets.load(data, split="test", target=target, progress=progress,
                               audio=front_end)
    else:
        subset = datasets.load(data, split="train", target=target, progress=progress,
                               audio=front_end)
        if split != "all":
            subset = _split_like_training(net, subset, split, model)
    if subset.note:
        click.echo(subset.note, err=True)
    return _as_model_reads(net, subset, model), split


def _unread_column(net: Network, data: str) -> str | None:
    """For a CSV table and a table model: the one column the model does not read, if one."""
    model_input = inputs.of(net)
    if not (isinstance(model_input, Table) and Path(data).suffix.lower() == ".csv"
            and Path(data).is_file()):
        return None
    extra = [c for c in tables.read_header(data) if c not in model_input.columns]
    return extra[0] if len(extra) == 1 else None


def _as_model_reads(net: Network, subset: datasets.Dataset, model: str) -> datasets.Dataset:
    """``subset`` with MODEL's class numbering and, for a table, MODEL's column order."""
    subset = subset.with_classes(inputs.classes_of(net), model)
    model_input = inputs.of(net)
    if isinstance(model_input, Table) and isinstance(subset.input, Table):
        x = tables.in_order(subset.x, subset.input.columns, model_input.columns, subset.name)
        subset = dataclasses.replace(subset, x=x, input=Table(model_input.columns))
    elif type(model_input) is not type(subset.input):
        raise DataError(f"{subset.name} holds {_kind(subset.input)}, and {model} reads "
                        f"{_kind(model_input)}; give data of the kind it was trained on")
    return subset


def _kind(model_input) -> str:
    return {"table": "a table", "audio": "recordings"}.get(model_input.kind, "pictures")


def _split_like_training(net: Network, full: datasets.Dataset, split: str, model: str):
    """The train or val part of ``full`` exactly as it was split when ``net`` was trained."""
    config = net.metadata.get("config")
    if config is None:
        raise DigitnetError(f"{model}: has no training configuration, so its validation split "
                            "is unknown; use --split test or train")
    fraction, seed = config["val_fraction"], config["seed"]
    trained_on = net.metadata.get("data", {}).get("train", {}).get("files")
    if trained_on and trained_on != full.files:
        raise DigitnetError(f"{model}: was trained on other files than {full.source}; its "
                            "validation split cannot be rebuilt from them")
    # Training numbered the classes as the model does before splitting; so does this.
    full = full.with_classes(inputs.classes_of(net), model)
    train_part, val_part = datasets.train_val_split(full, fraction, seed, config.get("val_group"))
    if split == "val" and len(val_part) == 0:
        raise DigitnetError(f"{model}: was trained without a validation split (val_fraction 0)")
    return val_part if split == "val" else train_part
