"""SIGTERM to `digitnet tune`'s whole process group (as `timeout` and `kill -- -PGID` send it)
stops the search as SIGTERM to its main process alone does: the worker processes ignore it and
are stopped by the main one, every running trial is marked interrupted and queued again, and the
command exits with 130. (Before, the workers died of it: "a worker process stopped unexpectedly",
their trials left running, and the next run waited for their heartbeats to be missed.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digitnet import studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")


def _trials(folder):
    return studies.load_study(studies.open_storage(folder / "tune.db", create=False),
                              "digitnet").get_trials()


def _running(folder) -> int:
    """How many trials are running (0 before the command made its study)."""
    try:
        return sum(t.state.name == "RUNNING" for t in _trials(folder))
    except ConfigError:  # no study in the database yet
        return 0


def _sigterm_to_group_once(process, ready, within: float, every: float, never: str) -> str:
    """SIGTERM to ``process``'s whole group once ``ready()`` (polled ``every`` seconds, for at
    most ``within``: else ``never`` fails the test), and its stderr when it has ended; a failed
    test leaves no search running."""
    try:
        deadline = time.monotonic() + within
        while not ready():
            if process.poll() is not None:
                pytest.fail(f"the search ended first: {process.communicate()[1]}")
            assert time.monotonic() < deadline, never
            time.sleep(every)
        os.killpg(process.pid, signal.SIGTERM)
        return process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


@pytest.mark.slow
def test_sigterm_to_the_process_group_requeues_the_running_trials(digits_dir, tmp_path):
    # (100 epochs: seconds a trial, so that both are surely running when SIGTERM comes)
    command = [sys.executable, "-m", "digitnet", "tune", "--data", str(digits_dir),
               "--epochs", "100", "--pruner", "none", "--trials", "2", "--jobs", "2",
               "--out", str(tmp_path / "best.json")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    # (its first line once it has made its database: looking earlier would race it there)
    first = process.stderr.readline()
    if not first.startswith("Study 'digitnet' in sqlite:"):  # (and no search left running)
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"{first}{process.communicate()[1]}")
    err = _sigterm_to_group_once(process, lambda: _running(tmp_path) >= 2, 120, 0.05,
                                 "no trials running")
    assert process.returncode == 130, err
    assert "stopped unexpectedly" not in err and "Traceback" not in err, err
    assert err.splitlines()[-1].endswith("run the same command again to continue"), err

    before = _trials(tmp_path)
    assert sorted(t.state.name for t in before) == ["FAIL"] * 2 + ["WAITING"] * 2  # none running
    interrupted = [t for t in before if t.state.name == "FAIL"]
    assert all(t.user_attrs["interrupted"] for t in interrupted)
    queued = [t for t in before if t.state.name == "WAITING"]
    assert sorted(t.user_attrs["retry_of"] for t in queued) == [t.number for t in interrupted]

    # The same command trains the queued trials at once: no trial was left for its heartbeat.
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    after = _trials(tmp_path)
    assert [t.number for t in after if t.state.name == "FAIL"] == [t.number for t in interrupted]
    for lost in interrupted:
        (redone,) = [t for t in after if t.user_attrs.get("retry_of") == lost.number]
        assert redone.state.name == "COMPLETE" and redone.params == lost.params
    assert len(after) == 4


def _workers_of(pid: int) -> int:
    """How many worker processes ``pid`` has started (spawned: their command runs spawn_main)."""
    found = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
            found += parent == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue  # gone meanwhile
    return found


def test_sigterm_to_the_process_group_while_the_workers_start(digits_dir, tmp_path):
    """The moment both worker processes exist, still starting (importing NumPy): they hold
    SIGTERM until they can ignore it, and the search stops as it does later."""
    command = [sys.executable, "-m", "digitnet", "tune", "--data", str(digits_dir),
               "--epochs", "2", "--pruner", "none", "--trials", "4", "--jobs", "2",
               "--out", str(tmp_path / "best.json")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    err = _sigterm_to_group_once(process, lambda: _workers_of(process.pid) >= 2, 60, 0.005,
                                 "no workers started")
    assert process.returncode == 130, err
    assert "stopped unexpectedly" not in err and "Traceback" not in err, err
    assert err.splitlines()[-1].startswith("digitnet: tuning interrupted with "), err
    assert not any(t.state.name == "RUNNING" for t in _trials(tmp_path))
