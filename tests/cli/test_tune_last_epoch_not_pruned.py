"""A trial that has trained all its epochs is complete: the pruner is not asked at its last
epoch. (Before, with --epochs 3 the median pruner, which judges trials from their third epoch,
pruned trials after they had run every epoch: "trial 6: pruned after 3 epochs", their final
scores discarded.) Trials stopped earlier are still pruned: see test_tune_progress."""

from __future__ import annotations

import pytest
from real_data import wine_csv

from digitnet import studies

pytest.importorskip("optuna")


def test_no_trial_is_pruned_after_its_last_epoch(run, tmp_path):
    """12 trials of 3 epochs on the real wine table, one at a time (the same recipes on every
    run), pruned by the median rule once 5 have finished: at the third epoch, the last."""
    wine = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    result = run("tune", "--data", wine, "--target", "cultivar", "--epochs", "3",
                 "--pruner", "median", "--trials", "12", "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    assert "pruned after 3 epochs" not in result.stderr
    found = studies.records(studies.load_study(studies.open_storage(tmp_path / "tune.db",
                                                                    create=False)))
    assert len(found) == 12
    for r in found:  # (steps 1 and 2 are the pruner's warm-up: none is pruned before 3)
        assert r.state == "COMPLETE" or r.diverged is not None, r
        assert r.epochs == 3 or r.diverged is not None, r
