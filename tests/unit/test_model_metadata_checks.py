"""A model file or checkpoint whose metadata was edited by hand (or damaged) is refused as it is
read, with one line naming the file and the field, by every way of reading it: load,
read_metadata, load_checkpoint and resuming; but a model's training record that is no recipe
is set aside with a note, the network whole. Files as digitnet writes them, and the partial
metadata a network built by hand may carry, still load. Nothing here trains: the networks are
built with random weights and saved with digitnet.save."""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_edits import edited, recorded_network

from digitnet import (
    Network,
    TrainConfig,
    __version__,
    checkpoint,
    inputs,
    load,
    modelfile,
    save,
)
from digitnet.errors import ModelFileError, ShapeMismatchError

#: A run of 3 epochs of 50 steps, stopped after 1 epoch and 10 steps of the second.
PROGRESS = {"epoch": 1, "step": 10, "loss_sum": 4.5, "seconds": 0.5, "best_loss": None,
            "best_epoch": None, "optimizer_steps": 60, "engine": "numpy", "stopped_early": False}


def _network() -> Network:
    """The default recipe's network with the metadata training records."""
    return recorded_network()


@pytest.fixture
def model(tmp_path):
    return save(_network(), tmp_path / "m.safetensors")


@pytest.fixture
def ckpt(tmp_path):
    net = _network()
    arrays = {"optimizer.velocity": np.zeros(net.parameter_count, np.float32),
              "state.epoch_start_params": net.params.copy()}
    return modelfile.save_checkpoint(net, tmp_path / "run.ckpt", progress=dict(PROGRESS),
                                     arrays=arrays)


def _edited(path, name: str, **changes):
    """The file at ``path`` with its metadata's fields changed as a person would
    (``checkpoint`` updates the checkpoint record), saved beside it as ``name``."""
    return edited(path, path.parent / name, merge=("checkpoint",), **changes)


def _refused(path, *readers) -> list[str]:
    """The one-line ModelFileError each reader (load by default) gives for ``path``."""
    messages = []
    for read in readers or (load,):
        with pytest.raises(ModelFileError) as e:
            read(path)
        assert "\n" not in str(e.value)
        messages.append(str(e.value))
    return messages


CONFIG = TrainConfig(epochs=3).to_dict()
EDITS = [  # (changes, what the message says after "FILE: its metadata ")
    ({"classes": ["a", "b", "c"]}, "'classes' names 3 classes for 10 output neurons"),
    ({"classes": [*"012345678", "8"]}, "'classes' names class '8' twice"),
    ({"classes": "0123456789"}, "'classes' is '0123456789', not a list of names"),
    ({"classes": [*"012345678", None]}, "'classes' holds None, which is not a class name"),
    ({"output": "sigmoid"}, ("'output' is 'sigmoid', which goes with cost 'squared_error', but "
                            "its 'cost' is 'cross_entropy'")),
    ({"output": "sigmoid", "cost": "squared_error"},
     "'config' trained output 'softmax', but the file's network has output 'sigmoid'"),
    ({"sizes": [784, 16, 10]}, ("'config' trained sizes 784-16-16-10, but the file's network has "
                               "sizes 784-16-10")),
    ({"input": {"kind": "images", "shape": [20, 20]}},
     "'input' reads 20x20 images, 400 numbers a row, but the network has 784 input neurons"),
    ({"kind": "weights"}, "'kind' is 'weights', neither 'model' nor 'checkpoint'"),
    ({"sizes": [784, 0, 10]}, "'sizes' is [784, 0, 10], not two or more layer sizes"),
]


@pytest.mark.parametrize("changes, said", EDITS, ids=[said[:40] for _, said in EDITS])
def test_an_edited_field_is_refused_naming_the_file_and_the_field(model, changes, said):
    path = _edited(model, "edited.safetensors", **changes)
    for message in _refused(path, load, modelfile.read_metadata):
        assert message.startswith(f"{path}: its metadata {said}"), message
        assert message.endswith("the file was edited or is corrupt — re-save or retrain it")


def test_an_input_record_digitnet_does_not_know_is_refused_naming_the_file(model):
    garbage = _edited(model, "garbage.safetensors", input="garbage")
    assert _refused(garbage) == [
        (f"{garbage}: the model's input record 'garbage' is not one digitnet knows (not an "
        "object with a 'kind'); retrain the model")]
    newer = _edited(model, "newer.safetensors", input={"kind": "video", "frames": 8})
    message, = _refused(newer)
    assert message.startswith(f"{newer}: the model's input record")
    assert "kind 'video' is not one of images, table, audio); upgrade digitnet" in message


SET_ASIDE = [  # (a training record no recipe, what the note says after "FILE: its metadata ")
    ({**CONFIG, "lr": "fast"}, "'config' is not a recipe digitnet can train (lr must be a "
                               "finite number"),
    ({**CONFIG, "bogus": 1}, "'config' names training options this digitnet does not know: "
                             "'bogus'"),
    ("adam", "'config' is 'adam', not a training configuration"),
]


@pytest.mark.parametrize("config, said", SET_ASIDE, ids=[said[:40] for _, said in SET_ASIDE])
def test_a_training_record_that_is_no_recipe_is_set_aside_with_a_note(model, config, said):
    """The network is whole: every reader loads it, the record kept as it was under
    config_ignored, and one UserWarning names the file and what is wrong."""
    path = _edited(model, "edited.safetensors", config=config)
    for read in (load, modelfile.read_metadata):
        with pytest.warns(UserWarning) as noted:
            got = read(path)
        message, = (str(w.message) for w in noted)
        assert message.startswith(f"{path}: its metadata {said}"), message
        assert message.endswith("the file was edited or is corrupt — re-save or retrain it")
        metadata = got.metadata if isinstance(got, Network) else got
        assert "config" not in metadata and metadata["config_ignored"] == config


