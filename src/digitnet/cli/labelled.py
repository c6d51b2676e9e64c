"""The labelled images a command measures MODEL on: the test files, or the train or val part of
the training files split exactly as when MODEL was trained (``--data`` and ``--split``)."""

from __future__ import annotations

import sys

import click

from .. import datasets
from ..errors import DigitnetError
from ..network import Network

_OPTIONS = [
    click.option("--data", default="mnist", show_default=True, metavar="DIR|NAME",
                 help="A folder of MNIST-format IDX files, or mnist, fashion-mnist, kmnist."),
    click.option("--split", type=click.Choice(["test", "train", "val"]), default="test",
                 show_default=True, help="val: the validation images held out when MODEL was trained."),
]


def data_options(f):
    """The ``--data`` and ``--split`` options, for commands that call :func:`labelled_split`."""
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def labelled_split(net: Network, data: str, split: str, model: str) -> datasets.Dataset:
    """The ``split`` ("test", "train" or "val") of ``data`` for the network in file ``model``."""
    progress = sys.stderr.isatty()
    if split == "test":
        return datasets.load(data, split="test", progress=progress)
    return _split_like_training(net, datasets.load(data, split="train", progress=progress),
                                split, model)


def _split_like_training(net: Network, full: datasets.Dataset, split: str, model: str):
    """The train or val part of ``full`` exactly as it was split when ``net`` was trained."""
    config = net.metadata.get("config")
    if config is None:
        raise DigitnetError(f"{model}: has no training configuration, so its validation split "
                            "is unknown; use --split test or train")
    fraction, seed = config["val_fraction"], config["seed"]
    train_part, val_part = datasets.train_val_split(full, fraction, seed)
    trained_on = net.metadata.get("data", {}).get("train", {}).get("files")
    if trained_on and trained_on != full.files:
        raise DigitnetError(f"{model}: was trained on other files than {full.source}; its "
                            "validation split cannot be rebuilt from them")
    if split == "val" and len(val_part) == 0:
        raise DigitnetError(f"{model}: was trained without a validation split (val_fraction 0)")
    return val_part if split == "val" else train_part
