"""A model file whose records that do not change what its network computes (its training
configuration, history, metrics, data fingerprint, init and imported records, changes made by
hand) were edited by hand into ones that are not valid still loads, with digitnet.load and
read_metadata alike: each such record is set aside under "RECORD_ignored", as it was, with one
UserWarning naming the file, the record, what is wrong and that the network was read without
it, and the network answers real digits exactly as the unedited file's does. What does change
the answers (sizes, output and cost, classes, the input record, the kind of file, the
weights) is refused as ever, and so is any record of a training checkpoint. Nothing here
trains: the network is built with random weights and saved with digitnet.save; the edits
rewrite its metadata with the safetensors library."""

from __future__ import annotations

import hashlib
import json
import math
import warnings

import numpy as np
import pytest
from model_edits import edited, recorded_network

from digitnet import Network, TrainConfig, load, modelfile, save
from digitnet.errors import ModelFileError, ShapeMismatchError

FIX = "the file was edited or is corrupt — re-save or retrain it"
#: What the network is read without, by the record set aside.
WITHOUT = {"config": "the record of how it was trained",
           "history": "the record of its training's epochs",
           "metrics": "its training's final figures",
           "data": "the record of the data it was trained on",
           "init": "the record of the model its training started from",
           "imported": "the record of where it was imported from",
           "changes": "the record of the changes made to it by hand"}
NAN = math.nan


def _network() -> Network:
    """The default recipe's network, random weights, with every record a file may hold."""
    return recorded_network(init={"model": "start.safetensors", "trained_on": "mnist",
                                  "val_accuracy": 0.5},
                            imported={"from": "start.onnx"}, changes=[])


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return save(_network(), tmp_path_factory.mktemp("model") / "m.safetensors")


@pytest.fixture(scope="module")
def digits(mnist):
    """500 real MNIST digits, uint8 (500, 28, 28)."""
    return mnist.x[:500]


def as_kept(value):
    """A record as it is kept when set aside: as it was, a NaN (which JSON has no number for)
    as the text "NaN"."""
    return json.loads(json.dumps(value).replace("NaN", '"NaN"'))


def note(path, record: str, said: str) -> str:
    return (f"{path}: its metadata {record!r} {said}; it is ignored (kept as metadata "
            f"'{record}_ignored'): the network loads and predicts as saved, without "
            f"{WITHOUT[record]}; {FIX}")


CONFIG = TrainConfig(epochs=3).to_dict()
SET_ASIDE = [  # (record, its value edited, what the note says is wrong with it)
    ("history", "nope", "is 'nope', not a list of the epochs' records"),
    ("history", {"epoch": 1, "train_loss": 0.5},
     "is {'epoch': 1, 'train_loss': 0.5}, not a list of the epochs' records"),
    ("history", '[{"epoch": 1, "train_loss": 0.5', (  # JSON cut short, kept as a text
        "is '[{\"epoch\": 1, \"train_loss\": 0.5', not a list of the epochs' records")),
    ("history", [{"epoch": -1, "train_loss": 0.5}],
     "has a record (0) whose epoch is -1, not a whole number from 1"),
    ("history", [{"epoch": 1, "train_loss": NAN}],
     "has a record (epoch 1) whose train_loss is nan, not a number"),
    ("history", [{"epoch": 1, "val_accuracy": "90%"}],
     "has a record (epoch 1) whose val_accuracy is '90%', not a number"),
    ("history", [3], "is [3], not a list of the epochs' records"),
    ("metrics", [0.9], "is [0.9], not an object"),
    ("metrics", '{"val_accuracy": 0.9', "is '{\"val_accuracy\": 0.9', not an object"),
    ("metrics", {"val_accuracy": NAN}, "holds val_accuracy nan, not a number"),
    ("metrics", {"val_loss": "0.3"}, "holds val_loss '0.3', not a number"),
    ("metrics", {"epochs_trained": -3}, "holds epochs_trained -3, not a whole number from 0"),
    ("metrics", {"best_epoch": 0.5}, "holds best_epoch 0.5, not a whole number from 1"),
    ("data", "mnist", "is 'mnist', not an object"),
    ("data", {"train": "mnist"}, ("holds train 'mnist', not the fingerprint of a data set (its "
                                  "name, n and files)")),
    ("data", {"train": {"name": "mnist", "n": -5}}, (
        "holds train {'name': 'mnist', 'n': -5}, not the fingerprint of a data set (its name, n "
        "and files)")),
    ("init", ["start.safetensors"], "is ['start.safetensors'], not an object"),
    ("init", {"val_accuracy": 0.5}, ("is {'val_accuracy': 0.5}, not the record of the model a "
                                     "run started from (its model, with any figures numbers)")),
    ("init", {"model": "a.safetensors", "val_accuracy": NAN}, (
        "is {'model': 'a.safetensors', 'val_accuracy': nan}, not the record of the model a run "
        "started from (its model, with any figures numbers)")),
    ("imported", "start.onnx", "is 'start.onnx', not an object"),
    ("imported", [{"from": "start.onnx"}], "is [{'from': 'start.onnx'}], not an object"),
    ("changes", 5, "is 5, not a list of the changes made by hand"),
    ("changes", {"off": [[1, 0]]}, "is {'off': [[1, 0]]}, not a list of the changes made by hand"),
    ("config", "adam", "is 'adam', not a training configuration"),
    ("config", {**CONFIG, "epochs": -3},
     "is not a recipe digitnet can train (epochs must be >= 1, got -3)"),
]


