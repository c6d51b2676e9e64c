"""`digitnet info` of a network whose first-layer weights were painted by hand (`digitnet edit`)
names each painted cell as the page does: for a model of spoken digits, its place in the picture
of the sound ("mel band 5 from the top, time frame 5", the words of the page's backprop panel),
not a pixel; for a model of handwritten digits, a pixel still."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digitnet.inputs import Audio
from digitnet.network import Network
from digitnet.poke import recorded

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: edit and info)

CELLS = [{"row": 5, "col": 5, "weight": 1.0}, {"row": 27, "col": 0, "weight": -1}]
BACKPROP_JS = (Path(__file__).resolve().parents[2]
               / "src/digitnet/web/static/js/backprop.js")


def _painted(run, model, tmp_path, neuron: int) -> list[str]:
    """The lines of `digitnet info` about the painted neuron, once `digitnet edit` painted it."""
    edits = tmp_path / "paint.json"
    edits.write_text(json.dumps({"edits": [{"op": "paint", "layer": 1, "neuron": neuron,
                                            "cells": CELLS}]}))
    edited = tmp_path / "painted.safetensors"
    r = run("edit", model, edits, "--out", edited)
    assert r.exit_code == 0, r.output
    r = run("info", edited)
    assert r.exit_code == 0, r.output
    return [line.strip() for line in r.stdout.splitlines() if "incoming weights set" in line]


def test_painted_weights_of_a_model_of_recordings_are_named_as_the_page_names_them(
        run, speech_model, tmp_path):
    assert _painted(run, speech_model, tmp_path, 10) == [(
        "layer 1 neuron 10: incoming weights set: mel band 5 from the top, time frame 5, to 1; "
        "mel band 27 from the top, time frame 0, to -1")]


def test_painted_weights_of_a_model_of_pictures_are_pixels(run, trained, tmp_path):
    assert _painted(run, trained[0], tmp_path, 10) == [
        "layer 1 neuron 10: incoming weights set: pixel (5, 5) to 1, pixel (27, 0) to -1"]


def test_the_words_are_the_pages():
    """The page's backprop panel shows the words the server gives each change (its ``source``,
    recorded.weight_source's), not words of its own: a sound's cell is worded in one place."""
    assert "c.source" in BACKPROP_JS.read_text()
    assert "mel band" not in BACKPROP_JS.read_text()
    net = Network((784, 16, 10), seed=0)
    net.metadata = {"input": Audio().to_dict()}
    assert recorded.weight_source(net, 1, 5 * 28 + 7) == "mel band 5 from the top, time frame 7"
