"""Fixtures for the web API tests: a network trained on real MNIST digits, and apps serving it."""

from __future__ import annotations

import pytest

from digitnet import modelfile
from digitnet import PRESETS
from digitnet.training import train

N_TRAIN = 8000  # digits the served test model learns from: the first 8,000 of the prefix
HELD_OUT = slice(20000, 20400)  # real digits no test model has seen
N_RUN_DATA = 1500  # digits that training runs started through the API learn from (fast)


@pytest.fixture(scope="session")
def web_net(mnist):
    """The default recipe, 4 epochs on 8,000 real digits: about 92% accurate."""
    data = mnist.subset(slice(0, N_TRAIN), "train")
    return train(data, PRESETS["default"].replace(epochs=4), handle_signals=False).network


@pytest.fixture(scope="session")
def web_model_path(web_net, tmp_path_factory):
    path = tmp_path_factory.mktemp("web-model") / "model.safetensors"
    modelfile.save(web_net, path)
    return path


@pytest.fixture(scope="session")
def run_data(mnist):
    """Real digits for training runs started from the API (not those of the served model)."""
    return mnist.subset(slice(N_TRAIN, N_TRAIN + N_RUN_DATA), "train")


@pytest.fixture(scope="session")
def held_out(mnist):
    """(images uint8 (400, 28, 28), labels) that no test model was trained on."""
    return mnist.images[HELD_OUT], mnist.labels[HELD_OUT].astype(int)


@pytest.fixture
def app(web_model_path, run_data):
    from digitnet.web import create_app

    return create_app(web_model_path, data=run_data)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c

