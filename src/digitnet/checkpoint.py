"""A training run's state, and checkpoints: saving it mid-run and continuing from it exactly.

:class:`RunState` is everything about a run that changes as it goes (where it is, the history
so far, the best weights for early stopping). With the network, the optimiser's state and the
run's :class:`~digitnet.config.TrainConfig`, it is what a checkpoint stores (a safetensors file
written atomically by :mod:`digitnet.modelfile`), so a run interrupted even mid-epoch continues
to exactly the bytes an uninterrupted run would have reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import modelfile
from .config import TrainConfig
from .errors import ConfigError
from .network import Network
from .optimizers import Optimizer

__all__ = ["RunState", "Resumed", "save", "load"]


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

    def progress(self, optimizer: Optimizer) -> dict:
        """The JSON-ready part of the state, as a checkpoint's header holds it."""
        return {"epoch": self.epoch, "step": self.step, "loss_sum": self.loss_sum,
                "seconds": self.seconds,
                "best_loss": self.best_loss if self.best_epoch else None,
                "best_epoch": self.best_epoch, "optimizer_steps": optimizer.steps,
                "engine": self.engine, "stopped_early": self.stopped_early}


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
    modelfile.save_checkpoint(net, path, progress=state.progress(optimizer), arrays=arrays)
    return str(path)


@dataclass
class Resumed:
    """What continuing from a checkpoint starts from."""

    path: str
    config: TrainConfig
    network: Network
    state: RunState
    optimizer_state: dict[str, np.ndarray]
    optimizer_steps: int

    def check_data(self, fingerprint: dict) -> None:
        """A ConfigError unless the run continues on the data it started on."""
        recorded = self.network.metadata.get("data")
        if recorded != fingerprint:
            name = (recorded or {}).get("train", {}).get("name")
            raise ConfigError(f"{self.path}: this checkpoint was trained on other data ({name}); "
                              "resume with the same --data")


def load(path: str, config: TrainConfig | None = None) -> Resumed:
    """Read the checkpoint at ``path`` to continue its run.

    ``config``, when given, must equal the checkpoint's recipe: a ConfigError names every
    option that differs, with both values. None takes the checkpoint's.
    """
    ckpt = modelfile.load_checkpoint(path)
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
        best_loss=p["best_loss"] if p["best_loss"] is not None else math.inf,
        best_epoch=p["best_epoch"],
        best_params=ckpt.arrays.get("state.best_params"),
        epoch_start_params=ckpt.arrays.get("state.epoch_start_params"),
        engine=p.get("engine"),  # None in checkpoints from before digitnet recorded it
        stopped_early=p.get("stopped_early", False),
    )
    return Resumed(str(path), saved, ckpt.network, state, ckpt.optimizer_state,
                   p["optimizer_steps"])
