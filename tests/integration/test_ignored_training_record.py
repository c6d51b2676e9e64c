"""A model whose training record (metadata "config") was edited by hand into no recipe digitnet
can train still loads with digitnet.load and predicts as it did: the record is set aside, kept
as it was under "config_ignored", and one UserWarning names the file, what is wrong and that it
is ignored; the file is left as it was. A recipe that contradicts the network, and a
checkpoint's recipe (the run it goes on with), are still refused. The model is trained for real
on real digits (small_model); the edits rewrite its metadata with the safetensors library."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest
from model_edits import edited

import digitnet
from digitnet import __version__, modelfile
from digitnet.errors import ModelFileError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: loads edited files)

FIX = "the file was edited or is corrupt — re-save or retrain it"
IGNORED = ("it is ignored (kept as metadata 'config_ignored'): the network loads and predicts as "
           "saved, without the record of how it was trained")


def rewritten(path, out, config=None, **fields):
    """``path`` with its metadata's training record changed by ``config`` (merged into it; a
    non-dict replaces it) and other header fields set, as a person editing the JSON would."""
    return edited(path, out, merge=("config",), **({"config": config} if config is not None
                                                   else {}), **fields)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


EDITS = [  # (the record's change, what the warning says is wrong with it)
    ({"lr": -0.5}, "is not a recipe digitnet can train (lr must be a positive number, got -0.5)"),
    ({"optimizer": "rmsprop"}, ("is not a recipe digitnet can train (unknown optimizer "
                                "'rmsprop'; choose one of ")),
    ({"epochs": "3"}, ("is not a recipe digitnet can train (epochs must be a whole number, got "
                       "'3' (a str))")),
    ("adam", "is 'adam', not a training configuration"),
]


@pytest.mark.parametrize("change, said", EDITS, ids=["lr", "optimizer", "type", "not-an-object"])
def test_the_network_loads_predicts_and_the_record_is_noted_once(small_model, mnist, tmp_path,
                                                                 change, said):
    bad = rewritten(small_model, tmp_path / "edited.safetensors", config=change)
    before = sha256(bad)
    with pytest.warns(UserWarning) as told:
        net = digitnet.load(bad)
    assert len(told) == 1
    message = str(told[0].message)
    assert message.startswith(f"{bad}: its metadata 'config' {said}")
    assert message.endswith(f"; {IGNORED}; {FIX}") and "\n" not in message

    original = digitnet.load(small_model)
    digits = mnist.x[:500]
    assert np.array_equal(net.predict_proba(digits), original.predict_proba(digits))
    expected = original.metadata["config"] | change if isinstance(change, dict) else change
    assert net.metadata["config_ignored"] == expected and "config" not in net.metadata
    assert {k: v for k, v in net.metadata.items() if k != "config_ignored"} == {
        k: v for k, v in original.metadata.items() if k != "config"}
    assert sha256(bad) == before  # the user's file is never rewritten


def test_read_metadata_sets_the_record_aside_as_load_does(small_model, tmp_path):
    bad = rewritten(small_model, tmp_path / "edited.safetensors", config={"lr": -0.5})
    with pytest.warns(UserWarning, match="is ignored"):
        header = modelfile.read_metadata(bad)
    assert header["config_ignored"]["lr"] == -0.5 and "config" not in header


def test_a_record_of_a_newer_digitnet_says_to_upgrade(small_model, tmp_path):
    bad = rewritten(small_model, tmp_path / "newer.safetensors", config={"future_option": 1},
                    digitnet_version="99.0")
    with pytest.warns(UserWarning) as told:
        net = digitnet.load(bad)
    assert str(told[0].message) == (
        f"{bad}: its metadata 'config' names training options this digitnet does not know: "
        f"'future_option'; {IGNORED}; it was saved by digitnet 99.0, newer than this "
        f"{__version__}: upgrade digitnet")
    assert net.metadata["config_ignored"]["future_option"] == 1


def test_saving_the_loaded_network_keeps_the_record_set_aside(small_model, tmp_path):
    bad = rewritten(small_model, tmp_path / "edited.safetensors", config={"lr": -0.5})
    with pytest.warns(UserWarning):
        net = digitnet.load(bad)
    again = digitnet.save(net, tmp_path / "again.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn of: it records no recipe
        back = digitnet.load(again)
    assert back.metadata["config_ignored"] == net.metadata["config_ignored"]
    assert "config" not in back.metadata and back.params.tobytes() == net.params.tobytes()


def test_a_recipe_that_contradicts_the_network_is_still_refused(small_model, tmp_path):
    """Which of the two was edited cannot be told: the network might be the one."""
    bad = rewritten(small_model, tmp_path / "edited.safetensors", config={"activation": "tanh"})
    with pytest.raises(ModelFileError) as e:
        digitnet.load(bad)
    assert str(e.value) == (f"{bad}: its metadata 'config' trained activation 'tanh', but the "
                            f"file's network has activation 'leaky_relu'; {FIX}")


def test_anything_else_wrong_beside_the_record_is_still_refused(small_model, tmp_path):
    """What changes the network's answers (its classes) is refused as ever, with no note."""
    bad = rewritten(small_model, tmp_path / "edited.safetensors", config={"lr": -0.5},
                    classes=["a", "b", "c"])
    with pytest.raises(ModelFileError, match="its metadata 'classes' names 3 classes for 10"):
        digitnet.load(bad)


def test_a_checkpoints_invalid_recipe_is_still_refused(small_model, tmp_path):
    """A checkpoint's recipe is the run resuming it goes on with: never set aside."""
    net = digitnet.load(small_model)
    progress = {"epoch": 1, "step": 0, "loss_sum": 4.5, "seconds": 0.5, "best_loss": None,
                "best_epoch": None, "optimizer_steps": 85, "engine": "numpy",
                "stopped_early": False}
    net.metadata["history"] = net.metadata["history"][:1]
    ckpt = modelfile.save_checkpoint(net, tmp_path / "run.ckpt", progress=progress,
                                     arrays={"state.epoch_start_params": net.params.copy()})
    modelfile.load_checkpoint(ckpt)  # as saved, it loads
    bad = rewritten(ckpt, tmp_path / "edited.ckpt", config={"lr": -0.5})
    for read in (modelfile.load_checkpoint, digitnet.load, modelfile.read_metadata):
        with pytest.raises(ModelFileError) as e:
            read(bad)
        assert str(e.value).startswith(f"{bad}: its metadata 'config' is not a recipe digitnet "
                                       "can train (lr must be a positive number, got -0.5)")
