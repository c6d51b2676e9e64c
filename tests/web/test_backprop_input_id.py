"""POST /api/backprop from an input /api/predict read, named by its answer's ``input_id`` (the
page's way): the step starts from exactly that input, an uploaded file's own reading included,
with no second preprocessing; ``pixels`` (a drawing) stays for other clients, one or the other."""

from __future__ import annotations

import numpy as np
from api_helpers import assert_error, grid, png
from page_uploads import photographed

from digitnet import inputs, poke
from digitnet.preprocess import to_mnist


def _photo_png(image: np.ndarray) -> bytes:
    """A real digit as a small photo of paper (page_uploads.photographed), as PNG bytes."""
    return png(np.asarray(photographed(image, np.random.default_rng(0))))


def test_a_step_from_an_uploaded_file_starts_from_its_reading(client, web_net, held_out):
    images, labels = held_out
    for image, label in zip(images[:5], labels[:5]):
        data = _photo_png(image)
        read = client.post("/api/predict", files={"file": ("photo.png", data, "image/png")})
        assert read.status_code == 200, read.text
        wrong = (read.json()["digit"] + 1) % 10
        body = client.post("/api/backprop", json={"input_id": read.json()["input_id"],
                                                  "label": wrong, "lr": 0.05}).json()
        x = inputs.of(web_net).rows(to_mnist(data)[None])[0]  # the file, as digitnet reads it
        step = poke.backprop_step(web_net, x, wrong, lr=0.05)
        assert body["cost"] == step.cost and body["cost_after"] == step.cost_after
        assert body["digit"] == read.json()["digit"] == step.digit
        assert body["probabilities"] == read.json()["probabilities"]
        assert body["input"] == read.json()["input"]


def test_an_input_id_with_changes_steps_the_changed_network(client, web_net, held_out):
    read = client.post("/api/predict", json={"pixels": grid(held_out[0][1])}).json()
    body = client.post("/api/backprop", json={"input_id": read["input_id"], "label": 3,
                                              "off": [[1, 0], [2, 5]]}).json()
    x = inputs.of(web_net).rows(to_mnist(np.array(grid(held_out[0][1]), np.float32))[None])[0]
    step = poke.backprop_step(web_net, x, 3, off=[(1, 0), (2, 5)])
    assert body["cost"] == step.cost and body["digit"] == step.digit


def test_one_input_is_sent_and_a_forgotten_one_is_named(client, held_out):
    read = client.post("/api/predict", json={"pixels": grid(held_out[0][0])}).json()
    both = {"input_id": read["input_id"], "pixels": grid(held_out[0][0]), "label": 3}
    assert_error(client.post("/api/backprop", json=both), 422,
                 "pixels and input_id: send one of them, not both")
    assert_error(client.post("/api/backprop", json={"label": 3}), 422,
                 "pixels or input_id: missing", "/api/predict")
    assert_error(client.post("/api/backprop", json={"input_id": "0123456789abcdef", "label": 3}),
                 404, "input_id 0123456789abcdef is not known", "/api/predict again")
    assert_error(client.post("/api/backprop", json={"input_id": "nothex", "label": 3}), 422,
                 "input_id")
