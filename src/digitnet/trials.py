"""One trial of a search, in a worker process: a recipe drawn, trained, reported, scored.

:func:`digitnet.tuning.tune` starts worker processes with :func:`start_worker` (and Ctrl-C
and SIGTERM held back while they start, :func:`ctrl_c_held`) and runs :func:`run_trials` in
each. A trial draws its recipe from the search space through Optuna (with a TPE sampler seeded
for that trial by :func:`make_sampler`), trains it with :func:`digitnet.training.train`, the
one training loop, reports each epoch's validation accuracy to the pruner, and ends complete
(scored by its validation accuracy), pruned (hopeless, or diverged), or failed (interrupted,
and queued again with its parameters; or surplus, when another machine started the study's last
trial first).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import time
import warnings
from pathlib import Path

import numpy as np

from . import studies
from .errors import DivergenceError, TrainingInterrupted
from .training import Callback, train

__all__ = ["PRUNERS", "make_sampler", "ctrl_c_held", "start_worker", "run_trials",
           "fail_dead_here"]

PRUNERS = ("median", "hyperband", "none")
_COUNTED = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")  # trials towards the target


def make_sampler(seed: int, number: int):
    """Optuna's TPE sampler for trial ``number`` of a search seeded ``seed``."""
    optuna = studies.require_optuna()
    state = int(np.random.SeedSequence((seed, number)).generate_state(1)[0])
    # constant_liar: running trials count as bad ones, so workers side by side spread out.
    return optuna.samplers.TPESampler(seed=state, constant_liar=True)


_STOP = None  # the event the main process sets to stop this worker
_PARENT = None  # the main process's id, while this worker is its child
_STARTING = None  # held by one worker of this machine from counting trials to starting one


#: What stops a search: Ctrl-C, and SIGTERM (``kill``, ``timeout``). Both go to the main process,
#: which stops the workers; sent to the whole process group they reach the workers too, which
#: ignore them (else they would die mid-trial, leaving it "running" until its heartbeat is missed).
_STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def ctrl_c_held():
    """Hold Ctrl-C (SIGINT) and SIGTERM back in this thread while worker processes start, then
    take them.

    A worker inherits the held signals, so one that comes while it starts (importing NumPy,
    before :func:`start_worker` can ignore it) waits, and is dropped once it does, instead of
    killing the worker with a traceback; this process receives a held one on leaving (its
    stop flag's handler, or KeyboardInterrupt). Python's own resource tracker starts so.
    Where signals cannot be held (Windows), nothing is done.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, set(_STOPPING))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def start_worker(stop, starting) -> None:
    """A worker ignores Ctrl-C and SIGTERM (the main process decides, and stops it through
    ``stop``) and computes on one thread.

    It was started with them held (:func:`ctrl_c_held`): ignoring them drops one that came
    meanwhile, and they are let through (to be ignored) after."""
    global _STOP, _STARTING, _PARENT
    _STOP, _STARTING, _PARENT = stop, starting, os.getppid()
    for sig in _STOPPING:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(_STOPPING))
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _stopped() -> bool:
    """Whether this worker is to stop: the main process said so, or is gone (:func:`_orphaned`).
    """
    return _STOP.is_set() or _orphaned()


def _orphaned() -> bool:
    """Whether the main process is gone, killed (``kill -9``) before it could stop this worker,
    which has another parent since: it would run trials on, unseen, until the study had them
    all, then wait for ever for work from the pool it belonged to."""
    return _PARENT is not None and os.getppid() != _PARENT


def run_trials(search, storage: str, study_name: str, deadline: float | None) -> None:
    """Run trials of ``search`` (a :class:`digitnet.tuning.Search`) until the study has enough
    finished ones, time is up or the worker is stopped.

    While the last trials run elsewhere, wait for them rather than return: one of them may
    stop (its process interrupted or its machine gone) and be queued again for us to run.
    """
    optuna = studies.require_optuna()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=study_name, storage=studies.open_storage(storage),
                              pruner=_pruner(search.pruner))
    while not _stopped() and (deadline is None or time.time() < deadline):
        trial_run = _TrialRun(search)
        try:
            if fail_dead_here(study):  # (under _STARTING: one worker of this machine at a time)
                continue
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
    if _orphaned():  # (its trial marked and queued again: nothing is left to return to)
        os._exit(0)


def fail_dead_here(study) -> bool:
    """Mark failed the running trials of ``study`` whose worker process ran on this machine
    and is gone (killed: ``kill -9``, the out-of-memory killer), as interrupted trials are
    marked, and queue each again with its parameters; whether any was.

    Their heartbeat would give them up too, but only after :data:`studies.GRACE_SECONDS`, and
    meanwhile they count as running. A trial is judged only where its process id means what it
    meant when it was recorded: the same machine, kernel boot and PID namespace (user
    attribute "pid_space", Linux only); a process of that id that exists (perhaps another
    since) leaves it to the heartbeat.
    """
    optuna = studies.require_optuna()
    here, marked = _pid_space(), False
    if here is None:
        return False
    storage = study._storage  # (Optuna's own fail_stale_trials reaches it so)
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        pid = str(t.user_attrs.get("worker", "")).rpartition(":")[2]
        if t.user_attrs.get("pid_space") != here or not pid.isdigit() or _exists(int(pid)):
            continue
        try:
            storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            if not storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # (another process marked it first, or it ended meanwhile)
        study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
        marked = True
    return marked


def _pid_space() -> str | None:
    """Where a process id names one process: this machine's name, its kernel's boot and this
    process's PID namespace (a container has its own), as Linux tells them; None elsewhere."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        space = os.stat("/proc/self/ns/pid")
    except OSError:
        return None
    return f"{socket.gethostname()}:{boot}:{space.st_dev}:{space.st_ino}"


def _exists(pid: int) -> bool:
    """Whether a process of id ``pid`` exists (signal 0 tests for it and sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # (another user's: it exists)
    return True


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

    def __init__(self, search):
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
        if (here := _pid_space()) is not None:  # (for fail_dead_here, should this process die)
            trial.set_user_attr("pid_space", here)
        reporter = _Reporter(trial, config.epochs)
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
        return result.val_accuracy  # (a run that trained to its end is complete, never pruned)


class _Reporter(Callback):
    """Reports each epoch's validation accuracy; stops the run when pruned or told to stop.
    The pruner is not asked after the last of the ``epochs``: the trial has trained them all,
    so it is complete (its score kept), whatever it would say."""

    def __init__(self, trial, epochs: int):
        self.trial, self.epochs, self.epoch, self.pruned = trial, epochs, 0, False

    def on_epoch_end(self, epoch, record, network):
        self.epoch = epoch
        self.trial.report(record["val_accuracy"], epoch)
        self.pruned = epoch < self.epochs and self.trial.should_prune()

    def should_stop(self) -> bool:
        return self.pruned or _stopped()
