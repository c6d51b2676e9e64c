"""Serving a model file whose metadata records neurons switched off (saved by ``digitnet edit``
or the page's "Save"): the page shows those neurons as 0, their output, as it does for neurons
a request switches off, in the prediction, the neuron panel and what a neuron answers to."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import grid

from digitnet import inputs, modelfile, poke
from digitnet.preprocess import to_mnist


@pytest.fixture(scope="module")
def off_client(web_net, run_data, mnist, tmp_path_factory):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    path = tmp_path_factory.mktemp("served-off") / "off.safetensors"
    modelfile.save(poke.Changes(off=((1, 6), (2, 4))).apply(web_net), path)
    held = mnist.subset(slice(20000, 21000), "test")
    with TestClient(create_app(path, data=run_data, held_out=held)) as c:
        yield c


def test_a_served_models_switched_off_neurons_read_zero(off_client, web_net, held_out):
    # A digit that lights neuron 6 of layer 1 and neuron 4 of layer 2 of the intact network.
    for image in held_out[0]:
        x = inputs.of(web_net).rows(to_mnist(np.round(image / 255.0, 3).astype(np.float32))[None])
        a = web_net.trace(x).activations
        if a[1][0, 6] > 0.1 and a[2][0, 4] > 0.1:
            break
    answer = off_client.post("/api/predict", json={"pixels": grid(image)}).json()
    assert answer["layers"][0]["a"][6] == 0 and answer["layers"][1]["a"][4] == 0
    assert answer["layers"][0]["z"][6] > 0  # its weighted input, as computed
    assert sum(v > 0 for v in answer["layers"][0]["a"]) > 3  # the others as ever
    # Its panel, for the last drawing: its z as computed, its output a = 0.
    panel = off_client.get("/api/neuron/1/6").json()["current"]
    assert panel["a"] == 0 and panel["z"] > 0
    assert off_client.get("/api/neuron/1/7").json()["current"]["a"] == pytest.approx(
        answer["layers"][0]["a"][7], abs=1e-4)  # a neuron that is on, as the prediction says


def test_what_a_served_switched_off_neuron_answers_to_is_nothing(off_client):
    body = off_client.post("/api/top", json={"layer": 1, "neuron": 6, "count": 8}).json()
    assert body["firing"] == 0
    lit = off_client.post("/api/top", json={"layer": 1, "neuron": 7, "count": 8}).json()
    assert lit["firing"] > 0