def test_a_field_of_a_newer_digitnet_says_to_upgrade(model):
    path = _edited(model, "newer.safetensors", digitnet_version="99.0",
                   config={**CONFIG, "future_option": 1})
    with pytest.warns(UserWarning) as noted:
        load(path)
    message, = (str(w.message) for w in noted)
    assert message.startswith(f"{path}: its metadata 'config' names training options this "
                              "digitnet does not know: 'future_option'; ")
    assert message.endswith(f"it was saved by digitnet 99.0, newer than this {__version__}: "
                            "upgrade digitnet")


def test_a_nan_weight_is_damage_not_a_size_mismatch(tmp_path):
    net = _network()
    net.biases[0][3] = np.nan
    net.weights[2][0, 0] = np.inf
    path = tmp_path / "nan.safetensors"  # (save refuses it: the bytes it would write)
    path.write_bytes(modelfile._encode(net, kind="model"))
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert not isinstance(e.value, ShapeMismatchError)
    assert str(e.value) == (f"{path}: layers.0.bias and layers.2.weight hold NaN or infinite "
                            "values, which no training saves; the file was edited or is corrupt"
                            " — re-save or retrain it")


def test_files_as_digitnet_writes_them_and_partial_metadata_load(model, tmp_path):
    assert load(model).metadata["classes"] == [str(d) for d in range(10)]
    net = Network((4, 3), "relu", "sigmoid", seed=0)  # a network built by hand, little recorded
    net.metadata = {"config": {"epochs": 3}, "history": [{"epoch": 1, "val_accuracy": 0.9}],
                    "classes": [10, 20, 30]}  # (a scikit-learn model's classes are numbers)
    back = load(save(net, tmp_path / "hand.safetensors"))
    assert back.metadata["classes"] == [10, 20, 30]
    assert inputs.classes_of(back) == ["10", "20", "30"]


def test_a_model_made_a_checkpoint_by_hand_is_refused_not_a_key_error(model):
    path = _edited(model, "kind.safetensors", kind="checkpoint")
    for message in _refused(path, load, modelfile.load_checkpoint, checkpoint.load):
        assert message.startswith(f"{path}: says it is a training checkpoint but holds no "
                                  "record of where its run was ('checkpoint')")


def test_a_checkpoint_as_saved_resumes_where_it_was(ckpt):
    resumed = checkpoint.load(str(ckpt))
    assert (resumed.state.epoch, resumed.state.step, resumed.optimizer_steps) == (1, 10, 60)
    assert resumed.state.best_loss == math.inf


PROGRESS_EDITS = [  # (checkpoint record changes, what the message says)
    ({"step": -3}, "its metadata 'checkpoint' holds step -3, not a whole number of steps"),
    ({"loss_sum": None}, "its metadata 'checkpoint' holds loss_sum null, not a sum of losses"),
    ({"optimizer_steps": "x"}, ("its metadata 'checkpoint' holds optimizer_steps 'x', not a "
                               "whole number")),
    ({"engine": "gpu"}, ("its metadata 'checkpoint' holds engine 'gpu', not 'compiled' or "
                        "'numpy'")),
    ({"step": 5000}, ("its metadata 'checkpoint', where the run was, does not add up: "
                     "optimizer_steps 60 cannot be 1 epoch done and 5000 steps into epoch 2")),
    ({"epoch": 99}, ("its metadata 'checkpoint', where the run was, does not add up: 99 epochs "
                    "done, of a run of 3")),
    ({"epoch": 2, "optimizer_steps": 110}, ("its metadata 'checkpoint', where the run was, does "
                                           "not add up: 2 epochs done, but a history of 1")),
    ({"best_epoch": 2}, ("its metadata 'checkpoint', where the run was, does not add up: its "
                        "best epoch 2 is yet to come (1 done)")),
]


@pytest.mark.parametrize("changes, said", PROGRESS_EDITS, ids=[str(c) for c, _ in PROGRESS_EDITS])
def test_an_edited_checkpoint_record_is_refused_by_every_reader(ckpt, changes, said):
    path = _edited(ckpt, "edited.ckpt", checkpoint=changes)
    readers = (load, modelfile.read_metadata, modelfile.load_checkpoint, checkpoint.load)
    for message in _refused(path, *readers):
        assert message.startswith(f"{path}: {said}"), message
        assert message.endswith("the file was edited or is corrupt — resume another checkpoint "
                                "or start a new run")


def test_a_checkpoint_without_its_training_options_is_refused(ckpt):
    path = _edited(ckpt, "noconfig.ckpt", config=None)
    message, = _refused(path, checkpoint.load)
    assert message.startswith(f"{path}: its metadata 'config' is missing: a checkpoint holds its "
                              "run's training options")


def test_a_best_epoch_without_its_parameters_is_refused_on_resuming(ckpt):
    path = _edited(ckpt, "best.ckpt", checkpoint={"best_epoch": 1, "best_loss": 0.3})
    message, = _refused(path, checkpoint.load)
    assert message.startswith(f"{path}: records a best epoch but not its parameters "
                              "(state.best_params)")


def test_steps_an_epoch_takes_exactly_after_an_epoch_and_estimated_before(ckpt):
    from digitnet import modelcheck

    header = modelfile.read_metadata(ckpt)
    assert modelcheck.steps_per_epoch(header) == (50, True)  # (60 - 10) / 1
    first = {**header, "checkpoint": {**PROGRESS, "epoch": 0, "optimizer_steps": 10}}
    # 1,777 examples less 10% held out (178, to a few): 1,599 in batches of 32
    assert modelcheck.steps_per_epoch(first) == (math.ceil(1599 / 32), False)
