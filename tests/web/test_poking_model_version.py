"""Every JSON answer about the served network says which one answered (``model_version``), as a
prediction's does: the poking routes and the neuron routes, before and after a training run
from another page replaces the network; and the schema says so."""

from __future__ import annotations

import pytest
from api_helpers import events, grid

#: Each route that answers JSON about the served network: (method, path, body).
ASKED = {
    "ablate": ("POST", "/api/ablate", {"off": [[1, 3]]}),
    "ranking": ("POST", "/api/ranking", {}),
    "top": ("POST", "/api/top", {"layer": 1, "neuron": 3, "count": 4}),
    "map": ("POST", "/api/map", {"layer": 1, "method": "pca", "count": 50}),
    "held-out digit": ("GET", "/api/heldout/7", None),
    "robustness": ("POST", "/api/robustness", {"count": 20}),
    "backprop": ("POST", "/api/backprop", {"label": 7}),  # (and the drawing, below)
    "neuron": ("GET", "/api/neuron/1/3", None),
    "changed neuron": ("POST", "/api/neuron/1/3", {"off": [[1, 3]]}),
}


@pytest.fixture
def version_client(web_model_path, run_data, mnist):
    """A server of its own (a test here replaces its network), scored on 300 real held-out
    digits that neither network learned from."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    held = mnist.subset(slice(20000, 20300), "test")
    with TestClient(create_app(web_model_path, data=run_data, held_out=held)) as c:
        yield c


def answers(client, drawing) -> dict[str, dict]:
    """Each route's answer, checked to be a 200."""
    out = {}
    for name, (method, path, body) in ASKED.items():
        if name == "backprop":
            body = {**body, "pixels": drawing}
        r = client.request(method, path, json=body)
        assert r.status_code == 200, f"{name}: {r.text}"
        out[name] = r.json()
    return out


def test_every_poking_answer_says_which_network_answered_and_follows_its_replacement(
        version_client, held_out):
    c, drawing = version_client, grid(held_out[0][0])
    c.post("/api/predict", json={"pixels": drawing})  # (an input for the neurons' "current")
    first = answers(c, drawing)
    assert c.get("/api/model").json()["model_version"] == 1
    assert {name: a.get("model_version") for name, a in first.items()} == dict.fromkeys(ASKED, 1)
    assert len(first["ranking"]["neurons"]) == 16 + 16

    # Someone else trains a 784-24-12-10 network: it is served to everyone from now on.
    assert c.post("/api/train", json={"epochs": 1, "hidden": [24, 12]}).status_code == 202
    assert events(c)[-1][0] == "done"
    model = c.get("/api/model").json()
    assert model["model_version"] == 2 and model["sizes"] == [784, 24, 12, 10]
    second = answers(c, drawing)
    assert {name: a.get("model_version") for name, a in second.items()} == dict.fromkeys(ASKED, 2)
    # ... and the answers are the new network's: its 36 hidden neurons, its weights.
    assert len(second["ranking"]["neurons"]) == 24 + 12
    assert second["neuron"]["weights"] != first["neuron"]["weights"]
    assert len(second["backprop"]["deltas"][1]["delta"]) == 12
    late = c.get("/api/neuron/1/20").json()  # a neuron only the new network has
    assert late["model_version"] == 2 and late["layer"] == 1 and late["index"] == 20


def test_the_schema_lists_model_version_in_every_answer_about_the_network(web_model_path):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path)) as c:
        spec = c.get("/openapi.json").json()
    routes = [("post", p) for p in ("/api/ablate", "/api/ranking", "/api/top", "/api/map",
                                     "/api/robustness", "/api/backprop", "/api/predict",
                                     "/api/neuron/{layer}/{index}")]
    routes += [("get", p) for p in ("/api/heldout/{index}", "/api/neuron/{layer}/{index}",
                                    "/api/model")]
    for method, path in routes:
        ref = spec["paths"][path][method]["responses"]["200"]["content"][
            "application/json"]["schema"]["$ref"]
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert "model_version" in schema["required"], path
        field = schema["properties"]["model_version"]
        assert field["type"] == "integer", path
        assert "training run from any page" in field["description"], path
        assert "voice is taught" in field["description"], path
