"""A `digitnet tune` killed leaves nothing running unseen. Killed whole (SIGKILL to its process
group: no trial is marked), its trial stays "running" in the SQLite study; the next run on the
same machine sees at once that the trial's worker process is gone, marks the trial interrupted
and trains it again first, as after Ctrl-C. (Before, the next run counted it as running until its
heartbeat was missed, two minutes: with --jobs 1 it ran a new trial meanwhile, then waited, and
said the trial stopped only after.) Its main process alone killed, its worker, orphaned, stops its
trial, marks it interrupted and queues it again (before, it ran trials on until the study had
them all)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from real_data import wine_csv

from digitnet import studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")
if not os.path.exists("/proc/self/ns/pid"):
    pytest.skip("a trial's process is looked up on Linux only", allow_module_level=True)


def _command(wine, folder, trials: int) -> list[str]:
    # (3,000 epochs of wine: seconds a trial, so that one is surely running when it is killed)
    return [sys.executable, "-m", "digitnet", "tune", "--data", str(wine), "--target", "cultivar",
            "--epochs", "3000", "--pruner", "none", "--trials", str(trials),
            "--out", str(folder / "best.json")]


def _trials(folder):
    try:
        storage = studies.open_storage(folder / "tune.db", create=False)
        return studies.load_study(storage, "digitnet").get_trials()
    except ConfigError:
        return []  # (not made yet)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_a_killed_trial_is_interrupted_before_any_new_trial_runs(tmp_path):
    wine = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    first = subprocess.Popen(_command(wine, tmp_path, 1), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (running := [t for t in _trials(tmp_path)
                           if t.state.name == "RUNNING" and "worker" in t.user_attrs]):
        assert first.poll() is None and time.monotonic() < deadline, "no trial started"
        time.sleep(0.02)
    recorded = time.monotonic() + 2  # (where its process id means it: set just after)
    while "pid_space" not in running[0].user_attrs and time.monotonic() < recorded:
        running = [t for t in _trials(tmp_path) if t.number == running[0].number]
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # the command and its worker, at once
    first.wait(timeout=60)
    worker = int(running[0].user_attrs["worker"].rpartition(":")[2])
    while not _gone(worker):  # (reaped by init once its parent is gone)
        assert time.monotonic() < deadline, "the worker outlived SIGKILL"
        time.sleep(0.02)
    assert [t.state.name for t in _trials(tmp_path)] == ["RUNNING"]  # killed mid-trial

    again = subprocess.run(_command(wine, tmp_path, 2), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    said = [line for line in again.stderr.splitlines() if line.startswith("trial ")]
    assert said[0].startswith("trial 0: stopped before it finished; 0/2 trials finished"), said
    assert "1 interrupted" in said[0], said
    after = _trials(tmp_path)
    assert after[0].state.name == "FAIL" and after[0].user_attrs["interrupted"] is True
    redone = [t for t in after if t.user_attrs.get("retry_of") == 0]
    assert len(redone) == 1 and redone[0].number == 1 and redone[0].state.name == "COMPLETE"
    assert redone[0].params == after[0].params
    assert [t.state.name for t in after] == ["FAIL", "COMPLETE", "COMPLETE"]


@pytest.mark.slow
def test_a_worker_whose_main_process_was_killed_stops_its_trial(tmp_path):
    wine = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    # (30,000 epochs of wine: minutes, were the worker to train them all)
    main = subprocess.Popen([sys.executable, "-m", "digitnet", "tune", "--data", str(wine),
                             "--target", "cultivar", "--epochs", "30000", "--pruner", "none",
                             "--trials", "5", "--out", str(tmp_path / "best.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while not (running := [t for t in _trials(tmp_path)
                               if t.state.name == "RUNNING" and "worker" in t.user_attrs]):
            assert main.poll() is None and time.monotonic() < deadline, "no trial started"
            time.sleep(0.02)
        worker = int(running[0].user_attrs["worker"].rpartition(":")[2])
        assert worker != main.pid
        os.kill(main.pid, signal.SIGKILL)  # the main process only
        main.wait(timeout=60)
        while not _gone(worker):
            assert time.monotonic() < deadline, "the orphaned worker trained on"
            time.sleep(0.05)
    finally:  # (whatever is left of the command's process group, should the test fail)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(main.pid, signal.SIGKILL)
    trials = _trials(tmp_path)
    assert [t.state.name for t in trials] == ["FAIL", "WAITING"]
    assert trials[0].user_attrs["interrupted"] is True
    assert trials[1].user_attrs["retry_of"] == 0
