"""`digitnet evaluate MODEL` right after training on MNIST-style training files alone (no t10k),
offline and with no MNIST test set in the cache, scores the model's own validation split, saying
so, instead of failing on the download; asked for the test split, it still says why it cannot."""

from __future__ import annotations

import json

import pytest

from trained_models import trained_on


pytestmark = pytest.mark.filterwarnings("default::UserWarning")


@pytest.fixture(scope="module")
def trained_alone(run, train_only_dir, tmp_path_factory):
    """A model trained for 1 epoch on MNIST-style training files without t10k: (path, report)."""
    return trained_on(run, train_only_dir, 1, tmp_path_factory.mktemp("alone"))


def test_offline_the_own_validation_split_is_scored(run, trained_alone, train_only_dir, offline):
    model, report = trained_alone
    result = run("evaluate", model, "--json")
    assert result.exit_code == 0, result.output
    said = json.loads(result.stdout)
    val = run("evaluate", model, "--data", train_only_dir, "--split", "val", "--json")
    assert said == json.loads(val.stdout)  # (the same examples, the same figures)
    assert said["split"] == "val" and said["n"] == report["n_val"]
    assert (f"mnist's test files are not here and could not be downloaded; scoring instead the "
            f"validation split of {train_only_dir}, the {report['n_val']:,} examples {model} held "
            "out when it was trained (--data DIR scores a test set)") in result.stderr


def test_asked_for_the_test_split_it_says_why_not(run, trained_alone, offline):
    result = run("evaluate", trained_alone[0], "--split", "test")
    assert result.exit_code == 1
    assert "mnist test files not found" in result.stderr and "scoring instead" not in (
        result.stderr)