@pytest.mark.parametrize("record, value, said", SET_ASIDE,
                         ids=[f"{r}-{s[:30]}" for r, _, s in SET_ASIDE])
def test_an_invalid_record_is_set_aside_with_one_note(model, digits, tmp_path, record, value,
                                                      said):
    path = edited(model, tmp_path / "edited.safetensors", **{record: value})
    before = hashlib.sha256(path.read_bytes()).digest()
    original = load(model)
    read = {}
    for reader in (load, modelfile.read_metadata):
        with pytest.warns(UserWarning) as noted:
            read[reader] = reader(path)
        assert [str(w.message) for w in noted] == [note(path, record, said)]
    net = read[load]
    for metadata in (net.metadata, read[modelfile.read_metadata]):
        assert record not in metadata
        assert metadata[f"{record}_ignored"] == as_kept(value)
        others = {k: v for k, v in original.metadata.items() if k != record}
        assert {k: v for k, v in metadata.items() if k in others} == others
    assert np.array_equal(net.predict_proba(digits), original.predict_proba(digits))
    assert np.array_equal(net.predict(digits), original.predict(digits))
    assert hashlib.sha256(path.read_bytes()).digest() == before  # never rewritten


def test_several_invalid_records_are_each_noted_once(model, tmp_path):
    path = edited(model, tmp_path / "edited.safetensors", metrics=[0.9], history="nope",
                  data="mnist", config="adam")
    with pytest.warns(UserWarning) as noted:
        net = load(path)
    assert [str(w.message) for w in noted] == [
        note(path, "config", "is 'adam', not a training configuration"),
        note(path, "history", "is 'nope', not a list of the epochs' records"),
        note(path, "metrics", "is [0.9], not an object"),
        note(path, "data", "is 'mnist', not an object")]
    assert not {"config", "history", "metrics", "data"} & net.metadata.keys()
    assert (net.metadata["metrics_ignored"], net.metadata["history_ignored"]) == ([0.9], "nope")
    assert net.metadata["init"] == _network().metadata["init"]  # the valid records, as saved


def test_saving_the_loaded_network_keeps_the_records_set_aside(model, tmp_path):
    path = edited(model, tmp_path / "edited.safetensors", history="nope",
                  metrics={"val_accuracy": NAN})
    with pytest.warns(UserWarning):
        net = load(path)
    again = save(net, tmp_path / "again.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to note: it holds no record that is not valid
        back = load(again)
    assert back.metadata["history_ignored"] == "nope"
    assert back.metadata["metrics_ignored"] == {"val_accuracy": "NaN"}
    assert back.params.tobytes() == net.params.tobytes()


def test_metadata_that_is_not_json_at_all_is_still_refused(model, tmp_path):
    """The document that describes the network is unreadable: nothing can be set aside."""
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    with safe_open(str(model), "np") as f:
        metadata = f.metadata()
    metadata["digitnet"] = metadata["digitnet"][:-40]
    path = tmp_path / "cut.safetensors"
    save_file(load_file(str(model)), str(path), metadata=metadata)
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value).startswith(f"{path}: its digitnet metadata is not valid JSON (")


