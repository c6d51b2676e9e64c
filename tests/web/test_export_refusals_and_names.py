"""POST /api/export (the page's "Save the edited network…"): changes that change no weight or
bias are refused with 422 in the words ``digitnet edit`` refuses them in, while saving with no
changes at all answers the served network as it is; and the file is named (Content-Disposition)
for what it holds: an edited network, a network trained on the page, or the served model's own
file."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from api_helpers import assert_error, events
from click.testing import CliRunner
from fastapi.testclient import TestClient
from test_voice_api import finished, voice_form

from digitnet import modelfile, poke
from digitnet.cli import cli
from digitnet.web import create_app


def scale(layer, neuron, factor):
    return {"op": "scale", "layer": layer, "neuron": neuron, "factor": factor}


def paint(layer, neuron, cells):
    return {"op": "paint", "layer": layer, "neuron": neuron,
            "cells": [{"row": r, "col": c, "weight": w} for r, c, w in cells]}


def bias_as_it_is(net, layer, neuron):
    """An edit setting the bias of ``neuron`` of ``layer`` to the value it has."""
    return {"op": "bias", "layer": layer, "neuron": neuron,
            "value": float(net.biases[layer - 1][neuron])}


def saved_as(response) -> str:
    """The file name a 200 answer's Content-Disposition gives."""
    assert response.status_code == 200, response.text
    return response.headers["content-disposition"]


@pytest.fixture(scope="module")
def off_model(web_net, tmp_path_factory):
    """The served test network with neuron 3 of layer 1 switched off, saved as digitnet edit
    saves it."""
    path = tmp_path_factory.mktemp("off") / "one-off.safetensors"
    modelfile.save(poke.Changes(off=((1, 3),)).apply(web_net), path)
    return path


IDLE = {
    "scale by 1": lambda net: {"edits": [scale(2, 0, 1.0)]},
    "no cells": lambda net: {"edits": [paint(1, 0, [])]},
    "the bias it has": lambda net: {"edits": [bias_as_it_is(net, 2, 4)]},
    "a weight from a neuron off": lambda net: {"off": [[1, 7]],
                                               "edits": [paint(2, 4, [(0, 7, 0.5)])]},
    "undone": lambda net: {"edits": [scale(2, 0, 2.0), scale(2, 0, 0.5)]},
    "off again": lambda net: {"off": [[2, 5], [1, 3]]},
}


@pytest.mark.parametrize("case", list(IDLE))
def test_changes_that_change_nothing_are_refused_in_the_words_of_digitnet_edit(
        off_model, run_data, tmp_path, case):
    net = modelfile.load(off_model)
    changes = IDLE[case](net)
    with TestClient(create_app(off_model, data=run_data)) as c:
        said = assert_error(c.post("/api/export", json=changes), 422, "leave")
    # digitnet edit refuses the same changes of the same model in the same words.
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps(changes))
    result = CliRunner().invoke(cli, ["edit", str(off_model), str(edits), "--out",
                                      str(tmp_path / "edited.safetensors")])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"digitnet: error: {edits}: {said}"
    assert not (tmp_path / "edited.safetensors").exists()


def test_the_same_kinds_of_changes_that_change_something_are_saved(off_model, run_data,
                                                                   tmp_path):
    """What is refused is changing nothing, not a kind of change."""
    net, path = modelfile.load(off_model), tmp_path / "saved.safetensors"
    with TestClient(create_app(off_model, data=run_data)) as c:
        for changes in ({"edits": [scale(2, 0, 1.5)]}, {"off": [[1, 8]]},
                        {"edits": [dict(bias_as_it_is(net, 2, 4), value=0.25)]},
                        {"off": [[1, 8]], "edits": [paint(2, 4, [(0, 7, 0.5)])]},
                        {"edits": [scale(2, 0, 2.0), scale(2, 0, 0.25)]}):
            r = c.post("/api/export", json=changes)
            assert saved_as(r) == 'attachment; filename="digitnet-edited.safetensors"'
            path.write_bytes(r.content)
            expected = poke.Changes.from_json(changes).apply(net)
            assert not np.array_equal(expected.params, net.params)
            np.testing.assert_array_equal(modelfile.load(path).params, expected.params)


