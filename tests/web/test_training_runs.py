"""Training runs started through the API: events, the new network served, one run at a time."""

from __future__ import annotations

import numpy as np

from api_helpers import assert_error, events, grid


def test_a_training_run_streams_epochs_and_then_serves_the_new_network(client):
    before = client.get("/api/model").json()
    r = client.post("/api/train", json={"epochs": 2, "hidden": [12], "activation": "sigmoid",
                                        "lr": 0.01})
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "running" and r.json()["config"]["sizes"] == [784, 12, 10]

    seen = events(client)
    kinds = [k for k, _, _ in seen]
    assert kinds[0] == "loading" and "start" in kinds and kinds[-1] == "done"
    assert kinds.count("epoch") == 2 and kinds.count("progress") >= 2
    assert kinds.index("start") < kinds.index("progress") < kinds.index("epoch")
    ids = [i for _, i, _ in seen]
    assert ids == [f"1:{n}" for n in range(1, len(seen) + 1)]
    epochs = [d for k, _, d in seen if k == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert all(0 < e["val_accuracy"] <= 1 and e["train_loss"] > 0 for e in epochs)
    images = np.asarray(epochs[1]["weight_images"])
    assert images.shape == (12, 28, 28)
    assert not np.allclose(epochs[0]["weight_images"], epochs[1]["weight_images"])  # it learned

    after = client.get("/api/model").json()
    assert after["sizes"] == [784, 12, 10] and after["activation"] == "sigmoid"
    assert after["model_version"] == before["model_version"] + 1
    np.testing.assert_allclose(after["layers"][0]["weights"], images.reshape(12, 784), atol=1e-3)
    status = client.get("/api/train").json()
    assert status["state"] == "done" and len(status["history"]) == 2
    assert client.get("/api/neuron/1/11").status_code == 200
    assert_error(client.get("/api/neuron/1/12"), 404, "0 to 11")

    # A browser that connects after the run gets it replayed, or resumes after what it saw.
    assert [k for k, _, _ in events(client)] == kinds
    assert [k for k, _, _ in events(client, {"Last-Event-ID": "1:3"})] == kinds[3:]


def test_predictions_stay_right_while_a_run_is_training(web_model_path, mnist, held_out,
                                                        monkeypatch):
    """The served network answers, unchanged, while another one trains beside it."""
    import functools

    from fastapi.testclient import TestClient

    from digitnet.training import train
    from digitnet.web import create_app, training

    # 20 epochs of 24,345 digits on the NumPy path (a few seconds even on a fast machine), so
    # the run is still going while the test asks its questions.
    monkeypatch.setattr(training, "train", functools.partial(train, engine="numpy"))
    images, labels = held_out
    app = create_app(web_model_path, data=mnist)
    with TestClient(app) as client:
        expected = [client.post("/api/predict", json={"pixels": grid(im)}).json()
                    for im in images[:40]]
        assert client.post("/api/train", json={"epochs": 20}).status_code == 202
        during = []
        try:
            while sum(state == "running" for state, _, _ in during) < 2 * len(expected):
                assert not during or during[-1][0] == "running", "the run ended too soon"
                before = client.get("/api/train").json()["state"]
                k = len(during) % len(expected)
                answer = client.post("/api/predict", json={"pixels": grid(images[k])}).json()
                after = client.get("/api/train").json()["state"]
                during.append(("running" if before == after == "running" else after, k, answer))
        finally:
            client.delete("/api/train")
        kinds = [k for k, _, _ in events(client)]
        final_version = client.get("/api/model").json()["model_version"]
    for state, k, answer in during:
        if state == "running":
            assert answer["model_version"] == 1
            assert answer["digit"] == expected[k]["digit"]
            assert answer["probabilities"] == expected[k]["probabilities"]
    right = sum(expected[k]["digit"] == labels[k] for k in range(len(expected)))
    assert right >= 0.8 * len(expected)
    assert kinds[-1] == "cancelled" and "done" not in kinds and "progress" in kinds
    assert final_version == 1


def test_one_run_at_a_time(client):
    assert client.post("/api/train", json={"epochs": 20}).status_code == 202
    try:
        assert_error(client.post("/api/train", json={"epochs": 1}), 409, "still going", "DELETE")
    finally:
        assert client.delete("/api/train").status_code == 200
    assert events(client)[-1][0] == "cancelled"
    status = client.get("/api/train").json()
    assert status["state"] == "cancelled" and "unchanged" in status["message"]
    assert client.post("/api/train", json={"epochs": 1}).status_code == 202
    assert events(client)[-1][0] == "done"
    assert client.get("/api/train").json()["run_id"] == 2


def test_events_before_any_run_say_idle(client):
    seen = events(client)
    assert [k for k, _, _ in seen] == ["idle"]


def test_shutting_down_stops_a_running_run(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        assert c.post("/api/train", json={"epochs": 20}).status_code == 202
    trainer = app.state.trainer
    assert not trainer.running
    assert trainer.log.events[-1][0] == "cancelled"
    assert app.state.served.current[1] == 1


def test_a_failed_run_is_reported_and_the_model_kept(web_model_path, mnist):
    """Data whose images do not fit the network's input: the run fails with the reason."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    cropped = mnist.subset(slice(0, 300), "train")
    cropped = type(cropped)(cropped.x[:, 2:-2, 2:-2].copy(), cropped.labels, "cropped",
                            "train", "the first 300 digits cut to 24x24")
    with TestClient(create_app(web_model_path, data=cropped)) as c:
        assert c.post("/api/train", json={"epochs": 1}).status_code == 202
        last = events(c)[-1]
        assert last[0] == "failed" and "576 pixels" in last[2]["message"]
        assert c.get("/api/train").json()["state"] == "failed"
        assert c.get("/api/model").json()["model_version"] == 1


def test_whole_numbers_written_with_a_fraction_are_integers(client):
    """JSON Schema's integer: 1.0 is 1 (and "1", true are refused above)."""
    r = client.post("/api/train", json={"epochs": 1.0, "hidden": [12.0], "seed": 3.0})
    assert r.status_code == 202, r.text
    config = r.json()["config"]
    assert config["epochs"] == 1 and config["seed"] == 3 and config["sizes"] == [784, 12, 10]
    assert events(client)[-1][0] == "done"


# -- who may train ----------------------------------------------------------------------------


def access_client(web_model_path, run_data, access):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    return TestClient(create_app(web_model_path, data=run_data, access=access))


def test_training_turned_off_is_403_with_one_line(web_model_path, run_data):
    from digitnet.web.classroom import TrainingAccess

    with access_client(web_model_path, run_data, TrainingAccess("off")) as c:
        assert c.get("/api/train").json()["access"] == "off"
        assert_error(c.post("/api/train", json={"epochs": 1}), 403, "turned off", "--no-train")
        assert_error(c.delete("/api/train"), 403, "turned off")
        assert c.get("/api/train").json()["state"] == "idle"
        assert c.post("/api/ablate", json={}).status_code in (200, 409)  # poking stays open


def test_training_with_a_token_needs_that_token(web_model_path, run_data):
    from digitnet.web.classroom import TOKEN_HEADER, TrainingAccess

    with access_client(web_model_path, run_data, TrainingAccess("token", "s3cret")) as c:
        assert c.get("/api/train").json()["access"] == "token"
        assert_error(c.post("/api/train", json={"epochs": 1}), 403, "no token", TOKEN_HEADER)
        assert_error(c.post("/api/train", json={"epochs": 1}, headers={TOKEN_HEADER: "guess"}),
                     403, "a wrong token")
        assert_error(c.delete("/api/train", headers={TOKEN_HEADER: "guess"}), 403, "wrong token")
        r = c.post("/api/train", json={"epochs": 1, "hidden": [8]}, headers={TOKEN_HEADER: "s3cret"})
        assert r.status_code == 202, r.text
        assert_error(c.delete("/api/train"), 403, "no token")  # a student cannot stop it
        assert [k for k, _, _ in events(c)][-1] == "done"


def test_weight_images_are_sent_as_their_3_decimals(client):
    """Each weight of an epoch event's images is written as the number it was rounded to, at
    most 3 decimals as text (-0.001, not -0.0010000000474974513, the float32 nearest it)."""
    import re

    assert client.post("/api/train", json={"epochs": 1}).status_code == 202
    events(client)  # (to its end)
    with client.stream("GET", "/api/train/events") as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: ")
                 and '"weight_images":' in line]
    assert len(lines) == 1
    text = lines[0].split('"weight_images":', 1)[1]
    numbers = re.findall(r"-?[0-9][0-9.eE+-]*", text[: text.index("]]]") + 3])
    first = client.app.state.served.current[0].weights[0]  # the run's network, now served
    assert len(numbers) == first.size
    longer = [n for n in numbers if not re.fullmatch(r"-?[0-9]+(\.[0-9]{1,3})?", n)]
    assert longer == []
    sent = np.array([float(n) for n in numbers])
    np.testing.assert_allclose(sent, first.ravel(), rtol=0, atol=0.0005 + 1e-6)
