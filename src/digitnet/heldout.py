"""Held-out examples for a model: labelled data it was not trained on.

A model's own validation split is the best choice: the examples of its training data that
training set aside, rebuilt exactly from what the model records (its data's files and size,
``val_fraction``, ``seed`` and ``val_group``). When that cannot be done (the model came from
elsewhere, or from other files), the data's test split is the next best.
:func:`validation_split` does the first, :func:`held_out` tries both and says which it found.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import (classmatch, datasets, idxfolders, inputs, kinds, modelfile, recordings,
               sources, tablelabels, tables)
from .datasets import Dataset
from .errors import DataError, DigitnetError
from .network import Network

__all__ = ["SCORE_ALL", "HeldOut", "has_test_part", "held_out", "label_column", "no_own_data",
           "numbered", "own_data", "recorded_data", "training_files_only", "validation_split"]


@dataclass(frozen=True)
class HeldOut:
    """Labelled examples a model was not trained on, and what they are, in words."""

    data: Dataset
    description: str

    def to_dict(self) -> dict:
        return {"n": len(self.data), "split": self.data.split, "description": self.description}


def recorded_data(model: str | Path | Network) -> str | None:
    """The data a model records it was trained on (a dataset name or a folder), if any: what
    its own held-out examples are rebuilt from. Of a loaded network, its metadata; of a
    safetensors file, its header (not its weights: an ``.onnx`` file is to be loaded, with
    :func:`digitnet.modelfile.load`, and its network given)."""
    meta = model.metadata if isinstance(model, Network) else modelfile.read_metadata(model)
    return (meta.get("data") or {}).get("train", {}).get("name")


def own_data(net: Network) -> str | None:
    """The data to find ``net``'s held-out examples in (and to train its like on) when none is
    named, as ``digitnet serve`` takes it: the data it records it was trained on, while that is
    still there (a dataset's name, or a folder or table that exists); else mnist for a model of
    pictures of the digits (:func:`mnist_fits`), and None for the others (a model of recordings,
    of a table, of other pictures), for which mnist cannot stand in (:func:`no_own_data` says
    why, in words)."""
    name = recorded_data(net)
    if name and (name in (*datasets.KNOWN_NAMES, *recordings.ARCHIVES) or Path(name).exists()):
        return name
    return "mnist" if mnist_fits(net) else None


def mnist_fits(net: Network) -> bool:
    """Whether MNIST can stand in for ``net``'s own data: ``net`` reads 28x28 pictures and its
    classes are the digits 0-9 (a model of other classes would be scored on MNIST's digits by
    position)."""
    model_input = inputs.of(net)
    return (model_input.kind == "images" and model_input.shape == (28, 28)
            and sorted(inputs.classes_of(net)) == list(sources.DIGITS))


def no_own_data(net: Network) -> str:
    """Why :func:`own_data` finds no data for ``net``, in words: "its file does not record the
    table it was trained on", or "the recordings it was trained on, NAME, are no longer
    there"."""
    kind, name = inputs.of(net).kind, recorded_data(net)
    what = {"audio": "recordings", "table": "table", "images": "pictures"}[kind]
    plural = kind != "table"
    if name is None:
        return f"its file does not record the {what} it was trained on"
    files = ((net.metadata.get("data") or {}).get("train") or {}).get("files")
    if files == {} and name not in (*datasets.KNOWN_NAMES, *recordings.ARCHIVES):
        return f"it was trained on arrays in memory ({name}), not on a file"  # (the estimator's)
    return (f"the {what} it was trained on, {name}, {'are' if plural else 'is'} no longer "
            "there")


#: What each part of a model's training data is, in words.
_PARTS = {"val": "validation split (the examples held out when it was trained)",
          "train": "training split (the examples it learned from)"}


def validation_split(net: Network, full: Dataset, split: str = "val", elsewhere: str = ""
                     ) -> Dataset:
    """The ``"val"`` (or ``"train"``) part of training data ``full``, exactly as the training
    that made ``net`` split it. DataError when ``net``'s record does not allow it: no training
    configuration, no record of the data it was trained on, other files or another number of
    examples (the message names the data it was trained on, then ``elsewhere``: what else to
    do with ``full``), or no validation split at all."""
    part = _PARTS[split]
    config = net.metadata.get("config")
    if config is None or "val_fraction" not in config:
        raise DataError(f"the model has no training configuration, so its {part} is unknown"
                        f"{_instead(full)}")
    trained_on = (net.metadata.get("data") or {}).get("train") or {}
    if not trained_on.get("files") and trained_on.get("n") is None:
        raise DataError(f"the model does not record the data it was trained on, so its {part} "
                        f"is unknown{_instead(full)}")
    name = trained_on.get("name")
    only_from = (f"its {part} can be rebuilt only from the data it was trained on, {name}"
                 if name and name != full.name else
                 f"its {part} can be rebuilt only from the files it was trained on")
    if trained_on.get("files") and trained_on["files"] != full.files:
        raise DataError(f"the model was trained on other files than {full.source}; {only_from}"
                        f"{elsewhere}")
    if trained_on.get("n") is not None and trained_on["n"] != len(full):
        raise DataError(f"the model was trained on {trained_on['n']:,} examples, {full.source} "
                        f"holds {len(full):,}; {only_from}{elsewhere}")
    # Training numbered the classes as the model does before splitting; so does this (after
    # checking the data is of the model's kind: another kind's classes mean nothing to it).
    full = classmatch.for_model(full, net)
    train_part, val_part = datasets.train_val_split(full, config["val_fraction"], config["seed"],
                                                    config.get("val_group"))
    if split == "val" and len(val_part) == 0:
        fraction = config["val_fraction"]
        why = ("the model was trained without a validation split (val_fraction 0)"
               if not fraction else
               f"the model's val_fraction {fraction:g} held out none of the {len(full):,} "
               f"examples it was trained on (that share of each class, rounded; its largest "
               f"class has {int(np.bincount(full.labels).max()):,}), so it has no validation "
               "split")
        raise DataError(f"{why}{_instead(full, learned=True)}")
    return val_part if split == "val" else train_part


def has_test_part(data) -> bool:
    """Whether ``data`` (a dataset name, folder or table) has a test part to score a model on
    (:func:`digitnet.datasets.has_test_split`), an MNIST-style folder of training files alone
    having none (``../shared/data/mnist-train-prefix``)."""
    return not training_files_only(data) and datasets.has_test_split(str(data))


def training_files_only(data) -> bool:
    """Whether ``data`` is a folder of MNIST-style IDX files without a test file (one t10k file
    without the other is a test part with a file missing, which loading it names)."""
    path = Path(str(data))
    return path.is_dir() and idxfolders.holds_idx(path) and not idxfolders.has_test_files(path)


_NO_TEST_PART = " has no test part"
#: How a message says what ``--split all`` would score, after saying there is no test part:
#: ``digitnet serve``, which has no --split, leaves it out.
SCORE_ALL = ": --split all scores all"


def _instead(full: Dataset, learned: bool = False) -> str:
    """What to score in place of a split of ``full`` (training data) that cannot be rebuilt,
    after "; ": its test part; or, when it has none, all of it, which the model may have
    learned from (``learned``: which it did learn from, every example), or other data."""
    if full.name == sources.SAMPLE.name or has_test_part(full.name):  # (the sample: mnist's,
        return "; use the test split"  # read offline)
    which = ("all of which it learned from, so the accuracy flatters it" if learned else
             "which it may have learned from (fair only if it learned from none of them)")
    files = " (no t10k files)" if training_files_only(full.name) else ""
    return (f"; {_name(full)}{_NO_TEST_PART}{files}{SCORE_ALL} {len(full):,} of its "
            f"examples, {which}; or --data names other labelled data")


def held_out(net: Network, data, *, target: str | None = None) -> HeldOut:
    """Examples ``net`` was not trained on, from ``data``: its validation split when that can
    be rebuilt, else the data's test split.

    Parameters
    ----------
    data : str, path or Dataset
        A dataset name, folder or table (:func:`digitnet.datasets.load`), or a Dataset: a
        training split is searched for the validation split, any other split is taken as it is.
    target : str, optional
        A CSV table's label column, as for :func:`digitnet.datasets.load`; by default, for a
        model of a table, the one column it does not read (:func:`label_column`).

    Raises
    ------
    DataError
        ``data`` holds another kind of examples than ``net`` reads, as its name tells
        (:func:`digitnet.kinds.check`: "... holds pictures, and the model reads recordings"),
        said first; or which column of a CSV table holds the labels is not clear
        (:func:`label_column`); else neither can be had, and the message says why for each.
    """
    model_input = inputs.of(net)
    if isinstance(data, Dataset):
        classmatch.check_kind(data, model_input)  # said alone, whatever else is wrong
        if data.split != "train":
            return HeldOut(classmatch.for_model(data, net),
                           f"{len(data):,} examples of {_name(data)} ({data.split} split)")
        try:
            return _validation(net, data)
        except DigitnetError as e:
            raise DataError(f"no held-out examples: {e}") from None
    kinds.check(data, model_input)  # by its name, before anything is read, as the CLI does
    if target is None:
        try:
            target = label_column(net, data)
        except DigitnetError as e:
            raise DataError(f"no held-out examples in {data}: {e}") from None
    reasons = []
    try:
        full = datasets.load(str(data), split="train", target=target, allow_download=False,
                             audio=inputs.audio_of(net), model_classes=inputs.classes_of(net),
                             pictures=model_input)
    except DigitnetError as e:
        reasons.append(str(e))
    else:
        classmatch.check_kind(full, model_input)  # (what its name could not tell), alone
        try:
            return _validation(net, numbered(full))  # (each found by its number)
        except DigitnetError as e:
            reasons.append(str(e))
    said = "; and ".join(reasons)  # (no test part, said: or refused by the IDX folder's
    if _NO_TEST_PART in said or training_files_only(data):  # loading, advising --split val)
        raise DataError(f"no held-out examples in {data}: {said}" + (
            "" if _NO_TEST_PART in said else f"; and {data}: no test files (t10k); this folder "
            f"holds only training data{SCORE_ALL} of its examples, fair only if the model "
            "learned from none of them"))
    try:
        test = datasets.load(str(data), split="test", target=target, audio=inputs.audio_of(net),
                             model_classes=inputs.classes_of(net), pictures=model_input)
    except DigitnetError as e:
        reasons.append(str(e))  # (the same twice when ``data`` is not there at all: said once)
        raise DataError(f"no held-out examples in {data}: "
                        f"{'; and '.join(dict.fromkeys(reasons))}") from None
    return HeldOut(classmatch.for_model(test, net),
                   f"the test split of {_name(test)}: {len(test):,} examples")


def label_column(net: Network, data, target: str | None = None, *, model: str = "the model",
                 option: str | None = None) -> str | None:
    """The label column to read CSV table ``data`` with for ``net``, a model of a table: as
    :func:`digitnet.tablelabels.for_model` chooses it from the model's columns and the
    table's header (``target`` if given, else the one column the model does not read; its
    messages name ``net`` as ``model``, and advise ``option``: "--target" on the command
    line). For other data or another model: ``target`` as it is.

    Raises ConfigError or DataError as :func:`~digitnet.tablelabels.for_model` does, and
    DataError for a table whose first line is not a header.
    """
    model_input = inputs.of(net)
    path = Path(str(data))
    if not (isinstance(model_input, inputs.Table) and path.suffix.lower() == ".csv"
            and path.is_file()):
        return target
    header = tables.read_header(path, model_input.columns)
    return tablelabels.for_model(model_input.columns, header, str(data), target, model=model,
                                 option=option)


def _validation(net: Network, full: Dataset) -> HeldOut:
    val = validation_split(net, full)
    return HeldOut(val, f"the model's validation split of {_name(full)}: {len(val):,} examples "
                        "set aside when it was trained")


def _name(data: Dataset) -> str:
    return Path(data.name).name if Path(data.name).is_dir() else data.name


def numbered(full: Dataset) -> Dataset:
    """``full`` with each example named by its number in it, counted from 0 ("#12,345"), when
    its examples have no file of their own (``names`` None: IDX files, an .npz or a .csv
    table); else ``full`` as it is. A part taken from it (``Dataset.subset``: the train or val
    part) keeps the names, so that each of its examples can be found in ``full``'s files."""
    if full.names is not None:
        return full
    return dataclasses.replace(full, names=tuple(f"#{i:,}" for i in range(len(full))))
