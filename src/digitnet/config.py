"""How to train: the recipe as one frozen :class:`TrainConfig`, and the named :data:`PRESETS`.

Everything that makes a training run what it is (architecture, optimiser, schedule, batches,
augmentation, seed) lives in a :class:`TrainConfig`, which every model file and checkpoint
stores, so a model always says how it was made and a run can be repeated exactly. ::

    config = TrainConfig(epochs=20)                 # the default recipe, 20 epochs
    config = PRESETS["video"].replace(lr=0.1)       # a preset with one change
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import types
import typing
from dataclasses import dataclass

import numpy as np

from . import activations, losses, optimizers, words
from .errors import ConfigError, listed

__all__ = ["TrainConfig", "PRESETS", "SCHEDULES", "learning_rate", "checked_option", "option_type",
           "hidden_sizes", "layer_sizes", "turned_off"]

SCHEDULES = ("constant", "cosine")


#: The options that alter copies of recordings (each needs ``copies`` above 0), and as a
#: message names them.
ALTERATIONS = ("speed", "stretch", "cut", "noise", "colour", "warp")
ALTERATIONS_NAMED = listed(ALTERATIONS)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: architecture, optimiser, schedule, data handling and seed.

    The defaults are the recipe chosen for the video's 784-16-16-10 shape by validation
    accuracy on held-out MNIST training digits, over several seeds (the README says how):
    deskewed digits, leaky ReLU hidden layers, softmax with cross-entropy, Adam at 0.0025 with
    a cosine schedule and weight decay 3e-4, batches of 32, 150 epochs, every training image
    shifted by up to one pixel.

    ``label_smoothing`` ε trains towards targets of 1 - ε on each example's label and ε shared
    evenly by all classes, in place of 1 on the label, so that training never pushes the network
    towards certainty (Szegedy et al. 2016; :func:`digitnet.distillation.smoothing`).

    Recordings (:mod:`digitnet.audio`) can be augmented before they become pictures: ``copies``
    altered copies of each training recording are made once (:mod:`digitnet.sound_augment`),
    each spoken faster or slower (``speed``: pitch and tempo together, as playing a tape faster
    does), drawn out or hurried (``stretch``: tempo alone), with some of its start or its end
    cut off (``cut``: a recording begun late or stopped early), with hiss added (``noise``), heard
    through another microphone or room (``colour``: some frequencies louder, others quieter) and
    with the frequencies of its picture stretched or squeezed (``warp``: a longer or shorter
    vocal tract), and each epoch visits every recording as itself or as one of its copies.
    ``val_group`` holds out every example of one group (a speaker) for validation instead of
    ``val_fraction``.
    """

    sizes: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "leaky_relu"
    output: str = "softmax"
    optimizer: str = "adam"
    lr: float = 0.0025
    momentum: float = 0.0  # SGD only
    beta1: float = 0.9  # Adam only
    beta2: float = 0.999  # Adam only
    weight_decay: float = 3e-4
    dropout: float = 0.0  # probability of dropping each hidden neuron in training; 0 = off
    teacher: str | None = None  # a model file to distil from (distillation.py); None = off
    temperature: float = 2.0  # ... the temperature softening the teacher's answers
    teacher_weight: float = 0.5  # ... and the weight of its soft targets against the labels
    label_smoothing: float = 0.0  # targets: 1 - this on the label, this spread over all classes
    batch_size: int = 32
    epochs: int = 150
    schedule: str = "cosine"  # "constant" or "cosine" (per step, from lr down to 0)
    shift: int = 1  # augmentation: move each training image by up to this many pixels; 0 = off
    deskew: bool = True  # straighten each image's slant before the network sees it (inputs.py)
    elastic_alpha: float = 0.0  # augmentation: elastic distortions' scale in pixels; 0 = off
    elastic_sigma: float = 4.0  # ... and their smoothness (augment.py)
    copies: int = 0  # augmentation of recordings: altered copies of each; 0 = off
    speed: float = 0.0  # a copy is up to this much faster or slower (0.1: x0.9 to x1.1)
    stretch: float = 0.0  # a copy's tempo alone changes by up to this much
    noise: float = 0.0  # hiss added to a copy, up to this share of the voice's loudness (RMS)
    warp: float = 0.0  # a copy's frequencies are up to this much higher or lower (vocal tract)
    cut: float = 0.0  # a copy loses up to this share of its start or of its end
    colour: float = 0.0  # a copy's loudness changes smoothly across frequencies, up to this many dB
    val_fraction: float = 0.1
    val_group: str | None = None  # hold out this group (a speaker) for validation instead
    early_stopping: bool = False
    patience: int = 5  # epochs without a better validation loss before stopping
    seed: int = 0

    def __post_init__(self):
        for name in self.fields():  # each value as the option holds it, or a ConfigError
            object.__setattr__(self, name, _typed(name, getattr(self, name)))
        self.validate()

    def validate(self) -> None:
        """Raise ConfigError naming the first option that is out of range (each value's type is
        checked as the config is made: :func:`checked_option`)."""
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ConfigError(f"layers must be at least two positive sizes, got {self.sizes}")
        activations.get(self.activation)
        losses.get(self.output)
        if self.optimizer not in optimizers.OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; choose one of "
                              f"{', '.join(optimizers.OPTIMIZERS)}")
        checks = [
            ("lr", self.lr > 0 and math.isfinite(self.lr), "a positive number"),
            ("momentum", 0 <= self.momentum < 1, "in [0, 1)"),
            ("beta1", 0 <= self.beta1 < 1, "in [0, 1)"),
            ("beta2", 0 <= self.beta2 < 1, "in [0, 1)"),
            ("weight_decay", self.weight_decay >= 0, ">= 0"),
            ("dropout", 0 <= self.dropout < 1, "in [0, 1)"),
            ("teacher", self.teacher is None or isinstance(self.teacher, str) and self.teacher,
             "a model file's path, or None"),
            ("temperature", 0 < self.temperature <= 100, "in (0, 100]"),
            ("teacher_weight", 0 <= self.teacher_weight <= 1, "in [0, 1]"),
            ("label_smoothing", 0 <= self.label_smoothing < 1, "in [0, 1)"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("epochs", self.epochs >= 1, ">= 1"),
            ("schedule", self.schedule in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
            ("shift", 0 <= self.shift <= 4, "between 0 and 4 pixels"),
            ("elastic_alpha", 0 <= self.elastic_alpha <= 100, "between 0 and 100 pixels"),
            ("elastic_sigma", 0.5 <= self.elastic_sigma <= 20, "between 0.5 and 20 pixels"),
            ("copies", 0 <= self.copies <= 32, "between 0 and 32"),
            ("speed", 0 <= self.speed <= 0.5, "between 0 and 0.5"),
            ("stretch", 0 <= self.stretch <= 0.5, "between 0 and 0.5"),
            ("noise", 0 <= self.noise <= 1, "between 0 and 1"),
            ("warp", 0 <= self.warp <= 0.5, "between 0 and 0.5"),
            ("cut", 0 <= self.cut <= 0.5, "between 0 and 0.5"),
            ("colour", 0 <= self.colour <= 24, "between 0 and 24 decibels"),
            ("val_fraction", 0 <= self.val_fraction < 1, "in [0, 1)"),
            ("patience", self.patience >= 1, ">= 1"),
            ("seed", self.seed >= 0, ">= 0"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(f"{name} must be {expected}, got {getattr(self, name)!r}")
        if self.teacher and self.label_smoothing:
            raise ConfigError("label smoothing and a teacher both soften the labels; train "
                              "with one of them (label_smoothing 0, or no teacher)")
        if self.early_stopping and self.val_fraction == 0 and self.val_group is None:
            raise ConfigError("early stopping needs a validation split, and val_fraction=0 "
                              "(--val-fraction 0) holds out none; hold some out "
                              "(val_fraction=0.1, --val-fraction 0.1) or train without early "
                              "stopping (early_stopping=False, --no-early-stopping)")
        altered = [name for name in ALTERATIONS if getattr(self, name)]
        if altered and not self.copies:
            raise ConfigError(f"{listed(altered)} alter{'s' * (len(altered) == 1)} copies of "
                              "the training recordings; give copies=N (--copies N), or turn "
                              f"{'them' if len(altered) > 1 else 'it'} off: "
                              + turned_off(altered))

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The names of every option, in order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some options changed (and validated); an unknown name is a ConfigError.

        ``copies=0`` turns off this config's alterations of copies (:data:`ALTERATIONS`) not
        among ``changes``: with no copies there is nothing for them to alter, so
        ``PRESETS["speech"].replace(copies=0)`` (``--preset speech --copies 0``, as every recipe
        from a preset and the options given is made) trains on the recordings alone. An
        alteration given beside it (``copies=0, cut=0.2``) is refused, as it alters nothing."""
        _check_names(changes)
        if "copies" in changes and _typed("copies", changes["copies"]) == 0:
            changes = {**dict.fromkeys(ALTERATIONS, 0.0), **changes}
        return dataclasses.replace(self, **changes)

    def differences(self, given: dict) -> list[tuple[str, object, object]]:
        """``(name, this config's value, given value)`` for each option in ``given`` that differs.

        Values are compared as the config holds them, so ``sizes=[784, 16, 10]`` equals
        ``sizes=(784, 16, 10)`` and ``lr=1`` equals ``lr=1.0``.
        """
        _check_names(given)
        normal = dataclasses.replace(self, **given)
        return [(name, getattr(self, name), given[name]) for name in given
                if getattr(normal, name) != getattr(self, name)]

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """The config a model file or checkpoint stores; an option added since it was written
        takes the value that reproduces how it was trained (:data:`ADDED_OPTIONS`)."""
        _check_names(d)
        return cls(**{**ADDED_OPTIONS, **d})


#: Options added after model files first stored their TrainConfig, each with the value that
#: reproduces training as it was before the option existed (not necessarily today's default).
ADDED_OPTIONS = {"deskew": False, "elastic_alpha": 0.0, "elastic_sigma": 4.0, "dropout": 0.0,
                 "teacher": None, "temperature": 2.0, "teacher_weight": 0.5}


def turned_off(names) -> str:
    """How to turn off the options ``names`` (each 0), in Python and on the command line, as
    messages read from both say it: "copies=0, cut=0 (--copies 0 --cut 0)"."""
    return (", ".join(f"{name}=0" for name in names) + " ("
            + " ".join(f"--{name.replace('_', '-')} 0" for name in names) + ")")


def _check_names(options: dict) -> None:
    unknown = sorted(set(options) - set(TrainConfig.fields()))
    if unknown:
        raise ConfigError(f"unknown training option{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(map(repr, unknown))}; the options are "
                          f"{', '.join(TrainConfig.fields())}")


def option_type(name: str) -> tuple[type, bool]:
    """The type of option ``name``'s values (float, int, bool, str or tuple), and whether it
    may be None (an option declared ``str | None``, say), from TrainConfig's annotations."""
    _check_names({name: None})
    return _option_types()[name]


@functools.cache
def _option_types() -> dict[str, tuple[type, bool]]:
    types_of = {}
    for name, hint in typing.get_type_hints(TrainConfig).items():
        kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        named = [typing.get_origin(k) or k for k in kinds if k is not type(None)]
        types_of[name] = named[0], len(named) < len(kinds)
    return types_of


def checked_option(name: str, value):
    """``value`` as option ``name`` holds it, or a ConfigError saying what is wrong with it.

    For one value on its own (a JSON file's, a command-line option's): its type must be the
    option's, as TrainConfig requires of every value (:func:`_typed`), and the value one
    TrainConfig accepts.
    """
    # on its own: an alteration of copies is checked with copies to alter
    config = TrainConfig(copies=1 if name in ALTERATIONS else 0).replace(**{name: value})
    return getattr(config, name)


def hidden_sizes(hidden) -> tuple[int, ...]:
    """Hidden layers' sizes given as one whole number (one layer) or a sequence of them, as
    a tuple; anything else (text such as "16,16", say) is a ConfigError."""
    if _whole(hidden):
        return (int(hidden),)
    if _sequence(hidden) and all(map(_whole, hidden)):
        return tuple(int(h) for h in hidden)
    raise ConfigError(f"hidden must be a whole number or a list of whole numbers, such as "
                      f"(16, 16), got {_described(hidden, None)}")


def layer_sizes(sizes) -> tuple[int, ...]:
    """``sizes`` as the layers' sizes (whole numbers; a float, even 16.0, or a bool is not), as
    a :class:`TrainConfig` and a :class:`~digitnet.network.Network` take them; else a
    ConfigError of one line."""
    return _typed("sizes", sizes)


#: What an option of each type takes, as an error message says it.
_TAKES = {int: "a whole number", float: "a finite number", bool: "true or false",
          str: "a string", tuple: "a list of whole numbers"}


def _typed(name: str, value):
    """``value`` as option ``name`` holds it (a Python int, float, bool, str or tuple of ints:
    numpy's numbers are taken as the Python numbers they hold), or a ConfigError naming the
    option, the value and what it takes. A bool is not a number here, nor a float (even 3.0)
    a whole number, as in scikit-learn's parameter checks."""
    kind, optional = option_type(name)
    if value is None and optional:
        return None
    if kind is int and _whole(value):
        return int(value)
    if kind is float and _real(value) and math.isfinite(value):
        return float(value)
    if kind is bool and isinstance(value, (bool, np.bool_)):
        return bool(value)
    if kind is str and isinstance(value, str):
        return str(value)
    if kind is tuple and _sequence(value) and all(map(_whole, value)):
        return tuple(int(v) for v in value)
    raise ConfigError(f"{name} must be {_TAKES[kind]}{' or None' if optional else ''}, "
                      f"got {_described(value, kind)}")


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _sequence(value) -> bool:
    return isinstance(value, (list, tuple)) or isinstance(value, np.ndarray) and value.ndim == 1


def _described(value, kind: type | None) -> str:
    """``value``'s repr, with its type when that is what is wrong (not for nan, None, or a
    list, whose repr shows its items)."""
    if value is None or kind is float and _real(value) or _sequence(value):
        return repr(value)
    type_name = type(value).__name__
    return f"{value!r} ({words.a(type_name)})"


#: Named recipes. "default" is TrainConfig(); "video" keeps the video's sigmoid hidden layers
#: with the best recipe found for them (SGD with momentum beats Adam there); "large" is the
#: most accurate fully connected network we train from the 24,345-digit prefix in about ten
#: minutes on two cores: 784-800-800-10 as in the record tables, with dropout, deskewed and
#: elastically distorted digits (Simard et al.'s alpha 34, sigma 4), Adam with a cosine
#: schedule, batches of 128 (the README has its figures); "speech", for spoken digits, was
#: chosen by accuracy on a speaker held out of training, each of FSDD's five in turn
#: (bench/speech.py): wider hidden layers (128, 64), no shift (moving a picture of sound up or
#: down changes its pitch), weight decay 1e-3, dropout 0.3, and 4 copies of each recording with
#: its frequencies warped by up to 10% (other voices' vocal tracts), a third of them missing
#: up to 30% of their start, a third of their end (recordings begun late or stopped early),
#: each as through another microphone (coloured by up to 6 dB); and label smoothing 0.1 (0.8
#: points on a voice never heard, bench/results/speech.md); copies sped up, drawn out or with
#: hiss, in a simulated room, and mixup did not help there. Pictures of sound are never
#: deskewed.
PRESETS: dict[str, TrainConfig] = {
    "default": TrainConfig(),
    "video": TrainConfig(activation="sigmoid", optimizer="sgd", momentum=0.9, lr=0.023,
                         weight_decay=1e-5),
    "large": TrainConfig(sizes=(784, 800, 800, 10), activation="relu", lr=0.001,
                         weight_decay=0.0, dropout=0.2, batch_size=128, epochs=100,
                         elastic_alpha=34.0, elastic_sigma=4.0),
    # (as chosen: on the default recipe of then, ReLU, Adam 0.003, 50 epochs)
    "speech": TrainConfig(sizes=(784, 128, 64, 10), activation="relu", lr=0.003, epochs=50,
                          shift=0, weight_decay=1e-3, deskew=False, dropout=0.3, copies=4,
                          warp=0.1, cut=0.3, colour=6.0, label_smoothing=0.1),
}


def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    """The learning rate for optimiser step ``step`` (0-based) of ``total_steps``.

    "cosine" falls from ``config.lr`` to 0 along half a cosine wave over the whole run: big
    steps while the weights are far from good ones, small ones to settle at the end.
    """
    if config.schedule == "cosine":
        return config.lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
    return config.lr
