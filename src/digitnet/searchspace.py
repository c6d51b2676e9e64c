"""What ``digitnet tune`` searches: for each TrainConfig field it varies, the values it may take.

A search space is a table of :class:`~digitnet.config.TrainConfig` field -> distribution, in the
JSON form that ``digitnet tune --space FILE`` reads and ``--show-space`` prints::

    {"choices": [a, b, ...]}          one of these values
    {"low": a, "high": b}             a number from a to b: a float or a whole number, as the
                                      field is (lr is a float, epochs a whole number)
        "log": true                   ... drawn evenly on a log scale (learning rates)
        "step": s                     ... from the grid a, a + s, a + 2s, ...
    "when": {"optimizer": "sgd"}      (with either) drawn only when the fields named have
                                      these values; otherwise the field keeps the base recipe's

Fields are searched by name, so a field that TrainConfig gains is searchable with no change
here. ``sizes`` takes its own form, ``{"hidden_layers": RANGE, "width": RANGE}``: how many
hidden layers, and each one's width (the Optuna parameters ``hidden_layers`` and ``width_1``,
``width_2``, ... for layers 1, 2, ...); the input and output layers stay the base recipe's.
``seed``, ``val_fraction`` and ``val_group`` are never searched: they decide the validation
examples every trial is scored on and the luck of their draw, and a search over them finds
luck, or the easiest voice, not recipes.

The order of the table's fields does not matter. A trial draws them through Optuna
(``trial.suggest_*``) as listed, except that a field comes after the fields its ``when`` names;
``when`` conditions that go round in a circle (a on b, b on a) are refused. A field that could
never take effect on the base recipe (:meth:`Space.idle`: momentum when the optimizer is Adam
and not searched, or a ``when`` that can never hold), wherever it and the fields it depends on
are listed, would train one recipe again and again; ``digitnet tune`` leaves it out. What
fails only with the base recipe or the data (cut where no copies are made, a teacher file that
is missing) is found before a search starts by :func:`digitnet.spacecheck.check`.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

from . import jsontext, words
from .config import TrainConfig, checked_option, option_type
from .errors import ConfigError, listed
from .inputs import Audio, Images, Input
from .optionuse import ONLY_WITH

__all__ = ["DEFAULT_SPACE", "LAYERS_SPACE", "RECORDINGS_SPACE", "ONLY_WITH", "Space",
           "default_space", "shown"]

#: The recipe ``digitnet tune`` searches by default: TrainConfig field -> distribution.
DEFAULT_SPACE: dict[str, dict] = {
    "activation": {"choices": ["relu", "leaky_relu", "tanh", "sigmoid"]},
    "optimizer": {"choices": ["adam", "sgd"]},
    "lr": {"low": 1e-4, "high": 1.0, "log": True},
    "momentum": {"low": 0.0, "high": 0.95, "when": {"optimizer": "sgd"}},
    "schedule": {"choices": ["cosine", "constant"]},
    "batch_size": {"choices": [16, 32, 64, 128]},
    "epochs": {"low": 10, "high": 60, "step": 10},
    "shift": {"low": 0, "high": 2},
    "weight_decay": {"low": 1e-6, "high": 1e-2, "log": True},
}

#: For recordings, instead of shifts (moving a picture of sound up or down changes its pitch):
#: dropout, and 4 or 8 copies of each recording with its frequencies warped by up to 30%, up to
#: 40% of its start or end cut and coloured by up to 12 dB (0: the copies are the recording
#: itself), and label smoothing up to 0.2: the five things that helped a network hear a voice
#: it never heard or learn one from a few of its recordings (bench/results/speech-search3.md,
#: speech-search5.md, speech-search6.md and speech-search7.md).
RECORDINGS_SPACE: dict[str, dict] = {
    "dropout": {"low": 0.0, "high": 0.5},
    "copies": {"choices": [4, 8]},
    "warp": {"low": 0.0, "high": 0.3},
    "cut": {"low": 0.0, "high": 0.4},
    "colour": {"low": 0.0, "high": 12.0},
    "label_smoothing": {"low": 0.0, "high": 0.2},
}


def default_space(data_input: Input) -> dict[str, dict]:
    """The space ``digitnet tune`` searches by default for data read through ``data_input``:
    :data:`DEFAULT_SPACE` for pictures; without shifts for a table (no pixels to move); without
    shifts and with :data:`RECORDINGS_SPACE` for recordings."""
    if isinstance(data_input, Images):
        return dict(DEFAULT_SPACE)
    table = {k: v for k, v in DEFAULT_SPACE.items() if k != "shift"}
    return {**table, **RECORDINGS_SPACE} if isinstance(data_input, Audio) else table


#: Added by ``digitnet tune --search-layers``: one to three hidden layers of 16 to 512 neurons.
LAYERS_SPACE: dict[str, dict] = {
    "sizes": {"hidden_layers": {"low": 1, "high": 3}, "width": {"low": 16, "high": 512, "log": True}},
}

#: (:data:`digitnet.optionuse.ONLY_WITH`: fields that change training only when another field
#: has a value, such as momentum with SGD. Searched where that can never hold, such a field
#: would train the same recipe again and again.)

_NEVER = {"seed": "it draws the validation split and the initial weights: a search over it "
                  "finds luck, not recipes",
          "val_fraction": "it decides the validation split every trial is scored on",
          "val_group": "it decides which group (speaker) every trial is scored on: a search "
                       "over it finds the easiest voice, not recipes"}
_RANGE_KEYS = {"low", "high", "log", "step"}
#: A name a search space may be given for a field, that is not the field's: the command line's
#: --layers sets sizes.
_NAMED_ELSEWHERE = {"layers": "sizes"}


class Space:
    """A checked search space: :meth:`sample` turns an Optuna trial into a TrainConfig.

    Parameters
    ----------
    table : dict
        TrainConfig field -> distribution, as described in the module docstring.
    source : str
        What to call the table in error messages (a file name, say).

    Raises
    ------
    ConfigError
        Naming the first field that is unknown, never searched, or whose distribution is
        malformed or reaches values TrainConfig refuses.
    """

    def __init__(self, table: dict, source: str = "the search space"):
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: expected a JSON object of training option -> "
                              f"distribution, got {type(table).__name__}")
        if not table:
            raise ConfigError(f"{source}: the search space is empty, so it searches nothing; "
                              "name a training option and its values, such as "
                              '{"lr": {"low": 0.0001, "high": 0.1, "log": true}}')
        self.source = source
        self.table = {field: _checked(field, dist, f"{source}: {field}")
                      for field, dist in table.items()}
        _ordered(self.table, effects=True, source=source)  # no circle of conditions

    @classmethod
    def from_file(cls, path) -> "Space":
        """The space in a JSON file (``digitnet tune --space FILE``)."""
        table = jsontext.read_file(path, "the search space",
                                   '{"lr": {"low": 0.001, "high": 0.3, "log": true}}', ConfigError)
        return cls(table, str(path))

    def without(self, fields) -> "Space":
        """This space less ``fields``, or ConfigError if none is left. ``fields`` names them,
        or maps each to why it is left out ("is fixed by --lr"), which that error gives."""
        why = fields if isinstance(fields, dict) else dict.fromkeys(fields, "is fixed")
        kept = {f: d for f, d in self.table.items() if f not in why}
        if not kept:
            reasons = "; ".join(f"{field} {why[field]}" for field in self.table)
            fixed = all(why[field].startswith("is fixed") for field in self.table)
            raise ConfigError(f"{self.source}: nothing is left to search ({reasons}); search "
                              + ("other fields, or fix fewer" if fixed else "other fields too"))
        space = Space.__new__(Space)
        space.source, space.table = self.source, kept
        return space

    def idle(self, base: TrainConfig) -> dict[str, str]:
        """The fields of this space that could never take effect on ``base``: field -> why.

        A field with "when" is drawn only when its condition holds, and a field of
        :data:`ONLY_WITH` changes training only when its own does. A condition can never hold
        when the field it names is not searched and ``base`` has another value, or is drawn
        from choices without that value (or is itself idle, and keeps the base's value).
        Fields are judged after those they depend on, wherever the table lists them.
        """
        may_be = {}  # searched field -> the values it may take; None for a range's
        idle = {}
        for field in _ordered(self.table, effects=True):
            dist = self.table[field]
            for verb, condition in (("is drawn", dist.get("when", {})),
                                    ("takes effect", ONLY_WITH.get(field, {}))):
                for name, value in condition.items():
                    values = may_be.get(name, [getattr(base, name)])
                    if values is not None and value not in values:
                        now = (f"is {shown(values[0])}" if len(values) == 1 else
                               f"is one of {', '.join(map(shown, values))}")
                        idle.setdefault(field, f"{verb} only with {name} {shown(value)}, and "
                                               f"{name} {now}")
            if field not in idle and field != "sizes":
                kept = [getattr(base, field)] if "when" in dist else []  # when not drawn
                may_be[field] = (None if "choices" not in dist else
                                 list(dict.fromkeys([*dist["choices"], *kept])))
        return {field: idle[field] for field in self.table if field in idle}  # as listed

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self.table))

    def to_json(self) -> str:
        """The table as the JSON that :meth:`from_file` reads, one field per line."""
        return "{\n" + ",\n".join(f"  {json.dumps(field)}: {json.dumps(dist)}"
                                   for field, dist in self.table.items()) + "\n}\n"

    def sample(self, trial, base: TrainConfig) -> TrainConfig:
        """The base recipe with every field of the table drawn through ``trial.suggest_*``, each
        after the fields its "when" names."""
        values = base.to_dict()
        for field in _ordered(self.table, effects=False):
            dist = self.table[field]
            if all(values[k] == v for k, v in dist.get("when", {}).items()):
                values[field] = (_sample_sizes(trial, dist, base.sizes) if field == "sizes"
                                 else _suggest(trial, field, dist))
        return TrainConfig.from_dict(values)


def shown(value) -> str:
    """A training option's value (or a distribution) as messages show it: text as it is, the
    rest as JSON writes it (true, null, [784, 16, 10], {"low": 1, "high": 3})."""
    return value if isinstance(value, str) else json.dumps(value)


def _ordered(table: dict, *, effects: bool, source: str = "the search space") -> list[str]:
    """The fields of ``table`` as listed, except that each comes after those its "when" names
    (and, with ``effects``, the one its :data:`ONLY_WITH` names): the order a trial draws them
    in (without ``effects``), and judges them in (:meth:`Space.idle`). ConfigError when the
    conditions go round in a circle, which no order can draw."""
    order, placing = [], []

    def place(field):
        if field in placing:
            circle = placing[placing.index(field):]
            if circle == [field]:
                raise ConfigError(f"{source}: {field}: \"when\" names {field} itself; drop it")
            links = [_dependence(table, a, b) for a, b in zip(circle, [*circle[1:], field])]
            raise ConfigError(f"{source}: {field}: the conditions go round in a circle "
                              f"({', '.join(links)}): each waits for another; drop one of the "
                              "\"when\"s")
        if field not in order:
            placing.append(field)
            for name in _needs(table, field, effects):
                place(name)
            placing.pop()
            order.append(field)

    for field in table:
        place(field)
    return order


def _needs(table: dict, field: str, effects: bool) -> list[str]:
    """The fields of ``table`` that ``field`` is drawn (or, with ``effects``, takes effect)
    only with."""
    names = [*table[field].get("when", {}), *(ONLY_WITH.get(field, {}) if effects else {})]
    return [name for name in dict.fromkeys(names) if name in table]


def _dependence(table: dict, field: str, name: str) -> str:
    """How ``field`` depends on ``name``, as :meth:`Space.idle` says it."""
    when = table[field].get("when", {})
    if name in when:
        return f"{field} is drawn only with {name} {shown(when[name])}"
    return f"{field} takes effect only with {name} {shown(ONLY_WITH[field][name])}"


def _suggest(trial, name: str, dist: dict):
    if "choices" in dist:
        return trial.suggest_categorical(name, dist["choices"])
    suggest = trial.suggest_int if isinstance(dist["low"], int) else trial.suggest_float
    extra = {"step": dist["step"]} if "step" in dist else {}
    return suggest(name, dist["low"], dist["high"], log=dist.get("log", False), **extra)


def _sample_sizes(trial, dist: dict, base_sizes: tuple[int, ...]) -> list[int]:
    n_hidden = _suggest(trial, "hidden_layers", dist["hidden_layers"])
    hidden = [_suggest(trial, f"width_{layer}", dist["width"]) for layer in range(1, n_hidden + 1)]
    return [base_sizes[0], *hidden, base_sizes[-1]]


def _checked(field: str, dist, where: str) -> dict:
    """``dist`` for ``field``, checked; ConfigError naming ``where`` and what is wrong."""
    known = TrainConfig.fields()
    if field not in known:
        searchable = [name for name in known if name not in _NEVER]
        meant = _NAMED_ELSEWHERE.get(field) or next(iter(words.closest(field, searchable)), None)
        elsewhere = f", the space's name for --{field}" if field in _NAMED_ELSEWHERE else ""
        said = f" (did you mean {meant}{elsewhere}?)" if meant else ""
        raise ConfigError(f"{where}: unknown training option{said}; the options a search space can "
                          f"name are {', '.join(searchable)} ({listed(list(_NEVER))} are never "
                          "searched)")
    if field in _NEVER:
        raise ConfigError(f"{where}: cannot be searched: {_NEVER[field]}")
    if not isinstance(dist, dict):
        raise ConfigError(f"{where}: expected a distribution such as {{\"choices\": [...]}} or "
                          f"{{\"low\": 1, \"high\": 10}}, got {json.dumps(dist)}")
    dist = dict(dist)
    when = dist.pop("when", {})
    _check_when(when, where)
    if field == "sizes":
        checked = _checked_sizes(dist, where)
    else:
        checked = _checked_values(field, dist, where)
    return {**checked, **({"when": when} if when else {})}


def _check_when(when, where: str) -> None:
    if not isinstance(when, dict):
        raise ConfigError(f"{where}: \"when\" must be an object such as {{\"optimizer\": \"sgd\"}}")
    for name, value in when.items():
        if name not in TrainConfig.fields():
            raise ConfigError(f"{where}: \"when\" names {name!r}, which is not a training option")
        if name == "sizes":
            raise ConfigError(f"{where}: \"when\" cannot name sizes; name a field with one value")
        _checked_value(lambda v: _option_value(name, v), value, f"{where}: \"when\" {name}")


def _checked_sizes(dist: dict, where: str) -> dict:
    if set(dist) != {"hidden_layers", "width"}:
        raise ConfigError(f"{where}: expected {{\"hidden_layers\": {{\"low\": 1, \"high\": 3}}, "
                          f"\"width\": {{\"low\": 16, \"high\": 512}}}}, got {json.dumps(dist)}")
    return {part: _checked_form(dist[part], f"{where}.{part}", int, _positive_whole)
            for part in ("hidden_layers", "width")}


def _positive_whole(value) -> int:
    if type(value) is not int or value < 1:
        raise ConfigError(f"must be whole numbers of at least 1, got {json.dumps(value)}")
    return value


def _checked_values(field: str, dist: dict, where: str) -> dict:
    kind, _ = option_type(field)
    return _checked_form(dist, where, kind, lambda v: _option_value(field, v))


def _option_value(field: str, value):
    """``checked_option(field, value)``, its ConfigError without the field's name in front: the
    message it goes into names the field already ("space.json: batch_size: must be >= 1")."""
    try:
        return checked_option(field, value)
    except ConfigError as e:
        said = str(e)
        raise ConfigError(said.removeprefix(f"{field} ")) from None


def _checked_value(check, value, where: str):
    """``check(value)``, its ConfigError prefixed with ``where``."""
    try:
        return check(value)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None


def _checked_form(dist, where: str, kind: type, check) -> dict:
    """A distribution's shape, and each value in it by ``check`` (which returns it as the
    option holds it): choices, or a range when ``kind`` is a number type."""
    if not isinstance(dist, dict):
        raise ConfigError(f"{where}: expected a distribution object, got {json.dumps(dist)}")
    if "choices" in dist:
        if set(dist) != {"choices"}:
            raise ConfigError(f"{where}: \"choices\" stands alone; drop "
                              f"{', '.join(sorted(set(dist) - {'choices'}))}")
        choices = dist["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{where}: \"choices\" must be a non-empty list")
        if len(set(map(json.dumps, choices))) != len(choices):
            raise ConfigError(f"{where}: \"choices\" lists a value twice: {json.dumps(choices)}")
        return {"choices": [_checked_value(check, value, where) for value in choices]}
    unknown = set(dist) - _RANGE_KEYS
    if unknown or not {"low", "high"} <= set(dist):
        raise ConfigError(f"{where}: expected {{\"choices\": [...]}} or {{\"low\": ..., "
                          f"\"high\": ...}} (with \"log\" or \"step\"), got {json.dumps(dist)}")
    if kind not in (int, float):
        raise ConfigError(f"{where}: takes {kind.__name__} values, which have no range; "
                          "list them as \"choices\"")
    low, high = (_checked_value(check, dist[k], where) for k in ("low", "high"))
    if not low < high:
        raise ConfigError(f"{where}: \"low\" ({low}) must be below \"high\" ({high})")
    log, step = dist.get("log", False), dist.get("step")
    if not isinstance(log, bool):
        raise ConfigError(f"{where}: \"log\" must be true or false, got {json.dumps(log)}")
    if log and low <= 0:
        raise ConfigError(f"{where}: a log scale needs \"low\" above 0, got {low}")
    if step is not None:
        step = _checked_value(check, step, f"{where}: \"step\"")
        if log or step <= 0 or step > high - low:
            raise ConfigError(f"{where}: \"step\" must be positive, at most high - low, and "
                              f"without \"log\"; got {step}")
        _check_step_divides(low, high, step, where)
    return {"low": low, "high": high, **({"log": True} if log else {}),
            **({"step": step} if step is not None else {})}


def _check_step_divides(low, high, step, where: str) -> None:
    """ConfigError unless ``step`` divides ``high - low`` (as Optuna reckons it, in decimals),
    saying the ``high`` Optuna would quietly draw up to instead, and a step that divides."""
    d_low, d_high, d_step = (Decimal(str(v)) for v in (low, high, step))
    span = d_high - d_low
    if span % d_step == 0:
        return
    whole = isinstance(step, int)
    as_value = int if whole else float
    reached = as_value((span // d_step) * d_step + d_low)
    steps = math.ceil(span / d_step)  # the fewest steps no longer than "step"
    divides = next((span / n for n in range(steps, steps + 1000)
                    if (span / n) * n == span and (span / n).as_tuple().exponent >= (
                        0 if whole else -6)), None)
    raise ConfigError(f"{where}: \"step\" {step} does not divide the range from {low} to "
                      f"{high}, so trials would draw no higher than {reached}; make \"high\" "
                      f"{reached}" + (f", or \"step\" {as_value(divides)}" if divides else ""))
