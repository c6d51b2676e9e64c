"""Training runs started from the page: one at a time, in a background thread, streamed as events.

:class:`Trainer` starts :func:`digitnet.training.train` in a thread with a :class:`Callback` that
publishes what happens as events (``start``, ``progress``, ``epoch``, then one of ``done``,
``failed``, ``cancelled``) into the run's :class:`EventLog`. The server streams a log to any
number of browsers as server-sent events; a browser that connects late gets the run replayed
from its start, one that reconnects resumes after the last event it saw.

A run trains a fresh network on the server's data (refused at once, :class:`NoTrainingData`,
when the server has none: a model whose file records no data it was trained on), or
(:mod:`digitnet.web.voice`) fine-tunes the served one on the recordings of a voice, checked on
those it holds out: its ``done`` event then also gives their accuracy before fine-tuning
(``before``).

When a run finishes, ``on_done`` is called with the new network, which the server then serves.
Until then predictions keep using the old network: the run trains its own copy.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import heldout, inputs, recipes
from ..config import PRESETS, TrainConfig
from ..errors import DigitnetError, TrainingInterrupted
from ..network import Network
from ..training import Callback, train
from .views import dumps, finite, rounded

__all__ = ["TERMINAL_EVENTS", "EventLog", "NoTrainingData", "Trainer", "TrainerBusy",
           "event_stream", "last_seen", "no_training_data", "run_config", "run_status"]

TERMINAL_EVENTS = ("done", "failed", "cancelled")
#: The first layer's weight images are sent for at most this many neurons per epoch.
MAX_WEIGHT_IMAGES = 64


class TrainerBusy(DigitnetError):
    """A training run is already going; only one runs at a time."""


class NoTrainingData(DigitnetError):
    """The server has no data to train the served model's like on (:func:`no_training_data`
    says why): answered 409, as the poking routes answer a server without held-out examples."""

    http_status = 409


def _data_words(net: Network | None) -> tuple[str, str, str]:
    """What ``net`` (None: a model not named) learns from, in words: (a noun, that as --data
    names it, --data's placeholder)."""
    kind = inputs.of(net).kind if net is not None else None
    return {"images": ("pictures", "a folder of pictures", "DIR"),
            "audio": ("recordings", "a folder of recordings", "DIR"),
            "table": ("table", "a table", "TABLE")}.get(kind, ("data", "the data", "DIR"))


def no_training_data(net: Network | None) -> str:
    """Why a server given no data for ``net`` (None: a model not named) cannot train its like,
    and what to do, in one line."""
    _, what, name = _data_words(net)
    reason = ("none was given to it" if net is None or heldout.own_data(net) is not None
              else heldout.no_own_data(net))
    return (f"this server has no data to train this model on ({reason}); start digitnet serve "
            f"with this model first and --data naming {what} to learn from: digitnet serve "
            f"MODEL --data {name}")


class EventLog:
    """The events of one training run, appended by the training thread, read by the server.

    Readers on the event loop wait with :meth:`wait`; :meth:`publish` wakes them thread-safely.
    """

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.events: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def finished(self) -> bool:
        return bool(self.events) and self.events[-1][0] in TERMINAL_EVENTS

    def publish(self, kind: str, data: dict) -> None:
        with self._lock:
            self.events.append((kind, {"run_id": self.run_id, **data}))
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that reader's loop is closed; it is gone
                pass

    def since(self, seen: int) -> list[tuple[int, str, dict]]:
        """Events after the first ``seen``, as (sequence number from 1, kind, data)."""
        with self._lock:
            return [(i + 1, k, d) for i, (k, d) in enumerate(self.events[seen:], start=seen)]

    async def wait(self, seen: int, timeout: float) -> None:
        """Return when there are more than ``seen`` events, or after ``timeout`` seconds."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            if len(self.events) > seen:
                return
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)


class _Publisher(Callback):
    """Turns the training loop's callbacks into events; asks the loop to stop when cancelled."""

    def __init__(self, log: EventLog, cancel: threading.Event, image_shape):
        self.log, self.cancel, self.image_shape = log, cancel, image_shape
        self.epochs = 0

    def on_train_start(self, config, n_train, n_val, start_epoch):
        self.epochs = config.epochs
        self.log.publish("start", {"config": config.to_dict(), "n_train": n_train, "n_val": n_val})

    def on_epoch_start(self, epoch, n_steps):
        self._last = (0, 0.0)  # (step, summed loss) at the previous progress report

    def on_progress(self, epoch, step, n_steps, loss):
        # The loop reports the mean loss since the epoch began; the page plots the mean over
        # the steps since the last report instead, which does not jump at each new epoch.
        total = loss * step
        last_step, last_total = self._last
        self._last = (step, total)
        recent = (total - last_total) / max(1, step - last_step)
        self.log.publish("progress", {"epoch": epoch, "step": step, "n_steps": n_steps,
                                      "loss": round(float(recent), 5),
                                      "position": round(epoch - 1 + step / n_steps, 4)})

    def on_epoch_end(self, epoch, record, network):
        self.log.publish("epoch", {"epochs": self.epochs, **_json_record(record),
                                   "weight_images": weight_images(network, self.image_shape)})

    def should_stop(self) -> bool:
        return self.cancel.is_set()


class Trainer:
    """Starts training runs, one at a time, and keeps the log of the latest.

    Parameters
    ----------
    data : str, path, Dataset or None
        What runs learn from: a dataset name, folder or table, read as ``net`` reads its
        examples (:func:`training_data`) in the training thread on the first run (loading or
        downloading MNIST can take a while), then remembered; or a
        :class:`~digitnet.datasets.Dataset`. None: the server has none, and :meth:`start`
        refuses a run at once (:class:`NoTrainingData`) unless it is given data of its own (a
        voice's).
    on_done : callable
        Called from the training thread with the trained :class:`Network`.
    net : Network, optional
        The served model, as the server loaded it: how its examples are read, and what a
        refusal says is missing.
    """

    def __init__(self, data: Any, on_done: Callable[[Network], None],
                 net: Network | None = None):
        self._source, self._net = data, net
        self._data = None
        self._on_done = on_done
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.log: EventLog | None = None
        self.state = "idle"
        self.message: str | None = None
        self.config: TrainConfig | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, config: TrainConfig, image_shape, *, data=None, val=None,
              init: Network | None = None) -> EventLog:
        """Start a run in a background thread; raise :class:`TrainerBusy` if one is going.

        By default the run trains a fresh network on the server's data; given ``data`` (and
        ``val``, the examples it is checked on) and ``init``, it fine-tunes ``init`` on them
        (a voice taught from the page: :mod:`digitnet.web.voice`). Without ``data``, on a server
        that has none, :class:`NoTrainingData` at once, before any run starts."""
        if data is None and self._source is None:
            raise NoTrainingData(no_training_data(self._net))
        with self._lock:
            if self.running:
                raise TrainerBusy(f"training run {self.log.run_id} is still going; wait for it "
                                  "to finish, or stop it with DELETE /api/train")
            self._cancel.clear()
            self.log = EventLog(self.log.run_id + 1 if self.log else 1)
            self.state, self.message, self.config = "running", None, config
            self._thread = threading.Thread(target=self._run, args=(config, self.log, image_shape),
                                            kwargs={"data": data, "val": val, "init": init},
                                            name=f"digitnet-train-{self.log.run_id}", daemon=True)
            self._thread.start()
            return self.log

    def status(self) -> tuple[str, str | None, TrainConfig | None, EventLog | None]:
        """(state, message, config, log), read together."""
        with self._lock:
            return self.state, self.message, self.config, self.log

    def cancel(self) -> bool:
        """Ask the running run to stop at its next step; False if none is running."""
        if not self.running:
            return False
        self._cancel.set()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, config: TrainConfig, log: EventLog, image_shape, data=None, val=None,
             init: Network | None = None) -> None:
        try:
            if data is None and self._data is None:
                noun = _data_words(self._net)[0]
                log.publish("loading", {"message": f"loading the {noun} to train on"})
                self._data = training_data(self._source, self._net)
            result = train(self._data if data is None else data, config, val=val, init=init,
                           callback=_Publisher(log, self._cancel, image_shape),
                           handle_signals=False)
            net = result.network
            with self._lock:  # readers of status() see "done" exactly when the new net is served
                self._on_done(net)
                self.state = "done"
            log.publish("done", {"history": [_json_record(r) for r in result.history],
                                 "val_accuracy": result.val_accuracy,
                                 "before": result.init_val_accuracy,
                                 "seconds": round(result.seconds, 3),
                                 "sizes": list(net.sizes)})
        except TrainingInterrupted:
            self._finish(log, "cancelled", "the run was stopped; the served model is unchanged")
        except DigitnetError as e:
            self._finish(log, "failed", f"training failed: {e}")
        except Exception as e:  # a bug: still tell the browser rather than leave it waiting
            self._finish(log, "failed", f"training failed unexpectedly ({e!r}); this is a bug")
            raise

    def _finish(self, log: EventLog, state: str, message: str) -> None:
        with self._lock:
            self.state, self.message = state, message
        log.publish(state, {"message": message})


