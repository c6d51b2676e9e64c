"""Searching for the best recipe: an Optuna study whose trials are digitnet training runs.

::

    search = Search(data, base=TrainConfig(), space=Space(DEFAULT_SPACE), trials=50, jobs=2)
    study = tune(search, "tune.db", "digitnet")
    studies.best_config(study)                     # the recipe with the best validation accuracy

Each trial draws a recipe from the search space (the fields it does not name keep the base
recipe's values) with Optuna's TPE sampler, trains it with :func:`digitnet.training.train`, the
one training loop, and is scored by its validation accuracy: the held-out part of the training
data that ``val_fraction`` and ``seed`` choose, the same for every trial; a test split is never
looked at. After every epoch the trial reports its validation accuracy so that the pruner
(median, or Hyperband) can stop a hopeless one early; a run that diverges is recorded as
pruned too (user attribute "diverged"), a bad recipe for the sampler to avoid. A trial is an
ordinary run: its recipe is
recorded as the user attribute "config", and ``train(data, TrainConfig.from_dict(config))``
repeats it bit for bit (the attribute "weights_sha256" holds the SHA-256 of its final weights).

The sampler is seeded anew for every trial from ``(base.seed, trial number)``: one process
repeats a search exactly, and processes running side by side draw different recipes.

``jobs`` worker processes run trials side by side, each on one thread. The study lives in a
database (:mod:`digitnet.studies`) that any number of processes, on any number of machines, can
share: each starts a trial only while fewer than ``trials`` trials are finished (complete or
pruned), running or waiting, so together they run ``trials`` trials, and each returns once
all of them have finished (so every process ends with the same best trial). Ctrl-C (or SIGTERM, or
``should_stop``) stops every worker at its next progress report; an interrupted trial is marked
failed ("interrupted" in its user attributes) and queued again with the same parameters, so the
next run continues the study and trains it first.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import socket
import time
import warnings
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from . import studies
from .config import TrainConfig
from .datasets import Dataset
from .errors import ConfigError, DivergenceError, TrainingError, TrainingInterrupted
from .searchspace import Space
from .training import Callback, _StopFlag, train

__all__ = ["Search", "Status", "Progress", "PRUNERS", "tune", "make_sampler"]

PRUNERS = ("median", "hyperband", "none")
_COUNTED = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")  # trials towards the target


@dataclass(frozen=True)
class Search:
    """What to search: the data, the base recipe, the space, and how many trials."""

    data: Dataset
    base: TrainConfig
    space: Space
    trials: int
    jobs: int = 1
    pruner: str = "median"
    timeout: float | None = None  # seconds after which no new trial starts
    engine: str = "auto"

    def __post_init__(self):
        if self.trials < 1 or self.jobs < 1:
            raise ConfigError(f"need at least one trial and one job, got trials={self.trials}, "
                              f"jobs={self.jobs}")
        if self.pruner not in PRUNERS:
            raise ConfigError(f"unknown pruner {self.pruner!r}; choose one of {', '.join(PRUNERS)}")
        if self.base.val_fraction == 0:
            raise ConfigError("trials are scored on a validation split; set val_fraction above 0")

    def description(self) -> dict:
        """What makes trials comparable: recorded in the study, checked when it is continued."""
        return {"base": self.base.to_dict(), "space": self.space.to_dict(),
                "data": {"n": len(self.data), "files": dict(self.data.files)}}


@dataclass(frozen=True)
class Status:
    """How the study stands: trials by state, the target, the best so far."""

    target: int
    complete: int
    pruned: int
    failed: int
    running: int
    waiting: int
    best: studies.TrialRecord | None

    @property
    def done(self) -> int:
        return self.complete + self.pruned


class Progress:
    """Receives the study's status while :func:`tune` runs. Override what you need."""

    def on_status(self, status: Status, finished: list[studies.TrialRecord]) -> None:
        """Called when the study changes; ``finished`` are the trials that ended since."""


def make_sampler(seed: int, number: int):
    """Optuna's TPE sampler for trial ``number`` of a search seeded ``seed``."""
    optuna = studies.require_optuna()
    state = int(np.random.SeedSequence((seed, number)).generate_state(1)[0])
    # constant_liar: running trials count as bad ones, so workers side by side spread out.
    return optuna.samplers.TPESampler(seed=state, constant_liar=True)


