"""POST /api/predict reads a picture as the served model's own pictures were made.

A model trained on Fashion-MNIST learned whole 28x28 frames; the API used to prepare every
upload and drawing as MNIST's digits were (cropped to the ink, fitted into 20x20, centred by
mass), so the model's own test images, sent as PNG files or as {"pixels": ...}, were misread.
Now its input record says "frames", and the API reads each exactly as the uint8 arrays are read
by ``Network.predict``: the same answer for every picture, the same probabilities, and the
input it shows is the picture itself. A model of MNIST's digits still prepares drawings and
photos as before (tests/web/test_api.py::test_predict_answer_is_the_networks_own_computation).
"""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import grid, png
from real_data import fashion_mnist

from digitnet import PRESETS, datasets, inputs, modelfile
from digitnet.training import train

N_TEST = 100


def fashion(split: str) -> datasets.Dataset:
    return fashion_mnist(split)


@pytest.fixture(scope="module")
def fashion_net():
    """A network trained on 3,000 real Fashion-MNIST pictures for 2 epochs."""
    data = fashion("train").subset(slice(0, 3000))
    config = PRESETS["default"].replace(epochs=2, deskew=False)
    return train(data, config, handle_signals=False).network


@pytest.fixture(scope="module")
def fashion_client(fashion_net, tmp_path_factory):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    path = tmp_path_factory.mktemp("fashion-web") / "fashion.safetensors"
    modelfile.save(fashion_net, path)
    with TestClient(create_app(path, data=None)) as c:
        yield c


@pytest.fixture(scope="module")
def pictures():
    test = fashion("test")
    return test.x[:N_TEST]


def test_the_served_model_reads_frames(fashion_net):
    assert inputs.of(fashion_net).pictures == "frames"


@pytest.mark.parametrize("how", ["file", "pixels"])
def test_its_own_pictures_read_as_its_arrays(fashion_client, fashion_net, pictures, how):
    proba = np.stack([fashion_net.predict_proba(x) for x in pictures])  # the uint8 arrays
    answers = fashion_net.predict(pictures)
    for i, image in enumerate(pictures):
        if how == "file":
            r = fashion_client.post("/api/predict",
                                    files={"file": (f"{i}.png", png(image), "image/png")})
        else:  # (as the page sends brightness: to 3 decimals)
            r = fashion_client.post("/api/predict", json={"pixels": grid(image)})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["digit"] == answers[i], i
        np.testing.assert_allclose(body["probabilities"], proba[i], atol=2e-6)
        np.testing.assert_allclose(body["input"], image / 255, atol=1e-4)  # (to 4 decimals)