@pytest.mark.parametrize("body", [{}, {"off": [], "edits": []}])
def test_no_changes_at_all_download_the_served_model_as_it_is_under_its_own_name(
        web_model_path, run_data, tmp_path, body):
    path = tmp_path / "my-digits.safetensors"
    shutil.copy(web_model_path, path)
    served = modelfile.load(path)
    with TestClient(create_app(path, data=run_data)) as c:
        r = c.post("/api/export", json=body)
    assert saved_as(r) == 'attachment; filename="my-digits.safetensors"'
    (tmp_path / "downloaded.safetensors").write_bytes(r.content)
    downloaded = modelfile.load(tmp_path / "downloaded.safetensors")
    np.testing.assert_array_equal(downloaded.params, served.params)
    # (a file records when it was saved: this one, now)
    assert {**downloaded.metadata, "saved": None} == {**served.metadata, "saved": None}
    assert "changes" not in downloaded.metadata


@pytest.mark.parametrize("source, disposition", [
    ("models/digits.onnx", 'attachment; filename="digits.safetensors"'),  # a safetensors file
    ("/srv/class 3/Zahlen-ü.safetensors",
     "attachment; filename*=utf-8''Zahlen-%C3%BC.safetensors"),
    (None, 'attachment; filename="digitnet-model.safetensors"'),  # "an in-memory network"
])
def test_the_served_models_name_is_the_file_the_server_says_it_serves(web_net, run_data, source,
                                                                        disposition):
    """As digitnet serve makes its app (a network read, and where from); an ONNX model
    downloads as safetensors, under its own name with that ending."""
    with TestClient(create_app(web_net, data=run_data, source=source)) as c:
        assert saved_as(c.post("/api/export", json={})) == disposition
        assert saved_as(c.post("/api/export", json={"off": [[1, 2]]})) == \
            'attachment; filename="digitnet-edited.safetensors"'


def test_a_network_trained_on_the_page_downloads_as_trained_until_it_is_edited(
        web_model_path, run_data, tmp_path):
    with TestClient(create_app(web_model_path, data=run_data)) as c:
        assert saved_as(c.post("/api/export", json={})) == \
            'attachment; filename="model.safetensors"'
        r = c.post("/api/train", json={"epochs": 1, "hidden": [8]})
        assert r.status_code == 202, r.text
        assert [kind for kind, _, _ in events(c)][-1] == "done"
        trained = c.app.state.served.current[0]
        r = c.post("/api/export", json={})
        assert saved_as(r) == 'attachment; filename="digitnet-trained.safetensors"'
        (tmp_path / "kept.safetensors").write_bytes(r.content)
        np.testing.assert_array_equal(modelfile.load(tmp_path / "kept.safetensors").params,
                                      trained.params)
        assert saved_as(c.post("/api/export", json={"edits": [scale(1, 0, 2.0)]})) == \
            'attachment; filename="digitnet-edited.safetensors"'
        assert_error(c.post("/api/export", json={"edits": [scale(1, 0, 1.0)]}), 422,
                     "edits[0]: this scale edit of neuron 0 of layer 1 changes no weight")


def test_a_voice_taught_on_the_page_downloads_as_fine_tuned(speech_model, spoken_digits):
    with TestClient(create_app(speech_model, data=None)) as c:
        assert saved_as(c.post("/api/export", json={})) == \
            f'attachment; filename="{speech_model.name}"'
        r = c.post("/api/voice", files=voice_form(spoken_digits))
        assert r.status_code == 202, r.text
        assert finished(c)["state"] == "done"
        assert c.get("/api/model").json()["source"] == "fine-tuned to a voice on the page"
        assert saved_as(c.post("/api/export", json={})) == \
            'attachment; filename="digitnet-fine-tuned.safetensors"'


def test_the_schema_says_how_the_file_is_named_and_what_is_refused(web_model_path):
    with TestClient(create_app(web_model_path)) as c:
        export = c.get("/openapi.json").json()["paths"]["/api/export"]["post"]["responses"]
    header = export["200"]["headers"]["Content-Disposition"]["description"]
    for name in ("digitnet-edited.safetensors", "digitnet-trained.safetensors", "own file name"):
        assert name in header, header
    assert "change no weight or bias" in export["422"]["description"]
