"""`digitnet evaluate MODEL` right after training on MNIST-style training files alone (no t10k),
offline and with no MNIST test set in the cache, scores the model's own validation split, saying
so, instead of failing on the download; asked for the test split, it still says why it cannot."""

from __future__ import annotations

import dataclasses
import json
import socket

import pytest

from digitnet import sources

pytestmark = pytest.mark.filterwarnings("default::UserWarning")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No MNIST in the user cache (an empty one), none from Debian's package, and every mirror
    refusing the connection (a local port nothing listens on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = dataclasses.replace(sources.SPECS["mnist"], mirrors=(dead,), system_dirs=())
    monkeypatch.setitem(sources.SPECS, "mnist", spec)


@pytest.fixture(scope="module")
def trained_alone(run, train_only_dir, tmp_path_factory):
    """A model trained for 1 epoch on MNIST-style training files without t10k: (path, report)."""
    out = tmp_path_factory.mktemp("alone") / "m.safetensors"
    result = run("train", "--data", train_only_dir, "--epochs", "1", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


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
