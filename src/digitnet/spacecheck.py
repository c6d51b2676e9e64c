"""Whether a search space can train on its data, checked before a search starts.

A :class:`~digitnet.searchspace.Space` checks each field's values on their own as it is read.
A trial trains the base recipe with the values it draws, and some values fail only with that
recipe, with each other or on the data: cut alters copies of recordings, so it fails where the
base recipe makes none, and on a table, which holds no recordings at all; a teacher fails
beside label smoothing, or when its file is missing or knows other classes than the data's.
Found at the first trial that draws them, they would stop a search whose study already keeps
that space under its name. :func:`check` finds them first::

    space = Space({"cut": {"low": 0.0, "high": 0.3}})
    spacecheck.check(space, base, wine)   # ConfigError: cut alters copies of recordings, and
                                          # wine.csv holds none; leave cut out of the search space

It tries the recipes a trial could draw at the corners of the space: each value of every field
(a range's two ends, the sizes' fewest and narrowest hidden layers and their most and widest)
alone and with each value of every other field, the other fields at the base recipe's values
(or their first value, when the space cannot draw the base's), each ``when`` honoured as a
trial honours it. The rules that train through :func:`digitnet.recipes.check_fits` and a
teacher's checks judge each recipe, as they would judge the trial's. Then the base recipe and
each value of every field alone start a run as a trial does (:func:`digitnet.training.train`,
with the engine the search asks for) on an example of each class, stopped before its first
step: what the engine cannot train (dropout, with ``--engine compiled``) is refused then too,
in the words ``digitnet train`` has for it, naming every field that could draw it.
"""

from __future__ import annotations

import itertools
import json

import numpy as np

from . import distillation, modelfile, recipes
from .config import ALTERATIONS, TrainConfig
from .datasets import Dataset
from .errors import ConfigError, DigitnetError, listed
from .inputs import Audio
from .network import Network
from .searchspace import Space, shown
from .splits import train_val_indices
from .training import Callback, train

__all__ = ["check"]

#: What the options for pictures do: a table has none of them, recordings' pictures of sound
#: only shifts (:func:`digitnet.recipes.check_fits`).
_FOR_IMAGES = {"shift": "shift augmentation moves images",
               "deskew": "deskewing straightens images of ink",
               "elastic_alpha": "elastic distortions bend images"}


def check(space: Space, base: TrainConfig, data: Dataset, engine: str = "auto") -> None:
    """Raise ConfigError, naming ``space.source`` and the fields, if a trial of ``space`` on
    ``base`` could draw a recipe that cannot train on ``data`` with ``engine`` ("auto",
    "compiled" or "numpy", as :func:`digitnet.train` takes it; see the module docstring).

    The base recipe itself is checked first, and its own error (a missing --teacher file, say,
    or ``--engine compiled`` with dropout) raised as it is: it is the command's, not the space's.
    """
    _check_kind(space, data)
    train_index, val_index = train_val_indices(data, base.val_fraction, base.seed,
                                               base.val_group)
    judge = _Judge(space, base, data, train_index, data.labels[val_index], engine)
    judge.recipe(base)
    judge.starts(base)
    seen = {json.dumps(base.to_dict(), sort_keys=True)}  # recipes judged, corners drawn
    for corner in _corners(space, base):
        if _seen(seen, corner.params):
            continue
        try:
            config = space.sample(_Trial(corner.params), base)
            if not _seen(seen, config.to_dict()):
                judge.recipe(config)
        except DigitnetError as e:
            corner = judge.blamed(corner)
            raise ConfigError(f"{space.source}: {' and '.join(corner.fields)}: a trial could "
                              f"draw {corner.described}, which cannot train: {e}") from None
    _check_starts(space, base, judge)


