"""Training: the one loop, its configuration, and what it reports.

Learning means finding the weights and biases that make the cost small: shuffle the training
images, cut them into mini-batches, and for each batch take a step down the gradient that
backpropagation computes. ::

    config = TrainConfig(epochs=20)                       # or PRESETS["video"]
    result = train(digitnet.datasets.load("mnist"), config)
    result.network.predict(images)

Everything that makes a run what it is lives in the frozen :class:`TrainConfig`, which is saved in
every model file and checkpoint. A run is reproducible: the seed fixes the validation split, the
initial weights and, through ``np.random.default_rng((seed, epoch))``, each epoch's shuffle and
augmentation, so the same data, configuration and seed give bit-identical weights, and a run
resumed from a checkpoint (even one saved mid-epoch) ends exactly where an uninterrupted one would.

The loop never prints; it reports through a :class:`Callback`.
"""

from __future__ import annotations

import dataclasses
import math
import signal
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from . import kernels, modelfile, optimizers
from .datasets import Dataset, train_val_split
from .errors import ConfigError, DataError, DivergenceError, TrainingError, TrainingInterrupted
from .network import Network
from .workspace import Workspace

__all__ = ["TrainConfig", "PRESETS", "Callback", "TrainResult", "train", "evaluate", "Evaluation"]


SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: architecture, optimiser, schedule, data handling and seed.

    The defaults are the recipe chosen for the video's 784-16-16-10 shape by validation
    accuracy on held-out MNIST training digits (bench/recipe_search.py; the README's results
    table): ReLU hidden layers, softmax with cross-entropy, Adam at 0.003 with a cosine
    schedule, batches of 32, 50 epochs, every training image shifted by up to one pixel.
    """

    sizes: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "relu"
    output: str = "softmax"
    optimizer: str = "adam"
    lr: float = 0.003
    momentum: float = 0.0  # SGD only
    beta1: float = 0.9  # Adam only
    beta2: float = 0.999  # Adam only
    weight_decay: float = 0.0
    batch_size: int = 32
    epochs: int = 50
    schedule: str = "cosine"  # "constant" or "cosine" (per step, from lr down to 0)
    shift: int = 1  # augmentation: move each training image by up to this many pixels; 0 = off
    val_fraction: float = 0.1
    early_stopping: bool = False
    patience: int = 5  # epochs without a better validation loss before stopping
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        self.validate()

    def validate(self) -> None:
        """Raise ConfigError naming the first option that is out of range."""
        from . import activations, losses

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
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("epochs", self.epochs >= 1, ">= 1"),
            ("schedule", self.schedule in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
            ("shift", 0 <= self.shift <= 4, "between 0 and 4 pixels"),
            ("val_fraction", 0 <= self.val_fraction < 1, "in [0, 1)"),
            ("patience", self.patience >= 1, ">= 1"),
            ("seed", self.seed >= 0, ">= 0"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(f"{name} must be {expected}, got {getattr(self, name)!r}")
        if self.early_stopping and self.val_fraction == 0:
            raise ConfigError("early stopping needs a validation split; set val_fraction above 0")

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown training options {sorted(unknown)}")
        return cls(**d)


#: Named recipes. "default" is TrainConfig(); "video" keeps the video's sigmoid hidden layers
#: with the best recipe found for them.
PRESETS: dict[str, TrainConfig] = {
    "default": TrainConfig(),
    "video": TrainConfig(activation="sigmoid", optimizer="sgd", momentum=0.9, lr=0.05, epochs=60),
}



def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    """The learning rate for optimiser step ``step`` (0-based) of ``total_steps``."""
    if config.schedule == "cosine":
        return config.lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
    return config.lr


class Callback:
    """Receives progress from :func:`train`. Override what you need; all do nothing by default."""

    def on_train_start(self, config: TrainConfig, n_train: int, n_val: int, start_epoch: int) -> None:
        pass

    def on_epoch_start(self, epoch: int, n_steps: int) -> None:
        pass

    def on_progress(self, epoch: int, step: int, n_steps: int, loss: float) -> None:
        """Called every few dozen steps within an epoch with the running mean loss."""

    def on_epoch_end(self, epoch: int, record: dict, network: Network) -> None:
        """``record`` is the history entry of the epoch that just finished."""

    def should_stop(self) -> bool:
        """Return True to interrupt training (like Ctrl-C); asked after every progress report."""
        return False


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    network: Network
    history: list[dict]
    config: TrainConfig
    best_epoch: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0  # training time alone: the steps, not validation or saving
    n_train: int = 0  # images trained on
    n_val: int = 0  # images held out for validation

    @property
    def val_accuracy(self) -> float | None:
        record = self._final_record()
        return record.get("val_accuracy") if record else None

    @property
    def val_loss(self) -> float | None:
        record = self._final_record()
        return record.get("val_loss") if record else None

    def _final_record(self) -> dict | None:
        if not self.history:
            return None
        if self.best_epoch is not None:
            return self.history[self.best_epoch - 1]
        return self.history[-1]


@dataclass
class Evaluation:
    """Accuracy, loss and confusion of a network on labelled data."""

    accuracy: float
    loss: float
    n: int
    per_class: list[float]
    confusion: list[list[int]]  # confusion[true][predicted]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def evaluate(network: Network, images: np.ndarray, labels: np.ndarray,
             batch_size: int = 2048) -> Evaluation:
    """Accuracy, mean cost, per-class accuracy and confusion matrix over labelled images.

    ``images`` are uint8 pixels (n, 28, 28) or (n, 784), or floats in [0, 1].
    """
    n = len(labels)
    if n == 0:
        raise DataError("nothing to evaluate: the data set is empty")
    k = network.sizes[-1]
    labels = np.asarray(labels).astype(np.intp)
    flat = images.reshape(n, -1)
    predicted = np.empty(n, np.intp)
    total_loss = 0.0
    for start in range(0, n, batch_size):
        t = network.trace(flat[start : start + batch_size])
        y = labels[start : start + batch_size]
        total_loss += network.output.loss(t.zs[-1], t.output, y) * len(y)
        predicted[start : start + batch_size] = np.argmax(t.output, axis=1)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    support = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), support, out=np.zeros(k), where=support > 0)
    return Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        loss=float(total_loss / n),
        n=n,
        per_class=[float(v) for v in per_class],
        confusion=confusion.tolist(),
    )


# -- the loop ---------------------------------------------------------------------------------


@dataclass
class _State:
    """Everything that changes during a run; what a checkpoint stores."""

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


def train(
    data: Dataset,
    config: TrainConfig | None = None,
    *,
    val: Dataset | None = None,
    callback: Callback | None = None,
    checkpoint: str | None = None,
    resume: str | None = None,
    handle_signals: bool = True,
    engine: str = "auto",
) -> TrainResult:
    """Train a new network (or resume one) on ``data``.

    Parameters
    ----------
    data : Dataset
        Labelled training images. Unless ``val`` is given, ``config.val_fraction`` of them
        (stratified by class, chosen by ``config.seed``) are held out for validation.
    config : TrainConfig, optional
        Defaults to ``TrainConfig()``, the default recipe. Ignored when resuming: a checkpoint
        carries its own.
    val : Dataset, optional
        An explicit validation set; then all of ``data`` is used for training.
    callback : Callback, optional
        Receives progress and may ask to stop.
    checkpoint : str, optional
        Path of a checkpoint file written atomically after every epoch and on interruption.
    resume : str, optional
        A checkpoint to continue from; the result is bit-identical to an uninterrupted run.
    handle_signals : bool
        Catch Ctrl-C and SIGTERM (main thread only), save the checkpoint and raise
        :class:`TrainingInterrupted` instead of dying mid-step.
    engine : str
        How the steps are computed: "auto" (compiled when digitnet's C kernel is built and
        fits the run, else NumPy), "compiled" or "numpy"; see :mod:`digitnet.kernels`. Both give
        the same training to float rounding; each is bit-reproducible on its own. Checkpoints
        record the engine, and when resuming "auto" means that one (see
        :func:`digitnet.kernels.make_steps`).

    Returns
    -------
    TrainResult

    Raises
    ------
    DivergenceError
        When the loss becomes NaN or infinite; ``error.network`` holds the last good weights.
    TrainingInterrupted
        After Ctrl-C, SIGTERM or ``callback.should_stop()``.
    """
    callback = callback or Callback()
    state = _State()
    if resume is not None:
        ckpt = modelfile.load_checkpoint(resume)
        config = TrainConfig.from_dict(ckpt.network.metadata["config"])
        net, opt = ckpt.network, None
    else:
        config = config or TrainConfig()
        net = Network(config.sizes, config.activation, config.output,
                      seed=np.random.default_rng((config.seed, 1)))

    if val is None:
        train_set, val_set = train_val_split(data, config.val_fraction, config.seed)
    else:
        train_set, val_set = data, val
    _check_data(train_set, val_set, net)
    fingerprint = {"train": data.fingerprint, "val_fraction": config.val_fraction,
                   "validation": None if val is None else val.fingerprint}

    opt = optimizers.make(
        config.optimizer, net.parameter_count, n_decayed=net.n_weights,
        weight_decay=config.weight_decay, dtype=net.dtype,
        **({"momentum": config.momentum} if config.optimizer == "sgd"
           else {"beta1": config.beta1, "beta2": config.beta2}),
    )
    if resume is not None:
        if ckpt.network.metadata.get("data") != fingerprint:
            raise ConfigError(f"{resume}: this checkpoint was trained on other data "
                              f"({ckpt.network.metadata.get('data', {}).get('train', {}).get('name')}); "
                              "resume with the same --data")
        opt.load_state_dict(ckpt.optimizer_state, ckpt.progress["optimizer_steps"])
        state = _restore_state(ckpt)

    net.metadata = {"config": config.to_dict(), "data": fingerprint}
    pixels = train_set.images.reshape(len(train_set), -1)
    labels = train_set.labels.astype(np.intp)
    n = len(labels)
    batch = min(config.batch_size, n)
    steps_per_epoch = math.ceil(n / batch)
    total_steps = steps_per_epoch * config.epochs
    ws = Workspace(net, batch, image_shape=train_set.images.shape[1:3], max_shift=config.shift)
    # compiled, or the NumPy reference; a resumed run keeps the engine its checkpoint recorded
    steps = kernels.make_steps(ws, opt, pixels, labels, engine,
                               resumed=None if resume is None else (resume, state.engine))
    state.engine = steps.name
    report_every = max(1, min(50, steps_per_epoch // 20))

    stop = _StopFlag(handle_signals)
    callback.on_train_start(config, n, len(val_set), state.epoch)
    result = TrainResult(net, state.history, config, n_train=n, n_val=len(val_set))
    # Overflow on the way to a NaN loss is caught by the divergence guard below, not warned about.
    with stop, np.errstate(over="ignore", invalid="ignore"):
        while state.epoch < config.epochs:
            epoch = state.epoch + 1
            rng = np.random.default_rng((config.seed, 2, epoch))
            order = rng.permutation(n)
            shift_ids = (rng.integers(0, (2 * config.shift + 1) ** 2, size=n, dtype=np.intp)
                         if config.shift else None)
            if state.step == 0:
                state.epoch_start_params = net.params.copy()
                state.loss_sum, state.seconds = 0.0, 0.0
            callback.on_epoch_start(epoch, steps_per_epoch)

            started = time.perf_counter()
            first_step = (epoch - 1) * steps_per_epoch
            while state.step < steps_per_epoch:
                # A stretch of steps up to the next progress report, in one call when compiled.
                start = state.step
                end = min(steps_per_epoch, start - start % report_every + report_every)
                lrs = [learning_rate(config, first_step + s, total_steps) for s in range(start, end)]
                for loss in steps.run(order, shift_ids, start, end, lrs):
                    if not math.isfinite(loss):
                        net.params[...] = state.epoch_start_params
                        raise DivergenceError(
                            f"training diverged in epoch {epoch} (loss became {loss}); the weights "
                            f"of the last good epoch are kept. Try a lower learning rate than {config.lr}",
                            network=net)
                    state.loss_sum += loss
                state.step = end
                if state.step % report_every == 0:
                    callback.on_progress(epoch, state.step, steps_per_epoch,
                                         state.loss_sum / state.step)
                if stop.requested or callback.should_stop():
                    state.seconds += time.perf_counter() - started
                    path = _save_checkpoint(checkpoint, net, opt, state)
                    where = f"; checkpoint saved to {path}, continue with --resume {path}" if path else ""
                    raise TrainingInterrupted(
                        f"training interrupted in epoch {epoch}, step {state.step} of "
                        f"{steps_per_epoch}{where}", checkpoint=path)
            state.seconds += time.perf_counter() - started

            record = {"epoch": epoch, "train_loss": state.loss_sum / steps_per_epoch,
                      "seconds": state.seconds,
                      "lr": learning_rate(config, epoch * steps_per_epoch - 1, total_steps)}
            if len(val_set):
                ev = evaluate(net, val_set.images, val_set.labels)
                record.update(val_loss=ev.loss, val_accuracy=ev.accuracy)
            state.history.append(record)
            state.epoch, state.step = epoch, 0

            stopped = False
            if config.early_stopping:
                if record["val_loss"] < state.best_loss:
                    state.best_loss, state.best_epoch = record["val_loss"], epoch
                    state.best_params = net.params.copy()
                elif epoch - state.best_epoch >= config.patience:
                    stopped = True
            net.metadata["history"] = state.history
            _save_checkpoint(checkpoint, net, opt, state)
            callback.on_epoch_end(epoch, record, net)
            if stopped:
                result.stopped_early = True
                break

    if config.early_stopping and state.best_params is not None:
        net.params[...] = state.best_params
        result.best_epoch = state.best_epoch
    if not np.isfinite(net.params).all():
        raise TrainingError("training produced non-finite weights; try a lower learning rate")
    result.seconds = sum(r["seconds"] for r in state.history)
    net.metadata.update(
        history=state.history,
        metrics={k: v for k, v in (("val_accuracy", result.val_accuracy),
                                   ("val_loss", result.val_loss),
                                   ("best_epoch", result.best_epoch),
                                   ("epochs_trained", len(state.history)),
                                   ("train_seconds", result.seconds)) if v is not None},
    )
    return result


def _check_data(train_set: Dataset, val_set: Dataset, net: Network) -> None:
    if len(train_set) == 0:
        raise DataError("no training images left after holding out the validation split")
    n_in = int(np.prod(train_set.images.shape[1:]))
    if n_in != net.sizes[0]:
        raise DataError(f"the images have {n_in} pixels but the network's input layer has "
                        f"{net.sizes[0]} neurons; use --layers {n_in},...")
    for part in (train_set, val_set):
        if len(part) and int(part.labels.max()) >= net.sizes[-1]:
            raise DataError(f"labels go up to {int(part.labels.max())} but the output layer has "
                            f"only {net.sizes[-1]} neurons")


def _save_checkpoint(path: str | None, net: Network, opt, state: _State) -> str | None:
    if path is None:
        return None
    arrays = {f"optimizer.{k}": v for k, v in opt.state_dict().items()}
    for name in ("best_params", "epoch_start_params"):
        value = getattr(state, name)
        if value is not None:
            arrays[f"state.{name}"] = value
    progress = {"epoch": state.epoch, "step": state.step, "loss_sum": state.loss_sum,
                "seconds": state.seconds, "best_loss": state.best_loss if state.best_epoch else None,
                "best_epoch": state.best_epoch, "optimizer_steps": opt.steps,
                "engine": state.engine}
    net.metadata["history"] = state.history
    modelfile.save_checkpoint(net, path, progress=progress, arrays=arrays)
    return str(path)


def _restore_state(ckpt) -> _State:
    p = ckpt.progress
    return _State(
        epoch=p["epoch"], step=p["step"], loss_sum=p["loss_sum"], seconds=p["seconds"],
        history=list(ckpt.network.metadata.get("history", [])),
        best_loss=p["best_loss"] if p["best_loss"] is not None else math.inf,
        best_epoch=p["best_epoch"],
        best_params=ckpt.arrays.get("state.best_params"),
        epoch_start_params=ckpt.arrays.get("state.epoch_start_params"),
        engine=p.get("engine"),  # None in checkpoints from before digitnet recorded it
    )


class _StopFlag:
    """While active, Ctrl-C and SIGTERM set :attr:`requested` instead of killing the step."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.requested = False
        self._previous = {}

    def _handler(self, signum, frame):
        if self.requested:  # a second Ctrl-C: the user really wants out
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if self.enabled:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False