def tune(search: Search, storage: str, study_name: str, *, progress: Progress | None = None,
         handle_signals: bool = True, poll_seconds: float = 0.5):
    """Run ``search`` until its study in ``storage`` has ``search.trials`` finished trials.

    Returns the Optuna study. Raises TrainingInterrupted after Ctrl-C or SIGTERM (when
    ``handle_signals``; every worker's trial is marked and queued again first), and
    ConfigError when the study was started with another description (base, space, data).
    """
    optuna = studies.require_optuna()
    progress = progress or Progress()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # progress comes through the callback
    try:
        study = _open(search, storage, study_name)
        context = multiprocessing.get_context("spawn")  # no inherited database connections
        stop, starting = context.Event(), context.Lock()
        deadline = None if search.timeout is None else time.time() + search.timeout
        with _StopFlag(handle_signals) as flag, ProcessPoolExecutor(
                search.jobs, mp_context=context, initializer=_start_worker,
                initargs=(stop, starting)) as pool:
            jobs = [pool.submit(_work, search, storage, study_name, deadline)
                    for _ in range(search.jobs)]
            _watch(study, search, jobs, progress, flag, stop, poll_seconds)
        if flag.requested:
            raise TrainingInterrupted(
                f"tuning interrupted with {_status(studies.records(study), search.trials).done} of "
                f"{search.trials} trials finished; run the same command again to continue")
        return study
    finally:
        optuna.logging.set_verbosity(verbosity)


def _open(search: Search, storage: str, study_name: str):
    """The study (made if new), checked to search what ``search`` searches."""
    optuna = studies.require_optuna()
    study = optuna.create_study(storage=studies.open_storage(storage), study_name=study_name,
                                direction="maximize", load_if_exists=True)
    recorded = study.user_attrs.get("digitnet")
    mine = json.loads(json.dumps(search.description()))  # as the database gives it back
    if recorded is None:
        study.set_user_attr("digitnet", mine)
    elif recorded != mine:
        part = next(k for k in mine if recorded.get(k) != mine[k])
        what = {"base": "from another base recipe", "space": "another search space",
                "data": "other data"}[part]
        raise ConfigError(f"study {study_name!r} was started with {what}; continue it with the "
                          "options it was started with, or name a new study with --study")
    return study


def _watch(study, search, jobs, progress, flag, stop, poll_seconds) -> None:
    """Report the study's status until every worker has returned; stop them when asked."""
    last = None
    seen = {r.number for r in studies.records(study) if r.state in ("COMPLETE", "PRUNED", "FAIL")}
    try:
        while True:
            finished_jobs, _ = wait(jobs, timeout=poll_seconds, return_when=FIRST_EXCEPTION)
            if flag.requested:
                stop.set()
            found = studies.records(study)
            new = [r for r in found
                   if r.state in ("COMPLETE", "PRUNED", "FAIL") and r.number not in seen]
            seen |= {r.number for r in new}
            status = _status(found, search.trials)
            if new or status != last:
                progress.on_status(status, new)
                last = status
            failed = [j for j in finished_jobs if j.exception() is not None]
            if failed:
                stop.set()
                wait(jobs)
                _raise_worker_error(failed[0])
            if len(finished_jobs) == len(jobs):
                return
    finally:
        stop.set()  # on any way out (a second Ctrl-C too), no worker starts another step


def _raise_worker_error(job) -> None:
    """The error a worker stopped with: its own, or a TrainingError if its process died."""
    try:
        job.result()
    except BrokenProcessPool:
        raise TrainingError("a worker process stopped unexpectedly (killed, or out of memory); "
                            "its trial is queued again once its heartbeat is missed: run the "
                            "same command again to continue") from None