def training_data(data: Any, net: Network | None = None):
    """The Dataset runs learn from: ``data`` itself, or the training split of the dataset name,
    folder or table ``data`` names, read as ``net`` reads its examples (through its audio front
    end, its classes in its order; a CSV table's labels from the one column a model of a table
    does not read, :func:`digitnet.heldout.label_column`), as its held-out examples are read
    (:func:`digitnet.heldout.held_out`)."""
    from .. import datasets

    if not isinstance(data, (str, Path)):
        return data
    if net is None:
        return datasets.load(str(data), split="train")
    return datasets.load(str(data), split="train", target=heldout.label_column(net, data),
                         audio=inputs.audio_of(net), model_classes=inputs.classes_of(net),
                         pictures=inputs.of(net))


def run_config(net: Network, options) -> TrainConfig:
    """The recipe of a run that ``POST /api/train`` starts with ``options`` (a
    :class:`~digitnet.web.schemas.TrainRequest`) while ``net`` is served: the default recipe
    (Adam, cosine schedule) for a fresh network like ``net`` in what the options leave out —
    its input and output layers, its hidden layers' sizes and σ, its output function, and
    whether it deskews the pictures it reads; and what suits its input's kind, as `digitnet
    train` fits it (:func:`digitnet.recipes.for_input`: pictures are shifted by a pixel as the
    default recipe shifts them, recordings and tables are neither shifted nor deskewed, and a
    table trains with a table's weight decay), the number of epochs always the page's."""
    reads = inputs.of(net)
    hidden = tuple(options.hidden) if options.hidden is not None else net.sizes[1:-1]
    config = PRESETS["default"].replace(
        sizes=(net.sizes[0], *hidden, net.sizes[-1]), output=net.output_function.name,
        activation=options.activation or net.activation.name,
        lr=options.lr, epochs=options.epochs, seed=options.seed)
    if reads.kind == "images":
        config = config.replace(deskew=reads.deskew)
    return recipes.for_input(config, reads, given=("epochs",))


