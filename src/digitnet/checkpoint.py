"""A training run's state, and checkpoints: saving it mid-run and continuing from it exactly.

:class:`RunState` is everything about a run that changes as it goes (where it is, the history
so far, the best weights for early stopping). With the network, the optimiser's state and the
run's :class:`~digitnet.config.TrainConfig`, it is what a checkpoint stores (a safetensors file
written atomically by :mod:`digitnet.modelfile`), so a run interrupted even mid-epoch continues
to exactly the bytes an uninterrupted run would have reached.

A checkpoint also records, when the command that runs it says (:func:`recording_out`), the
model file the run is to be saved to (its ``out``): a run resumed without ``--out`` saves there.
"""

from __future__ import annotations

import contextlib
import math
import os
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from . import modelfile, words
from .config import TrainConfig
from .dataidentity import label_columns, same_data
from .errors import ConfigError, ModelFileError
from .network import Network
from .optimizers import Optimizer
from .replacing import finished

__all__ = ["Resumed", "RunState", "held", "load", "recorded_out", "recording_out", "same_data",
           "save"]  # same_data: from dataidentity

#: The model file the run's command saves to, as an absolute path, while it runs
#: (:func:`recording_out`): each checkpoint saved meanwhile records it.
_OUT: ContextVar[str | None] = ContextVar("digitnet_checkpoint_out", default=None)


@dataclass
class RunState:
    """Everything that changes during a run."""

    epoch: int = 0  # epochs completed
    step: int = 0  # steps completed within the current epoch
    loss_sum: float = 0.0  # sum of batch losses so far this epoch
    seconds: float = 0.0  # training time so far this epoch
    history: list[dict] = field(default_factory=list)
    best_loss: float = math.inf
    best_epoch: int | None = None
    best_params: np.ndarray | None = None
    epoch_start_params: np.ndarray | None = None
    engine: str | None = None  # "compiled" or "numpy": the two differ by float rounding
    stopped_early: bool = False
    out: str | None = None  # the model file the run is to be saved to, when recorded

    def progress(self, optimizer: Optimizer) -> dict:
        """The JSON-ready part of the state, as a checkpoint's header holds it."""
        return {"epoch": self.epoch, "step": self.step, "loss_sum": self.loss_sum,
                "seconds": self.seconds,
                "best_loss": self.best_loss if self.best_epoch else None,
                "best_epoch": self.best_epoch, "optimizer_steps": optimizer.steps,
                "engine": self.engine, "stopped_early": self.stopped_early}

    def kept(self, early_stopping: bool) -> tuple[int, np.ndarray]:
        """The weights a run that cannot go on in its epoch keeps (one that diverged), and the
        epoch that ended with them: with ``early_stopping``, the best epoch's, as a finished
        run keeps; else those this epoch began with, the last one's (epoch 0: the weights the
        run started from)."""
        if early_stopping and self.best_params is not None:
            return self.best_epoch, self.best_params
        return self.epoch, self.epoch_start_params


def save(path: str | None, net: Network, optimizer: Optimizer, state: RunState) -> str | None:
    """Write a checkpoint of the run to ``path`` (atomically); None when no path is given.

    ``net.metadata`` must already describe the run (see :func:`digitnet.training.train`).
    """
    if path is None:
        return None
    arrays = {f"optimizer.{k}": v for k, v in optimizer.state_dict().items()}
    for name in ("best_params", "epoch_start_params"):
        value = getattr(state, name)
        if value is not None:
            arrays[f"state.{name}"] = value
    state.out = _OUT.get() or state.out  # (a resumed run's command's, else its record's)
    progress = {**state.progress(optimizer), **({"out": state.out} if state.out else {})}
    modelfile.save_checkpoint(net, path, progress=progress, arrays=arrays)
    return str(path)


@contextlib.contextmanager
def recording_out(out: str | None):
    """Within it, every checkpoint :func:`save` writes records ``out`` (made absolute, so that a
    run resumed from another folder saves where this one would have), the model file the run is
    to be saved to: ``digitnet train --out``. None records nothing new: a resumed checkpoint's
    record is kept."""
    token = _OUT.set(None if out is None else os.path.abspath(out))
    try:
        yield
    finally:
        _OUT.reset(token)


def recorded_out(progress: dict | None) -> str | None:
    """The model file a checkpoint's run is to be saved to, from its ``checkpoint`` record
    (``progress``), when it records one (checkpoints from before digitnet recorded it do not;
    one that is not a path, edited by hand, is not used)."""
    out = progress.get("out") if isinstance(progress, dict) else None
    return out if isinstance(out, str) and out else None


def held(meta: dict) -> str:
    """What a checkpoint (its metadata: ``config`` and ``checkpoint``) holds, in words: "the
    finished run", "the run after epoch 2 of 30", "the run in epoch 3 of 30, at step 40"."""
    progress, epochs = meta.get("checkpoint") or {}, (meta.get("config") or {}).get("epochs")
    epoch, step = progress.get("epoch", 0), progress.get("step", 0)
    of = "" if epochs is None else f" of {epochs}"
    if finished(meta, progress):
        return "the finished run"
    if step == 0:
        return f"the run after epoch {epoch}{of}" if epoch else "the run before its first step"
    return f"the run in epoch {epoch + 1}{of}, at step {step}"


