"""An edge edit sent to the API may leave out ``margin`` and ``weight``, as `digitnet edit` and
``Changes.from_json(changes, net)`` let it: they take ``edge_defaults`` of the served network
(before, the API refused the edit: "edits[0].margin: missing"). The network made is exactly the
library's, on every route that takes changes; the schema says both fields are optional, and
what they default to."""

from __future__ import annotations

import json

import numpy as np
import pytest

from api_helpers import assert_error, grid, png

from digitnet import modelfile, poke
from digitnet.poke.changes import EDGE_MARGIN, edge_defaults
from digitnet.web import views

pytestmark = pytest.mark.engine_independent  # (the served network, changed two ways alike)

STRIP = {"op": "edge", "layer": 1, "neuron": 4, "top": 11, "left": 5, "height": 3, "width": 16}
LEFT_OUT = [{}, {"margin": 2}, {"weight": 0.75}]  # margin and weight, weight, margin left out


def served(client):
    return client.app.state.served.current[0]


def library(client, changes: dict):
    """The served network with ``changes`` read as `digitnet edit` reads them, and the changes."""
    net = served(client)
    read = poke.Changes.from_json(changes, net)
    return read.apply(net), read


@pytest.mark.parametrize("given", LEFT_OUT)
def test_the_exported_network_is_the_librarys(client, tmp_path, given):
    changes = {"edits": [{**STRIP, **given}]}
    answer = client.post("/api/export", json=changes)
    assert answer.status_code == 200, answer.text
    (tmp_path / "edited.safetensors").write_bytes(answer.content)
    edited = modelfile.load(tmp_path / "edited.safetensors")
    expected, read = library(client, changes)
    for got, want in zip(edited.weights + edited.biases, expected.weights + expected.biases):
        np.testing.assert_array_equal(got, want)
    assert edited.metadata["changes"] == expected.metadata["changes"] == [read.to_json()]
    edit = read.edits[0]  # (what it took: the network's defaults, where not given)
    assert (edit["margin"], edit["weight"]) == (given.get("margin", EDGE_MARGIN),
                                                given.get("weight", edge_defaults(
                                                    served(client))["weight"]))


def test_the_neuron_is_the_librarys(client):
    """As GET /api/neuron shows the library's changed network's neuron (its figures rounded)."""
    changes = {"edits": [STRIP]}
    answer = client.post("/api/neuron/1/4", json=changes)
    assert answer.status_code == 200, answer.text
    expected, _ = library(client, changes)
    shown = json.loads(views.dumps(poke.described_neuron(expected, 1, 4, None)))
    assert answer.json()["weights"] == shown["weights"]
    assert answer.json()["bias"] == shown["bias"]


@pytest.mark.parametrize("sent", ["json", "form"])
def test_a_prediction_with_it_is_the_changed_networks(client, mnist, sent):
    """/api/predict takes the same changes, as a JSON body's or an upload's field."""
    left_out = {"edits": [STRIP]}
    spelled = {"edits": [{**STRIP, **edge_defaults(served(client))}]}
    answers = []
    for changes in (left_out, spelled):
        if sent == "json":
            r = client.post("/api/predict", json={"pixels": grid(mnist.x[7]), **changes})
        else:
            r = client.post("/api/predict", files={"file": ("d.png", png(mnist.x[7]), "image/png")},
                            data={"changes": json.dumps(changes)})
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert answers[0]["probabilities"] == answers[1]["probabilities"]
    assert answers[0]["layers"][0] == answers[1]["layers"][0]
    plain = client.post("/api/predict", json={"pixels": grid(mnist.x[7])}).json()
    assert plain["layers"][0]["z"][4] != answers[0]["layers"][0]["z"][4]  # (it did change it)


def test_the_schema_says_they_are_optional_and_their_defaults(client):
    edge = client.get("/openapi.json").json()["components"]["schemas"]["EdgeEdit"]
    assert set(edge["required"]) == {"op", "layer", "neuron", "top", "left", "height", "width"}
    margin, weight = edge["properties"]["margin"], edge["properties"]["weight"]
    assert margin["default"] == EDGE_MARGIN and f"default {EDGE_MARGIN}" in margin["description"]
    assert "default" not in weight  # (the network's: said in words)
    assert "default: the largest |w| of the served network's first layer" in weight["description"]


@pytest.mark.parametrize("field", ["margin", "weight"])
def test_a_null_is_not_a_default(client, field):
    """Left out, a field takes its default; sent as null, it is refused, as any other field."""
    answer = client.post("/api/export", json={"edits": [{**STRIP, field: None}]})
    assert_error(answer, 422, f"edits[0].{field}")
