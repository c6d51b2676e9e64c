"""Training: the one loop, and what it reports.

Learning means finding the weights and biases that make the cost small: shuffle the training
images, cut them into mini-batches, and for each batch take a step down the gradient that
backpropagation computes. ::

    result = train(digitnet.datasets.load("mnist"), TrainConfig(epochs=20))
    result.network.predict(images)

A run is reproducible: the seed fixes the validation split, the initial weights and, through
``np.random.default_rng((seed, 2, epoch))``, each epoch's shuffle and augmentation, so the same
data, configuration and seed give bit-identical weights, and a run resumed from a checkpoint
(even one saved mid-epoch) ends exactly where an uninterrupted one would. The steps themselves
are computed by an engine (:mod:`digitnet.engines`); the loop never prints, it reports through
a :class:`Callback`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from . import (augment, callbacks, checkpoint, classmatch, distillation, engines, finetune,
               inputs, optimizers, preparation, recipes, sound_augment)
from .callbacks import Callback
from .checkpoint import RunState
from .config import TrainConfig, learning_rate
from .datasets import Dataset
from .splits import train_val_indices
from .errors import ConfigError, TrainingError, TrainingInterrupted
from .inputs import Input
from .metrics import Evaluation, evaluate_data, score
from .network import Network
from .stopping import StopFlag, diverged

__all__ = ["Callback", "TrainResult", "train"]


@dataclass(repr=False)
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
    test: Evaluation | None = None  # on the test set given to train(), if any
    init_val_accuracy: float | None = None  # the init model on the validation split, before
    init_test_accuracy: float | None = None  # ... and on the test set given, if any

    @property
    def val_accuracy(self) -> float | None:
        return self._final_record().get("val_accuracy")

    @property
    def val_loss(self) -> float | None:
        return self._final_record().get("val_loss")

    @property
    def test_accuracy(self) -> float | None:
        return None if self.test is None else self.test.accuracy

    def _repr_html_(self) -> str:
        """A notebook's view: the network's summary, the run, and the history epoch by epoch."""
        from .notebook.summaries import result_html

        return result_html(self)

    def __repr__(self) -> str:
        """Short, for a REPL or print(): the network's sizes, the epochs trained, the validation
        accuracy (the best epoch's, which the network is, and the last one's if another) and the
        test accuracy; ``history`` holds every epoch."""
        said = [f"sizes={'-'.join(map(str, self.network.sizes))}", f"epochs={len(self.history)}"]
        last = self.history[-1].get("val_accuracy") if self.history else None
        if self.best_epoch is not None and self.best_epoch != len(self.history):
            said.append(f"best_epoch={self.best_epoch}")
        if self.val_accuracy is not None:
            said.append(f"val_accuracy={self.val_accuracy:.4f}")
        if last is not None and last != self.val_accuracy:
            said.append(f"last_val_accuracy={last:.4f}")
        if self.test_accuracy is not None:
            said.append(f"test_accuracy={self.test_accuracy:.4f}")
        return f"TrainResult({', '.join(said + ['stopped_early=True'] * self.stopped_early)})"

    def _final_record(self) -> dict:
        if not self.history:
            return {}
        return self.history[(self.best_epoch or len(self.history)) - 1]


@dataclass
class _Run:
    """One run's fixed parts: what it trains, on what, with what; and its changing state."""

    config: TrainConfig
    net: Network
    optimizer: optimizers.Optimizer
    data: Dataset  # all of it: the engines read the training examples where they lie
    train_index: np.ndarray  # which of data's examples are trained on
    val_labels: np.ndarray  # the validation examples' labels
    fingerprint: dict
    state: RunState
    input: Input  # how examples become rows, fitted on the training split
    rows: np.ndarray  # data's examples as the input layer sees them
    val_rows: np.ndarray  # the validation examples as the input layer sees them
    distorted: np.ndarray | None = None  # rows, this epoch's distortion of them, if distorting
    steps: object = None  # the engine's step runner (see digitnet.engines)
    init: dict | None = None  # what the run started from (digitnet.finetune), if not random
    start: Network | None = None  # the init model itself, as it was (not on resuming)


