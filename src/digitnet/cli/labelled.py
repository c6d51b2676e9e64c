"""The labelled examples a command measures MODEL on: the test part, every example ("all":
the train and test parts together; all a table, a folder without ``test/`` or one of training
IDX files alone holds), or the train or val part of the training data split exactly as when
MODEL was trained (``--data``, ``--split`` and ``--target``), or "held-out": the val part when
it can be rebuilt, else the test part. ``--data`` is by default the data MODEL was trained on,
while it is there (for a model of pictures and the test part, only if it has one); else mnist,
for a model of 28x28 pictures of the digits 0-9 (:func:`_default_data`). Their classes are
numbered as MODEL numbers them (by name), and a table's columns are put in MODEL's order; a
folder holding one folder, 7, that holds folders (``7/take1/a.wav``) is read by MODEL's classes:
class 7, its files at any depth, when MODEL has a class 7 and none named as those folders.

Examples without a file of their own (of IDX files, an .npz or a .csv table: ``Dataset.names``
None) are known by their number, counted from 0: in the test part and in "all" (the training
examples first), their place in it; in the train and val parts (and "held-out" when it is the
val part), not their place in the part but their number in the training data as loaded
("#12,345", :func:`digitnet.heldout.numbered`). That is the index into the arrays read from
the training files (IDX files, or an .npz's ``X`` and ``y``), the number ``--split all`` gives
it too, and for a .csv table its data row counted from 0 below the header (blank lines not
counted, as ``pandas.read_csv(TABLE).iloc[12345]`` counts; with no blank line, it is on line
12,347)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from .. import classmatch, datasets, inputs, kinds, tablelabels, tables, words
from ..errors import DataError, DigitnetError, listed
from ..heldout import (has_test_part, held_out, label_column, mnist_fits, no_own_data,
                       numbered, recorded_data, training_files_only, validation_split)
from ..inputs import Table
from ..network import Network
from .group import cli

DATA_HELP = ("A dataset name (mnist, fashion-mnist, kmnist, spoken-digits), a folder of "
             "MNIST-format IDX files, of recordings named as FSDD names them "
             "(7_jackson_32.wav), or of class folders of pictures or recordings "
             "(my-digits/0/a.png ...; with a test part, my-digits/train/0/a.png ... and "
             "my-digits/test/0/b.png ...), or a .csv or .npz table.")
TARGET_HELP = ("A CSV table's label column  [default: the last column, or, when its name is "
               f"none of {', '.join(tablelabels.LABEL_NAMES)} (any case) and one other column's "
               "is, that column]")

_SPLIT_HELP = ("test: the data's test part (MNIST's t10k files, a folder's test/, FSDD's "
               "recordings 0-4 of each speaker and digit); train: the examples MODEL learned "
               "from, and val: those held out from them when it was trained (both rebuilt "
               "exactly, so only from the data MODEL was trained on); all: every example, train "
               "and test (just the training part when there is no test part).")


def _data_option():
    """``--data``, by default the data MODEL was trained on (see :func:`_default_data`)."""
    return click.option("--data", metavar="NAME|DIR|TABLE",
                        help=f"{DATA_HELP}  [default: the data MODEL was trained on, if it "
                             "is still there (for a model of pictures and --split test, if it "
                             "has a test part); else mnist, for a model of 28x28 pictures of "
                             "the digits 0-9]")


_OPTIONS = [
    _data_option(),
    click.option("--split", type=click.Choice(["test", "train", "val", "all"]),
                 help=_SPLIT_HELP + "  [default: test, or all for a table or a folder without "
                                    "test/]"),
    click.option("--target", metavar="COLUMN",
                 help="A CSV table's label column  [default: the column that MODEL does not "
                      "read]"),
]


def data_options(f):
    """The ``--data``, ``--split`` and ``--target`` options, for :func:`labelled_split`."""
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def held_out_options(f):
    """``--data``, ``--split`` and ``--target``; the split by default the examples MODEL was not
    trained on ("held-out")."""
    f = _OPTIONS[2](f)
    f = click.option("--split", type=click.Choice(["held-out", "test", "train", "val", "all"]),
                     default="held-out", show_default=True,
                     help="held-out: the examples held out when MODEL was trained if they can "
                          "be rebuilt from --data, else its test part; " + _SPLIT_HELP)(f)
    return _data_option()(f)


def labelled_split(net: Network, data: str | None, split: str | None, model: str,
                   target: str | None = None) -> tuple[datasets.Dataset, str]:
    """The examples of ``split`` of ``data`` for the network in file ``model``, and the split's
    name: "test", "train", "val" or "all" (None: "test" if ``data`` has a test part, else "all";
    "held-out": "val" if it can be rebuilt, else "test"). ``data`` None: see
    :func:`_default_data`. Data of another kind than the network reads is refused first, when
    its name and its files' names tell (:func:`digitnet.kinds.check`), before anything else is
    said of it or any of it is read. A train or val part of data without files of its own names
    its examples by their numbers in the training data ("#12,345": :func:`numbered`). With
    neither ``data`` nor ``split``, when mnist's test part stands in for data without one and
    cannot be had (offline), the model's own validation split is scored (:func:`_own_validation`).
    """
    progress = sys.stderr.isatty()
    given, asked = data is not None, split  # (given by --data: what --split all would score)
    if data is None:
        data = _default_data(net, model, split)
    kinds.check(data, inputs.of(net), model)  # before its splits are looked at, or it is read
    has_test = datasets.has_test_split(data)
    if split is None and has_test and _fsdd_named(data):
        click.echo(f"{data}: scoring FSDD's test split, recordings 0-4 of each speaker and "
                   "digit; --split all scores every recording", err=True)
    split = split or ("test" if has_test else "all")
    if split == "all" and has_test and training_files_only(data):
        click.echo(f"{data}: no test files (t10k), so all is its training files alone; if "
                   f"{model} learned from them, --split val scores those it did not", err=True)
    if split == "test" and training_files_only(data):
        raise DataError(_no_test_files(net, data, model))
    target = label_column(net, data, target, model=model, option="--target")
    if split == "held-out":
        found = held_out(net, data, target=target).data
        return as_model_reads(net, found, model), found.split
    try:
        subset = datasets.load(data, split=split if split in ("test", "all") else "train",
                               target=target, progress=progress, audio=inputs.audio_of(net),
                               model_classes=inputs.classes_of(net), pictures=inputs.of(net))
    except DigitnetError as e:
        if given or asked is not None or data != "mnist":
            raise
        return _own_validation(net, model, e), "val"
    if split in ("train", "val"):
        subset = _split_like_training(net, numbered(subset), split, model, given)
    cli.note(subset.note)  # (one for all of it: the files of train/ and test/ skipped, say)
    return as_model_reads(net, subset, model), split


def _own_validation(net: Network, model: str, why: DigitnetError) -> datasets.Dataset:
    """The validation split of the data ``model`` was trained on, for ``evaluate MODEL`` (and
    ``show``) with neither --data nor --split when that data has no test part and mnist's
    cannot be had (offline, none in the cache: ``why``), said on stderr; else ``why``."""
    own = _still_there(model)
    if own is None:
        raise why
    try:
        full = datasets.load(own, split="train", audio=inputs.audio_of(net),
                             pictures=inputs.of(net))
        val = _split_like_training(net, numbered(full), "val", model)
    except DigitnetError:
        raise why from None
    click.echo(f"mnist's test files are not here and could not be downloaded; scoring instead "
               f"the validation split of {own}, the {len(val):,} examples {model} held out when "
               "it was trained (--data DIR scores a test set)", err=True)
    return as_model_reads(net, val, model)


def _default_data(net: Network, model: str, split: str | None) -> str:
    """``--data`` when it is not given: the data ``model`` was trained on, if it is still there
    (said on stderr), and for a model of pictures and the test split (``split`` "test" or
    None), if it has a test part; else, for a model of pictures, :func:`_mnist_for` it, and a
    DataError for the others (mnist holds neither recordings nor tables)."""
    pictures = isinstance(inputs.of(net), inputs.Images)
    data = _still_there(model)
    if data is None and not pictures:
        raise DataError(_no_data(net, model))
    if data is None and split in ("train", "val"):
        return "mnist"  # (rebuilding the split from it fails, naming the data it was trained on)
    if pictures and (data is None or (split in (None, "test") and not has_test_part(data))):
        return _mnist_for(net, model, data)
    if data != "mnist":
        click.echo(f"using {data}, the data {model} was trained on (--data picks other data)",
                   err=True)
    return data


def _mnist_for(net: Network, model: str, data: str | None) -> str:
    """mnist, for a model of pictures whose own data cannot be scored: it records none, that
    data is no longer there (``data`` None), or it has no test part (``data``). Only for a
    model that reads mnist's pictures, 28x28, and has its classes, the digits 0-9 (saying on
    stderr why mnist, when the model was trained on other data); for any other, a DataError
    naming the model and what it lacks, saying to pass --data."""
    recorded = recorded_data(net)
    lacks = (f"{data}, have no test part" if data is not None
             else f"{recorded}, are no longer there" if recorded else None)
    shape, classes = inputs.of(net).shape, inputs.classes_of(net)
    if mnist_fits(net):
        if lacks:
            click.echo(f"using mnist: the pictures {model} was trained on, {lacks} (--data picks "
                       "other data)", err=True)
        return "mnist"
    why = (f"the pictures it was trained on, {lacks}" if lacks
           else "its file does not record the pictures it was trained on")
    few = listed(classes) if len(classes) <= 4 else f"{', '.join(classes[:3])}, ..., {classes[-1]}"
    unlike = (f"it reads {shape[0]}x{shape[1]} pictures, not mnist's 28x28" if shape != (28, 28)
              else f"its classes ({few}) are not mnist's digits 0-9")
    val = f", or --split val for those held out from {data}" if data is not None else ""
    raise DataError(f"{model}: {why}, and {unlike}; pass --data with labelled pictures of its "
                    f"classes to measure it on{val}")


def _no_data(net: Network, model: str) -> str:
    """Why a model of recordings or of a table has no data to be measured on, and what to do."""
    recordings = isinstance(inputs.of(net), inputs.Audio)
    give = "the recordings" if recordings else "a table (.csv or .npz) of its columns"
    return f"{model}: {no_own_data(net)}; pass --data with {give} to measure it on"


def _still_there(model: str) -> str | None:
    """The data ``model``'s file records it was trained on, if it can still be read; else
    None."""
    from .. import recordings

    try:
        name = recorded_data(model)
    except DigitnetError:
        return None  # (what is wrong with the file is said when it is loaded)
    known = (*datasets.KNOWN_NAMES, *recordings.ARCHIVES)
    return name if name and (name in known or Path(name).exists()) else None


def _no_test_files(net: Network, data: str, model: str) -> str:
    """Why an MNIST-style folder of training files alone has no test split to score, and what
    to score instead for this model: its own validation split, when it was trained on these
    files; else all of them, fair only if it learned from none of them (--split val would be
    refused: its held-out examples cannot be rebuilt from other files)."""
    said = f"{data}: no test files (t10k); this folder holds only training data"
    full = numbered(datasets.load(data, split="train", audio=inputs.audio_of(net),
                                  pictures=inputs.of(net)))
    try:
        val = validation_split(net, full, "val")
    except DigitnetError:
        name = recorded_data(net)
        unseen = (f"{model} was trained on other data ({name})" if name else
                  f"{model} does not record the data it was trained on")
        return (f"{said}, and {unseen}: --split all scores all of its examples (fair only if "
                "it learned from none of them), or point --data at a folder with the t10k files")
    return (f"{said}: --split val scores the {len(val):,} examples {model} held out when it "
            "learned from them, or point --data at a folder with the t10k files")


def _fsdd_named(data: str) -> bool:
    """Whether ``data`` is a folder of recordings named as FSDD names them."""
    from .. import recordings

    return Path(data).is_dir() and recordings.flat_folder(Path(data)) is not None


def as_model_reads(net: Network, subset: datasets.Dataset, model: str) -> datasets.Dataset:
    """``subset`` of the kind MODEL reads, with MODEL's class numbering and, for a table,
    MODEL's column order."""
    subset = classmatch.for_model(subset, net, model)  # the kind first, then the classes
    model_input = inputs.of(net)
    if isinstance(model_input, Table) and isinstance(subset.input, Table):
        x = tables.in_order(subset.x, subset.input.columns, model_input.columns, subset.name)
        subset = dataclasses.replace(subset, x=x, input=Table(model_input.columns))
    return subset


