"""`digitnet tune` stopped by Ctrl-C (SIGINT) or SIGTERM, which it takes alike, saves the best
recipe so far to --out, as the end of a search saves it, and says so in its last line: nothing
the search found is lost (before, it said only "run the same command again to continue" and
--out was not written). With no complete trial it writes nothing and says so; a file that came
to --out meanwhile and is no recipe is not replaced (the check the search made at its start is
made again), and the line says why the recipe is not saved. The trial that was running is
marked interrupted and queued again, as before.

Real searches of scikit-learn's wine table in a process of their own, stopped by a real signal
once their first trial's line is on stderr (or, for none complete, once a trial is running).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from real_data import wine_csv

from digitnet import studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")

SPACE = {"lr": {"low": 0.001, "high": 0.01, "log": True}}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wine")
    space = folder / "space.json"
    space.write_text(json.dumps(SPACE))
    return wine_csv(folder / "wine.csv"), space


def _start(files, folder, epochs: int) -> tuple[subprocess.Popen, list[str]]:
    """`digitnet tune` of 5 trials of ``epochs`` epochs each (hundreds: seconds a trial, so
    that the next is running when the signal comes), and the command's words."""
    table, space = files
    command = [sys.executable, "-m", "digitnet", "tune", "--data", str(table), "--space",
               str(space), "--epochs", str(epochs), "--pruner", "none", "--trials", "5",
               "--storage", str(folder / "tune.db"), "--out", str(folder / "best.json")]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), command


def _read_until(process: subprocess.Popen, starts: str) -> list[str]:
    """The lines of ``process``'s stderr up to the first that starts with ``starts``."""
    said = []
    while not (said and said[-1].startswith(starts)):
        line = process.stderr.readline()
        if not line:
            pytest.fail(f"the search ended first: {''.join(said)}{process.communicate()[1]}")
        said.append(line)
    return said


def _stop(process: subprocess.Popen, sig: int) -> str:
    """``sig`` to ``process``; its return code checked (130) and the rest of its stderr."""
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err, err
    return err


def _trials(folder):
    return studies.load_study(studies.open_storage(folder / "tune.db", create=False),
                              "digitnet").get_trials()


def _until_a_trial_runs(process: subprocess.Popen, folder) -> None:
    """Back once a trial of the study in ``folder`` is running (the next, after a line)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            if any(t.state.name == "RUNNING" for t in _trials(folder)):
                return
        except ConfigError:  # no study in the database yet
            pass
        assert process.poll() is None and time.monotonic() < deadline, "no trial running"
        time.sleep(0.05)


def _interrupted_and_queued(trials) -> None:
    """None running; the interrupted ones marked so, each queued again (to run first)."""
    assert not any(t.state.name == "RUNNING" for t in trials)
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert failed and all(t.user_attrs["interrupted"] for t in failed)
    queued = [t.user_attrs["retry_of"] for t in trials if t.state.name == "WAITING"]
    assert sorted(queued) == [t.number for t in failed]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_after_a_trial_saves_the_best_recipe_so_far(files, tmp_path, sig):
    process, _ = _start(files, tmp_path, epochs=300)
    try:
        _read_until(process, "trial ")  # one finished,
        _until_a_trial_runs(process, tmp_path)  # the next running
        err = _stop(process, sig)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    trials = _trials(tmp_path)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    best = max(complete, key=lambda t: (t.value, -t.number))
    out = tmp_path / "best.json"
    assert err.splitlines()[-1] == (
        f"digitnet: tuning interrupted with {len(complete)} of 5 trials finished; the best "
        f"recipe so far ({best.value:.2%}, trial {best.number}) is saved to {out}; run the "
        "same command again to continue"), err
    assert json.loads(out.read_text()) == best.user_attrs["config"]  # what the end saves
    _interrupted_and_queued(trials)


def test_a_stop_before_any_trial_completed_saves_nothing_and_says_so(files, tmp_path):
    process, _ = _start(files, tmp_path, epochs=20000)  # (minutes: none ends before the stop)
    try:
        _read_until(process, "Study 'digitnet' in sqlite:")
        _until_a_trial_runs(process, tmp_path)
        err = _stop(process, signal.SIGINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    out = tmp_path / "best.json"
    assert err.splitlines()[-1] == (
        "digitnet: tuning interrupted with 0 of 5 trials finished; no trial has completed yet, "
        f"so no recipe is saved to {out}; run the same command again to continue"), err
    assert not out.exists()
    trials = _trials(tmp_path)
    assert not any(t.state.name == "COMPLETE" for t in trials)
    _interrupted_and_queued(trials)


def test_a_file_that_came_to_out_meanwhile_is_not_replaced(files, tmp_path):
    """--out was free when the search started; a note of the user's is there when it stops."""
    process, _ = _start(files, tmp_path, epochs=300)
    out = tmp_path / "best.json"
    try:
        _read_until(process, "trial ")
        _until_a_trial_runs(process, tmp_path)
        out.write_text("my notes on the wine search\n")
        err = _stop(process, signal.SIGINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    last = err.splitlines()[-1]
    assert " could not be saved: " in last and f"{out}: is not a recipe" in last, err
    assert last.startswith("digitnet: tuning interrupted with ") and last.endswith(
        "; run the same command again to continue"), err
    assert out.read_text() == "my notes on the wine search\n"
