"""Searching for the best recipe: an Optuna study whose trials are digitnet training runs.

::

    from digitnet import TrainConfig, datasets, studies
    from digitnet.searchspace import DEFAULT_SPACE, Space
    from digitnet.tuning import Search, tune

    if __name__ == "__main__":   # (in a script: the workers are new processes that import it)
        data = datasets.load("mnist")            # MNIST's training digits (downloaded once)
        search = Search(data, base=TrainConfig(), space=Space(DEFAULT_SPACE), trials=50, jobs=2)
        study = tune(search, "tune.db", "digitnet")
        print(studies.best_config(study))        # the recipe with the best validation accuracy

Each trial draws a recipe from the search space (the fields it does not name keep the base
recipe's values) with Optuna's TPE sampler, trains it with :func:`digitnet.training.train`, the
one training loop, and is scored by its validation accuracy: the held-out part of the training
data that ``val_fraction`` and ``seed`` choose, the same for every trial; a test split is never
looked at. After every epoch the trial reports its validation accuracy so that the pruner
(median, or Hyperband) can stop a hopeless one early; a run that diverges is recorded as
pruned too (user attribute "diverged"), a bad recipe for the sampler to avoid. A trial is an
ordinary run: its recipe is recorded as the user attribute "config", and
``train(data, TrainConfig.from_dict(config))`` repeats it bit for bit on one BLAS thread, as
trials compute (the attribute "weights_sha256" holds the SHA-256 of its final weights). The
sampler is seeded anew for every trial from ``(base.seed, trial number)``: one process repeats
a search exactly, and processes running side by side draw different recipes. The trials
themselves run in :mod:`digitnet.trials`.

``jobs`` worker processes run trials side by side, each on one thread. The study lives in a
database (:mod:`digitnet.studies`) that any number of processes, on any number of machines, can
share: each starts a trial only while fewer than ``trials`` trials are finished (complete or
pruned), running or waiting, so together they run ``trials`` trials, and each returns once all
of them have finished (so every process ends with the same best trial). Ctrl-C (or SIGTERM)
stops every worker at its next progress report (more meanwhile are taken as the first:
:mod:`digitnet.searchstop`); an interrupted trial is marked failed
("interrupted" in its user attributes) and queued again with the same parameters, so the next
run continues the study and trains it first. A trial whose process was killed is marked so by the
next run on its machine at once (:func:`digitnet.trials.fail_dead_here`), elsewhere once its
heartbeat is missed.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import recipes, spacecheck, splits, studies, trials, words
from .config import TrainConfig
from .dataidentity import label_columns, same_data, same_description
from .datasets import Dataset
from .errors import ConfigError, TrainingError, TrainingInterrupted
from .searchspace import Space, shown
from .searchstop import SearchStopFlag  # Ctrl-C and SIGTERM, as digitnet train takes them
from .trials import PRUNERS

__all__ = ["PRUNERS", "Progress", "Search", "Status", "interrupted_message", "open_study",
           "tune"]


@dataclass(frozen=True)
class Search:
    """What to search: the data, the base recipe, the space, and how many trials."""

    data: Dataset
    base: TrainConfig
    space: Space
    trials: int
    jobs: int = 1
    pruner: str = PRUNERS[0]  # (median: the first named is the default)
    timeout: float | None = None  # seconds after which no new trial starts
    engine: str = "auto"

    def __post_init__(self):
        if self.trials < 1 or self.jobs < 1:
            raise ConfigError(f"need at least one trial and one job, got trials={self.trials}, "
                              f"jobs={self.jobs}")
        if self.pruner not in PRUNERS:
            raise ConfigError(f"unknown pruner {self.pruner!r}; choose one of {', '.join(PRUNERS)}")
        self._check_held_out()
        # before a study records the space (and on the engine its trials will train with)
        spacecheck.check(self.space, self.base, self.data, self.engine)

    def _check_held_out(self) -> None:
        """ConfigError if the trials' validation split would hold out none of the data (their
        score): a val_fraction of 0, or one that rounds to none of each class of few examples."""
        base = self.base
        if base.val_group is not None:
            return  # (every example of that group: one that holds none is refused by name)
        if len(splits.stratified_split(self.data.labels, base.val_fraction, base.seed)[1]):
            return
        why, more = recipes.none_held_out(self.data, base.val_fraction)
        raise ConfigError(f"{self.data.name}: trials are scored on held-out examples, and {why}; "
                          f"{more}")

    def description(self) -> dict:
        """What makes trials comparable: recorded in the study, checked when it is continued.

        Besides the recipe, space and data: the engine (engines round differently: other
        weights, other scores), the pruner (it decides which trials are cut short) and, for a
        table, the columns read (the one left out is the label column: the same file can be
        learned by another, the ``target``)."""
        table = self.data.input.kind == "table"
        return {"base": self.base.to_dict(), "space": self.space.to_dict(),
                "data": {"n": len(self.data), "files": dict(self.data.files)},
                "engine": self.engine, "pruner": self.pruner,
                **({"columns": list(self.data.input.columns)} if table else {})}


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
        """Called when the study changes: ``finished`` the trial that ended (none, when only
        the status changed), ``status`` how the study stood as it ended. (The study is looked
        at every ``poll_seconds``: when several trials ended meanwhile, each is reported in
        turn, in the order they ended, with the status its end left, as their start and end
        times tell it; the last with the status as it is now.)"""


def tune(search: Search, storage: str, study_name: str, *, progress: Progress | None = None,
         handle_signals: bool = True, poll_seconds: float = 0.5, study=None):
    """Run ``search`` until its study in ``storage`` has ``search.trials`` finished trials.

    Returns the Optuna study. Raises TrainingInterrupted after Ctrl-C or SIGTERM (when
    ``handle_signals``; every worker's trial is marked and queued again first), and the
    ConfigErrors of :func:`open_study`; ``study`` is the study :func:`open_study` gave for
    ``storage`` and ``study_name`` already (to refuse one started otherwise before saying
    anything of the search), else it is opened here.
    """
    progress = progress or Progress()
    with _quiet_optuna():  # progress comes through the callback
        # Ctrl-C is taken from the start: a KeyboardInterrupt raised while the database is
        # opened can land in a garbage collector's callback, which prints it and goes on.
        with SearchStopFlag(handle_signals) as flag:
            if study is None:
                study = open_study(search, storage, study_name)
            if not flag.requested:
                flag.stopping = True  # (the workers run: see SearchStopFlag)
                _run(search, storage, study, progress, flag, poll_seconds)
            if flag.requested:
                raise TrainingInterrupted(interrupted_message(study, search.trials))
        return study


@contextmanager
def _quiet_optuna():
    """Optuna's log at warnings only meanwhile (not its "A new study created" and the like)."""
    optuna = studies.require_optuna()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(verbosity)


def interrupted_message(study, target: int, saved: str | None = None) -> str:
    """What a stop of :func:`tune` left to do: trials to run, or (when it came after the last
    one had finished, as the workers returned) only the results to show. ``saved``: what the
    caller made of the best recipe so far ("the best recipe so far (97.10%, trial 3) is saved
    to best.json"), said before it; without it, the recipe is said to be left unsaved."""
    done = _status(studies.records(study), target).done
    said = f"; {saved}" if saved else ""
    if done < target:
        return (f"tuning interrupted with {done} of {target} trials finished{said}; run the "
                "same command again to continue")
    finished = f"tuning interrupted after the study's {words.counted(done, 'trial')} had finished"
    if saved:
        return (f"{finished}, before their results were shown{said}; run the same command again "
                "for the results (it trains no more trials)")
    return (f"{finished}, before their results were shown and the best recipe saved; run the "
            "same command again for those (it trains no more trials)")


def _run(search: Search, storage: str, study, progress: Progress, flag: SearchStopFlag,
         poll_seconds: float) -> None:
    """Run ``search.jobs`` worker processes on ``study`` until they return."""
    context = multiprocessing.get_context("spawn")  # no inherited database connections
    stop, starting = context.Event(), context.Lock()
    deadline = None if search.timeout is None else time.time() + search.timeout
    seen = _ended(studies.records(study))  # (a trial failed next is reported as it ends here)
    trials.fail_dead_here(study)  # its process killed on this machine: not shown as running
    with ProcessPoolExecutor(search.jobs, mp_context=context, initializer=trials.start_worker,
                             initargs=(stop, starting)) as pool:
        with trials.ctrl_c_held():  # the workers start (in submit) immune to Ctrl-C
            jobs = [pool.submit(trials.run_trials, search, storage, study.study_name, deadline)
                    for _ in range(search.jobs)]
        _watch(study, search, jobs, progress, flag, stop, poll_seconds, seen)


def open_study(search: Search, storage, study_name: str):
    """The study ``study_name`` in ``storage`` (a database as :func:`studies.open_storage`
    takes it, or the storage it gave), made if new, checked to search what ``search`` searches.

    Raises ConfigError for a blank ``study_name``, and when the study was started with another
    description (base, engine, pruner, space, data, a table's label column).
    """
    if not study_name.strip():  # (Optuna makes a study of that name, which no listing shows)
        raise ConfigError(f"study_name {study_name!r} names no study; give it a name")
    optuna = studies.require_optuna()
    if isinstance(storage, (str, Path)):
        storage = studies.open_storage(storage)
    with _quiet_optuna():
        study = optuna.create_study(storage=storage, study_name=study_name,
                                    direction="maximize", load_if_exists=True)
    recorded = study.user_attrs.get("digitnet")
    mine = json.loads(json.dumps(search.description()))  # as the database gives it back
    for key in ("engine", "pruner", "columns"):  # a study started before each was recorded
        if recorded is not None and key not in recorded:  # is checked as it was then
            mine.pop(key, None)
    if recorded is None:
        study.set_user_attr("digitnet", mine)
    elif not same_description(recorded, mine):  # the data by its files' contents
        raise ConfigError(f"study {study_name!r} was started with {_difference(recorded, mine)}; "
                          "continue it with the options it was started with, or name a new "
                          "study with --study")
    return study


def _difference(recorded: dict, mine: dict) -> str:
    """What a study was started with that this search has otherwise, named with both values:
    a table's label column (on the same data), else the first option of the base recipe that
    differs, else the engine, else the first field searched over another distribution, else
    the pruner, else the data."""
    then, now = recorded.get("columns"), mine.get("columns")
    if then is not None and now is not None and then != now and same_data(
            recorded.get("data"), mine["data"]):  # (before sizes: their output may differ too)
        return _other_labels(then, now)
    old, new = recorded.get("base") or {}, mine["base"]
    spaces = (recorded.get("space") or {}), mine["space"]
    changed = [k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]
    if changed:
        field = changed[0]
        if not any(field in space for space in spaces):
            return (f"{field} {shown(old.get(field))}, and this command gives "
                    f"{shown(new.get(field))}")
        # (a field searched has the base recipe's value unused: said as searched)
        then, now = (f"{field} searched" if field in space else f"{field} {shown(base.get(field))}"
                     for space, base in zip(spaces, (old, new)))
        return f"{then}, and this command gives {now}"
    if recorded.get("engine", mine.get("engine")) != mine.get("engine"):
        return (f"--engine {recorded['engine']}, and this command gives --engine "
                f"{mine['engine']}" + (" (the default)" if mine["engine"] == "auto" else ""))
    old, new = recorded.get("space") or {}, mine["space"]
    changed = [k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]
    if changed:
        field = changed[0]
        searched = [shown(dist) if dist is not None else "not searched"
                    for dist in (old.get(field), new.get(field))]
        return (f"another search space ({field}: {searched[0]}, and this command's "
                f"{searched[1]})")
    if recorded.get("pruner") != mine.get("pruner"):  # (neither, in a study that recorded none)
        return (f"--pruner {recorded['pruner']}, and this command gives --pruner "
                f"{mine['pruner']}" + (" (the default)" if mine["pruner"] == PRUNERS[0] else ""))
    old, new = (recorded.get("data") or {}).get("n"), mine["data"]["n"]
    return (f"other data ({old} examples, and this command's {new})" if old != new
            else "other data (other files)")


def _other_labels(recorded: list[str], mine: list[str]) -> str:
    """The label columns of one table two searches learn, named (:func:`label_columns`: each
    reads every column of the file but its label column)."""
    then, now = label_columns(recorded, mine) or (None, None)
    if then is None or now is None:  # (not one column for another)
        return "another label column (--target)"
    return (f"the labels in column {then!r} (--target {words.shell(then)}), and this command's "
            f"are in column {now!r}")


def _ended(found: list[studies.TrialRecord]) -> set[int]:
    """The numbers of the trials that have ended (complete, pruned or failed)."""
    return {r.number for r in found if r.state in ("COMPLETE", "PRUNED", "FAIL")}


def _watch(study, search, jobs, progress, flag, stop, poll_seconds, seen: set[int]) -> None:
    """Report the study's status until every worker has returned; stop them when asked.
    ``seen``: the trials that had ended before (not reported)."""
    last = None
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
                _report(progress, found, new, status)
                last = status
            if status.done >= search.trials:
                stop.set()  # a worker waiting on the others' last trials returns now, not later
            failed = [j for j in finished_jobs if j.exception() is not None]
            if failed:
                stop.set()
                wait(jobs)
                _raise_worker_error(failed[0])
            if len(finished_jobs) == len(jobs):
                return
    finally:
        stop.set()  # on any way out (a second Ctrl-C too), no worker starts another step


def _report(progress: Progress, found: list[studies.TrialRecord],
            new: list[studies.TrialRecord], status: Status) -> None:
    """The trials ``new`` to ``progress``, one at a time in the order they ended, each with the
    study's status as its end left it (the last, with ``status``: the study now), so that each
    says the same of the study; ``status`` alone when no trial ended."""
    new = sorted(new, key=lambda r: (r.ended is None, r.ended or 0.0, r.number))
    for r in new[:-1]:
        progress.on_status(_status_at(found, r.ended, status), [r])
    progress.on_status(status, new[-1:])


def _status_at(found: list[studies.TrialRecord], when: float | None, now: Status) -> Status:
    """The study's status at time ``when``, as its trials' start and end times tell it: one
    that ended later was running, one that started later is left out (trials waiting are
    counted as now); ``now`` when the time is not known."""
    if when is None:
        return now
    then = [r if r.state == "WAITING" or r.ended is not None and r.ended <= when
            else dataclasses.replace(r, state="RUNNING", value=None)
            for r in found
            if r.state == "WAITING" or r.started is not None and r.started <= when]
    return _status(then, now.target)


def _raise_worker_error(job) -> None:
    """The error a worker stopped with: its own, or a TrainingError if its process died."""
    try:
        job.result()
    except BrokenProcessPool:
        raise TrainingError("a worker process stopped unexpectedly (killed, or out of memory); "
                            "its trial is queued again once its heartbeat is missed: run the "
                            "same command again to continue") from None


def _interrupted_trials(found: list[studies.TrialRecord]) -> list[int]:
    """The trials interrupted whose work is still to do: stopped (FAIL) and not surplus (a
    trial started after the study had its trials, never run), and not run again to the end
    since (each is queued again as a trial of its own, ``retry_of`` it, which may itself be
    interrupted and run again)."""
    again = {r.retry_of: r for r in found if r.retry_of is not None}
    left = []
    for r in found:
        if r.state != "FAIL" or r.surplus:
            continue
        last = r
        while last.number in again:
            last = again[last.number]
        if last.state not in ("COMPLETE", "PRUNED"):
            left.append(r.number)
    return left


def _status(found: list[studies.TrialRecord], target: int) -> Status:
    count = {state: sum(r.state == state for r in found) for state in
             ("COMPLETE", "PRUNED", "RUNNING", "WAITING")}
    count["FAIL"] = len(_interrupted_trials(found))
    done = [r for r in found if r.state == "COMPLETE"]
    best = max(done, key=lambda r: (r.value, -r.number), default=None)
    return Status(target, count["COMPLETE"], count["PRUNED"], count["FAIL"], count["RUNNING"],
                  count["WAITING"], best)
