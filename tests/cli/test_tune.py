"""`digitnet tune` on real digits: the search, its recipe file, its picture, its database.

Searches are short (a few epochs on the 3,000 real digits of ``digits_dir``); they run their
trials in worker processes as users' do. The PostgreSQL test starts Debian's server (installed
by the README's test command) in a temporary folder and stops it afterwards.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from digitnet import load, searchviz, studies

TUNE = ["tune", "--epochs", "2", "--pruner", "none"]


def digitnet_command(*args) -> list[str]:
    return [sys.executable, "-m", "digitnet", *map(str, args)]


@pytest.fixture(scope="module")
def tuned(run, digits_dir, tmp_path_factory):
    """`digitnet tune` for 4 trials of 2 epochs, two at a time: (folder, click's result)."""
    folder = tmp_path_factory.mktemp("tune")
    result = run(*TUNE, "--data", digits_dir, "--trials", "4", "--jobs", "2",
                 "--out", folder / "best.json")
    assert result.exit_code == 0, result.output
    return folder, result


def study_in(folder: Path, name: str = "digitnet"):
    return studies.load_study(studies.open_storage(folder / "tune.db", create=False), name)


def test_tune_lists_the_best_trials_and_saves_the_best_recipe(tuned):
    folder, result = tuned
    study = study_in(folder)
    trials = study.get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # two worker processes
    best = min(trials, key=lambda t: (-t.value, t.number))  # the first of equals
    assert json.loads((folder / "best.json").read_text()) == best.user_attrs["config"]
    assert "The best 4 trials" in result.stdout
    assert f"Saved the best recipe (trial {best.number}, validation accuracy {best.value:.2%})" \
        in result.stdout
    finished = [line for line in result.stderr.splitlines() if line.startswith("trial ")]
    assert len(finished) == 4  # a line per trial on a non-terminal


def test_the_best_recipe_trains_again_to_the_trials_weights(run, tuned, digits_dir, tmp_path):
    """`digitnet train --config best.json` repeats the best trial: the same score, and weights
    equal bit for bit to those the trial recorded (runs are reproducible). Trials compute with
    one BLAS thread, and so does this run: the NumPy engine's matrix products (the engine where
    the compiled one is not built) round otherwise with another number of threads."""
    folder, _ = tuned
    recipe = json.loads((folder / "best.json").read_text())
    (best,) = [t for t in study_in(folder).get_trials() if t.user_attrs["config"] == recipe]
    assert best.value == max(t.value for t in study_in(folder).get_trials())
    out = tmp_path / "m.safetensors"
    with threadpool_limits(1):
        result = run("train", "--data", digits_dir, "--config", folder / "best.json",
                     "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["val_accuracy"] == best.value
    assert hashlib.sha256(load(out).params).hexdigest() == best.user_attrs["weights_sha256"]


def test_options_given_beside_config_override_it(run, tuned, digits_dir, tmp_path):
    folder, _ = tuned
    recipe = json.loads((folder / "best.json").read_text())
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", digits_dir, "--config", folder / "best.json",
                 "--epochs", "1", "--seed", "5", "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).metadata["config"] == {**recipe, "epochs": 1, "seed": 5}


def test_the_picture_of_the_search(run, tuned, tmp_path):
    folder, _ = tuned
    out = tmp_path / "search.png"
    result = run("show", "search", folder / "tune.db", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    study = study_in(folder)
    importances = studies.importances(study)
    fig = searchviz.search_figure(studies.records(study), importances)
    history_ax, importance_ax = fig.axes
    dots, best_line = history_ax.lines
    values = [t.value for t in study.get_trials()]
    assert list(dots.get_ydata()) == values
    assert list(best_line.get_ydata()) == [max(values[: i + 1]) for i in range(len(values))]
    bars = {label.get_text(): patch.get_width()
            for label, patch in zip(importance_ax.get_yticklabels(), importance_ax.patches)}
    assert bars == importances and sum(bars.values()) == pytest.approx(1)


def test_show_space_prints_what_the_options_leave_to_search(run):
    result = run("tune", "--show-space", "--activation", "sigmoid", "--epochs", "30",
                 "--search-layers")
    assert result.exit_code == 0, result.output
    space = json.loads(result.stdout)
    assert "activation" not in space and "epochs" not in space
    assert space["sizes"] == {"hidden_layers": {"low": 1, "high": 3},
                              "width": {"low": 16, "high": 512, "log": True}}


def test_a_preset_and_a_config_file_fix_the_fields_they_set(run, digits_dir, tmp_path):
    """--preset video fixes what makes it that preset (sigmoid layers, SGD with momentum 0.9,
    its weight decay; its learning rate, here overridden by the --config file's), and the
    --config file its fields, as options given on the command line are fixed: trials draw
    only the rest, and train with those values."""
    recipe = tmp_path / "lr.json"
    recipe.write_text('{"lr": 0.02}')
    given = ["--data", digits_dir, "--preset", "video", "--config", recipe]
    space = json.loads(run("tune", *given, "--show-space").stdout)
    assert set(space) == {"schedule", "batch_size", "epochs", "shift"}
    result = run(*TUNE, *given, "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert "searching schedule, batch_size, shift;" in result.stderr  # (--epochs 2 given)
    (trial,) = study_in(tmp_path).get_trials()
    assert set(trial.params) <= {"schedule", "batch_size", "shift"}
    config = trial.user_attrs["config"]
    assert (config["activation"], config["optimizer"], config["momentum"], config["lr"],
            config["weight_decay"], config["epochs"]) == ("sigmoid", "sgd", 0.9, 0.02, 1e-5, 2)


def test_a_space_file_naming_a_field_the_preset_sets_searches_it(run, digits_dir, tmp_path):
    """Your own --space is what you asked to search: the README's sigmoid16 search over the
    video preset draws its optimizer and learning rate; a --config file's lr stays fixed."""
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"optimizer": {"choices": ["sgd", "adam"]},
                                "lr": {"low": 0.001, "high": 0.25, "log": True},
                                "batch_size": {"choices": [32, 64]}}))
    given = ["--data", digits_dir, "--preset", "video", "--space", path, "--show-space"]
    assert set(json.loads(run("tune", *given).stdout)) == {"optimizer", "lr", "batch_size"}
    recipe = tmp_path / "lr.json"
    recipe.write_text('{"lr": 0.02}')
    shown = run("tune", *given, "--config", recipe).stdout
    assert set(json.loads(shown)) == {"optimizer", "batch_size"}


def test_what_could_never_take_effect_is_not_searched(run, digits_dir, tmp_path):
    """Momentum moves only SGD: under Adam (given, or the base recipe's) it is left out of the
    search, whether drawn only "when" the optimizer is SGD or always, and the study's line
    says why; a space of nothing else is refused with the reason."""
    shown = run("tune", "--data", digits_dir, "--optimizer", "adam", "--show-space").stdout
    assert "momentum" not in json.loads(shown)
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"momentum": {"low": 0.0, "high": 0.9},
                                "batch_size": {"choices": [32, 64]}}))
    result = run(*TUNE, "--data", digits_dir, "--space", path, "--trials", "1",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert ("searching batch_size (not momentum: it takes effect only with optimizer sgd, and "
            "optimizer is adam);") in result.stderr
    (trial,) = study_in(tmp_path).get_trials()
    assert set(trial.params) == {"batch_size"}

    path.write_text(json.dumps({"momentum": {"low": 0.0, "high": 0.9,
                                             "when": {"optimizer": "sgd"}}}))
    refused = run("tune", "--data", digits_dir, "--space", path, "--show-space")
    assert refused.exit_code == 1
    assert refused.stderr == (f"digitnet: error: {path}: nothing is left to search (momentum is "
                              "drawn only with optimizer sgd, and optimizer is adam); search "
                              "other fields too\n")


def test_a_study_continued_with_another_base_names_the_option_and_both_values(
        run, tuned, digits_dir, tmp_path):
    folder, _ = tuned  # started with --epochs 2
    result = run("tune", "--data", digits_dir, "--epochs", "3", "--pruner", "none",
                 "--trials", "4", "--jobs", "2", "--storage", folder / "tune.db",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "digitnet: error: study 'digitnet' was started with epochs 2, and this command gives 3; "
        "continue it with the options it was started with, or name a new study with --study")


def test_tune_a_table_searches_a_table_recipe(run, tmp_path):
    """A table's trials train networks shaped for its columns and classes (13 columns, 3
    wines, the label column named by --target), with the table recipe under what is drawn,
    and no shifts are searched."""
    from real_data import wine_csv

    table = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    given = ["--data", table, "--target", "cultivar"]
    assert "shift" not in json.loads(run("tune", *given, "--show-space").stdout)
    result = run(*TUNE, *given, "--trials", "2", "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert f"--data {table} --target cultivar" in result.stdout  # how to train the best
    trials = study_in(tmp_path).get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE"] * 2
    for trial in trials:
        config = trial.user_attrs["config"]
        assert config["sizes"] == [13, 16, 16, 3] and config["shift"] == 0
        assert not config["deskew"] and "shift" not in trial.params
    best = json.loads((tmp_path / "best.json").read_text())
    trained = run("train", "--config", tmp_path / "best.json", *given,
                  "--out", tmp_path / "wine.safetensors")
    assert trained.exit_code == 0, trained.output
    assert load(tmp_path / "wine.safetensors").sizes == tuple(best["sizes"])


def test_the_space_for_recordings_has_dropout_and_altered_copies(run, spoken_digits, tmp_path):
    """For recordings the default space searches dropout, warped, cut and coloured copies and
    label smoothing, not shifts."""
    folder = tmp_path / "voices"
    folder.mkdir()
    for digit in range(10):
        for i in range(6):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", folder)
    result = run("tune", "--data", folder, "--show-space", "--dropout", "0.2")
    assert result.exit_code == 0, result.output
    space = json.loads(result.stdout)
    assert "shift" not in space and "dropout" not in space  # given: fixed, not searched
    assert space["copies"] == {"choices": [4, 8]} and space["warp"] == {"low": 0.0, "high": 0.3}
    assert space["cut"] == {"low": 0.0, "high": 0.4}
    assert space["colour"] == {"low": 0.0, "high": 12.0}
    assert space["label_smoothing"] == {"low": 0.0, "high": 0.2}


def test_trials_on_recordings_train_without_shifts(run, spoken_digits, tmp_path):
    """The space for recordings searches other things instead of shifts, and its trials train
    with none (they trained with the default recipe's 1-pixel shifts)."""
    folder = tmp_path / "voices"
    folder.mkdir()
    for digit in range(10):
        for i in range(5, 9):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", folder)
    result = run(*TUNE, "--data", folder, "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 1  # 10% of 4 recordings of a digit holds none out to score
    assert result.stderr == (f"digitnet: error: {folder}: trials are scored on held-out examples, "
                             "and val_fraction=0.1 (--val-fraction 0.1) holds out none of its 40 "
                             "examples (that share of each class, rounded; its largest class has "
                             "4); hold out more (val_fraction=0.2, --val-fraction 0.2: one of the "
                             "largest class)\n")
    result = run(*TUNE, "--data", folder, "--trials", "1", "--val-fraction", "0.25",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    [trial] = study_in(tmp_path).get_trials()
    assert trial.user_attrs["config"]["shift"] == 0 and "shift" not in trial.params
    assert json.loads((tmp_path / "best.json").read_text())["shift"] == 0


def test_search_layers_draws_the_hidden_layers(run, digits_dir, tmp_path):
    result = run(*TUNE, "--data", digits_dir, "--trials", "2", "--search-layers",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    for trial in study_in(tmp_path).get_trials():
        hidden = [trial.params[f"width_{layer}"]
                  for layer in range(1, trial.params["hidden_layers"] + 1)]
        assert trial.user_attrs["config"]["sizes"] == [784, *hidden, 10]
        assert all(16 <= width <= 512 for width in hidden)


@pytest.mark.parametrize("space, message", [
    ({"learning_rate": {"low": 0.001, "high": 0.1}}, "learning_rate: unknown training option"),
    ({"lr": {"low": 0.1, "high": 0.001}}, "lr: \"low\" \\(0.1\\) must be below \"high\""),
    ({"shift": {"choices": [0, 7]}}, "shift: must be between 0 and 4 pixels"),
    ({}, "the search space is empty, so it searches nothing; name a training option"),
])
def test_a_bad_space_file_is_one_line(run, space, message, one_line, tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps(space))
    result = run("tune", "--space", path, "--show-space")
    assert result.exit_code == 1
    assert f"{path}: " in one_line(result.stderr)
    assert re.search(message, result.stderr)


@pytest.mark.parametrize("storage, message", [
    ("mysql://user@127.0.0.1/db", "'mysql' databases are not supported"),
    ("postgresql://user:secret@127.0.0.1:1/db", "cannot open the study database"),
    ("sqlite://", "must live in a file"),
    ("/no/such/folder/tune.db", "folder /no/such/folder does not exist"),
])
def test_a_bad_storage_is_one_line(run, digits_dir, storage, message, one_line, tmp_path):
    result = run(*TUNE, "--data", digits_dir, "--trials", "1", "--storage", storage,
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert message in line and "secret" not in line
    assert not (tmp_path / "best.json").exists()


@pytest.mark.parametrize("content, message", [
    ("{'lr': 0.1}", "not valid JSON (Expecting property name enclosed in double quotes"),
    ("\ufeff{'lr': 0.1}", "write the training options as JSON such as {\"lr\": 0.01}"),
    ("\ufeff{\"epochs\": 0}", "epochs must be >= 1"),  # Notepad's byte-order mark is read
    ("[0.1]", "expected a JSON object of training options"),
    ('{"learning_rate": 0.1}', "unknown training option 'learning_rate'"),
    ('{"lr": "fast"}', "lr must be a finite number, got 'fast'"),
    ('{"sizes": [784, "16", 10]}', "sizes must be a list of whole numbers"),
    ('{"epochs": 0}', "epochs must be >= 1"),
])
def test_a_bad_config_file_is_one_line(run, content, message, one_line, tmp_path):
    path = tmp_path / "recipe.json"
    path.write_text(content, encoding="utf-8")
    result = run("train", "--config", path, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(f"digitnet: error: {path}: ")
    assert message in result.stderr


# -- interrupted and continued ------------------------------------------------------------------


@pytest.mark.slow
def test_an_interrupted_search_continues_losing_no_trial(digits_dir, tmp_path):
    """Ctrl-C (SIGINT) after the first finished trial marks the running ones interrupted and
    queues their parameters; the same command again trains those first and fills the study up
    to --trials, each trial counted once."""
    # (400 epochs: a few seconds a trial, so that a trial is surely running when Ctrl-C comes)
    command = digitnet_command("tune", "--data", digits_dir, "--epochs", "400", "--trials", "6",
                               "--jobs", "2", "--pruner", "none", "--out", tmp_path / "best.json")
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.stderr.readline().startswith("Study 'digitnet' in sqlite:")
    assert first.stderr.readline().startswith("trial ")  # one finished; the others run
    # Ctrl-C once a trial started after it is running: trials 0 and 1 start together and may end
    # together, so right after the first line none may be; a fresh one has seconds to go.
    deadline = time.monotonic() + 120
    while not any(t.state.name == "RUNNING" and t.number >= 2
                  for t in study_in(tmp_path).get_trials()):
        assert first.poll() is None and time.monotonic() < deadline, "no second round of trials"
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 130, err
    assert "run the same command again to continue" in err

    before = study_in(tmp_path).get_trials()
    interrupted = [t for t in before if t.state.name == "FAIL"]
    assert interrupted and all(t.user_attrs["interrupted"] for t in interrupted)
    queued = [t for t in before if t.state.name == "WAITING"]
    assert sorted(t.user_attrs["retry_of"] for t in queued) == [t.number for t in interrupted]

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    after = study_in(tmp_path).get_trials()
    assert sum(t.state.name == "COMPLETE" for t in after) == 6  # --trials, none counted twice
    assert {t.number for t in after if t.state.name == "FAIL"} == {t.number for t in interrupted}
    for old in before:  # what the first run finished is kept as it was
        if old.state.name == "COMPLETE":
            assert after[old.number].value == old.value
    for lost in interrupted:  # each interrupted trial trained again, once, with its parameters
        redone = [t for t in after if t.user_attrs.get("retry_of") == lost.number]
        assert len(redone) == 1 and redone[0].state.name == "COMPLETE"
        assert redone[0].params == lost.params


def _workers_of(pid: int) -> list[int]:
    """The worker processes that ``pid`` started (spawned: their command runs spawn_main)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue  # gone meanwhile
        if parent == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def test_ctrl_c_while_the_workers_start_stops_the_search_as_later(digits_dir, tmp_path):
    """Ctrl-C (SIGINT to the command's process group, as a terminal sends it) the moment both
    worker processes exist, while they are still starting (importing NumPy, which takes them
    far longer than this test takes to notice them): the search stops as it does later, with
    no worker's traceback and no worker said to be killed."""
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"batch_size": {"choices": [32, 64]}}))
    command = digitnet_command(*TUNE, "--data", digits_dir, "--space", path, "--trials", "4",
                               "--jobs", "2", "--out", tmp_path / "best.json")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    last = err.splitlines()[-1]
    assert last.startswith("digitnet: tuning interrupted with ") and last.endswith(
        f"trials finished; no trial has completed yet, so no recipe is saved to "
        f"{tmp_path / 'best.json'}; run the same command again to continue"), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


# -- one study, two processes, PostgreSQL -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server of its own (Debian's), in a temporary folder on a free port.

    PostgreSQL refuses to run as root, so as root (the tests' user here) it runs as the
    postgres user that Debian's package creates.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed; the README's test command installs it "
                    "(apt-get install postgresql)")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="digitnet-postgres-"))
    as_user = {}
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = {"user": "postgres", "group": owner.pw_gid}
    port = _free_port()

    def pg(tool, *args):
        return subprocess.run([str(bin_dir / tool), *map(str, args)], cwd=folder,
                              capture_output=True, text=True, check=True, timeout=120, **as_user)

    pg("initdb", "-D", folder / "data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
    pg("pg_ctl", "-D", folder / "data", "-l", folder / "server.log", "-w", "-o",
       f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")
    try:
        pg("createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "digitnet")
        yield f"postgresql://postgres@127.0.0.1:{port}/digitnet"
    finally:
        pg("pg_ctl", "-D", folder / "data", "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_two_processes_fill_one_postgresql_study(postgres_url, digits_dir, tmp_path):
    """Two `digitnet tune` commands on one study, at once, as on two machines: together they
    run --trials trials, each recorded once, with different recipes, and both end with the
    same best."""
    commands = [digitnet_command("tune", "--data", digits_dir, "--epochs", "8", "--trials", "10",
                                 "--pruner", "none", "--storage", postgres_url,
                                 "--study", "shared", "--out", tmp_path / side / "best.json")
                for side in ("a", "b")]
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for c in commands]
    outputs = [p.communicate(timeout=600) for p in processes]
    for p, (out, err) in zip(processes, outputs):
        assert p.returncode == 0, err

    storage = studies.open_storage(postgres_url)
    try:
        study = studies.load_study(storage, "shared")
        trials = study.get_trials()
    finally:
        storage.engine.dispose()  # close this process's connections before the server stops
    finished = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(finished) == 10
    assert all(t.user_attrs.get("surplus") for t in trials if t.state.name != "COMPLETE")
    assert len({t.user_attrs["worker"] for t in finished}) == 2  # both processes ran trials
    assert len({json.dumps(t.params, sort_keys=True) for t in finished}) == 10
    surplus = {t.number for t in trials if t.user_attrs.get("surplus")}
    for out, err in outputs:  # every trial a process saw finish is in the study
        lines = [line for line in err.splitlines() if line.startswith("trial ")]
        seen = {int(line.split()[1].rstrip(":")) for line in lines if "not run" not in line}
        assert seen <= {t.number for t in finished}
        not_run = {int(line.split()[1].rstrip(":")) for line in lines if "not run" in line}
        assert not_run <= surplus  # a trial started too late says so, and is marked surplus
    best = min(finished, key=lambda t: (-t.value, t.number))  # the first of equals, as tune
    for side, (out, _) in zip(("a", "b"), outputs):
        assert f"Saved the best recipe (trial {best.number}," in out
        assert json.loads((tmp_path / side / "best.json").read_text()) == best.user_attrs["config"]


@pytest.mark.parametrize("blocked, args, message", [
    ("optuna", ["--storage", "tune.db"], "searching for recipes needs the tune extra: pip install "
     "'digitnet[tune]'"),
    ("psycopg", ["--storage", "postgresql://user@127.0.0.1/db"],
     "a PostgreSQL study database needs its driver from the tune extra: pip install "
     "'digitnet[tune]'"),
])
def test_a_missing_extra_is_one_line_naming_it(run, digits_dir, blocked, args, message, one_line,
                                               monkeypatch, tmp_path):
    """An install without the tune extra: the import of its package fails (None in sys.modules
    makes ``import`` raise ImportError, as for a package that is not installed)."""
    monkeypatch.setitem(sys.modules, blocked, None)
    monkeypatch.chdir(tmp_path)
    result = run(*TUNE, "--data", digits_dir, "--trials", "1", *args)
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"digitnet: error: {message}"


def test_show_search_names_a_missing_database_or_study(run, tuned, one_line, tmp_path):
    result = run("show", "search", tmp_path / "nope.db", "--out", tmp_path / "s.png")
    assert result.exit_code == 1
    assert "nope.db: no such study database" in one_line(result.stderr)
    assert not (tmp_path / "nope.db").exists()  # looking made no database
    folder, _ = tuned
    result = run("show", "search", folder / "tune.db", "--study", "other", "--out", tmp_path / "s.png")
    assert result.exit_code == 1
    assert one_line(result.stderr) == ("digitnet: error: no study named 'other' in the database; "
                                       "it holds digitnet")