def _check_starts(space: Space, base: TrainConfig, judge: _Judge) -> None:
    """ConfigError naming every field with a value that, alone, stops a run before its first
    step (the engine asked for cannot train it), with training's own words for the first."""
    failed = {}  # field -> (its corner that failed, the error)
    for corner in itertools.takewhile(lambda c: len(c.fields) == 1, _corners(space, base)):
        if corner.fields[0] in failed:
            continue
        try:
            judge.starts(space.sample(_Trial(corner.params), base))
        except DigitnetError as e:
            failed[corner.fields[0]] = corner, e
    if failed:
        fields = listed(failed)
        drawn = " or ".join(corner.described for corner, _ in failed.values())
        error = next(iter(failed.values()))[1]
        raise ConfigError(f"{space.source}: {fields}: {'a trial' if len(failed) == 1 else 'trials'}"
                          f" could draw {drawn}, which cannot train: {error}, or leave {fields} "
                          "out of the search space")


def _seen(seen: set, values: dict) -> bool:
    """Whether ``values`` are in ``seen``; they are after."""
    key = json.dumps(values, sort_keys=True)
    found = key in seen
    seen.add(key)
    return found


def _check_kind(space: Space, data: Dataset) -> None:
    """ConfigError for a field that does something only for another kind of data (copies of
    recordings on a table, shifts of pictures on one), if the space can turn it on."""
    audio, table = isinstance(data.input, Audio), data.input.image_shape is None
    for field, dist in space.table.items():
        if field == "sizes" or not any(_ends(dist)):
            continue
        if field in ("copies", *ALTERATIONS) and data.sounds is None:
            what = ("copies are altered copies of recordings" if field == "copies" else
                    f"{field} alters copies of recordings")
            why = f"{what}, and {data.name} holds none"
        elif field in _FOR_IMAGES and (table or audio and field != "shift"):
            why = (f"{_FOR_IMAGES[field]}, and {data.name} "
                   f"{'is a table' if table else 'holds recordings'}")
        else:
            continue
        raise ConfigError(f"{space.source}: {field}: {why}; leave {field} out of the search "
                          "space")


class _Judge:
    """Whether a recipe can train on the data: :func:`digitnet.recipes.check_fits` with a
    network of the recipe's sizes, and its teacher (each model file read once) answering; and
    whether a run of it starts (:meth:`starts`)."""

    def __init__(self, space: Space, base: TrainConfig, data: Dataset, train_index,
                 val_labels, engine: str):
        self.space, self.base, self.data = space, base, data
        self.train_index, self.val_labels, self.engine = train_index, val_labels, engine
        self.networks, self.teachers, self.started = {}, {}, set()
        # An example of each class, enough for a run to be prepared as it would on them all.
        self.examples = data.subset(np.unique(data.labels, return_index=True)[1])

    def starts(self, config: TrainConfig) -> None:
        """Raise the error a run of ``config`` with the engine stops with before its first step
        (that engine cannot train it), if any: training prepares it, as it does a trial's, on
        :attr:`examples`, told to stop there."""
        if not _seen(self.started, config.to_dict()):
            try:
                train(self.examples, config, val=self.examples, callback=_FirstStep(),
                      handle_signals=False, engine=self.engine)
            except _Prepared:
                pass

    def recipe(self, config: TrainConfig) -> None:
        """Raise the error training ``config`` on the data would stop with, if any."""
        if config.sizes not in self.networks:
            self.networks[config.sizes] = Network(config.sizes, seed=0)
        recipes.check_fits(self.data, self.train_index, self.val_labels,
                           self.networks[config.sizes], config)
        if config.teacher is not None:
            if config.teacher not in self.teachers:
                self.teachers[config.teacher] = modelfile.load(config.teacher)
            distillation.teacher_for(self.teachers[config.teacher], self.data.subset(slice(0, 1)),
                                     config.temperature, config.teacher_weight, config.output,
                                     f"--teacher {config.teacher}")

    def passes(self, corner: _Corner) -> bool:
        try:
            self.recipe(self.space.sample(_Trial(corner.params), self.base))
        except DigitnetError:
            return False
        return True

    def blamed(self, corner: _Corner) -> _Corner:
        """A failing corner of one field, with the field whose default it fails beside (the
        first that passes at another of its values), to be named too; else as it is."""
        if len(corner.fields) > 1:
            return corner
        for field, dist in self.space.table.items():
            if field in corner.chosen:
                continue
            others = [values for values in _values(field, dist)
                      if values != corner.defaults[field]]
            if any(self.passes(corner.setting(field, values)) for values in others):
                return corner.setting(field, corner.defaults[field])
        return corner