def train(data: Dataset, config: TrainConfig | None = None, *, val: Dataset | None = None,
          test: Dataset | None = None, callback: Callback | None = None,
          checkpoint: str | None = None, resume: str | None = None, init=None,
          handle_signals: bool = True, engine: str = "auto") -> TrainResult:
    """Train a new network (or resume one) on ``data``.

    Parameters
    ----------
    data : Dataset
        Labelled training images. Unless ``val`` is given, ``config.val_fraction`` of them
        (stratified by class, chosen by ``config.seed``) are held out for validation.
    config : TrainConfig, optional
        The recipe; ``TrainConfig()`` when None. When resuming, None means the checkpoint's,
        and a config that differs from it is a ConfigError naming each difference.
    val, test : Dataset, optional
        An explicit validation set (then all of ``data`` is trained on), and a test set scored
        once at the end (``result.test``, and ``test_accuracy`` in the model's metrics; with
        ``init``, the init model too, ``result.init_test_accuracy``).
    callback : Callback, optional
        Receives progress and may ask to stop.
    checkpoint : str, optional
        A checkpoint file written atomically after every epoch and on interruption.
    resume, init : str, Network, optional
        A checkpoint to continue from exactly, or a model (file, Network) to start from: finetune.
    handle_signals : bool
        Catch Ctrl-C and SIGTERM (main thread only), save the checkpoint and raise
        :class:`TrainingInterrupted` instead of dying mid-step.
    engine : str
        "auto", "compiled" or "numpy": see :func:`digitnet.engines.choose`.

    Raises
    ------
    DivergenceError
        When the loss becomes NaN or infinite; ``error.network`` holds the last good weights:
        those of the last epoch before (with early stopping, the best), or in epoch 1 the
        weights the run started from (:func:`digitnet.stopping.diverged`).
    TrainingInterrupted
        After Ctrl-C, SIGTERM or ``callback.should_stop()``; ``error.network`` holds the
        weights trained until then.
    """
    callback = callbacks.checked(callback)
    run = _prepare(data, config, val, resume, engine, init)
    config, net, state, steps = run.config, run.net, run.state, run.steps
    n = len(run.train_index)
    steps_per_epoch = math.ceil(n / min(config.batch_size, n))
    total_steps = steps_per_epoch * config.epochs
    report_every = max(1, min(50, steps_per_epoch // 20))
    callback.on_train_start(config, n, len(run.val_labels), state.epoch)

    # Overflow on the way to a NaN loss is caught by the divergence guard below, not warned about.
    with StopFlag(handle_signals) as stop, np.errstate(over="ignore", invalid="ignore"):
        while state.epoch < config.epochs and not state.stopped_early:
            epoch = state.epoch + 1
            order, shift_ids = _start_epoch(run, epoch)
            callback.on_epoch_start(epoch, steps_per_epoch)
            started = time.perf_counter()
            while state.step < steps_per_epoch:
                # A stretch of steps up to the next progress report, in one call when compiled.
                start = state.step
                end = min(steps_per_epoch, start - start % report_every + report_every)
                first = (epoch - 1) * steps_per_epoch
                lrs = [learning_rate(config, first + s, total_steps) for s in range(start, end)]
                for loss in steps.run(order, shift_ids, start, end, lrs):
                    if not math.isfinite(loss):  # (the weights of the last good epoch kept)
                        kept, weights = state.kept(config.early_stopping)
                        net.params[...] = weights
                        raise diverged(epoch, loss, kept, kept != state.epoch, config.lr, net)
                    state.loss_sum += loss
                state.step = end
                if state.step % report_every == 0:
                    callback.on_progress(epoch, end, steps_per_epoch, state.loss_sum / end)
                if stop.requested or callback.should_stop():
                    state.seconds += time.perf_counter() - started
                    raise _interrupted(run, checkpoint, epoch, steps_per_epoch)
            state.seconds += time.perf_counter() - started
            record = _end_epoch(run, epoch, steps_per_epoch, total_steps)
            _save(run, checkpoint)
            callback.on_epoch_end(epoch, record, net)
    return _finish(run, test)


def _prepare(data: Dataset, config: TrainConfig | None, val: Dataset | None,
             resume: str | None, engine: str, init=None) -> _Run:
    """The network, optimiser, splits, state and engine a run starts from (fresh or resumed)."""
    if init is not None and resume is not None:
        raise ConfigError("a run either resumes a checkpoint or starts from init, not both")
    resumed = None if resume is None else checkpoint.load(resume, config)
    config = resumed.config if resumed else config or TrainConfig()
    start = None if init is None else finetune.start_from(init)
    fingerprint = {"train": data.fingerprint, "val_fraction": config.val_fraction,
                   "validation": None if val is None else val.fingerprint}
    if resumed:  # the run's own data (or the init model's shape and kind) before its classes
        resumed.check_data(fingerprint, data.input.columns if data.input.kind == "table" else None)
    elif start is not None:
        start.check(config)
        start.input_for(data.input)
    model = resumed.network if resumed else start and start.network
    if model is not None:  # number the classes as the model does (see classmatch)
        what, init = (start.name, start.option) if start else (f"the checkpoint {resume}", None)
        data, val = (d if d is None else classmatch.for_model(d, model, what, init)
                     for d in (data, val))
    if val is None:  # (no copy of the examples either way: only their indices)
        train_index, val_index = train_val_indices(data, config.val_fraction, config.seed,
                                                   config.val_group)
        val_labels = data.labels[val_index]
    else:
        train_index, val_index, val_labels = np.arange(len(data)), None, val.labels
    net, state = (resumed.network, resumed.state) if resumed else (_start(config, start), RunState())
    recipes.check_fits(data, train_index, val_labels, net, config)
    if resumed and net.metadata.get("input"):
        model_input = inputs.of(net)  # as the run began: fitted, or the init model's
    elif start is not None:
        model_input = start.input_for(data.input)
    else:
        model_input = data.input.fit(data.x[train_index]) if data.input.learns else data.input
    if isinstance(model_input, inputs.Images):  # deskewed as the recipe says; picture files
        model_input = preparation.for_training(model_input, data, config.deskew)  # as the data's
    optimizer = optimizers.make(
        config.optimizer, net.parameter_count, n_decayed=net.n_weights,
        weight_decay=config.weight_decay, dtype=net.dtype,
        **{name: getattr(config, name) for name in optimizers.settings(config.optimizer)})
    if resumed:
        optimizer.load_state_dict(resumed.optimizer_state, resumed.optimizer_steps)
    rows, labels = model_input.rows(data.x), data.labels.astype(np.intp)
    # The validation rows: from the training rows when they are among them (no second pass).
    val_rows = rows[val_index] if val is None else model_input.rows(val.x)
    if config.copies:  # altered copies of the training recordings, after all the examples
        copied = sound_augment.copies([data.sounds[i] for i in train_index], model_input, config)
        rows = np.concatenate([rows, model_input.rows(copied.reshape(-1, *copied.shape[2:]))])
        labels = np.concatenate([labels, np.tile(labels[train_index], config.copies)])
    # Engines read their training examples in place, so a buffer refilled each epoch works.
    distorted = np.zeros_like(rows) if config.elastic_alpha else None
    teacher = None  # soft targets: a model's, or label smoothing's (never both: config.py)
    if config.teacher is not None:
        teacher = distillation.teacher_for(config.teacher, data, config.temperature,
                                           config.teacher_weight, config.output)
    elif config.label_smoothing:
        teacher = distillation.smoothing(len(rows), net.sizes[-1], config.label_smoothing,
                                         config.output)
    features = (("dropout",) * bool(config.dropout) + ("distillation",) * bool(config.teacher)
                + ("label smoothing",) * bool(config.label_smoothing))
    chosen = engines.choose(engine, net, optimizer, pixels=rows.dtype == np.uint8,
                            features=features,
                            resumed=None if resume is None else (resume, state.engine))
    steps = chosen.steps(net, optimizer, rows if distorted is None else distorted, labels,
                         batch_size=min(config.batch_size, len(train_index)),
                         image_shape=model_input.image_shape, max_shift=config.shift,
                         dropout=config.dropout, seed=config.seed, teacher=teacher)
    state.engine = chosen.name
    run = _Run(config, net, optimizer, data, train_index, val_labels, fingerprint, state,
               model_input, rows, val_rows, distorted, steps,
               init=resumed.network.metadata.get("init") if resumed else start and start.record,
               start=start and start.network)
    if start and len(val_labels):
        before = score(net, val_rows, val_labels)
        run.init.update(val_accuracy=before.accuracy, val_loss=before.loss)
    _describe(run)
    return run


def _start(config: TrainConfig, start: finetune.Start | None) -> Network:
    """The network a new run starts from: fresh weights drawn with the seed, or a copy of the
    init model's (after checking it is the network ``config`` describes)."""
    if start is None:
        return Network(config.sizes, config.activation, config.output,
                       seed=np.random.default_rng((config.seed, 1)))
    start.check(config)
    return start.network.astype(np.float32)


def _epoch_plan(config: TrainConfig, epoch: int, train_index: np.ndarray,
                n_data: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The order in which epoch ``epoch`` visits the training examples (indices into the
    data's rows), and each visit's shift. With ``config.copies``, each visit is to the example
    or to one of its copies, which follow the data's ``n_data`` rows (copy k of the training
    example at position p of ``train_index`` is row n_data + k * len(train_index) + p)."""
    n = len(train_index)
    rng = np.random.default_rng((config.seed, 2, epoch))
    positions = rng.permutation(n)
    order = train_index[positions]
    shift_ids = (rng.integers(0, (2 * config.shift + 1) ** 2, size=n, dtype=np.intp)
                 if config.shift else None)
    if config.copies:
        version = rng.integers(0, config.copies + 1, size=n)
        order = np.where(version == 0, order, n_data + (version - 1) * n + positions)
    return order, shift_ids


def _start_epoch(run: _Run, epoch: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Set up epoch ``epoch``, also when resuming in its middle: its plan (:func:`_epoch_plan`),
    its running sums, and with elastic distortions, its images."""
    config, state = run.config, run.state
    order, shift_ids = _epoch_plan(config, epoch, run.train_index, len(run.data))
    if state.step == 0:
        state.epoch_start_params = run.net.params.copy()
        state.loss_sum, state.seconds = 0.0, 0.0
    if run.distorted is not None:
        # The engine reads run.distorted as its training examples: refill it for this epoch.
        started = time.perf_counter()
        augment.elastic_distort(run.rows, run.input.image_shape,
                                np.random.default_rng((config.seed, 3, epoch)),
                                config.elastic_alpha, config.elastic_sigma, out=run.distorted,
                                index=run.train_index)
        state.seconds += time.perf_counter() - started
    return order, shift_ids


def _end_epoch(run: _Run, epoch: int, steps_per_epoch: int, total_steps: int) -> dict:
    """Validate, record the epoch in the history, and decide on early stopping."""
    config, state, net = run.config, run.state, run.net
    record = {"epoch": epoch, "train_loss": state.loss_sum / steps_per_epoch,
              "seconds": state.seconds,
              "lr": learning_rate(config, epoch * steps_per_epoch - 1, total_steps)}
    if len(run.val_labels):
        ev = score(net, run.val_rows, run.val_labels)
        record.update(val_loss=ev.loss, val_accuracy=ev.accuracy)
    state.history.append(record)
    state.epoch, state.step = epoch, 0
    if config.early_stopping:
        if record["val_loss"] < state.best_loss:
            state.best_loss, state.best_epoch = record["val_loss"], epoch
            state.best_params = net.params.copy()
        elif epoch - state.best_epoch >= config.patience:
            state.stopped_early = True
    return record


def _describe(run: _Run, test: Evaluation | None = None) -> None:
    """Write what the network's file will say about how it was made: the one place that
    assembles a trained network's metadata (configuration, data, history, metrics)."""
    state = run.state
    final = state.history[(state.best_epoch or len(state.history)) - 1] if state.history else {}
    metrics = {"val_accuracy": final.get("val_accuracy"), "val_loss": final.get("val_loss"),
               "test_accuracy": None if test is None else test.accuracy,
               "best_epoch": state.best_epoch, "epochs_trained": len(state.history),
               "train_seconds": sum(r["seconds"] for r in state.history)}
    run.net.metadata = {"config": run.config.to_dict(), "data": run.fingerprint,
                        "input": run.input.to_dict(), "classes": list(run.data.classes),
                        "history": state.history,
                        "metrics": {k: v for k, v in metrics.items() if v is not None},
                        **({"init": run.init} if run.init else {})}


def _save(run: _Run, path: str | None) -> str | None:
    _describe(run)
    return checkpoint.save(path, run.net, run.optimizer, run.state)


def _interrupted(run: _Run, path: str | None, epoch: int,
                 steps_per_epoch: int) -> TrainingInterrupted:
    """The error saying where training stopped, with the network as it was then (described
    as a checkpoint's is: its input record, classes and history so far) and the checkpoint
    saved, if ``path`` names one."""
    saved = _save(run, path)
    where = f"; checkpoint saved to {saved}" if saved else ""
    return TrainingInterrupted(f"training interrupted in epoch {epoch}, step {run.state.step} "
                               f"of {steps_per_epoch}{where}", checkpoint=saved, network=run.net)


def _finish(run: _Run, test: Dataset | None) -> TrainResult:
    """Keep the best weights (early stopping), check them, score the test set, describe."""
    net, state = run.net, run.state
    if run.config.early_stopping and state.best_params is not None:
        net.params[...] = state.best_params
    if not np.isfinite(net.params).all():
        raise TrainingError("training produced non-finite weights; try a lower learning rate")
    if test is not None:  # numbered as the training data (by name: see finetune)
        test = test.with_classes(run.data.classes)
    scored = None if test is None else evaluate_data(net, test, run.input)
    before = (None if scored is None or run.start is None
              else evaluate_data(run.start, test, run.input).accuracy)
    if before is not None:  # (the model file keeps it: `digitnet info` shows it)
        run.init["test_accuracy"] = before
    _describe(run, scored)
    return TrainResult(net, state.history, run.config,
                       best_epoch=state.best_epoch if run.config.early_stopping else None,
                       stopped_early=state.stopped_early,
                       seconds=sum(r["seconds"] for r in state.history),
                       n_train=len(run.train_index), n_val=len(run.val_labels), test=scored,
                       init_val_accuracy=(run.init or {}).get("val_accuracy"),
                       init_test_accuracy=before)