def run_status(trainer: Trainer, access, root_path: str = "") -> dict:
    """The current or last run as ``GET /api/train`` answers it (:class:`TrainStatus`), with who
    may start and stop runs (``access``, a :class:`~digitnet.web.classroom.TrainingAccess`) and
    where its events stream: under ``root_path``, the path the app is mounted at (the request's
    ``root_path``: ``/models/2`` for the second model served)."""
    state, message, config, log = trainer.status()
    history = [d for _, k, d in log.since(0) if k == "epoch"] if log else []
    return {"state": state, "run_id": log.run_id if log else 0,
            "config": config.to_dict() if config else None,
            "history": [{k: v for k, v in d.items() if k != "weight_images"} for d in history],
            "message": message, "events_url": f"{root_path.rstrip('/')}/api/train/events",
            "access": access.mode}


# -- server-sent events -----------------------------------------------------------------------


def last_seen(header: str | None, log: EventLog | None) -> int:
    """How many of ``log``'s events a reconnecting browser has seen, from its Last-Event-ID
    ("run:sequence"); 0 for a new browser or another run."""
    if not header or log is None:
        return 0
    run, _, seq = header.partition(":")
    if run == str(log.run_id) and seq.isdigit():
        return min(int(seq), len(log.events))
    return 0


async def event_stream(log: EventLog | None, seen: int = 0):
    """The server-sent events of ``log`` after the first ``seen``, as text, until the run ends.

    Without a run, a single ``idle`` event. While nothing happens, a comment every 15 s keeps
    proxies from closing the connection.
    """
    if log is None:
        yield _sse("idle", {"run_id": 0, "message": "no training run yet; POST /api/train"}, None)
        return
    yield "retry: 2000\n\n"
    while True:
        for seq, kind, data in log.since(seen):
            yield _sse(kind, data, f"{log.run_id}:{seq}")
            seen = seq
        if log.finished and seen >= len(log.events):
            return
        before = seen
        await log.wait(seen, timeout=15)
        if len(log.events) == before:
            yield ": still training\n\n"


def _sse(kind: str, data: dict, event_id: str | None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {dumps(finite(data)).decode()}\n\n"


def weight_images(net: Network, image_shape) -> np.ndarray | None:
    """The first layer's incoming weights as images, one per neuron (the first
    :data:`MAX_WEIGHT_IMAGES`), shape (n, height, width), rounded to 3 decimals and sent as
    such (``-0.001``, not the float32 nearest it written out in full); None if the input is not
    a square image."""
    if image_shape is None:
        return None
    w = net.weights[0][:MAX_WEIGHT_IMAGES]
    return rounded(w, 3).reshape(len(w), *image_shape)


def _json_record(record: dict) -> dict:
    """A history record with floats rounded for sending."""
    return {k: round(float(v), 6) if isinstance(v, (float, np.floating)) else v
            for k, v in record.items()}