class _Prepared(Exception):
    """A run got to its first step: it was prepared, and its engine chosen."""


class _FirstStep(Callback):
    def on_train_start(self, config, n_train, n_val, start_epoch) -> None:
        raise _Prepared


class _Corner:
    """The fields a corner of the space sets (field -> its Optuna parameters) over the
    defaults of the rest: the parameters a trial there draws."""

    def __init__(self, table: dict, fields: tuple[str, ...], chosen: dict, defaults: dict):
        self.table, self.fields, self.chosen, self.defaults = table, fields, chosen, defaults
        self.params = {name: value for field in table
                       for name, value in chosen.get(field, defaults[field]).items()}

    @property
    def described(self) -> str:
        return " with ".join(_described(field, self.chosen[field]) for field in self.fields)

    def setting(self, field: str, values: dict) -> _Corner:
        """This corner with ``field`` set to ``values`` (and named) too."""
        chosen = {**self.chosen, field: values}
        fields = tuple(f for f in self.table if f in (*self.fields, field))
        return _Corner(self.table, fields, chosen, self.defaults)


def _corners(space: Space, base: TrainConfig):
    """Each value of every field alone, then with each value of every other field (a
    :class:`_Corner` each); the rest at their defaults, and what a ``when`` of the fields set
    names at the value it names, where the space can draw that value."""
    table = space.table
    defaults = {field: _default(field, dist, base) for field, dist in table.items()}
    for fields in itertools.chain(itertools.combinations(table, 1),
                                  itertools.combinations(table, 2)):
        for values in itertools.product(*(_values(field, table[field]) for field in fields)):
            chosen = dict(zip(fields, values))
            _add_conditions(table, chosen)
            yield _Corner(table, fields, chosen, defaults)


def _add_conditions(table: dict, chosen: dict) -> None:
    """Set, in ``chosen`` (field -> its parameters), each field a "when" of a chosen field
    names to the value it names, unless chosen otherwise or out of that field's reach."""
    waiting = list(chosen)
    while waiting:
        for name, value in table[waiting.pop()].get("when", {}).items():
            if name in table and name not in chosen and _reaches(table[name], value):
                chosen[name] = {name: value}
                waiting.append(name)


def _ends(dist: dict) -> list:
    return list(dist["choices"]) if "choices" in dist else [dist["low"], dist["high"]]


def _values(field: str, dist: dict) -> list[dict]:
    """The corners of one field's distribution, as the Optuna parameters drawn for it."""
    if field == "sizes":
        return [{part: _ends(dist[part])[end] for part in ("hidden_layers", "width")}
                for end in (0, -1)]
    return [{field: value} for value in _ends(dist)]


def _default(field: str, dist: dict, base: TrainConfig) -> dict:
    """The base recipe's value where the space can draw it, else the field's first corner."""
    if field != "sizes" and _reaches(dist, getattr(base, field)):
        return {field: getattr(base, field)}
    return _values(field, dist)[0]


def _reaches(dist: dict, value) -> bool:
    if "choices" in dist:
        return any(value == choice and type(value) is type(choice) for choice in dist["choices"])
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and dist["low"] <= value <= dist["high"]


def _described(field: str, params: dict) -> str:
    if field == "sizes":
        return f"{params['hidden_layers']} hidden layers of {params['width']} neurons"
    return f"{field} {shown(params[field])}"


class _Trial:
    """An Optuna trial that draws the parameters it is given (every layer's width the one
    "width"), as :meth:`Space.sample` asks for them."""

    def __init__(self, params: dict):
        self.params = params

    def _draw(self, name: str, *args, **kwargs):
        return self.params["width" if name.startswith("width_") else name]

    suggest_categorical = suggest_int = suggest_float = _draw