REFUSED = [  # (what changes the network's answers, edited, what the error says after "FILE: ")
    ({"sizes": [784, 0, 10]}, ("its metadata 'sizes' is [784, 0, 10], not two or more layer "
                               f"sizes; {FIX}")),
    ({"classes": ["a", "b", "c"]}, ("its metadata 'classes' names 3 classes for 10 output "
                                    f"neurons; {FIX}")),
    ({"classes": "0123456789"}, ("its metadata 'classes' is '0123456789', not a list of names; "
                                 f"{FIX}")),
    ({"output": "sigmoid"}, ("its metadata 'output' is 'sigmoid', which goes with cost "
                             f"'squared_error', but its 'cost' is 'cross_entropy'; {FIX}")),
    ({"input": {"kind": "images", "shape": [20, 20]}}, (
        "its metadata 'input' reads 20x20 images, 400 numbers a row, but the network has 784 "
        f"input neurons; {FIX}")),
    ({"input": "garbage"}, ("the model's input record 'garbage' is not one digitnet knows (not "
                            "an object with a 'kind'); retrain the model")),
    ({"kind": "weights"}, ("its metadata 'kind' is 'weights', neither 'model' nor "
                           f"'checkpoint'; {FIX}")),
    ({"activation": "tanh"}, ("its metadata 'config' trained activation 'leaky_relu', but the "
                              f"file's network has activation 'tanh'; {FIX}")),
]


@pytest.mark.parametrize("changes, said", REFUSED, ids=[said[:40] for _, said in REFUSED])
@pytest.mark.parametrize("beside", [{}, {"history": "nope", "metrics": [0.9]}],
                         ids=["alone", "beside-invalid-records"])
def test_what_changes_the_answers_is_still_refused_without_a_note(model, tmp_path, changes,
                                                                  said, beside):
    """With records that are set aside beside it or not: one line, and no note (the suite
    turns any warning into an error)."""
    path = edited(model, tmp_path / "edited.safetensors", **changes, **beside)
    for read in (load, modelfile.read_metadata):
        with pytest.raises(ModelFileError) as e:
            read(path)
        assert str(e.value) == f"{path}: {said}"


def test_damaged_weights_are_still_refused(tmp_path):
    net = _network()
    net.weights[1][0, 0] = np.nan
    nan = tmp_path / "nan.safetensors"  # (save refuses it: the bytes it would write)
    nan.write_bytes(modelfile._encode(net, kind="model"))
    path = edited(nan, tmp_path / "edited.safetensors", history="nope")
    with pytest.raises(ModelFileError) as e, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (the header is read first: its note)
        load(path)
    assert not isinstance(e.value, ShapeMismatchError)
    assert str(e.value) == (f"{path}: layers.1.weight holds NaN or infinite values, which no "
                            f"training saves; {FIX}")


def test_a_checkpoints_records_are_never_set_aside(tmp_path):
    """A checkpoint's history and figures are the run resuming it goes on with."""
    net = _network()
    del net.metadata["init"], net.metadata["imported"]
    progress = {"epoch": 1, "step": 10, "loss_sum": 4.5, "seconds": 0.5, "best_loss": None,
                "best_epoch": None, "optimizer_steps": 60, "engine": "numpy",
                "stopped_early": False}
    ckpt = modelfile.save_checkpoint(net, tmp_path / "run.ckpt", progress=progress,
                                     arrays={"state.epoch_start_params": net.params.copy()})
    modelfile.load_checkpoint(ckpt)  # as saved, it loads
    for changes in ({"history": "nope"}, {"metrics": [0.9]}, {"data": "mnist"}):
        path = edited(ckpt, tmp_path / "edited.ckpt", **changes)
        record = next(iter(changes))
        for read in (modelfile.load_checkpoint, load, modelfile.read_metadata):
            with pytest.raises(ModelFileError) as e:
                read(path)
            assert str(e.value).startswith(f"{path}: its metadata {record!r} is ")
