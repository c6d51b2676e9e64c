"""A network changed by hand keeps the record of its changes through an ONNX export.

``digitnet edit`` saves a changed copy of a model trained on real digits, its metadata listing
the changes; ``digitnet export --format onnx`` writes that network, and the record, as
``metadata_props`` (``changes``, JSON as the model file stores it, before ``input`` and
``digitnet``); reading the ONNX file back gives the record to the network, so
``digitnet info`` of the ``.onnx`` says what it says of the ``.safetensors``: that the network
was changed, and how. onnxruntime (real onnx, real onnxruntime) computes the changed network's
answers.

Tolerances come from float arithmetic (tests/helpers/float_bounds.py), as in test_interop.py:
two float32 computations of the same network each lie within the elementwise bound of the exact
one, so within twice that bound of each other.
"""

from __future__ import annotations

import json

import float_bounds as fb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from click.testing import CliRunner
from safetensors import safe_open

import digitnet
from digitnet import inputs, modelfile, poke
from digitnet.cli import cli

pytestmark = pytest.mark.engine_independent  # (a file's records, nothing trained here)

#: Where ``digitnet info`` lists a changed model's changes, one a line, after this one.
EDITED = "  edited      by hand after training, in this order:"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def changed(small_model, tmp_path_factory):
    """The small model with two neurons switched off and three rewritten (``digitnet edit``),
    and its ONNX export (``digitnet export``): (model file, ONNX file)."""
    folder = tmp_path_factory.mktemp("onnx-changes")
    changes = poke.Changes(off=[(1, 3), (2, 5)], edits=[
        {"op": "scale", "layer": 1, "neuron": 0, "factor": 1.5},
        {"op": "bias", "layer": 3, "neuron": 7, "value": 0.5},
        {"op": "paint", "layer": 2, "neuron": 1,
         "cells": [{"row": 0, "col": 2, "weight": -1.25}, {"row": 0, "col": 9, "weight": 2.0}]}])
    (folder / "changes.json").write_text(json.dumps(changes.to_json()))
    model = folder / "changed.safetensors"
    result = run("edit", small_model, folder / "changes.json", "--out", model)
    assert result.exit_code == 0, result.output
    exported = folder / "changed.onnx"
    result = run("export", model, "--format", "onnx", "--out", exported)
    assert result.exit_code == 0, result.output
    return model, exported


def stored(path) -> str:
    """The JSON text of a model file's metadata, as the file holds it."""
    with safe_open(str(path), framework="numpy") as f:
        return f.metadata()["digitnet"]


def changes_lines(output: str) -> list[str]:
    """The changes ``digitnet info`` lists, one a line, in its order."""
    lines = output.splitlines()
    assert EDITED in lines, output
    listed = []
    for line in lines[lines.index(EDITED) + 1:]:
        if not line.startswith(" " * 16):
            break
        listed.append(line.strip())
    return listed


def test_the_onnx_file_carries_the_changes_as_the_model_file_stores_them(changed):
    model, exported = changed
    props = {p.key: p.value for p in onnx.load(str(exported)).metadata_props}
    header = stored(model)
    # The JSON text exactly as the model file holds it.
    assert f'"changes": {props["changes"]}' in header
    assert len(json.loads(props["changes"])) == 1  # one saving, of the changes above
    assert json.loads(props["changes"]) == modelfile.load(model).metadata["changes"]
    # "input" then "digitnet" last, as ever: a file cut short loses them first (and is refused).
    assert list(props) == ["classes", "changes", "input", "digitnet"]


def test_onnxruntime_answers_as_the_changed_network(changed, small_model, mnist):
    model, exported = changed
    net, before = modelfile.load(model), modelfile.load(small_model)
    x = inputs.of(net).rows(mnist.x[:2000])
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    brightness = np.multiply(x.reshape(len(x), -1), np.float32(1 / 255), dtype=np.float32)
    theirs = session.run(["probabilities"], {"input": brightness})[0]
    ours = net.probabilities(x)
    _, acts, errors = fb.forward(net, np.asarray(x).reshape(len(x), -1))
    assert (np.abs(theirs - ours) <= 2 * errors[len(acts) - 1]).all()
    # ... and the changes change the answers: the file is the changed network, not the trained.
    assert np.abs(ours - before.probabilities(x)).max() > 0.05


def test_the_onnx_file_read_back_says_it_was_changed_and_how(changed):
    model, exported = changed
    net, back = modelfile.load(model), digitnet.load(exported)
    assert back.metadata["changes"] == net.metadata["changes"]
    assert poke.off_neurons(back) == poke.off_neurons(net) == ((1, 3), (2, 5))
    theirs, ours = run("info", exported), run("info", model)
    assert theirs.exit_code == 0 and ours.exit_code == 0, theirs.output + ours.output
    listed = changes_lines(ours.stdout)
    assert listed == poke.described_changes(net) and len(listed) == 5
    assert changes_lines(theirs.stdout) == listed
    info = json.loads(run("info", "--json", exported).stdout)
    assert info["edited"]["described"] == listed
    assert info["changes"] == net.metadata["changes"]


@pytest.mark.filterwarnings("default::UserWarning")
def test_a_changes_record_garbled_in_the_onnx_file_is_set_aside_with_a_note(changed, tmp_path):
    """As in a model file: the network reads and predicts as exported, the record kept aside
    (under changes_ignored) and named in a note, never read as changes it does not say."""
    model, exported = changed
    garbled = onnx.load(str(exported))
    for prop in garbled.metadata_props:
        if prop.key == "changes":
            prop.value = '{"off": [[1, 3]]}'  # an object, not a list of savings
    path = tmp_path / "garbled.onnx"
    onnx.save(garbled, str(path))
    with pytest.warns(UserWarning, match=r"garbled\.onnx: .*'changes'.* is ignored \(kept as "
                                         r"metadata 'changes_ignored'\)"):
        back = digitnet.load(path)
    assert "changes" not in back.metadata
    assert back.metadata["changes_ignored"] == {"off": [[1, 3]]}
    np.testing.assert_array_equal(back.params, modelfile.load(model).params)
    assert poke.described_changes(back) == []
