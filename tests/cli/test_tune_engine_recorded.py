"""`digitnet tune --engine numpy`: the command it prints to retrain the best trial names the
engine, so that it gives the trial's weights bit for bit (the default engine, compiled where it
is built, rounds otherwise); and the study records the engine, so that continuing it on another
is refused, naming both, as for other options. (Before, the printed command retrained on the
default engine, and a study went on with trials from either.)"""

from __future__ import annotations

import hashlib
import json
import shlex

import pytest
from threadpoolctl import threadpool_limits

from digitnet import engines, load, studies

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "1"]


@pytest.fixture(scope="module")
def searched(run, digits_dir, tmp_path_factory):
    """One trial searched on the NumPy engine: (folder, click's result)."""
    folder = tmp_path_factory.mktemp("engine")
    result = run(*TUNE, "--data", digits_dir, "--engine", "numpy", "--out", folder / "best.json")
    assert result.exit_code == 0, result.output
    return folder, result


def _study(folder):
    return studies.load_study(studies.open_storage(folder / "tune.db", create=False), "digitnet")


def test_the_printed_command_retrains_the_best_trial_exactly(run, searched, tmp_path):
    folder, result = searched
    (hint,) = [line for line in result.stdout.splitlines() if "train it with: " in line]
    command = shlex.split(hint.partition("train it with: ")[2])
    assert command[:2] == ["digitnet", "train"] and command[-2:] == ["--engine", "numpy"], hint
    out = tmp_path / "m.safetensors"
    with threadpool_limits(1):  # as trials compute
        trained = run(*command[1:], "--out", out, "--json")
    assert trained.exit_code == 0, trained.output
    (trial,) = _study(folder).get_trials()
    assert json.loads(trained.stdout)["val_accuracy"] == trial.value
    assert hashlib.sha256(load(out).params).hexdigest() == trial.user_attrs["weights_sha256"]


@pytest.mark.parametrize("engine, said", [
    ([], "--engine auto (the default)"),
    (["--engine", "compiled"], "--engine compiled"),
])
def test_continuing_the_study_on_another_engine_is_refused(run, searched, digits_dir, engine,
                                                           said, tmp_path):
    folder, _ = searched
    result = run(*TUNE, "--data", digits_dir, *engine, "--storage", folder / "tune.db",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1, result.output
    if engine and not engines.available():  # (where no C compiler built it: that comes first)
        assert result.stderr.splitlines()[-1] == (
            "digitnet: error: --engine compiled: digitnet's compiled engine was not built (it "
            "needs a C compiler when digitnet is installed); use --engine numpy or auto")
    else:
        assert result.stderr.splitlines()[-1] == (
            f"digitnet: error: study 'digitnet' was started with --engine numpy, and this "
            f"command gives {said}; continue it with the options it was started with, or name "
            "a new study with --study")
    assert len(_study(folder).get_trials()) == 1


def test_a_study_that_recorded_no_engine_goes_on_as_before(run, digits_dir, tmp_path):
    """A study started before the engine was recorded is continued on any engine, as then."""
    given = [*TUNE, "--data", digits_dir, "--out", tmp_path / "best.json"]
    assert run(*given, "--engine", "numpy").exit_code == 0
    study = _study(tmp_path)
    recorded = dict(study.user_attrs["digitnet"])
    del recorded["engine"]
    study.set_user_attr("digitnet", recorded)
    result = run(*given)
    assert result.exit_code == 0, result.output
    assert "engine" not in _study(tmp_path).user_attrs["digitnet"]
