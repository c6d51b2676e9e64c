"""Refusals a curious student meets when sending the API things by hand, in words rather than
pydantic's: an input_id not of the form /api/predict gives (before: "string should match
pattern '^[0-9a-f]{16}$'"), a JSON true where a number goes (said "true", not Python's "True"),
and an edit missing fields (all that its op needs named, not only the first one missing)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent  # (answers to bad requests; nothing trained here)

ID_WORDS = ("must be an input_id as a /api/predict answer gives it (16 characters, 0-9 and a-f), "
            "got {!r}; POST the input to /api/predict for one")


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/neuron/1/3?input_id=zzz", None),
    ("POST", "/api/backprop", {"input_id": "zzz", "label": 3}),
])
def test_an_input_id_of_the_wrong_form_is_named_in_words(client, method, path, body):
    answer = client.request(method, path, json=body)
    assert answer.status_code == 422
    assert answer.json() == {"error": "input_id: " + ID_WORDS.format("zzz")}


def test_a_json_true_is_called_true(client):
    answer = client.post("/api/ablate", json={"off": [[True, 0]]})
    assert answer.status_code == 422
    assert answer.json()["error"] == "off[0][0]: expected a whole number (the layer), got true"


def test_an_edit_missing_fields_names_all_its_op_needs(client):
    # (not margin nor weight, which an edge edit may leave out: the network's defaults)
    edge = {"op": "edge", "layer": 1, "neuron": 2, "top": 3, "height": 4}
    answer = client.post("/api/ablate", json={"edits": [edge]})
    assert answer.status_code == 422
    assert answer.json()["error"] == (
        "edits[0].left: missing; an edge edit needs op, layer, neuron, top, left, height and "
        "width (and 1 more problem)")
    bias = client.post("/api/ablate", json={"edits": [{"op": "bias", "layer": 1, "neuron": 0}]})
    assert bias.json()["error"] == (
        "edits[0].value: missing; a bias edit needs op, layer, neuron and value")
