"""``digitnet edit``: what --out may replace (as ``train --out``: never a read-only file, an empty
name said as train says it; never MODEL or EDITS.json; a model there is replaced, as the help
says), and changes that change no weight or bias refused in one line naming the change, nothing
saved: a neuron switched off already, a paint of no cells, an edit whose values are already
there or that only sets weights from a neuron switched off, edits that undo each other."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from digitnet import modelfile

OFF = {"off": [[1, 3]]}


@pytest.fixture(scope="module")
def model(trained):
    return trained[0]


@pytest.fixture(scope="module")
def off_model(run, model, tmp_path_factory):
    """``model`` saved by ``digitnet edit`` with neuron 3 of layer 1 switched off."""
    folder = tmp_path_factory.mktemp("off")
    (folder / "off.json").write_text(json.dumps(OFF))
    result = run("edit", model, folder / "off.json", "--out", folder / "off.safetensors")
    assert result.exit_code == 0, result.output
    return folder / "off.safetensors"


def _edit(run, model, tmp_path, changes, out="edited.safetensors", name="edits.json"):
    edits = tmp_path / name
    edits.write_text(json.dumps(changes))
    return run("edit", model, edits, "--out", tmp_path / out), edits


# -- --out ------------------------------------------------------------------------------------


def test_a_read_only_file_is_refused_as_train_refuses_it_and_kept(run, model, off_model,
                                                                  tmp_path, one_line):
    out = tmp_path / "kept.safetensors"
    out.write_bytes(off_model.read_bytes())
    out.chmod(0o444)
    result, _ = _edit(run, model, tmp_path, {"off": [[2, 5]]}, out.name)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (f"digitnet: error: {out}: is read-only; make it writable "
                                       f"(chmod u+w {out}) or choose another file")
    assert out.read_bytes() == off_model.read_bytes()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o444
    trained = run("train", "--epochs", "1", "--out", out)  # the same words, from the same check
    assert one_line(trained.stderr) == one_line(result.stderr)


def test_the_changes_file_is_refused_as_out_and_kept(run, model, tmp_path, one_line):
    edits = tmp_path / "changes"  # a name the model-file check lets through
    edits.write_text(json.dumps(OFF))
    result = run("edit", model, edits, "--out", edits)
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith(
        f"digitnet: error: --out {edits}: is EDITS.json, and saving there would replace the "
        "changes it reads; give --out another file name")
    assert json.loads(edits.read_text()) == OFF


def test_an_empty_out_is_refused_as_train_refuses_it(run, model, tmp_path, one_line):
    (tmp_path / "edits.json").write_text(json.dumps(OFF))
    result = run("edit", model, tmp_path / "edits.json", "--out", "")
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith("digitnet: error: --out: give a file name")


def test_a_model_there_is_replaced_as_the_help_says(run, model, off_model, tmp_path):
    out = tmp_path / "earlier.safetensors"
    out.write_bytes(off_model.read_bytes())
    result, _ = _edit(run, model, tmp_path, {"off": [[2, 5]]}, out.name)
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["changes"] == [{"off": [[2, 5]], "edits": []}]
    from digitnet.cli.poke_cmds import edit_command

    said = next(p.help for p in edit_command.params if p.name == "out")
    assert said == ("Where to save the edited model: not MODEL or EDITS.json. A model there is "
                    "replaced, as train --out replaces one, unless it is read-only; any other "
                    "file (a checkpoint, another program's) is refused.")


# -- changes that change nothing --------------------------------------------------------------


def bias(neuron, value, layer=2):
    return {"op": "bias", "layer": layer, "neuron": neuron, "value": value}


def paint(layer, neuron, cells):
    return {"op": "paint", "layer": layer, "neuron": neuron,
            "cells": [{"row": r, "col": c, "weight": w} for r, c, w in cells]}


def scale(factor, neuron=0):
    return {"op": "scale", "layer": 2, "neuron": neuron, "factor": factor}


IDLE = [
    pytest.param({"off": [[2, 5], [1, 3]]},
                 ("off[1]: neuron 3 of layer 1 is switched off already (every weight out of it "
                  "is 0), so switching it off changes nothing; leave it out"), id="off again"),
    pytest.param({"edits": [paint(1, 0, [])]},
                 ("edits[0]: this paint edit of neuron 0 of layer 1 changes no weight or bias "
                  "(it paints no cells); leave it out, or give it cells to paint"),
                 id="no cells"),
    pytest.param({"edits": [bias(0, 1.5), bias(0, 1.5)]},
                 ("edits[1]: this bias edit of neuron 0 of layer 2 changes no weight or bias "
                  "(they have the values it gives already); leave it out, or give other "
                  "values"), id="the same bias twice"),
    pytest.param({"edits": [scale(1.0)]},
                 ("edits[0]: this scale edit of neuron 0 of layer 2 changes no weight or bias "
                  "(they have the values it gives already); leave it out, or give other "
                  "values"), id="scale by 1"),
    pytest.param({"off": [[1, 7]], "edits": [paint(2, 4, [(0, 7, 0.5)])]},
                 ("edits[0]: this paint edit of neuron 4 of layer 2 changes no weight or bias "
                  "(each weight it sets comes from a neuron switched off, and stays 0); leave "
                  "it out, or set weights from neurons not switched off"),
                 id="a weight from a neuron off"),
    pytest.param({"edits": [scale(2.0), scale(0.5)]},
                 ("these changes, made one after another, leave every weight and bias as it was "
                  "(each undoes another); leave them out"), id="undone"),
]


@pytest.mark.parametrize("changes, said", IDLE)
def test_a_change_that_changes_nothing_is_refused_naming_it(run, off_model, tmp_path, one_line,
                                                             changes, said):
    result, edits = _edit(run, off_model, tmp_path, changes)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {edits}: {said}"
    assert result.stdout == "" and not (tmp_path / "edited.safetensors").exists()


def test_the_same_changes_that_change_something_are_saved(run, model, off_model, tmp_path):
    """The refusals above are of what changes nothing, not of each kind of change: on the model
    before its neuron was switched off (or with other values) each is saved."""
    saved = [({"off": [[2, 5], [1, 3]]}, model), ({"edits": [bias(0, 1.5)]}, off_model),
             ({"off": [[1, 8]], "edits": [paint(2, 4, [(0, 7, 0.5)])]}, model),
             ({"edits": [scale(2.0), scale(0.25)]}, off_model)]
    for changes, source in saved:
        result, _ = _edit(run, source, tmp_path, changes)
        assert result.exit_code == 0, (changes, result.output)
        before, after = modelfile.load(source), modelfile.load(tmp_path / "edited.safetensors")
        assert not np.array_equal(before.params, after.params)
