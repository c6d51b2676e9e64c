"""Several quick Ctrl-Cs (SIGINT to `digitnet tune`'s whole process group, three of them 0.3 s
apart, as an impatient hand sends them) while two trials run end the search as one Ctrl-C
does: its last line says how many trials finished, what became of the best recipe so far and
to run the same command again to continue; the running trials are marked interrupted and
queued again. (Before, the second Ctrl-C cut the search's account short: the trials were
marked all the same, as the main process waited for its workers anyway, but it said only
"digitnet: interrupted".)

A real search of scikit-learn's wine table, two trials at a time, of hundreds of epochs each
(seconds a trial, so that both are running when the Ctrl-Cs come).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from real_data import wine_csv

from digitnet import studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")

LAST = re.compile(r"digitnet: tuning interrupted with (\d+) of 6 trials finished; (.*); run the "
                  r"same command again to continue")


def _trials(folder):
    try:
        return studies.load_study(studies.open_storage(folder / "tune.db", create=False),
                                  "digitnet").get_trials()
    except ConfigError:  # no study in the database yet
        return []


@pytest.mark.slow
def test_ctrl_c_three_times_ends_with_the_same_closing_line(tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    out = tmp_path / "best.json"
    command = [sys.executable, "-m", "digitnet", "tune", "--data", str(table), "--epochs", "400",
               "--pruner", "none", "--trials", "6", "--jobs", "2", "--storage",
               str(tmp_path / "tune.db"), "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        said = process.stderr.readline()  # (the study is made: its trials can be read)
        assert said.startswith("Study 'digitnet' in "), said + process.communicate()[1]
        deadline = time.monotonic() + 180
        while sum(t.state.name == "RUNNING" for t in _trials(tmp_path)) < 2:
            if process.poll() is not None:
                pytest.fail(f"the search ended first: {process.communicate()[1]}")
            assert time.monotonic() < deadline, "two trials never ran at once"
            time.sleep(0.05)
        for _ in range(3):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.3)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, err
    assert "Traceback" not in err, err
    last = LAST.fullmatch(err.splitlines()[-1])
    assert last, err
    trials = _trials(tmp_path)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert int(last[1]) == len(complete)
    if complete:
        best = max(complete, key=lambda t: (t.value, -t.number))
        assert last[2] == (f"the best recipe so far ({best.value:.2%}, trial {best.number}) is "
                           f"saved to {out}")
        assert json.loads(out.read_text()) == best.user_attrs["config"]
    else:
        assert last[2] == f"no trial has completed yet, so no recipe is saved to {out}"
    # none left running; the interrupted ones (the two running, at least) queued again
    assert not any(t.state.name == "RUNNING" for t in trials)
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert len(failed) >= 2 and all(t.user_attrs["interrupted"] for t in failed)
    queued = [t.user_attrs["retry_of"] for t in trials if t.state.name == "WAITING"]
    assert sorted(queued) == [t.number for t in failed]