def _split_like_training(net: Network, full: datasets.Dataset, split: str, model: str,
                         given: bool = False):
    """The train or val part of ``full`` exactly as it was split when ``net`` was trained; when
    it cannot be rebuilt from ``full``, why, and for data ``given`` by --data, that --split all
    scores it."""
    other = f"; --split all scores every example of {full.source}" * given  # (other data)
    try:
        return validation_split(net, full, split, other)
    except DigitnetError as e:
        raise DigitnetError(f"{model}: {e}") from None


def own_rows_note(net: Network, subset: datasets.Dataset, split: str, model: str) -> str | None:
    """What to say when ``subset`` (split "all": a table, or every part of the data) holds the
    data ``model`` was trained on, as its record tells by the files' SHA-256
    (:mod:`digitnet.dataidentity`): how many of its examples it learned from, rebuilt as
    training split them (:func:`validation_split`), and how to score only those it did not; else
    None ("train", "val" and "test" say what they score)."""
    record = net.metadata.get("data") or {}
    trained = record.get("train") or {}
    files, n = trained.get("files") or {}, trained.get("n")
    if split != "all" or not files or not set(files.values()) <= set(subset.files.values()):
        return None
    checked = record.get("validation")
    learned = n if checked is not None else _learned(net, subset, trained)
    if learned is None or n is None:
        return None
    said = f"{model} learned from " + (f"all {learned:,}" if learned == len(subset) else
                                         f"{learned:,} of the {len(subset):,}") + " examples scored"
    test = "--split test scores its test part" if len(subset) > n else ""
    if learned < n:  # (a copy of its data, named otherwise: the split is rebuilt from its own)
        own = "" if files.items() <= subset.files.items() else (
            f" --data {words.shell(trained.get('name') or subset.name)}")
        return (f"{said} (its training split), so this accuracy flatters it; --split val{own} "
                f"scores only the {n - learned:,} it held out{', ' * bool(test)}{test}")
    elsewhere = test or (f"--data {words.shell(checked['name'])} scores the data it was "
                         "validated on" if checked and checked.get("name") else
                         "score data it never saw (--data)")
    return (f"{said} (it held none of them out for validation), so this accuracy flatters it; "
            f"{elsewhere}")


def _learned(net: Network, subset: datasets.Dataset, trained: dict) -> int | None:
    """How many examples of the data ``net`` was trained on (``trained``: its record, whose
    files ``subset`` holds, with others: a test part) it learned from; None if not known."""
    files = dict(trained["files"])
    try:
        full = subset
        if len(subset) != trained.get("n") or sorted(subset.files.values()) != sorted(
                files.values()):  # (more than its training part: that part read again)
            full = datasets.load(subset.name, split="train", audio=inputs.audio_of(net),
                                 model_classes=inputs.classes_of(net))
        if sorted(full.files.values()) != sorted(files.values()):
            return None
        # (its training part, as training split it; a copy of the table, named otherwise)
        full = dataclasses.replace(full, files=files, split="train")
        return len(validation_split(net, full, "train"))
    except DigitnetError:
        return None
