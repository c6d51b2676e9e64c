"""A `digitnet tune` whose main process alone is killed (SIGKILL: it can tell its worker nothing)
leaves no worker training on unseen: the worker, orphaned, stops its trial, marks it interrupted
and queues it again, as after Ctrl-C. (Before, it ran trials on until the study had them all.)"""

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
