"""`digitnet show search` on a search whose momentum is drawn only for SGD (a `when`): Optuna's
PED-ANOVA warned ("Some regimes for parameter `momentum` have less than 2 trials") whenever
fewer than two complete trials drew it, or fewer than two did not; and ("Target and region
quantiles select the same set of trials") when every trial scored alike. Now no library warning
is shown: a parameter only one complete trial drew is left out of the importances, with a note
saying why (before, it was drawn at 0%); one drawn by all trials but one keeps Optuna's
importance, which the trials that did not draw it never enter; and trials that all scored alike
leave every parameter out, with a note (before, each was drawn with an equal share).

Real searches of scikit-learn's wine table, three trials each; the seed decides which trials
draw SGD (a trial's first draws are random, seeded by the seed and its number).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from real_data import wine_csv

from digitnet import studies

pytest.importorskip("optuna")

SPACE = {"lr": {"low": 0.001, "high": 0.03, "log": True},
         "optimizer": {"choices": ["adam", "sgd"]},
         "momentum": {"low": 0.5, "high": 0.95, "when": {"optimizer": "sgd"}}}
SEARCHES = {"sgd once": (3, 1), "adam once": (1, 5), "alike": (1, 10)}  # (seed, epochs)


@pytest.fixture(scope="module")
def searched(run, tmp_path_factory):
    """name -> (its study, the optimiser each trial drew, their scores): three complete trials."""
    folder = tmp_path_factory.mktemp("conditional")
    table = wine_csv(folder / "wine.csv")
    space = folder / "space.json"
    space.write_text(json.dumps(SPACE))
    found = {}
    for name, (seed, epochs) in SEARCHES.items():
        storage = folder / f"{name.replace(' ', '-')}.db"
        result = run("tune", "--data", table, "--space", space, "--seed", seed,
                     "--epochs", epochs, "--trials", "3", "--pruner", "none",
                     "--storage", storage, "--out", folder / "best.json")
        assert result.exit_code == 0, result.output
        study = studies.load_study(studies.open_storage(storage, create=False), "digitnet")
        records = studies.records(study)
        assert [r.state for r in records] == ["COMPLETE"] * 3
        found[name] = (storage, [r.params["optimizer"] for r in records],
                       [r.value for r in records])
    return found


def _show_search(storage, out) -> subprocess.CompletedProcess:
    """`digitnet show search` as a user runs it: its stderr as they see it."""
    shown = subprocess.run([sys.executable, "-m", "digitnet", "show", "search", str(storage),
                            "--out", str(out)], capture_output=True, text=True, timeout=300,
                           check=False)
    assert shown.returncode == 0, shown.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return shown


def _study(storage):
    return studies.load_study(studies.open_storage(storage, create=False), "digitnet")


def test_a_field_one_trial_drew_is_left_out_with_a_note(searched, tmp_path):
    storage, drawn, scores = searched["sgd once"]
    assert drawn.count("sgd") == 1 and len(set(scores)) > 1, (drawn, scores)
    assert _show_search(storage, tmp_path / "search.png").stderr == (
        "note: momentum is left out of the importances: only one complete trial drew it, and "
        "telling its importance takes two\n")
    shares = studies.importances(_study(storage))
    assert set(shares) == {"lr", "optimizer"} and sum(shares.values()) == pytest.approx(1)


def test_a_field_all_trials_but_one_drew_is_rated_without_a_warning(searched, tmp_path):
    storage, drawn, scores = searched["adam once"]
    assert drawn.count("adam") == 1 and len(set(scores)) > 1, (drawn, scores)
    assert _show_search(storage, tmp_path / "search.png").stderr == ""
    assert studies.importances_left_out(_study(storage)) is None
    shares = studies.importances(_study(storage))
    assert set(shares) == {"lr", "optimizer", "momentum"}
    assert sum(shares.values()) == pytest.approx(1)


def test_trials_that_scored_alike_leave_the_importances_out_with_a_note(searched, tmp_path):
    storage, _, scores = searched["alike"]
    assert len(set(scores)) == 1, scores
    assert _show_search(storage, tmp_path / "search.png").stderr == (
        f"note: the importances are left out: every complete trial scored {scores[0]:.2%}, so "
        "nothing tells the parameters apart\n")
    assert studies.importances(_study(storage)) == {}
