"""A training run started through the API with only its epochs trains a network like the served
one: its hidden layers' sizes and σ, its output function, whether it deskews what it reads (the
page's form copies the served model's σ; a request without one gets the same)."""

from __future__ import annotations

from api_helpers import events

from digitnet import Network, inputs


def trained(client, body: dict) -> tuple[dict, dict]:
    """The run's recipe as POST /api/train answers it, and the network served once it is done."""
    r = client.post("/api/train", json=body)
    assert r.status_code == 202, r.text
    assert [k for k, _, _ in events(client)][-1] == "done"
    return r.json()["config"], client.get("/api/model").json()


def test_a_run_of_a_leaky_relu_model_trains_leaky_relu(client, web_net):
    assert web_net.activation.name == "leaky_relu" and inputs.of(web_net).deskew
    config, served = trained(client, {"epochs": 1})
    assert config["activation"] == "leaky_relu" and config["output"] == "softmax"
    assert config["sizes"] == [784, 16, 16, 10] and config["deskew"] is True
    assert served["activation"] == "leaky_relu" and served["sizes"] == [784, 16, 16, 10]
    assert served["metadata"]["input"]["deskew"] is True


def test_a_run_of_a_tanh_network_with_sigmoid_outputs_trains_one(run_data):
    """A network built by hand, as the video's (sigmoid outputs, the squared-error cost), with
    tanh hidden neurons and no deskewing: the run's network is the same kind."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    net = Network((784, 12, 10), activation="tanh", output="sigmoid", seed=0)
    with TestClient(create_app(net, data=run_data)) as client:
        config, served = trained(client, {"epochs": 1, "lr": 0.01})
        assert config["activation"] == "tanh" and config["output"] == "sigmoid"
        assert config["sizes"] == [784, 12, 10] and config["deskew"] is False
        assert (served["activation"], served["output"]) == ("tanh", "sigmoid")
        assert served["cost"] == net.output_function.cost  # (the squared error)
        assert not served["metadata"]["input"].get("deskew")
        # What the request names is what it trains.
        config, served = trained(client, {"epochs": 1, "activation": "relu", "hidden": [8]})
        assert config["activation"] == "relu" and served["sizes"] == [784, 8, 10]
        assert served["output"] == "sigmoid"
