"""/api/ablate refuses changes that change nothing (a scale by 1, a bias set to the value it has,
edits that undo each other, weights set only from a neuron switched off) as `digitnet edit`
refuses them: 422, in the library's own words (Changes.check_effect), never a 5xx. Before, it
measured them as if they were changes."""

from __future__ import annotations

import pytest

from api_helpers import assert_error

from digitnet import modelfile, poke
from digitnet.errors import ConfigError

pytestmark = pytest.mark.engine_independent  # (refusals of a request; nothing trained here)


def scale(factor, layer=1, neuron=0) -> dict:
    return {"op": "scale", "layer": layer, "neuron": neuron, "factor": factor}


def library_refusal(changes: dict, net) -> str:
    """What `digitnet edit` says (after the file's name) of ``changes`` for ``net``."""
    with pytest.raises(ConfigError) as refused:
        parsed = poke.Changes.from_json(changes, net)
        parsed.apply(net)
        parsed.check_effect(net)
    return str(refused.value)


@pytest.fixture(scope="module")
def served(web_model_path):
    return modelfile.load(web_model_path)


@pytest.fixture(scope="module")
def held_client(web_model_path, mnist):
    """The served model with 400 real held-out digits to measure accuracy on."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    held = mnist.subset(slice(20000, 20400), "test")
    with TestClient(create_app(web_model_path, data=None, held_out=held)) as c:
        yield c


@pytest.mark.parametrize("changes", [
    {"edits": [scale(1)]},
    {"edits": [scale(1.0, layer=2, neuron=5)]},
    {"edits": [scale(1.0000000001)]},  # (float32 weights times it are the same weights)
    {"edits": [scale(2), scale(0.5)]},  # each changes them; together, nothing
    {"off": [[1, 3]], "edits": [scale(1, layer=2, neuron=0)]},
    {"edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": []}]},
    {"off": [[1, 3]], "edits": [{"op": "paint", "layer": 2, "neuron": 0,
                                 "cells": [{"row": 0, "col": 3, "weight": 0.5}]}]},
])
def test_changes_that_change_nothing_are_refused_in_the_librarys_words(held_client, served,
                                                                       changes):
    answer = held_client.post("/api/ablate", json=changes)
    assert answer.status_code < 500, answer.text
    message = assert_error(answer, 422)
    assert message == library_refusal(changes, served)


def test_a_bias_set_to_the_value_it_has_is_refused(held_client, served):
    bias = float(served.biases[0][4])
    changes = {"edits": [{"op": "bias", "layer": 1, "neuron": 4, "value": bias}]}
    message = assert_error(held_client.post("/api/ablate", json=changes), 422, "edits[0]",
                           "changes no weight or bias")
    assert message == library_refusal(changes, served)


def test_the_scale_by_1_is_refused_as_digitnet_edit_refuses_it(client, tmp_path,
                                                                web_model_path):
    """The same line as the command's, which puts the changes file's name before it."""
    import json

    from click.testing import CliRunner

    from digitnet.cli import cli

    edits, out = tmp_path / "edits.json", tmp_path / "out.safetensors"
    edits.write_text(json.dumps({"edits": [scale(1)]}))
    run = CliRunner().invoke(cli, ["edit", str(web_model_path), str(edits), "--out", str(out)],
                             catch_exceptions=False)
    assert run.exit_code == 1 and not out.exists(), run.output
    message = assert_error(client.post("/api/ablate", json={"edits": [scale(1)]}), 422)
    assert run.stderr.strip() == f"digitnet: error: {edits}: {message}"


def test_changes_that_change_something_are_still_measured(held_client):
    answer = held_client.post("/api/ablate", json={"edits": [scale(2)], "off": [[1, 3]]})
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) >= {"accuracy", "baseline", "per_class", "model_version"}