@dataclass
class Resumed:
    """What continuing from a checkpoint starts from."""

    path: str
    config: TrainConfig
    network: Network
    state: RunState
    optimizer_state: dict[str, np.ndarray]
    optimizer_steps: int

    def check_data(self, fingerprint: dict, columns=None) -> None:
        """A ConfigError unless the run continues on the data it started on: the same examples
        (:func:`digitnet.dataidentity.same_data`), however the path to them is written, split as
        they were; and of a table (``columns``: those the data has but its label column), the
        same label column (:func:`digitnet.dataidentity.label_columns`)."""
        recorded = self.network.metadata.get("data") or {}
        if (recorded.get("val_fraction") == fingerprint["val_fraction"]
                and same_data(recorded.get("train"), fingerprint["train"])
                and same_data(recorded.get("validation"), fingerprint["validation"])):
            self._check_label_column(columns)
            return
        name = (recorded.get("train") or {}).get("name")
        if name is not None and name == fingerprint["train"]["name"]:
            raise ConfigError(f"{self.path}: {name} holds other examples than when this "
                              "checkpoint was trained on it (its files changed); resume with the "
                              "data as it was, or start a new run")
        raise ConfigError(f"{self.path}: this checkpoint was trained on other data ({name}); "
                          "resume with the same --data")

    def _check_label_column(self, columns) -> None:
        """A ConfigError if the run, on a table, learned another column than the one left out
        of ``columns`` now: told by the columns its input layer reads (its record of them)."""
        read = self.network.metadata.get("input") or {}
        labels = label_columns(read.get("columns") if read.get("kind") == "table" else None,
                               None if columns is None else list(columns))
        if labels is None:
            return
        then, now = labels
        if then is None or now is None:  # (not one column for another)
            raise ConfigError(f"{self.path}: this checkpoint was trained on another label "
                              "column; resume with the --target it was trained with, or start "
                              "a new run without --resume")
        raise ConfigError(f"{self.path}: this checkpoint was trained on the labels in column "
                          f"{then!r}, and this run's are in column {now!r}; resume with "
                          f"--target {words.shell(then)}, or start a new run without --resume")


def load(path: str, config: TrainConfig | None = None) -> Resumed:
    """Read the checkpoint at ``path`` to continue its run.

    ``config``, when given, must equal the checkpoint's recipe: a ConfigError names every
    option that differs, with both values. None takes the checkpoint's. Its record of where the
    run was is checked as the file is read (:func:`digitnet.modelcheck.check_progress`), its
    arrays of the run's state here: a ModelFileError names what does not fit.
    """
    ckpt = modelfile.load_checkpoint(path)
    _check_state_arrays(path, ckpt)
    saved = TrainConfig.from_dict(ckpt.network.metadata.get("config") or {})
    if config is not None:
        differ = saved.differences(config.to_dict())
        if differ:
            raise ConfigError(f"{path}: a resumed run keeps its checkpoint's options, and these "
                              "differ: " + "; ".join(f"{name} was {old!r}, now {new!r}"
                                                     for name, old, new in differ)
                              + "; keep the checkpoint's options or start a new run")
    p = ckpt.progress
    state = RunState(
        epoch=p["epoch"], step=p["step"], loss_sum=p["loss_sum"], seconds=p["seconds"],
        history=list(ckpt.network.metadata.get("history", [])),
        best_loss=math.inf if p.get("best_loss") is None else p["best_loss"],
        best_epoch=p.get("best_epoch"),
        best_params=ckpt.arrays.get("state.best_params"),
        epoch_start_params=ckpt.arrays.get("state.epoch_start_params"),
        engine=p.get("engine"),  # None in checkpoints from before digitnet recorded it
        stopped_early=p.get("stopped_early", False),
        out=recorded_out(p),  # None in checkpoints from before digitnet recorded it
    )
    return Resumed(str(path), saved, ckpt.network, state, ckpt.optimizer_state,
                   p["optimizer_steps"])


def _check_state_arrays(path, ckpt: modelfile.Checkpoint) -> None:
    """A ModelFileError unless the run's saved parameters (the best so far, with early stopping;
    those the epoch began with) are finite, one number per parameter, and there when needed."""
    n = ckpt.network.parameter_count
    for name in ("best_params", "epoch_start_params"):
        value = ckpt.arrays.get(f"state.{name}")
        if value is not None and (value.shape != (n,) or not np.isfinite(value).all()):
            raise ModelFileError(f"{path}: its array state.{name} is not {n} finite numbers, one "
                                 "per parameter; the file was edited or is corrupt — resume "
                                 "another checkpoint or start a new run")
    if ckpt.progress.get("best_epoch") is not None and "state.best_params" not in ckpt.arrays:
        raise ModelFileError(f"{path}: records a best epoch but not its parameters "
                             "(state.best_params); the file was edited or is corrupt — resume "
                             "another checkpoint or start a new run")
