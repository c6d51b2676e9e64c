"""`digitnet tune --space FILE` as a new user wrote the files: keys in any order, a voice held out
as a field, a step that does not divide its range. On real data: scikit-learn's wine table as a
CSV, and FSDD's recordings of spoken digits.
"""

from __future__ import annotations

import json
import shutil

import pytest
from real_data import wine_csv

from digitnet import studies

MOMENTUM = {"momentum": {"low": 0.5, "high": 0.95}}
OPTIMIZER = {"optimizer": {"choices": ["adam", "sgd"]}}


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


@pytest.mark.parametrize("table", [
    {**MOMENTUM, **OPTIMIZER},
    {**OPTIMIZER, **MOMENTUM},
    {"momentum": {**MOMENTUM["momentum"], "when": {"optimizer": "sgd"}}, **OPTIMIZER},
])
def test_show_space_searches_momentum_listed_before_the_optimizer(run, wine, tmp_path, table):
    """The walk: momentum listed first was left out ("optimizer is adam"), though the optimizer
    is searched over adam and sgd; momentum with a "when" listed first was refused."""
    path = tmp_path / "space.json"
    path.write_text(json.dumps(table))
    result = run("tune", "--data", wine, "--space", path, "--show-space")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == table


def test_a_search_with_momentum_listed_first_draws_it(run, wine, tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps({**MOMENTUM, **OPTIMIZER}))
    result = run("tune", "--data", wine, "--space", path, "--epochs", "2", "--pruner", "none",
                 "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert "searching momentum, optimizer; 1 trial, 1 at a time" in result.stderr
    storage = studies.open_storage(tmp_path / "tune.db", create=False)
    (trial,) = studies.load_study(storage, "digitnet").get_trials()
    assert set(trial.params) == {"momentum", "optimizer"}
    assert trial.user_attrs["config"]["momentum"] == trial.params["momentum"]


def test_a_held_out_voice_is_never_searched(run, spoken_digits, tmp_path, one_line):
    folder = tmp_path / "voices"
    folder.mkdir()
    for digit in range(10):
        for speaker in ("jackson", "george"):
            shutil.copy(spoken_digits / f"{digit}_{speaker}_5.wav", folder)
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"val_group": {"choices": ["jackson", "george"]}}))
    result = run("tune", "--data", folder, "--space", path, "--show-space")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {path}: val_group: cannot be searched: it decides which group "
        "(speaker) every trial is scored on: a search over it finds the easiest voice, not "
        "recipes")


def test_a_step_that_does_not_divide_the_range_is_refused_before_the_study(run, wine, tmp_path,
                                                                          one_line):
    """Optuna would warn at every trial, in many lines, and draw from a smaller range."""
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"lr": {"low": 0.01, "high": 0.1, "step": 0.04}}))
    result = run("tune", "--data", wine, "--space", path, "--epochs", "2", "--trials", "1",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f'digitnet: error: {path}: lr: "step" 0.04 does not divide the range from 0.01 to 0.1, '
        'so trials would draw no higher than 0.09; make "high" 0.09, or "step" 0.03')
    assert not (tmp_path / "tune.db").exists()
