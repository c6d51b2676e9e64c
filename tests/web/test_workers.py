"""Worker processes reading drawings beside the server: the same answers as the server's own
reading, a new network after a training run, and no failed request when a worker dies."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from digitnet.preprocess import to_mnist
from digitnet.web import create_app

from test_fastpath import page_body


def _post(client, raw: bytes):
    return client.post("/api/predict", content=raw, headers={"Content-Type": "application/json"})


def _wait_for_workers(app, n: int = 1, timeout: float = 30) -> list:
    """The app's workers once ``n`` have loaded the network (they start in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pool = app.state.pool
        if pool is not None and sum(w.ready for w in pool.workers) >= n:
            return pool.workers
        time.sleep(0.05)
    pytest.fail(f"{n} worker(s) did not start within {timeout} s")


def test_workers_answer_exactly_as_the_server_does(web_model_path, run_data, held_out):
    bodies = [page_body(image) for image in held_out[0][:40]]
    with TestClient(create_app(web_model_path, data=run_data)) as plain:
        expected = [_post(plain, raw).content for raw in bodies]
    app = create_app(web_model_path, data=run_data, workers=1)
    with TestClient(app) as client:
        workers = _wait_for_workers(app)
        answers = [_post(client, raw) for raw in bodies]
        assert all(r.status_code == 200 for r in answers)
        assert [r.content for r in answers] == expected
        assert workers[0].alive
        # what a worker read is remembered for the neuron endpoint, as the server's own is
        input_id = answers[5].json()["input_id"]
        neuron = client.get(f"/api/neuron/0/3?input_id={input_id}")
        assert neuron.status_code == 200 and neuron.json()["current"]["input_id"] == input_id
        blank = client.post("/api/predict", json={"pixels": [[0] * 28] * 28})
        assert blank.status_code == 422 and "blank" in blank.json()["error"]


def test_a_dead_worker_leaves_the_server_reading_drawings(web_model_path, run_data, held_out):
    app = create_app(web_model_path, data=run_data, workers=1)
    with TestClient(app) as client:
        (worker,) = _wait_for_workers(app)
        worker.process.kill()
        worker.process.join(10)
        images, labels = held_out
        digits = [_post(client, page_body(image)) for image in images[:20]]
        assert [r.status_code for r in digits] == [200] * 20
        assert np.mean([r.json()["digit"] == y for r, y in zip(digits, labels[:20])]) >= 0.8
        assert not worker.alive


def test_after_a_training_run_the_workers_read_with_the_new_network(web_model_path, run_data,
                                                                     held_out):
    app = create_app(web_model_path, data=run_data, workers=1)
    raw = page_body(held_out[0][11])
    with TestClient(app) as client:
        _wait_for_workers(app)
        before = _post(client, raw).json()
        assert before["model_version"] == 1
        assert client.post("/api/train", json={"epochs": 1, "lr": 0.01}).status_code == 202
        with client.stream("GET", "/api/train/events") as events:
            kinds = [line.split(": ", 1)[1] for line in events.iter_lines()
                     if line.startswith("event: ")]
        assert kinds[-1] == "done"
        after = _post(client, raw).json()
        net = app.state.served.current[0]
    assert after["model_version"] == 2
    pixels = np.asarray(json.loads(raw)["pixels"], np.float32)
    x = to_mnist(pixels, name="the drawing").reshape(1, -1)
    np.testing.assert_allclose(after["probabilities"], net.predict_proba(x)[0], atol=2e-6)
    assert after["probabilities"] != before["probabilities"]
