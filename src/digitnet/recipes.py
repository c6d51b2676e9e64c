"""A recipe fitted to its data: the layer sizes the data calls for, and what suits its kind.

A :class:`~digitnet.config.TrainConfig` names every layer, input first; the data decides two of
them. :func:`for_data` takes a recipe (a preset with the options given), and returns it shaped
for a :class:`~digitnet.datasets.Dataset`:

* the input layer has one neuron per pixel or table column, the output layer one per class, and
  the hidden layers are ``hidden`` or else the recipe's (16, 16 for the presets), so the same
  command trains 784-16-16-10 on MNIST and 13-16-16-3 on a table of wines;
* a table trains with :data:`TABLE`: ``shift=0`` (shift augmentation moves pictures; a table's
  columns have no neighbours to move to), 200 epochs (a small table makes few steps an epoch;
  scikit-learn's MLPClassifier also allows 200) and a weight decay of 1e-4 (MLPClassifier's
  L2 penalty ``alpha`` has that default), with the rest of the recipe as for pictures (Adam,
  cosine schedule, batches of 32, 10% held out for validation). It was chosen by 5-fold
  cross-validation, 4 seeds, on scikit-learn's wine, breast-cancer and 8x8-digits tables
  against MLPClassifier with the same hidden layers (16, 16): the picture recipe with shift 0
  trailed it by 0.5 points on average and by 1.7 at worst, this one led by 0.15 on average
  and trailed by 0.6 at worst. Rerun with the default recipe of 2026-12-06 (leaky ReLU, 150
  epochs, L2 3e-4 for pictures), this one leads by 0.10 and trails by 0.6 at worst, and the
  picture recipe with shift 0 by 0.03 and 0.6 (bench/results/table-recipe.md);
* a recording trains without shifts (:func:`for_input`), and a table or a recording is never
  deskewed (straightening a slant needs a picture of ink); nor is Fashion-MNIST, unless asked
  (``deskew`` given): a shirt's slant is not a writer's, and deskewing costs it about 0.4 points
  (86.21% against 86.60% of validation accuracy, two seeds of 20 epochs:
  bench/results/recipes-checks.md). It is known by the class names :func:`digitnet.datasets.
  load` gives it, by its name or in a folder of its files (known by their SHA-256), not by its
  pixels; nor are class folders of pictures read as they are (28x28 and not made as MNIST's
  digits, Fashion-MNIST's saved as PNG: :func:`digitnet.preparation.by_look`) (:func:`_clothes`);
* training from a model's weights (``init``) keeps that model's layers, activation and output,
  and whether it deskews its images (its weights learned from them so);
  a model of recordings fine-tuned on recordings (a new voice: a handful of each digit) trains
  with :data:`VOICE`: 100 epochs (a handful of recordings makes few steps an epoch), each
  recording with 16 altered copies (speed and tempo changes, a third of them missing up to 30%
  of their start, a third of their end, each coloured by up to 6 dB as by another microphone),
  at a learning rate of 0.003, with no shift and a weight decay of 1e-4, chosen by
  bench/speech.py on each of five speakers held out in turn: against 0.001 and 0.01, 200 epochs,
  8 and 32 copies, added noise, warped copies and no copies (bench/results/speech-finetune.md,
  speech-finetune2.md, speech-search3.md); cut copies, a point over none (speech.md,
  speech-search5.md); coloured copies, half a point over none (speech.md, speech-search6.md);
  without label smoothing, even for a model trained with it (95.5% with the ``speech``
  preset's 0.1 in fine-tuning too, 95.4% without, 2 seeds, speech-search7.md);
  and with the dropout the model was trained with (the ``speech`` preset's 0.3, against none and
  0.5 on that preset: 94.4%, 93.3%, 94.5%; the default recipe's 784-16-16-10, trained without
  dropout, fine-tunes to 94.0% without it and 83.0% with 0.3,
  bench/results/speech-default-finetune.md; 0 for a model that does not say, an imported one).
  (Of five recordings of a digit, a stratified validation split of 10% holds none out, so all
  of them train; ``--val-fraction 0.2`` holds one of each out to show the accuracy before and
  after, at the cost of a fifth of the data.)

Options given explicitly (``given``) are kept as they are; a wrong one is refused where it
matters, by :func:`check_fits` (which :func:`digitnet.training.train` calls first), with a
message naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from . import arrays, inputs, words
from .config import ALTERATIONS, PRESETS, TrainConfig, hidden_sizes, turned_off
from .datasets import Dataset
from .errors import ConfigError, DataError, listed
from .inputs import Audio
from .network import Network
from .sources import SPECS

__all__ = ["for_data", "for_input", "check_fits", "check_classes_trained", "check_layers_given",
           "none_held_out", "TABLE", "VOICE"]

#: What a table's recipe changes, unless an option says otherwise (see the module docstring).
TABLE = {"shift": 0, "epochs": 200, "weight_decay": 1e-4}
#: What fine-tuning a model of recordings to a new voice changes (see the module docstring).
VOICE = {"epochs": 100, "lr": 0.003, "copies": 16, "speed": 0.1, "stretch": 0.3, "cut": 0.3,
         "colour": 6.0, "shift": 0, "weight_decay": 1e-4}


def for_data(config: TrainConfig, data: Dataset, given: Iterable[str] = (), *,
             hidden: Sequence[int] | None = None, init: Network | None = None) -> TrainConfig:
    """``config`` shaped for ``data`` (see the module docstring).

    Parameters
    ----------
    config : TrainConfig
        The recipe, with the options given already in it.
    data : Dataset
        The training data: its input (pixels or columns) and its classes.
    given : iterable of str
        The TrainConfig fields set explicitly; they are left alone.
    hidden : sequence of int, optional
        The hidden layers' sizes; then the layers are (inputs, *hidden, classes).
    init : Network, optional
        The model training starts from: its layers, activation, output and deskewing are the
        default.

    Raises
    ------
    ConfigError
        Both ``hidden`` and explicit ``sizes`` are given, or a hidden size is not positive.
    DataError
        A table whose labels are mostly distinct: not classes (a wrong label column, most often).
    """
    given = set(given)
    changes = {}
    _check_labels(data)
    if hidden is not None:
        hidden = hidden_sizes(hidden)  # 16.5 or "16" refused, not cut to 16
        if "sizes" in given:
            raise ConfigError("give the hidden layers (--hidden) or every layer (--layers), "
                              "not both")
        if min(hidden, default=1) < 1:
            raise ConfigError(f"hidden layer sizes must be positive, got {hidden}")
    if "sizes" not in given:
        n_classes = len(inputs.classes_of(init)) if init is not None else len(data.classes)
        if hidden is None:
            hidden = init.sizes[1:-1] if init is not None else config.sizes[1:-1]
        changes["sizes"] = (data.input.n_inputs, *hidden, n_classes)
    if init is not None:
        for field, value in (("activation", init.activation.name),
                             ("output", init.output_function.name),
                             ("deskew", bool(getattr(inputs.of(init), "deskew", False)))):
            if field not in given:
                changes[field] = value
    if init is not None and isinstance(data.input, Audio):
        voice = {**VOICE, "dropout": _trained_dropout(init)}
        if "copies" in given and not config.copies:  # none made: nothing for VOICE's to alter
            voice = {k: v for k, v in voice.items() if k not in ALTERATIONS}
        changes.update({k: v for k, v in voice.items() if k not in given})
    if init is None and "deskew" not in given and _clothes(data):
        changes["deskew"] = False  # (a shirt's slant is not a writer's: the module docstring)
    _check_preset_kind(config, data, given)
    return for_input(config.replace(**changes), data.input, given)


def _clothes(data: Dataset) -> bool:
    """Whether ``data`` is Fashion-MNIST's pictures, or others not made as handwriting is: its
    classes are those :func:`digitnet.datasets.load` gives ``fashion-mnist`` and a folder of its
    files, or its picture files were read as they are (``pictures`` "frames", as
    :func:`digitnet.folders.read_folder` tells them)."""
    return isinstance(data.input, inputs.Images) and (
        tuple(data.classes) == SPECS["fashion-mnist"].classes
        or (data.names is not None and data.input.pictures == "frames"))


def _check_preset_kind(config: TrainConfig, data: Dataset, given: set[str]) -> None:
    """A ConfigError naming the preset whose elastic distortions (not an option given: the
    ``large`` preset's) would bend ``data``'s examples, which are not pictures of ink, as
    ``--preset speech`` is refused for data without recordings. (An option given is refused by
    :func:`check_fits`, which names that option.)"""
    if (isinstance(data.input, inputs.Images) or not config.elastic_alpha
            or "elastic_alpha" in given):
        return
    name = next((n for n, p in PRESETS.items() if p.elastic_alpha == config.elastic_alpha), None)
    if name is not None:
        what = "holds recordings" if isinstance(data.input, Audio) else "is a table"
        raise ConfigError(f"--preset {name} (preset={name!r}) is a recipe for pictures: its "
                          f"elastic distortions bend images, and {data.name} {what}; drop "
                          f"--preset {name} to train it with the default recipe, or keep the "
                          "rest of the preset with elastic_alpha=0 (--elastic-alpha 0)")


def for_input(config: TrainConfig, model_input: inputs.Input,
              given: Iterable[str] = ()) -> TrainConfig:
    """``config`` with what suits the kind of ``model_input``, in the fields not ``given``: a
    table's recipe (:data:`TABLE`); for recordings, no shift (moving a picture of sound up or
    down changes its pitch, and the default recipe's 784-16-16-10 hears a new voice as well
    without shifts: bench/results/speech-shift.md); and
    deskewing only for pictures (straightening a slant needs a picture of ink)."""
    given = set(given)
    changes = dict(TABLE) if model_input.image_shape is None else {}
    if isinstance(model_input, Audio):
        changes["shift"] = 0
    if not isinstance(model_input, inputs.Images):
        changes["deskew"] = False
    return config.replace(**{k: v for k, v in changes.items() if k not in given})


def check_layers_given(data: Dataset, sizes: Sequence[int], option: str, *,
                       tuning: bool = False) -> None:
    """A ConfigError when the layer ``sizes`` that ``option`` gave, a recipe file (``--config
    FILE``, as ``digitnet tune`` saves it, with the layers of the data it was tuned on), do not
    fit ``data`` (its input and output layers, as :func:`check_fits` asks), naming the file and
    the ways to give other layers (``tuning``: those of ``digitnet tune``, which has no
    --hidden and can search them). Layers given otherwise (``--layers``) are left to
    :func:`check_fits`."""
    n_in, n_classes = data.input.n_inputs, len(data.classes)
    top = int(data.labels.max(initial=0))
    if not option.startswith("--config ") or sizes[0] == n_in and top < sizes[-1] <= n_classes:
        return
    what, file = "pixels" if data.input.image_shape else "columns", option.split(" ", 1)[1]
    raise ConfigError(f"{option}: its layers {'-'.join(map(str, sizes))} are for {sizes[0]} "
                      f"inputs and {sizes[-1]} classes, and {data.name} has {n_in} {what} and "
                      f"{n_classes} classes; drop \"sizes\" from {file} (the layers then fit the "
                      f"data), or give them with {'' if tuning else '--hidden or '}--layers "
                      f"{n_in},...,{n_classes}{' (or search them: --search-layers)' * tuning}")


def _trained_dropout(net: Network) -> float:
    """The dropout ``net`` was trained with, from its recipe on record; 0 for a model that
    records none (one imported from ONNX, PyTorch or scikit-learn)."""
    value = (net.metadata.get("config") or {}).get("dropout", 0.0)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1
    return float(value) if ok else 0.0


def _check_labels(data: Dataset) -> None:
    """A table whose labels are mostly distinct holds no classes to learn: most often the label
    column is another one (a CSV's default is its last column), or y holds measurements
    (:func:`digitnet.arrays.not_classes`)."""
    n_classes = len(np.unique(data.labels))
    if data.input.image_shape is None and n_classes > 2 and n_classes > len(data) / 2:
        raise DataError(f"{data.name}: {n_classes:,} different labels among {len(data):,} rows, "
                        "so most classes have a single example; "
                        f"{arrays.not_classes(data.name, data.classes)}")


def none_held_out(data: Dataset, fraction: float) -> tuple[str, str]:
    """What to say when ``fraction`` holds out none of ``data`` (training holds out that share
    of each class, rounded): why, and what to do (the share that holds out one of its largest
    class, or more examples), each in Python's words and the CLI's."""
    largest = int(np.bincount(data.labels).max()) if len(data) else 0
    enough = next((k / 10 for k in range(1, 10) if round(k / 10 * largest) >= 1), None)
    more = (f"hold out more (val_fraction={enough:g}, --val-fraction {enough:g}: one of the "
            "largest class)" if enough is not None and enough > fraction else "give more examples")
    return (f"val_fraction={fraction:g} (--val-fraction {fraction:g}) holds out none of its "
            f"{len(data):,} examples (that share of each class, rounded; its largest class has "
            f"{largest:,})"), more


def _none_held_out(data: Dataset, fraction: float) -> str:
    """Why early stopping cannot run on ``data``: ``fraction`` holds out none of it
    (:func:`none_held_out`), and the way to train without early stopping."""
    why, more = none_held_out(data, fraction)
    return (f"{data.name}: early stopping scores held-out examples, and {why}; {more} or train "
            "without early stopping (early_stopping=False, --no-early-stopping)")


#: Options that only images have: what each does, and how to turn it off.
_IMAGE_OPTIONS = {"shift": ("shift augmentation moves images", "shift=0 (--shift 0)"),
                  "deskew": ("deskewing straightens images", "deskew=False (--no-deskew)"),
                  "elastic_alpha": ("elastic distortions bend images",
                                    "elastic_alpha=0 (--elastic-alpha 0)")}


def check_fits(data: Dataset, train_index: np.ndarray, val_labels: np.ndarray, net: Network,
               config: TrainConfig) -> None:
    """Raise DataError or ConfigError if ``net`` and ``config`` cannot train on ``data``: no
    training examples left, early stopping with none held out, the input or output layer the
    wrong size, a class of the network without training examples
    (:func:`check_classes_trained`), or an option for images given for a table (naming how to
    turn it off)."""
    if len(train_index) == 0:
        emptied = _emptied(data, train_index)
        raise DataError(_all_held_out(data, emptied, config) if emptied else
                        "no training examples left after holding out the validation split")
    if config.early_stopping and not len(val_labels):
        raise ConfigError(_none_held_out(data, config.val_fraction))
    n_in = data.input.n_inputs
    if n_in != net.sizes[0]:
        what = "pixels" if data.input.image_shape else "columns"
        raise DataError(f"the examples have {n_in} {what} but the network's input layer has "
                        f"{net.sizes[0]} neurons; give it {n_in} inputs (--layers {n_in},...; "
                        f"in Python, sizes=({n_in}, ...))")
    per_class = f"give the output layer one neuron per class (--layers ...,{len(data.classes)})"
    for labels in (data.labels, val_labels):
        if len(labels) and int(labels.max()) >= net.sizes[-1]:
            raise DataError(f"labels go up to {int(labels.max())} but the output layer has "
                            f"only {net.sizes[-1]} neurons; {per_class}")
    if net.sizes[-1] > len(data.classes):
        raise DataError(f"the output layer has {net.sizes[-1]} neurons and {data.name} has "
                        f"{len(data.classes)} classes; {per_class}")
    check_classes_trained(data, train_index, val_labels, net, config)
    if config.copies and data.sounds is None:
        given = [name for name in ("copies", *ALTERATIONS) if getattr(config, name)]
        raise ConfigError(f"{listed(given)} augment recordings, and {data.name} holds none; "
                          f"train it without them: {turned_off(given)}")
    if isinstance(data.input, Audio):
        for name, (what, off) in _IMAGE_OPTIONS.items():
            if name != "shift" and getattr(config, name):
                raise ConfigError(f"{what} of ink, and {data.name} holds recordings; train it "
                                  f"with {off}")
    if config.teacher and config.copies:
        raise ConfigError("a teacher answers for the recordings, not for their altered copies; "
                          "train with copies=0 (--copies 0) or without teacher")
    given = [name for name in _IMAGE_OPTIONS if getattr(config, name)]
    if given and data.input.image_shape is None:
        raise ConfigError(f"{' and '.join(_IMAGE_OPTIONS[name][0] for name in given)}, and "
                          f"{data.name} is a table; train it with "
                          + ", ".join(_IMAGE_OPTIONS[name][1] for name in given))


#: What messages call each kind of example.
_NOUNS = {"images": "pictures", "audio": "recordings", "table": "rows"}


def check_classes_trained(data: Dataset, train_index: np.ndarray, val_labels: np.ndarray,
                          net: Network, config: TrainConfig | None = None) -> None:
    """A DataError when ``net`` would train on fewer than two classes, or, starting from a
    model's weights (``--init``), when one of its classes has no training example among
    ``data``'s ``train_index``, or when the validation split (``config``'s) holds out every
    example of a class ``data`` has (:func:`_all_held_out`: a val_fraction near 1).

    A class a model never sees again is one it unlearns: fine-tuned on five recordings of 7, a
    model of the ten digits answers 7 to everything. A new network's classes are the data's
    (IDX files, FSDD's names and class folders named by digits give the ten digits); one trained
    on a few of them (folders ``3/`` and ``8/``) tells those apart, and is left to do so. Classes
    are those of ``data`` once numbered as the network's (:func:`digitnet.classmatch.
    for_model`); those ``data`` declares (:attr:`~digitnet.datasets.Dataset.declared`: a batch
    of scikit-learn's ``partial_fit``) may have none. ``val_labels``: those held out, named when
    a class's examples all are.
    """
    n_out, noun = net.sizes[-1], _NOUNS[data.input.kind]
    names = [data.classes[k] if k < len(data.classes) else str(k) for k in range(n_out)]
    counts = np.bincount(data.labels[train_index], minlength=n_out)
    present = [c for c, n in zip(names, counts) if n]
    covered = [c for c, n in zip(names, counts) if n or c in data.declared]
    missing = [c for c in names if c not in covered]
    fine_tuned = bool(net.metadata)  # a model's weights (--init), not new ones
    if len(covered) > 1 and not (fine_tuned and missing):
        if emptied := _emptied(data, train_index):
            raise DataError(_all_held_out(data, emptied, config))
        return
    held = [names[k] for k in np.unique(val_labels).tolist() if names[k] in missing]
    held = (f"; those of {listed(held)} are all held out for validation: give more, or hold "
            "out fewer (val_fraction, --val-fraction)") if held else ""
    if not fine_tuned:
        raise DataError(f"{data.name}: holds training {noun} of one class only, {present[0]}; a "
                        f"classifier needs at least two classes: add {noun} of another{held}")
    one = len(present) == 1
    why = (f"classes of the model it starts from; fine-tuned on {_some(present)} alone, it "
           f"would unlearn {'it' if len(missing) == 1 else 'them'}"
           + (f" and answer {present[0]} to everything" if one else ""))
    raise DataError(f"{data.name}: no training {noun} of {_some(missing)}, {why}: give {noun} "
                    f"of each of its classes (a few of each){held}")


def _emptied(data: Dataset, train_index: np.ndarray) -> list[tuple[str, int]]:
    """The classes of ``data`` none of whose examples are in ``train_index`` (all held out),
    each with how many examples it has."""
    everywhere = np.bincount(data.labels)
    kept = np.bincount(data.labels[train_index], minlength=len(everywhere))
    return [(data.classes[k] if k < len(data.classes) else str(k), n)
            for k, n in enumerate(everywhere.tolist()) if n and not kept[k]]


def _all_held_out(data: Dataset, emptied: list[tuple[str, int]],
                  config: TrainConfig | None) -> str:
    """Why the network cannot learn the classes ``emptied`` (name, examples): the validation
    split holds out every example of each, and what to do (for a fraction, the largest tenth
    below it that keeps a training example of each class)."""
    noun, one = _NOUNS[data.input.kind], len(emptied) == 1
    names = _some([name for name, _ in emptied])
    held = (f"all {emptied[0][1]:,} of its {noun}" if one else f"all their {noun} ("
            + (listed(f"{n:,} of {name}" for name, n in emptied) if len(emptied) <= 12
               else f"{sum(n for _, n in emptied):,}") + ")")
    group, fraction = (None, None) if config is None else (config.val_group, config.val_fraction)
    if group is not None:
        split, todo = (f"val_group={group!r} (--val-speaker {words.shell(group)})",
                       f"hold out another speaker, or give {noun} of {names} by others")
    elif fraction is not None:
        split = f"val_fraction={fraction:g} (--val-fraction {fraction:g})"
        lower = [k / 10 for k in range(9, 0, -1) if k / 10 < fraction
                 and all(round(k / 10 * n) < n for n in np.bincount(data.labels).tolist())]
        todo = (f"hold out fewer: --val-fraction {lower[0]:g} or lower (in Python, "
                f"val_fraction={lower[0]:g})" if lower else "give more examples")
    else:
        split, todo = "the validation split", "hold out fewer (val_fraction, --val-fraction)"
    return (f"{data.name}: no training {noun} of {names}: {split} holds out {held} for "
            f"validation, so the network could not learn {'it' if one else 'them'}; {todo}")


def _some(names: Sequence[str]) -> str:
    """Class names as a message lists them: all, or the first ten and how many in all."""
    return listed(names) if len(names) <= 12 else f"{', '.join(names[:10])}, ... ({len(names)})"