def _status(found: list[studies.TrialRecord], target: int) -> Status:
    count = {state: sum(r.state == state for r in found) for state in
             ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")}
    done = [r for r in found if r.state == "COMPLETE"]
    best = max(done, key=lambda r: (r.value, -r.number), default=None)
    return Status(target, count["COMPLETE"], count["PRUNED"], count["FAIL"], count["RUNNING"],
                  count["WAITING"], best)


# -- in each worker process ---------------------------------------------------------------------

_STOP = None  # the event the main process sets to stop this worker
_STARTING = None  # held by one worker of this machine from counting trials to starting one


def _start_worker(stop, starting) -> None:
    """A worker ignores Ctrl-C (the main process decides) and computes on one thread."""
    global _STOP, _STARTING
    _STOP, _STARTING = stop, starting
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _work(search: Search, storage: str, study_name: str, deadline: float | None) -> None:
    """Run trials until the study has enough finished ones, time is up or the worker is stopped.

    While the last trials run elsewhere, wait for them rather than return: one of them may
    stop (its process interrupted or its machine gone) and be queued again for us to run.
    """
    optuna = studies.require_optuna()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=study_name, storage=studies.open_storage(storage),
                              pruner=_pruner(search.pruner))
    while not _STOP.is_set() and (deadline is None or time.time() < deadline):
        trial_run = _TrialRun(search)
        try:
            states = [t.state.name for t in study.get_trials(deepcopy=False)]
            finished = sum(s in ("COMPLETE", "PRUNED") for s in states)
            if finished >= search.trials:
                return
            if finished + states.count("RUNNING") >= search.trials:  # none left to start
                trial_run.started()
                _STOP.wait(studies.HEARTBEAT_SECONDS / 4)
                with warnings.catch_warnings():  # Optuna marks this experimental
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    optuna.storages.fail_stale_trials(study)  # and queues them again
                continue
            study.optimize(trial_run.objective, n_trials=1, catch=(_Stopped,))
        finally:
            trial_run.started()
        if trial_run.interrupted is not None:
            trial = trial_run.interrupted
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})


def _counted(study, before: int) -> int:
    """How many trials numbered below ``before`` count towards the target."""
    return sum(t.state.name in _COUNTED and t.number < before
               for t in study.get_trials(deepcopy=False))


def _pruner(name: str):
    """The pruner by its name. Steps are epochs, counted from 1: the median pruner judges a
    trial from its third epoch on (Optuna's warm-up covers steps below n_warmup_steps), once
    five trials have finished."""
    optuna = studies.require_optuna()
    return {"median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
            "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1),
            "none": optuna.pruners.NopPruner}[name]()


class _Stopped(Exception):
    """A trial ended without a score: interrupted, or surplus to the target (state FAIL)."""


class _TrialRun:
    """One trial: a recipe drawn from the space, trained, reported epoch by epoch, scored."""

    def __init__(self, search: Search):
        _STARTING.acquire()  # until the trial exists, so that this machine's workers count it
        self.search, self.interrupted, self._starting = search, None, True

    def started(self) -> None:
        if self._starting:
            self._starting = False
            _STARTING.release()

    def objective(self, trial) -> float:
        optuna = studies.require_optuna()
        search = self.search
        self.started()
        if _counted(trial.study, before=trial.number) >= search.trials:
            trial.set_user_attr("surplus", True)  # another machine started the last one first
            raise _Stopped(f"the study already has {search.trials} trials")
        trial.study.sampler = make_sampler(search.base.seed, trial.number)
        config = search.space.sample(trial, search.base)
        trial.set_user_attr("config", config.to_dict())
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        reporter = _Reporter(trial)
        try:
            result = train(search.data, config, callback=reporter, handle_signals=False,
                           engine=search.engine)
        except DivergenceError as e:
            trial.set_user_attr("diverged", str(e))
            raise optuna.TrialPruned(f"diverged: {e}") from None
        except TrainingInterrupted:
            if reporter.pruned:
                raise optuna.TrialPruned(f"pruned after epoch {reporter.epoch}") from None
            trial.set_user_attr("interrupted", True)
            self.interrupted = trial
            raise _Stopped("interrupted") from None
        trial.set_user_attr("train_seconds", result.seconds)
        trial.set_user_attr("weights_sha256", hashlib.sha256(result.network.params).hexdigest())
        if reporter.pruned:  # told to prune after the last epoch
            raise optuna.TrialPruned(f"pruned after epoch {reporter.epoch}")
        return result.val_accuracy


class _Reporter(Callback):
    """Reports each epoch's validation accuracy; stops the run when pruned or told to stop."""

    def __init__(self, trial):
        self.trial, self.epoch, self.pruned = trial, 0, False

    def on_epoch_end(self, epoch, record, network):
        self.epoch = epoch
        self.trial.report(record["val_accuracy"], epoch)
        self.pruned = self.trial.should_prune()

    def should_stop(self) -> bool:
        return self.pruned or _STOP.is_set()

