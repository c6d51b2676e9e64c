"""/api/backprop names where each of its largest weight changes comes from ("source"), in the
words `digitnet info` names a painted weight of the same place in: for a model of handwritten
digits a pixel, for a model of spoken digits a cell of the picture of the sound, for a later
layer a neuron of the layer before. The server says them (one Python function), so the page's
backprop panel shows them as they are, with no words of its own to keep alike."""

from __future__ import annotations

import json

import pytest

from api_helpers import grid

pytestmark = pytest.mark.engine_independent  # (the words of a step, nothing trained here)

ALL_SET = 1.0  # each weight painted to this (as `digitnet info` says it: "to 1")


@pytest.fixture(scope="module")
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def _info_lines(model, changes: list[dict], tmp_path) -> list[str]:
    """What `digitnet info --json` says of each change's weight, once `digitnet edit` painted
    it: one paint edit per change, on the grid `digitnet edit` paints that layer's weights on
    (a cell (row, col) of the input's picture for layer 1, (0, neuron before) after it)."""
    from click.testing import CliRunner

    from digitnet import modelfile, poke
    from digitnet.cli import cli

    net = modelfile.load(model)
    edits = []
    for c in changes:
        _, cols = poke.grid_of(net, c["layer"])
        row, col = divmod(c["input"], cols)
        edits.append({"op": "paint", "layer": c["layer"], "neuron": c["neuron"],
                      "cells": [{"row": row, "col": col, "weight": ALL_SET}]})
    (tmp_path / "paint.json").write_text(json.dumps({"edits": edits}))
    runner, edited = CliRunner(), tmp_path / "painted.safetensors"
    r = runner.invoke(cli, ["edit", str(model), str(tmp_path / "paint.json"), "--out",
                            str(edited)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["info", str(edited), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["edited"]["described"]


def _said(change: dict, cell: str, sound: bool) -> str:
    """The line `digitnet info` says of a weight painted to 1 whose source is ``cell``."""
    where = f"layer {change['layer']} neuron {change['neuron']}: incoming weights set: "
    if change["layer"] > 1:
        return where + f"from {cell} to 1"
    return where + cell + ("," if sound else "") + " to 1"  # (a sound's words have a comma)


#: Changes a step is taken with so that the first layer's weights move most: the incoming weights
#: of layers 2 and 3 multiplied by 20 make δ of layer 1, and so its weights' changes, 400 times
#: larger, those into layer 2 20 times, those into layer 3 alike (as the derivative says, for
#: the leaky ReLU the test models have). Without them, the layers after the first move most.
FIRST_LAYER_FIRST = {"edits": [{"op": "scale", "layer": l, "neuron": j, "factor": 20}
                               for l, n in ((2, 16), (3, 10)) for j in range(n)]}


def _steps(client, start: dict) -> list[dict]:
    """The largest changes of a step from ``start`` (the input, label and lr), and of one with
    :data:`FIRST_LAYER_FIRST`: changes into every layer, the first too."""
    changes = []
    for more in ({}, FIRST_LAYER_FIRST):
        r = client.post("/api/backprop", json={**start, **more})
        assert r.status_code == 200, r.text
        assert len(r.json()["largest_changes"]) == 10
        changes += r.json()["largest_changes"]
    assert {c["layer"] for c in changes} >= {1, 2}, changes
    return changes


def _check(changes: list[dict], lines: list[str], cols: int, cell: str, sound: bool):
    assert len(lines) == len(changes)
    for change, line in zip(changes, lines):
        assert isinstance(change.get("source"), str), change
        if change["layer"] == 1:
            row, col = divmod(change["input"], cols)
            assert change["source"] == cell.format(row, col)
        else:
            assert change["source"] == f"neuron {change['input']} of layer {change['layer'] - 1}"
        assert line == _said(change, change["source"], sound)


def test_a_pixel_is_named_as_digitnet_info_names_it(client, web_model_path, held_out, tmp_path):
    image, label = held_out[0][2], int(held_out[1][2])
    changes = _steps(client, {"pixels": grid(image), "label": (label + 1) % 10, "lr": 0.5})
    _check(changes, _info_lines(web_model_path, changes, tmp_path), 28, "pixel ({}, {})", False)


def test_a_cell_of_a_sound_is_named_as_digitnet_info_names_it(speech_client, speech_model,
                                                              spoken_digits, tmp_path):
    seven = (spoken_digits / "7_jackson_1.wav").read_bytes()
    heard = speech_client.post("/api/predict", files={"file": ("7.wav", seven, "audio/wav")})
    assert heard.status_code == 200, heard.text
    changes = _steps(speech_client, {"input_id": heard.json()["input_id"],
                                     "label": (heard.json()["digit"] + 1) % 10})
    _check(changes, _info_lines(speech_model, changes, tmp_path), 28,
           "mel band {} from the top, time frame {}", True)


def test_the_schema_says_the_field(client):
    change = client.get("/openapi.json").json()["components"]["schemas"]["WeightChange"]
    assert "source" in change["required"]
    assert "digitnet info" in change["properties"]["source"]["description"]


def test_the_page_shows_the_servers_words():
    """backprop.js shows "source" as the server says it: it words no cell of its own."""
    from pathlib import Path

    js = (Path(__file__).resolve().parents[2]
          / "src/digitnet/web/static/js/backprop.js").read_text()
    assert "c.source" in js
    assert "mel band" not in js and "pixel (" not in js and "kept alike" not in js
