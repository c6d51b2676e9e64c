"""Small things a walker met searching recipes with `digitnet tune`:

- a trial's progress line ended with the study's status only when it was the last to finish
  between two looks at the study (trials a few milliseconds long, or side by side): now every
  line ends with it, as that trial's end left the study;
- the results table's training column mixed units ("0.1 s", "32 ms"): now one unit a column;
- a --space value error named its field twice ("batch_size: batch_size must be >= 1");
- an unknown field in a --space file got no "did you mean" (``epochz``; ``layers``, which the
  command line calls --layers and the space ``sizes``);
- a --space field that an option fixes (``--epochs 2``) was left out of the search without a
  word, also in --show-space: now a note says so;
- `digitnet show search` drew the importances of a handful of trials as if they were sure: now
  under 50 complete trials its figure says they are a rough guide.

Real searches of scikit-learn's wine table; the figure and the table are drawn from trial
records made by hand (no training).
"""

from __future__ import annotations

import functools
import json
import re

import pytest
from real_data import wine_csv

from digitnet import searchviz, studies, tuning, words
from digitnet.cli import tune_cmd
from digitnet.studies import TrialRecord

pytest.importorskip("optuna")

STATUS = re.compile(r"; (\d+)/(\d+) trials finished \((\d+) pruned\), (\d+) running, "
                    r"(\d+) interrupted(?:; best ([\d.]+)% \(trial (\d+)\))?$")


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


def test_every_trials_line_ends_with_the_study_as_that_trial_left_it(run, wine, tmp_path,
                                                                     monkeypatch):
    """The study is looked at only once, at the end, so that every trial ends in one batch."""
    once = functools.partial(tuning.tune, poll_seconds=24 * 3600)  # returns when workers do
    monkeypatch.setattr(tune_cmd, "tune", once)
    r = run("tune", "--data", wine, "--epochs", "2", "--pruner", "none", "--trials", "3",
            "--out", tmp_path / "best.json")
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if line.startswith("trial ")]
    trials = studies.load_study(studies.open_storage(tmp_path / "tune.db", create=False),
                                "digitnet").get_trials()
    assert len(lines) == len(trials) == 3, r.stderr
    for n, (line, trial) in enumerate(zip(lines, trials), 1):
        status = STATUS.search(line)
        assert status, line
        assert line.startswith(f"trial {trial.number}: validation accuracy {trial.value:.2%}")
        assert (int(status[1]), int(status[2]), int(status[3])) == (n, 3, 0), line
        best = max(trials[:n], key=lambda t: (t.value, -t.number))  # of those ended by then
        assert (float(status[6]), int(status[7])) == (round(best.value * 100, 2), best.number)
    assert STATUS.search(lines[-1])[4] == "0"  # nothing running at the end


def _record(number: int, value: float, seconds: float | None, lr: float = 0.01) -> TrialRecord:
    return TrialRecord(number, "COMPLETE", value, {"lr": lr}, {"lr": lr}, 2, seconds)


def test_the_training_column_reads_in_one_unit(capsys):
    """Seconds as the walker's wine search took them: 0.1 s and some 30 to 40 ms."""
    tune_cmd._best_table([_record(0, 1.0, 0.1), _record(1, 1.0, 0.032), _record(3, 0.9, 0.0421),
                          _record(4, 0.8, None)])
    rows = [line.split("│") for line in capsys.readouterr().out.splitlines() if "│" in line]
    cells = [row[3].strip() for row in rows]
    assert cells == ["0.10 s", "0.03 s", "0.04 s", "-"], cells
    assert words.durations([300.0, 12.5]) == ["5.0 minutes", "0.2 minutes"]
    assert words.durations([0.03, 0.0004]) == ["30.0 ms", "0.4 ms"]


def test_a_value_error_in_the_space_names_its_field_once(run, tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"batch_size": {"choices": [32, 0]}}))
    r = run("tune", "--space", path, "--show-space")
    assert r.exit_code == 1
    assert r.stderr == f"digitnet: error: {path}: batch_size: must be >= 1, got 0\n"


@pytest.mark.parametrize("field, meant", [
    ("epochz", "(did you mean epochs?)"),
    ("layers", "(did you mean sizes, the space's name for --layers?)"),
])
def test_an_unknown_field_in_the_space_says_which_was_meant(run, tmp_path, field, meant):
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"lr": {"low": 0.001, "high": 0.01, "log": True},
                                field: {"low": 1, "high": 3}}))
    r = run("tune", "--space", path, "--show-space")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"digitnet: error: {path}: {field}: unknown training option "
                               f"{meant}; the options a search space can name are sizes, "), (
        r.stderr)


@pytest.mark.parametrize("given, fixed_by, leave", [
    (["--epochs", "2"], "--epochs", "leave --epochs out"),
    (["--config", "RECIPE"], "--config RECIPE", "leave epochs out of RECIPE"),
])
def test_a_space_field_an_option_fixes_is_noted(run, wine, tmp_path, given, fixed_by, leave):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"epochs": 2}))
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"lr": {"low": 0.001, "high": 0.01, "log": True},
                                "epochs": {"low": 4, "high": 6}}))
    given = [str(recipe) if word == "RECIPE" else word for word in given]
    fixed_by, leave = (text.replace("RECIPE", str(recipe)) for text in (fixed_by, leave))
    r = run("tune", "--data", wine, "--space", path, *given, "--show-space")
    assert r.exit_code == 0, r.output
    assert list(json.loads(r.stdout)) == ["lr"]
    assert r.stderr == (f"note: {path} names epochs, but it is fixed by {fixed_by}, so it is "
                        f"not searched; {leave} to search it\n")


@pytest.mark.parametrize("complete, caveat", [
    (8, "from 8 complete trials: a rough guide (it steadies from about 50)"),
    (50, ""),
])
def test_the_importances_of_few_trials_are_said_to_be_a_rough_guide(complete, caveat):
    """Optuna's docs of PED-ANOVA want five trials in the best tenth it weighs: 50 trials."""
    records = [_record(n, 0.5 + n / 200, 1.0, lr=0.001 * (n + 1)) for n in range(complete)]
    fig = searchviz.search_figure(records, {"lr": 0.7, "optimizer": 0.3})
    assert fig.axes[1].get_xlabel() == caveat
