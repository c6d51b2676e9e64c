"""`digitnet tune` says when its trials are scored on few held-out examples (a score then moves
in steps of several points, and recipes tie), and when several trials tie at the best score
(the first of them is the one saved). Real tables: scikit-learn's wine (178 rows) and 8x8
digits (1,797)."""

from __future__ import annotations

import json
import re

import optuna
import pytest
from real_data import sklearn_table, wine_csv, write_csv

from digitnet import PRESETS, datasets, recipes, splits

pytestmark = pytest.mark.engine_independent  # (counts of rows and of equal scores)

#: One recipe for every trial: the same recipe, seed and data train the same network, so the
#: trials tie (three of them: the study's best is the first).
ONE_RECIPE = {"batch_size": {"choices": [16]}}


def held_out(table, val_fraction=None) -> tuple[int, int]:
    """(rows the trials are scored on, rows --val-fraction 0.3 would hold out), as a search of
    the default recipe on ``table`` splits it."""
    data = datasets.load(str(table), split="train")
    base = recipes.for_data(PRESETS["default"], data, set())
    fraction = base.val_fraction if val_fraction is None else val_fraction
    return tuple(len(splits.stratified_split(data.labels, f, base.seed)[1])
                 for f in (fraction, 0.3))


def tune(run, tmp_path, table, *options):
    space = tmp_path / "space.json"
    space.write_text(json.dumps(ONE_RECIPE))
    result = run("tune", "--data", table, "--space", space, "--epochs", "3", "--trials", "3",
                 "--out", tmp_path / "best.json", *options)
    assert result.exit_code == 0, result.output
    return result.stderr


def test_few_held_out_rows_and_tied_trials_are_said(run, tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    said = tune(run, tmp_path, table)
    held, at_03 = held_out(table)
    assert held < 30  # (wine's 178 rows, a tenth of the training part)
    assert (f"The trials are scored on {held} held-out rows of {table}, so a score moves in steps "
            f"of {100 / held:.1f} points and recipes may tie (the first of them counts as the "
            f"best); --val-fraction 0.3 holds out {at_03}\n") in said, said
    study = optuna.load_study(study_name="digitnet", storage=f"sqlite:///{tmp_path / 'tune.db'}")
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(values) == 3 and len(set(values)) == 1, values  # one recipe: the same score
    assert (f"3 trials tie at the best validation accuracy, {values[0]:.2%}: the first of them, "
            "trial 0, is saved\n") in said, said


def test_a_larger_fraction_is_not_suggested_again_and_enough_rows_say_nothing(run, tmp_path):
    wine = wine_csv(tmp_path / "wine.csv")
    (tmp_path / "wine").mkdir()
    said = tune(run, tmp_path / "wine", wine, "--val-fraction", "0.3")
    held = held_out(wine, 0.3)[0]
    assert re.search(f"scored on {held} held-out rows of .*best\\)\n", said), said  # no advice
    digits = sklearn_table("digits")
    table = write_csv(tmp_path / "digits.csv", digits.data, digits.target,
                      [f"pixel_{i}" for i in range(64)])
    assert held_out(table, 0.3)[0] >= 200
    (tmp_path / "digits").mkdir()
    assert "held-out" not in tune(run, tmp_path / "digits", table, "--val-fraction", "0.3")
