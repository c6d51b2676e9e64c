"""What a model file's metadata may say: checked once, where the file is read.

:mod:`digitnet.modelread` reads a file's JSON metadata (its header) and arrays, and hands both
here before anything else uses them, so that a file edited by hand or damaged is refused with
one line naming the file and the field, by every command and function alike, rather than
failing later with a traceback or, worse, answering with names, probabilities or a resumed run
that the file does not consistently describe:

* the network: ``sizes``, and ``cost``, which must be the one its ``output`` goes with;
* what names its outputs and reads its inputs: ``classes`` (one distinct name per output
  neuron) and ``input`` (a record :func:`digitnet.inputs.from_dict` knows, as many numbers a
  row as the input layer has neurons);
* how it was trained: ``config`` (a :class:`~digitnet.config.TrainConfig`, of this network),
  the figures ``info`` and the pictures show (``history``, ``metrics``), and the records a
  resumed run compares (``data``, ``init``);
* the scikit-learn estimator that fitted it: ``estimator``, its labels as given (of this
  network's classes), its options and epochs (:func:`digitnet.sklearn_record.problem`);
* in a checkpoint, the ``checkpoint`` record of where the run was (:func:`check_progress`);
* the arrays: every layer's weights and biases, of the shapes ``sizes`` calls for and finite;
  and all the file's arrays (a checkpoint's optimiser state too) as they were saved: every
  file digitnet writes records the SHA-256 of its arrays (:func:`checksum`, metadata
  :data:`CHECKSUM`), so weights damaged on disk (a flipped bit: a weight of 1e38 is finite) are
  refused (:func:`check_checksum`) rather than answering wrongly; a file from before it was
  recorded still loads.

:mod:`digitnet.modelread` sets aside, with a note, a model's records here that do not change
what its network computes (``config``, ``history``, ``metrics``, ``data``, ``init``,
``imported``, ``changes``, ``estimator``: :data:`digitnet.modelread.OPTIONAL`) when one is not
valid, rather than refuse the file; it checks each alone with what describes the network.

Fields that only inform (when and by which digitnet the file was saved, the data's name) are
checked for no more than the type their readers take.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers

import numpy as np

from . import inputs, losses, sklearn_record
from ._version import __version__
from .config import TrainConfig
from .errors import ConfigError, ModelFileError, ShapeMismatchError, listed

__all__ = ["CHECKSUM", "check_checksum", "check_finite", "check_header", "check_progress",
           "checksum", "fill_layers", "steps_per_epoch"]

#: The key, in a model file's safetensors metadata, of its arrays' SHA-256 (:func:`checksum`).
CHECKSUM = "digitnet_sha256"

#: What the file can do about a field that is wrong.
_REMEDY = "the file was edited or is corrupt — re-save or retrain it"
#: The figures of an epoch's record in ``history``, each a number when present.
_EPOCH_FIGURES = ("train_loss", "seconds", "lr", "val_loss", "val_accuracy", "train_accuracy")
#: The figures of ``metrics`` that readers format as numbers.
_METRICS = ("val_accuracy", "val_loss", "test_accuracy", "test_loss", "epochs_trained",
            "train_seconds")


def check_header(header: dict, name: str) -> None:
    """Raise ModelFileError, naming file ``name`` and the field, unless the metadata ``header``
    describes one consistent network (and, in a checkpoint, run)."""
    kind = header.get("kind", "model")
    if kind not in ("model", "checkpoint"):
        raise _wrong(name, header, "kind", f"is {kind!r}, neither 'model' nor 'checkpoint'")
    sizes = header.get("sizes")
    if sizes is None:
        raise ModelFileError(f"{name}: metadata lacks 'sizes'; {_remedy(header)}")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(_whole(s, 1) for s in sizes)):
        raise _wrong(name, header, "sizes", f"is {_short(sizes)}, not two or more layer sizes")
    output, cost = header.get("output"), header.get("cost")
    known = isinstance(output, str) and output in losses.OUTPUTS  # (else Network says so)
    if known and cost is not None and cost != losses.get(output).cost:
        raise _wrong(name, header, "output", f"is {output!r}, which goes with cost "
                     f"{losses.get(output).cost!r}, but its 'cost' is {cost!r}")
    if header.get("classes"):
        problem = inputs.classes_problem(header["classes"], sizes[-1])
        if problem:
            raise _wrong(name, header, "classes", problem)
    _check_input(header, name, sizes[0])
    config = _check_config(header, name)
    _check_figures(header, name)
    if "estimator" in header:  # (a DigitnetClassifier's: digitnet.sklearn_record)
        problem = sklearn_record.problem(header["estimator"], header)
        if problem:
            raise _wrong(name, header, "estimator", problem)
    if kind == "checkpoint":
        check_progress(header, name, config)


def _check_input(header: dict, name: str, n_inputs: int) -> None:
    if not header.get("input"):
        return  # a model from before digitnet recorded it: inputs.of says what it reads
    try:
        record = inputs.from_dict(header["input"])
    except ModelFileError as e:
        raise ModelFileError(f"{name}: {e}") from None
    if record.n_inputs != n_inputs:
        raise _wrong(name, header, "input", f"reads {record.describe()}, {record.n_inputs} "
                     f"numbers a row, but the network has {n_inputs} input neurons")


def _check_config(header: dict, name: str) -> TrainConfig | None:
    """The training configuration the file records (None if it records none), checked as
    TrainConfig checks one and against the network it trained."""
    saved = header.get("config")
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise _wrong(name, header, "config", f"is {_short(saved)}, not a training configuration")
    unknown = sorted(set(saved) - set(TrainConfig.fields()))
    if unknown:
        raise _wrong(name, header, "config", "names training options this digitnet does not "
                     f"know: {listed(map(repr, unknown))}")
    try:
        config = TrainConfig.from_dict(saved)
    except ValueError as e:  # ConfigError: what is wrong with which option
        raise _wrong(name, header, "config", f"is not a recipe digitnet can train ({e})") from None
    for field in ("sizes", "activation", "output"):  # (an old or partial record may lack them)
        ours = tuple(header["sizes"]) if field == "sizes" else header.get(field)
        if field in saved and getattr(config, field) != ours:
            raise _wrong(name, header, "config", f"trained {field} {_shown(saved[field])}, but "
                         f"the file's network has {field} {_shown(ours)}")
    return config


def _check_figures(header: dict, name: str) -> None:
    """``history``: a list of epoch records, each with a whole epoch number and its figures
    numbers; ``metrics``, ``data``, ``init``, ``imported``: objects; ``changes``: a list."""
    history = header.get("history")
    if history is not None:
        if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
            raise _wrong(name, header, "history", f"is {_short(history)}, not a list of the "
                         "epochs' records")
        for i, record in enumerate(history):
            if not _whole(record.get("epoch"), 1):
                raise _wrong(name, header, "history", f"has a record ({i}) whose epoch is "
                             f"{_short(record.get('epoch'))}, not a whole number from 1")
            odd = [k for k in _EPOCH_FIGURES if not _number(record.get(k))]
            if odd:
                raise _wrong(name, header, "history", f"has a record (epoch {record['epoch']}) "
                             f"whose {odd[0]} is {_short(record[odd[0]])}, not a number")
    for field in ("metrics", "data", "init", "imported"):
        value = header.get(field)
        if value is not None and not isinstance(value, dict):
            raise _wrong(name, header, field, f"is {_short(value)}, not an object")
    if not isinstance(header.get("changes") or [], list):  # (poke reads what it can of each)
        raise _wrong(name, header, "changes", f"is {_short(header['changes'])}, not a list of "
                     "the changes made by hand")
    metrics = header.get("metrics") or {}
    odd = [k for k in _METRICS if not _number(metrics.get(k))]
    if odd:
        raise _wrong(name, header, "metrics", f"holds {odd[0]} {_short(metrics[odd[0]])}, not a "
                     "number")
    for key, least in (("epochs_trained", 0), ("best_epoch", 1)):  # (counted as history's are)
        if metrics.get(key) is not None and not _whole(metrics[key], least):
            raise _wrong(name, header, "metrics", f"holds {key} {_short(metrics[key])}, not a "
                         f"whole number from {least}")
    _check_records(header, name)


def _check_records(header: dict, name: str) -> None:
    """``data``: what the run read (compared when a checkpoint is resumed), each part's
    fingerprint an object; ``init``: the model a run started from, recorded by its ``model``."""
    data = header.get("data") or {}
    for part in ("train", "validation"):
        found = data.get(part)
        if found is not None and not (isinstance(found, dict)
                                      and isinstance(found.get("files") or {}, dict)
                                      and (found.get("n") is None or _whole(found["n"], 0))):
            raise _wrong(name, header, "data", f"holds {part} {_short(found)}, not the "
                         "fingerprint of a data set (its name, n and files)")
    init = header.get("init")
    if init and not ("model" in init and all(_number(init.get(k)) for k in _METRICS)):
        raise _wrong(name, header, "init", f"is {_short(init)}, not the record of the model a "
                     "run started from (its model, with any figures numbers)")


def check_progress(header: dict, name: str, config: TrainConfig | None) -> None:
    """Raise ModelFileError unless a checkpoint's ``checkpoint`` record is a position a run of
    ``config`` reaches: ``epoch`` epochs done (of ``config.epochs``, as many as ``history``
    records), ``step`` steps into the next, after ``optimizer_steps`` steps in all."""
    p = header.get("checkpoint")
    if not isinstance(p, dict):
        raise ModelFileError(f"{name}: says it is a training checkpoint but holds no record of "
                             f"where its run was ('checkpoint'); {_remedy(header, True)}")
    wrong = next(((k, p.get(k), expected) for k, ok, expected in (
        ("epoch", _whole(p.get("epoch"), 0), "a whole number of epochs"),
        ("step", _whole(p.get("step"), 0), "a whole number of steps"),
        ("optimizer_steps", _whole(p.get("optimizer_steps"), 0), "a whole number of steps"),
        ("loss_sum", _number(p.get("loss_sum"), True) and p.get("loss_sum") is not None,
         "a sum of losses, a number from 0"),
        ("seconds", _number(p.get("seconds"), True) and p.get("seconds") is not None,
         "a number of seconds from 0"),
        ("best_loss", _number(p.get("best_loss"), True), "a loss, or null"),
        ("best_epoch", p.get("best_epoch") is None or _whole(p["best_epoch"], 1),
         "an epoch, or null"),
        ("engine", p.get("engine") in (None, "compiled", "numpy"), "'compiled' or 'numpy'"),
        ("stopped_early", isinstance(p.get("stopped_early", False), bool), "true or false"),
    ) if not ok), None)
    if wrong:
        field, value, expected = wrong
        raise _wrong(name, header, "checkpoint", f"holds {field} {_short(value)}, not {expected}",
                     checkpoint=True)
    if config is None:
        raise _wrong(name, header, "config", "is missing: a checkpoint holds its run's training "
                     "options, which resuming it goes on with", checkpoint=True)
    epoch, step, steps = p["epoch"], p["step"], p["optimizer_steps"]
    if epoch > config.epochs:
        raise _progress(name, header, f"{epoch} epochs done, of a run of {config.epochs}")
    recorded = len(header.get("history") or [])
    if recorded != epoch:
        raise _progress(name, header, f"{epoch} epochs done, but a history of {recorded}")
    if (p.get("best_epoch") or 0) > epoch:
        raise _progress(name, header, f"its best epoch {p['best_epoch']} is yet to come "
                        f"({epoch} done)")
    if not _steps_add_up(epoch, step, steps):
        raise _progress(name, header, f"optimizer_steps {steps} cannot be {epoch} "
                        f"epoch{'s' * (epoch != 1)} done and {step} steps into epoch {epoch + 1}")


def _steps_add_up(epoch: int, step: int, steps: int) -> bool:
    """Whether ``steps`` = ``epoch`` × (the steps an epoch takes) + ``step`` for some number of
    steps an epoch, at least ``step`` (a run stopped after an epoch's last step, before its end)."""
    if epoch == 0:
        return steps == step
    each, left = divmod(steps - step, epoch)
    return left == 0 and each >= max(step, 1)


def steps_per_epoch(header: dict) -> tuple[int, bool] | None:
    """How many steps an epoch of a checkpoint's run takes, and whether exactly: once an epoch
    is done, from ``optimizer_steps`` = ``epoch`` × that + ``step``; before, from the data's size
    and the recipe (the training examples are ``n`` less the validation split, whose classes'
    shares are each rounded: a few examples from ``n`` × ``val_fraction``); None when the
    file does not say."""
    p = header["checkpoint"]
    if p["epoch"]:
        return (p["optimizer_steps"] - p["step"]) // p["epoch"], True
    data, config = header.get("data") or {}, TrainConfig.from_dict(header.get("config") or {})
    n = data["train"].get("n") if isinstance(data.get("train"), dict) else None
    if not _whole(n, 1) or config.val_group is not None:
        return None
    fraction = 0.0 if data.get("validation") is not None else config.val_fraction
    n_train = max(1, n - round(fraction * n))
    each = math.ceil(n_train / min(config.batch_size, n_train))
    return max(each, p["step"]), fraction == 0


def fill_layers(net, tensors: dict[str, np.ndarray], name: str) -> None:
    """Copy a file's layer arrays (``layers.{l}.weight``, ``.bias``, taken out of ``tensors``)
    into ``net``: a ShapeMismatchError listing every array missing, unexpected or of another
    shape than ``net.sizes`` calls for, else a ModelFileError naming those not finite."""
    problems, damaged = [], []
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        for key, target in ((f"layers.{l}.weight", w), (f"layers.{l}.bias", b)):
            value = tensors.pop(key, None)
            if value is None:
                problems.append(f"{key} is missing")
            elif value.shape != target.shape:
                problems.append(f"{key} has shape {value.shape}, expected {target.shape}")
            elif not np.isfinite(value).all():
                damaged.append(key)
            else:
                target[...] = value
    unexpected = sorted(k for k in tensors if k.startswith("layers."))
    if unexpected:
        problems.append(f"unexpected arrays {', '.join(unexpected)}")
    if problems:
        sizes = "-".join(map(str, net.sizes))
        raise ShapeMismatchError(f"{name}: does not match its layer sizes {sizes}: "
                                 + "; ".join(problems))
    if damaged:
        raise ModelFileError(f"{name}: {listed(damaged)} hold{'s' * (len(damaged) == 1)} NaN or "
                             f"infinite values, which no training saves; {_REMEDY}")


def checksum(tensors: dict[str, np.ndarray]) -> str:
    """The SHA-256, in hex, of ``tensors`` as a model file stores them: each array's name,
    dtype and shape, then its bytes (little-endian, as safetensors keeps them), by name."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = tensors[name]
        array = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode() + b"\n")
        digest.update(array.tobytes())
    return digest.hexdigest()


def check_checksum(meta: dict, tensors: dict[str, np.ndarray], name: str) -> None:
    """Raise ModelFileError unless ``tensors`` are those whose :func:`checksum` the file's
    safetensors metadata ``meta`` records (a file that records none, saved before digitnet
    did, is taken as it is)."""
    if CHECKSUM in meta and meta[CHECKSUM] != checksum(tensors):
        raise ModelFileError(f"{name}: its weights do not match the checksum saved with them: "
                             "the file was damaged after saving; restore a copy or retrain")


def check_finite(network, where: str, done: str) -> None:
    """Refuse a network to be written whose parameters are not all finite: load would call
    the file corrupt (:func:`fill_layers`). ``where`` begins the message (the path, or the
    function); ``done``: not what."""
    damaged = [f"layers.{l}.{part}" for l, (w, b) in enumerate(zip(network.weights,
                                                                   network.biases))
               for part, array in (("weight", w), ("bias", b)) if not np.isfinite(array).all()]
    if damaged:
        raise ConfigError(f"{where}: not {done}: the network's {listed(damaged)} "
                          f"hold{'s' * (len(damaged) == 1)} NaN or infinite values, which no "
                          "model file may (load would call it corrupt); save its weights from "
                          "before they went bad, or train again with a lower learning rate")


def _wrong(name: str, header: dict, field: str, problem: str,
           checkpoint: bool = False) -> ModelFileError:
    return ModelFileError(f"{name}: its metadata {field!r} {problem}; "
                          f"{_remedy(header, checkpoint)}")


def _progress(name: str, header: dict, problem: str) -> ModelFileError:
    return ModelFileError(f"{name}: its metadata 'checkpoint', where the run was, does not add "
                          f"up: {problem}; {_remedy(header, True)}")


def _remedy(header: dict, checkpoint: bool = False) -> str:
    """What to do: upgrade, for a file saved by a newer digitnet; else get a sound file."""
    saved_by = header.get("digitnet_version")
    if isinstance(saved_by, str) and _version(saved_by) > _version(__version__):
        return (f"it was saved by digitnet {saved_by}, newer than this {__version__}: upgrade "
                "digitnet")
    if checkpoint:
        return "the file was edited or is corrupt — resume another checkpoint or start a new run"
    return _REMEDY


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        digits = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _whole(value, least: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= least


def _number(value, at_least_zero: bool = False) -> bool:
    """Whether ``value`` is absent (None) or a finite number (from 0, ``at_least_zero``)."""
    if value is None:
        return True
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and not (at_least_zero and value < 0))


def _shown(value) -> str:
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
        return "-".join(map(str, value))
    return repr(value)


def _short(value, most: int = 60) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= most else text[:most - 1] + "…"
