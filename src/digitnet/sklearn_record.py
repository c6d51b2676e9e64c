"""What a :class:`~digitnet.sklearn.DigitnetClassifier` records in the network it fits, so that
the estimator comes back from a model file: ``DigitnetClassifier.from_network(network)``.

A model file says what the network computes and names its classes ("3", "10", "42"), but not
what the estimator gave back: its labels as they were given (the numbers 3, 10, 42), whether
it read named columns, how many epochs it trained. :func:`record` is what each fit and
partial_fit writes into ``network_.metadata["estimator"]``, which :func:`digitnet.save` keeps::

    {"classes": [3, 10, 42], "dtype": "<i8",  # classes_'s values and NumPy type (dtype.str)
     "feature_names": false,                  # fitted with feature_names_in_ (the columns)
     "n_iter": 50,                            # n_iter_
     "seed": 0,                               # seed_: the seed it trained with
     "params": {"optimizer": "adam", "lr": 0.003, ...}}  # the training options, OPTIONS

(``params``: the config a partial_fit's network records is that call's one-epoch run, not the
estimator's options; ``seed``: ``random_state`` itself when a whole number, the one drawn from
it when None or a RandomState, which ``params`` holds as null or leaves out.) Labels of another
type than bools, integers, floats and text are not recorded (``classes`` and ``dtype`` absent).
A record written before the estimator took ``random_state`` holds its seed as ``params``'
``seed`` (and no ``seed`` of its own): it is read as that ``random_state``. Reading a model
file checks the record (:func:`problem`, through :mod:`digitnet.modelcheck`); one that is not
valid is set aside with a note, as every record that does not change what the network computes
(:data:`digitnet.modelread.OPTIONAL`), and the estimator is read as from a model without one.

:func:`fitted` reads a network back as the estimator's parameters and fitted attributes. This
module does not import scikit-learn: reading a model file needs no sklearn extra.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import arrays, inputs
from .config import TrainConfig
from .errors import ConfigError, listed

__all__ = ["SHAPE", "OPTIONS", "record", "problem", "config_of", "as_params", "fitted"]

#: The estimator's parameters that are the network's shape (read from the network itself).
SHAPE = ("hidden_layer_sizes", "activation", "output")
#: Its other parameters: the training options (TrainConfig's, under the same names, but
#: random_state, scikit-learn's name of TrainConfig's seed) and engine.
OPTIONS = ("optimizer", "lr", "momentum", "beta1", "beta2", "weight_decay", "batch_size",
           "epochs", "schedule", "val_fraction", "early_stopping", "patience", "random_state",
           "engine")
_FIELDS = ("classes", "dtype", "feature_names", "n_iter", "seed", "params")
_KINDS = "biufU"  # (NumPy's kinds of labels recorded: bools, integers, floats and text)
_SAID = "DigitnetClassifier.from_network"
_UNSTORED = object()  # (what _plain gives for a value JSON does not store exactly)


def record(classes: np.ndarray, named: bool, n_iter: int, seed: int, params: dict) -> dict:
    """The record of an estimator fitted to ``classes`` (``classes_``), with feature names
    (``named``), after ``n_iter`` epochs, trained with ``seed`` (``seed_``), with ``params``
    (``get_params()``): as JSON holds it."""
    options = {k: _plain(params[k]) for k in OPTIONS}
    kept = {"feature_names": bool(named), "n_iter": int(n_iter), "seed": int(seed),
            "params": {k: v for k, v in options.items() if v is not _UNSTORED}}
    values = classes.tolist()
    if classes.dtype.kind in _KINDS and all(_plain(v) is not _UNSTORED for v in values):
        kept.update(classes=values, dtype=classes.dtype.str)
    return kept


def _plain(value):
    """``value`` as JSON stores it exactly (a NumPy number as Python's), else ``_UNSTORED``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return _UNSTORED
    return value if value is None or isinstance(value, (bool, int, float, str)) else _UNSTORED


def config_of(options: dict, sizes, activation: str, output: str, seed: int) -> TrainConfig:
    """The TrainConfig of a table's network of ``sizes`` trained with the estimator's
    ``options`` (:data:`OPTIONS`, but ``engine`` and ``random_state``) and ``seed`` (the one
    drawn from ``random_state``), checked: a ConfigError names a bad one."""
    given = {k: v for k, v in options.items() if k not in ("engine", "random_state")}
    return TrainConfig(sizes=tuple(sizes), activation=activation, output=output, shift=0,
                       deskew=False, seed=seed, **given)


def as_params(options: dict) -> dict:
    """Training ``options`` under the estimator's names, only those of :data:`OPTIONS`:
    TrainConfig's ``seed`` (a training config's, or a record's from before the estimator took
    ``random_state``) as ``random_state``, unless ``random_state`` is given too."""
    named = {("random_state" if k == "seed" else k): v for k, v in options.items()
             if k != "random_state"}
    if "random_state" in options:
        named["random_state"] = options["random_state"]
    return {k: v for k, v in named.items() if k in OPTIONS}


def problem(found, header: dict) -> str | None:
    """What is wrong with ``found`` as the ``estimator`` record of the model whose metadata is
    ``header`` (its sizes, activation, output and classes), said after "'estimator' "; None
    when it is sound."""
    if not isinstance(found, dict):
        return f"is {_short(found)}, not the record of a DigitnetClassifier"
    unknown = sorted(set(found) - set(_FIELDS))
    if unknown:
        return f"names fields this digitnet does not know: {listed(map(repr, unknown))}"
    if ("classes" in found) != ("dtype" in found):
        return "holds one of classes and dtype without the other"
    n_iter, named = found.get("n_iter", 1), found.get("feature_names", False)
    if not (_whole(n_iter) and n_iter > 0):
        return f"holds n_iter {_short(n_iter)}, not a whole number of epochs from 1"
    if not _whole(seed := found.get("seed", 0)) or seed < 0:
        return f"holds seed {_short(seed)}, not a whole number from 0"
    if not isinstance(named, bool):
        return f"holds feature_names {_short(named)}, not true or false"
    return ((_classes_problem(found["classes"], found["dtype"], header) if "classes" in found
             else None) or _params_problem(found.get("params", {}), header))


def _classes_problem(values, dtype, header: dict) -> str | None:
    n = header["sizes"][-1]
    try:
        kind = np.dtype(dtype).kind if isinstance(dtype, str) else ""
    except (TypeError, ValueError):
        kind = ""
    if not kind or kind not in _KINDS:
        return f"holds dtype {_short(dtype)}, not a NumPy type of labels (bools, numbers, text)"
    if not isinstance(values, list) or len(values) != n:
        return f"holds classes {_short(values)}, not one for each of {n} output neurons"
    try:
        labels = np.array(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        labels = np.array([])
    if labels.shape != (n,) or any(type(a) is not type(b) or a != b
                                   for a, b in zip(labels.tolist(), values)):
        return f"holds classes {_short(values)}, not all of dtype {dtype}"
    named = [arrays.class_name(c) for c in labels]
    names = [str(c) for c in header.get("classes") or range(n)]
    if named != names:
        return (f"holds classes {_short(values)}, named {_short(named)}, but the network's are "
                f"{_short(names)}")
    return None


def _params_problem(params, header: dict) -> str | None:
    if not isinstance(params, dict):
        return f"holds params {_short(params)}, not an object of training options"
    unknown = sorted(set(params) - {*OPTIONS, "seed"})  # (seed: random_state's name before)
    if unknown:
        return f"holds params DigitnetClassifier does not take: {listed(map(repr, unknown))}"
    params = as_params(params)
    if params.get("engine", "auto") not in ("auto", "numpy"):
        return f"holds engine {_short(params['engine'])}, not 'auto' or 'numpy'"
    seed = params.get("random_state")
    if seed is not None and not (_whole(seed) and seed >= 0):
        return f"holds random_state {_short(seed)}, not a whole number from 0 or null"
    try:
        config_of(params, header["sizes"], header.get("activation"), header.get("output"),
                  seed or 0)
    except ValueError as e:  # ConfigError: what is wrong with which option
        return f"holds params that are not a recipe digitnet can train ({e})"
    return None


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _short(value, most: int = 60) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= most else text[:most - 1] + "…"


def fitted(net) -> tuple[dict, dict]:
    """``net``'s estimator: its parameters (the network's shape, then the training options
    its training config records, then those its record does) and its fitted attributes:
    ``classes_`` (the record's labels, else the names of the classes, text, in the network's
    order), ``n_features_in_``, ``network_`` (``net`` itself), ``feature_names_in_`` (the
    table's columns when the record says it read names; without a record, unless they are the
    x0, x1, ... of rows given without names), ``seed_`` (the record's, else a whole number
    ``random_state``), and ``history_`` and ``n_iter_`` (the record's, else the history's
    epochs) when it records its history. A ConfigError refuses a network
    that does not read a table's rows, does not name its classes, or whose record is not
    valid."""
    table = inputs.of(net)
    if not isinstance(table, inputs.Table):
        raise ConfigError(f"{_SAID}: the network reads {table.describe()}, and the estimator "
                          "reads a table's rows (n_samples, n_features); use the network itself "
                          "for those (net.predict, `digitnet predict MODEL FILES`)")
    names, n = net.metadata.get("classes"), net.sizes[-1]
    wrong = ("the network records no classes (its outputs are only numbered)" if not names
             else f"the network's metadata 'classes' {said}"
             if (said := inputs.classes_problem(names, n)) else None)
    if wrong:
        raise ConfigError(f"{_SAID}: {wrong}; give one that a DigitnetClassifier or "
                          "digitnet.train fitted, or name one class for each output neuron "
                          f"(net.metadata['classes'] = [...], {n} names)")
    header = {"sizes": list(net.sizes), "activation": net.activation.name,
              "output": net.output_function.name, "classes": names}
    found = net.metadata.get("estimator", {})
    if said := problem(found, header):
        raise ConfigError(f"{_SAID}: its metadata 'estimator' {said}; fit the estimator "
                          "again, or delete the record (del net.metadata['estimator']) to read "
                          "its classes by their names")
    config = net.metadata.get("config")
    params = {"hidden_layer_sizes": tuple(net.sizes[1:-1]), "activation": header["activation"],
              "output": header["output"], **as_params(config if isinstance(config, dict) else {}),
              **({"random_state": found["seed"]} if "seed" in found else {}),
              **as_params(found.get("params", {}))}  # (random_state: given, else the seed used)
    attributes = {"classes_": (np.array(found["classes"], dtype=found["dtype"])
                               if "classes" in found else np.array([str(c) for c in names])),
                  "n_features_in_": net.sizes[0], "network_": net}
    default = tuple(f"x{i}" for i in range(table.n_inputs))  # (rows given without names)
    if found.get("feature_names", table.columns != default):
        attributes["feature_names_in_"] = np.array(table.columns, dtype=object)
    seed = found.get("seed", params.get("random_state"))
    if _whole(seed):
        attributes["seed_"] = seed
    history = net.metadata.get("history")
    if isinstance(history, list):
        attributes["history_"] = history
    if "n_iter" in found or isinstance(history, list):
        attributes["n_iter_"] = found.get("n_iter", len(history or ()))
    return params, attributes
