"""Refusals of the learner's changes in the words of the request: an edit that is not an object,
edits that are not a list, a missing field of an edit (named without pydantic's union tag), and
an upload's ``changes`` form field, which is called the field, not the body."""

from __future__ import annotations

import pytest

from api_helpers import assert_error, png

EXAMPLE = '{"op": "bias", "layer": 1, "neuron": 3, "value": 2.0}'


@pytest.mark.parametrize("edits, where, got", [
    ([5], "edits[0]", "got 5"), (["x"], "edits[0]", "got 'x'"), ([None], "edits[0]", "got null"),
    ([[1, 3]], "edits[0]", "got a list"), (5, "edits", "got 5"), ({"op": "bias"}, "edits",
                                                                  "got an object"),
])
def test_edits_that_are_not_edits_are_named_with_an_example(client, edits, where, got):
    message = assert_error(client.post("/api/ablate", json={"edits": edits}), 422, got, EXAMPLE)
    expected = "an edit, a JSON object" if where.endswith("]") else "a list of edits"
    assert message.startswith(f"{where}: expected {expected} such as "), message


def test_a_missing_field_of_an_edit_is_named_at_its_place(client):
    body = {"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": 1.0},
                      {"op": "paint", "layer": 1, "neuron": 0, "cells": [{"row": 1, "col": 2}]}]}
    message = assert_error(client.post("/api/ablate", json=body), 422)
    assert message == "edits[1].cells[0].weight: missing", message


def test_an_uploads_changes_field_is_called_the_field(client, mnist):
    files = {"file": ("digit.png", png(mnist.x[0]), "image/png")}
    for sent, words in (("{not json", ("changes: the field is not valid JSON",)),
                        ("[1, 2]", ("changes: the field must be a JSON object such as",
                                    '{"off": [[1, 3], [2, 0]]}'))):
        message = assert_error(client.post("/api/predict", files=files, data={"changes": sent}),
                               422, *words)
        assert "body" not in message, message


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_changes_field_is_no_changes(client, mnist, empty):
    """An HTML form sends its empty fields: an empty ``changes`` is read as none."""
    files = {"file": ("digit.png", png(mnist.x[0]), "image/png")}
    plain = client.post("/api/predict", files=files)
    with_empty = client.post("/api/predict", files=files, data={"changes": empty})
    assert plain.status_code == with_empty.status_code == 200, with_empty.text
    assert with_empty.json()["probabilities"] == plain.json()["probabilities"]


@pytest.mark.parametrize("path", ["/api/ablate", "/api/predict"])
@pytest.mark.parametrize("depth", [201, 1000])
def test_json_nested_deeper_than_the_parser_goes_is_called_so_not_other_text(
        client, path, depth, recursion_limit_raised):
    """Plain ASCII nested past 200 deep is refused as that (it said "not UTF-8 text" before),
    whatever Python's recursion limit: with it raised, 1,000 deep was parsed for /api/ablate
    and refused as "off[0][0]: expected a whole number"."""
    raw = ('{"off": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode("ascii")
    r = client.post(path, content=raw, headers={"content-type": "application/json"})
    message = assert_error(r, 422, "nested too deeply")
    assert "UTF-8" not in message, message


@pytest.mark.parametrize("path", ["/api/ablate", "/api/predict"])
def test_json_nested_200_deep_is_parsed(client, path):
    """200 levels are read, and refused as what they hold; brackets in strings do not count."""
    pixels = '"pixels": ' + str([[0.0] * 28] * 28) + ", "
    raw = ("{" + pixels + '"off": ' + "[" * 199 + '"[[{"' + "]" * 199 + "}").encode("ascii")
    r = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert "off[0][0]: " in assert_error(r, 422, "got a list")


def test_a_changes_field_nested_too_deeply_is_called_so(client, mnist):
    files = {"file": ("digit.png", png(mnist.x[0]), "image/png")}
    changes = '{"off": ' + "[" * 300 + "]" * 300 + "}"
    r = client.post("/api/predict", files=files, data={"changes": changes})
    assert_error(r, 422, "changes: the field's lists and objects are nested too deeply to read "
                         "(301 levels; at most 200 are read)")
