"""Two `digitnet tune` processes started at the same moment on one new SQLite study fill it
together, as on PostgreSQL. (Before, both raced to make the study's tables and both failed,
one with "cannot open the study database (table studies already exists)", the other with a
traceback of Optuna's StorageInternalError: "no such table: version_info".)

Each process is a real `digitnet tune` (python -m digitnet's own main) on scikit-learn's wine
table, one epoch a trial, which waits, its modules imported, until the test lets both go at
once: the moment they open the database then differs by well under a millisecond, where
processes started by a shell differ by as long as importing takes, and raced only sometimes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from real_data import wine_csv

from digitnet import studies

pytest.importorskip("optuna")

#: A worker: imports what `digitnet tune` imports, says so, waits for the file GO, then runs it.
_WORKER = """
import os, sys, time
import optuna, sqlalchemy, sklearn  # (what the command imports as it starts)
import digitnet.cli, digitnet.cli.group, digitnet.cli.tune_cmd
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.0002)
from digitnet.cli import main
main(sys.argv[2:])
"""

TRIALS = 2


def _tune(folder, table, go) -> subprocess.Popen:
    command = ["tune", "--data", str(table), "--epochs", "1", "--pruner", "none", "--trials",
               str(TRIALS), "--storage", str(folder / "s.db"), "--study", "same",
               "--out", str(folder / "best.json")]
    return subprocess.Popen([sys.executable, "-c", _WORKER, str(go), *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_processes_started_together_on_a_new_study_fill_it_together(tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    for round_ in range(3):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        go = folder / "go"
        processes = [_tune(folder, table, go) for _ in range(2)]
        try:
            for process in processes:
                assert process.stdout.readline() == "ready\n", process.communicate()
            go.touch()
            ended = [process.communicate(timeout=300) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        for process, (_, err) in zip(processes, ended):
            assert process.returncode == 0, f"round {round_}: {err}"
            assert "Traceback" not in err and "digitnet: error" not in err, err
        study = studies.load_study(studies.open_storage(folder / "s.db", create=False), "same")
        states = [t.state.name for t in study.get_trials()]
        assert states.count("COMPLETE") == TRIALS, states
        # one study, whose best both ended with and saved
        best = studies.best_records(study, 1)[0]
        assert json.loads((folder / "best.json").read_text()) == best.config
        for out, _ in ended:
            assert f"Saved the best recipe (trial {best.number}, " in out, out
