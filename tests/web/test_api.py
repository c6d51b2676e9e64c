"""The web API in-process (FastAPI's TestClient): answers on real digits, and every bad input
answered by a 4xx with a one-line JSON error."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from digitnet.preprocess import to_mnist


def grid(image: np.ndarray) -> list[list[float]]:
    """A uint8 MNIST image as the page sends it: rows of brightness 0..1."""
    return np.round(image / 255.0, 3).tolist()


def png(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


def assert_error(response, status: int, *words: str) -> str:
    """The response has ``status`` and a body of exactly {"error": one line naming ``words``}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    message = body["error"]
    assert isinstance(message, str) and message and "\n" not in message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def events(client, headers=None) -> list[tuple[str, str | None, dict]]:
    """Read /api/train/events to its end: (kind, id, data) per event."""
    out, kind, event_id = [], None, None
    with client.stream("GET", "/api/train/events", headers=headers or {}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                out.append((kind, event_id, json.loads(line[6:])))
                kind, event_id = None, None
    return out


# -- predictions on real digits ----------------------------------------------------------------


def test_predict_reads_held_out_real_digits(client, held_out, web_net):
    images, labels = held_out
    right = 0
    for image, label in zip(images[:200], labels[:200]):
        r = client.post("/api/predict", json={"pixels": grid(image)})
        assert r.status_code == 200, r.text
        right += r.json()["digit"] == label
    assert right / 200 >= 0.85


def test_predict_answer_is_the_networks_own_computation(client, held_out, web_net):
    image = held_out[0][7]
    body = client.post("/api/predict", json={"pixels": grid(image)}).json()

    x = to_mnist(np.round(image / 255.0, 3).astype(np.float32), name="the drawing")
    trace = web_net.trace(x.reshape(1, -1))
    proba = web_net.predict_proba(x.reshape(1, -1))[0]
    assert body["digit"] == int(np.argmax(proba))
    np.testing.assert_allclose(body["probabilities"], proba, atol=2e-6)
    assert sum(body["probabilities"]) == pytest.approx(1, abs=1e-5)
    np.testing.assert_allclose(body["input"], x, atol=1e-4)
    # Layers 1 to L, numbered as in the video and Network.sizes (layer 0 is the input).
    assert [layer["layer"] for layer in body["layers"]] == list(range(1, len(web_net.sizes)))
    for layer, z, a in zip(body["layers"], trace.zs, trace.activations[1:]):
        np.testing.assert_allclose(layer["z"], z[0], atol=2e-5)
        np.testing.assert_allclose(layer["a"], a[0], atol=2e-5)
    assert [len(layer["a"]) for layer in body["layers"]] == list(web_net.sizes[1:])
    assert len(body["input_id"]) == 16 and body["model_version"] == 1


def test_predict_any_grid_size_gives_the_same_reading(client, held_out):
    """A digit drawn on a 112x112 canvas reads as the same digit on 28x28."""
    images, _ = held_out
    agree = 0
    for image in images[:20]:
        small = client.post("/api/predict", json={"pixels": grid(image)}).json()
        enlarged = np.kron(image, np.ones((4, 4), np.uint8))
        big = client.post("/api/predict", json={"pixels": grid(enlarged)}).json()
        assert len(big["input"]) == 28 and len(big["input"][0]) == 28
        agree += small["digit"] == big["digit"]
    assert agree >= 17


def test_predict_reads_uploaded_image_files(client, held_out):
    """Real digits as PNG files, enlarged and as dark ink on light paper."""
    images, labels = held_out
    right = 0
    for image, label in zip(images[:30], labels[:30]):
        paper = 255 - np.kron(image, np.ones((3, 3), np.uint8))
        r = client.post("/api/predict", files={"file": ("digit.png", png(paper), "image/png")})
        assert r.status_code == 200, r.text
        right += r.json()["digit"] == label
    assert right >= 25


# -- the model and its neurons ---------------------------------------------------------------


def test_model_describes_the_served_network(client, web_net):
    m = client.get("/api/model").json()
    assert m["sizes"] == list(web_net.sizes)
    assert m["parameters"] == web_net.parameter_count == 13002
    assert m["parameter_breakdown"].endswith("= 13,002")
    assert m["input_shape"] == [28, 28]
    assert m["activation"] == web_net.activation.name and m["output"] == "softmax"
    assert [layer["layer"] for layer in m["layers"]] == [1, 2, 3]
    for layer, w, b in zip(m["layers"], web_net.weights, web_net.biases):
        assert (layer["n_out"], layer["n_in"]) == w.shape
        np.testing.assert_allclose(layer["weights"], w, atol=1e-5)
        np.testing.assert_allclose(layer["biases"], b, atol=1e-5)
    assert [layer["activation"] for layer in m["layers"]] == ["relu", "relu", "softmax"]
    assert len(m["metadata"]["history"]) == 4
    assert m["metadata"]["config"]["epochs"] == 4


def test_neuron_before_any_prediction_has_no_current_input(client, web_net):
    n = client.get("/api/neuron/1/3").json()
    assert n["current"] is None and n["layer"] == 1
    np.testing.assert_allclose(n["image"], web_net.weights[0][3].reshape(28, 28), atol=1e-5)
    assert n["image_kind"] == "weights" and n["kind"] == "hidden"
    assert n["bias"] == pytest.approx(float(web_net.biases[0][3]), abs=1e-6)


@pytest.mark.parametrize("layer,index", [(1, 5), (2, 2), (3, 7)])
def test_neuron_shows_its_sum_for_the_input(client, held_out, web_net, layer, index):
    """Layer l's neuron: its weights are net.weights[l - 1], its inputs activations[l - 1]."""
    image = held_out[0][3]
    predicted = client.post("/api/predict", json={"pixels": grid(image)}).json()
    n = client.get(f"/api/neuron/{layer}/{index}", params={"input_id": predicted["input_id"]}).json()

    x = np.asarray(predicted["input"], np.float32).reshape(1, -1)
    t = web_net.trace(x)
    w, b = web_net.weights[layer - 1][index], float(web_net.biases[layer - 1][index])
    c = n["current"]
    assert n["layer"] == layer
    assert c["z"] == pytest.approx(float(t.zs[layer - 1][0, index]), abs=1e-3)
    assert c["a"] == pytest.approx(float(t.activations[layer][0, index]), abs=1e-3)
    assert predicted["layers"][layer - 1]["layer"] == layer
    assert c["a"] == pytest.approx(predicted["layers"][layer - 1]["a"][index], abs=1e-4)
    assert c["weighted_sum"] + n["bias"] == pytest.approx(c["z"], abs=1e-5)
    assert c["n_terms"] == web_net.sizes[layer - 1] == len(n["weights"])
    products = [term["product"] for term in c["top_terms"]]
    assert products == sorted(products, key=abs, reverse=True) and len(products) == 8
    a_prev = t.activations[layer - 1][0]
    for term in c["top_terms"]:
        assert term["w"] == pytest.approx(float(w[term["index"]]), abs=1e-5)
        assert term["a_prev"] == pytest.approx(float(a_prev[term["index"]]), abs=1e-3)
        assert term["product"] == pytest.approx(term["w"] * term["a_prev"], abs=1e-4)
    assert max(abs(p) for p in products) == pytest.approx(float(np.max(np.abs(w * a_prev))), abs=1e-3)
    assert n["kind"] == ("output" if layer == 3 else "hidden")
    assert n["bias"] == pytest.approx(b, abs=1e-6)


def test_deeper_neurons_show_their_effective_template(client, web_net):
    n = client.get("/api/neuron/3/4").json()
    w0, w1, w2 = (w.astype(np.float64) for w in web_net.weights)
    expected = np.einsum("j,jk,ki->i", w2[4], w1, w0).reshape(28, 28)
    assert n["image_kind"] == "effective_template" and n["activation"] == "softmax"
    np.testing.assert_allclose(n["image"], expected, atol=1e-4)


def test_neuron_without_input_id_uses_the_last_prediction(client, held_out):
    first = client.post("/api/predict", json={"pixels": grid(held_out[0][0])}).json()
    last = client.post("/api/predict", json={"pixels": grid(held_out[0][1])}).json()
    assert first["input_id"] != last["input_id"]
    assert client.get("/api/neuron/2/0").json()["current"]["input_id"] == last["input_id"]
    older = client.get("/api/neuron/2/0", params={"input_id": first["input_id"]}).json()
    assert older["current"]["input_id"] == first["input_id"]


# -- bad input: always a 4xx with {"error": ...} ----------------------------------------------


def post_raw(client, body: bytes, content_type="application/json"):
    return client.post("/api/predict", content=body, headers={"content-type": content_type})


ROW = [0.0] * 28


@pytest.mark.parametrize("body,words", [
    ({"pixels": [[0.0] * 28] * 27 + [[0.0] * 27]}, ["row", "same length"]),
    ({"pixels": [[0.5] * 5] * 5}, ["pixels", "8 to 1000"]),
    ({"pixels": [[0.5] * 5] * 28}, ["pixels[0]", "8 to 1000 values"]),
    ({"pixels": [[0.0] * 8] * 1001}, ["pixels", "1001"]),
    ({"pixels": []}, ["pixels", "got 0 rows"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [1.5]]}, ["pixels[27][27]", "between 0 and 1", "1.5"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [-0.2]]}, ["pixels[27][27]", "between 0 and 1"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [255]]}, ["255"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + ["0.5"]]}, ["pixels[27][27]", "number"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [True]]}, ["pixels[27][27]", "number"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [None]]}, ["pixels[27][27]", "number"]),
    ({"pixels": [ROW] * 27 + [ROW[:-1] + [[0.5]]]}, ["pixels[27][27]", "number"]),
    ({"pixels": "a picture"}, ["pixels", "list"]),
    ({"pixels": [0.5] * 784}, ["pixels[0]", "list"]),
    ({"image": [[0.5]]}, ["pixels", "missing"]),
    ({"pixels": [ROW] * 28, "extra": 1}, ["extra", "remove"]),
    ([[0.5] * 28] * 28, ["json object"]),
    ({"pixels": [ROW] * 28}, ["blank", "draw a digit"]),
])
def test_bad_drawings_are_refused_with_a_reason(client, body, words):
    assert_error(client.post("/api/predict", json=body), 422, *words)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_pixels_are_refused(client, literal):
    row = ", ".join(["0"] * 27 + [literal])
    body = ('{"pixels": [' + ", ".join([f"[{row}]"] * 28) + "]}").encode()
    assert_error(post_raw(client, body), 422, "pixels[0][27]", "finite")


@pytest.mark.parametrize("body,words", [
    (b"", ["not valid json"]),
    (b'{"pixels": [[0.1, 0.2', ["not valid json"]),
    (b"\xff\xfe\x00", ["not valid json"]),
])
def test_malformed_json_is_refused(client, body, words):
    assert_error(post_raw(client, body), 422, *words)


def test_a_faint_but_real_drawing_is_read(client, held_out):
    """Not blank: a digit at a fifth of full brightness still has ink."""
    faint = np.round(held_out[0][2] / 255.0 * 0.2, 4).tolist()
    assert client.post("/api/predict", json={"pixels": faint}).status_code == 200


@pytest.mark.parametrize("content,words", [
    (b"this is not an image", ["not an image"]),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, ["digit.png"]),
    (b"", ["empty"]),
])
def test_uploads_that_are_not_images_are_refused(client, content, words):
    r = client.post("/api/predict", files={"file": ("digit.png", content, "image/png")})
    assert_error(r, 422, *words)


def test_blank_image_upload_is_refused(client):
    white = np.full((60, 60), 255, np.uint8)
    r = client.post("/api/predict", files={"file": ("paper.png", png(white), "image/png")})
    assert_error(r, 422, "paper.png", "blank")


def test_upload_without_the_file_field_is_refused(client):
    r = client.post("/api/predict", files={"picture": ("d.png", b"x", "image/png")})
    assert_error(r, 422, "file", "missing")
    r = client.post("/api/predict", data={"file": "not a file"}, files={"other": ("o", b"")})
    assert_error(r, 422, "file", "missing")
    r = client.post("/api/predict", data={"file": "not a file"})  # a url-encoded form
    assert_error(r, 415, "multipart")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_refused(client, content_type):
    assert_error(post_raw(client, b"hello", content_type), 415, "application/json", "multipart")


def test_bodies_over_2_mb_are_refused(client):
    big = b'{"pixels": [' + b"0," * (1100 * 1024) + b"0]}"
    assert_error(post_raw(client, big), 413, "too large", "2 MB")
    r = client.post("/api/predict", files={"file": ("big.png", b"\x00" * (2 * 1024 * 1024 + 1))})
    assert_error(r, 413, "too large")


def test_streamed_bodies_over_2_mb_are_refused_without_content_length(client):
    def chunks():
        for _ in range(40):
            yield b"0" * (64 * 1024)

    r = client.post("/api/predict", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "too large")


@pytest.mark.parametrize("path,status,words", [
    ("/api/neuron/0/0", 404, ["layer 0", "input layer", "no weights", "1 to 3"]),
    ("/api/neuron/4/0", 404, ["layer 4", "1 to 3"]),
    ("/api/neuron/-1/0", 404, ["layer -1", "1 to 3"]),
    ("/api/neuron/99999999999999999999/0", 404, ["layer 99999999999999999999"]),
    ("/api/neuron/1/16", 404, ["neuron 16", "0 to 15"]),
    ("/api/neuron/3/10", 404, ["neuron 10", "0 to 9"]),
    ("/api/neuron/2/-3", 404, ["neuron -3"]),
    ("/api/neuron/abc/0", 422, ["layer", "integer"]),
    ("/api/neuron/1/1.5", 422, ["index", "integer"]),
    ("/api/neuron/1/0?input_id=XYZ", 422, ["input_id"]),
    ("/api/neuron/1/0?input_id=0123456789abcdef", 404, ["input_id 0123456789abcdef", "predict"]),
    ("/api/neuron/1", 404, ["no such page"]),
    ("/api/nothing", 404, ["no such page", "/docs"]),
])
def test_unknown_neurons_and_pages(client, path, status, words):
    assert_error(client.get(path), status, *words)


def test_wrong_methods_are_refused(client):
    r = client.get("/api/predict")
    assert_error(r, 405, "GET", "POST")
    assert r.headers["allow"] == "POST"
    assert_error(client.put("/api/model"), 405, "PUT")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS"])
def test_a_405_lists_every_method_of_the_path(client, method):
    """/api/train is served by three routes; the answer names all their methods."""
    r = client.request(method, "/api/train")
    assert_error(r, 405, method, "DELETE, GET, POST")
    assert r.headers["allow"] == "DELETE, GET, POST"


@pytest.mark.parametrize("body,words", [
    ({"epochs": 0}, ["epochs", "greater than or equal to 1"]),
    ({"epochs": 21}, ["epochs", "20"]),
    ({"epochs": "3"}, ["epochs", "integer"]),
    ({"epochs": True}, ["epochs", "integer"]),
    ({"epochs": 2.5}, ["epochs"]),
    ({"epochs": 21.0}, ["epochs", "20"]),
    ({"lr": 0}, ["lr"]),
    ({"lr": -0.1}, ["lr"]),
    ({"lr": 5}, ["lr"]),
    ({"activation": "softplus"}, ["activation", "relu"]),
    ({"hidden": [0]}, ["hidden[0]"]),
    ({"hidden": [129]}, ["hidden[0]", "128"]),
    ({"hidden": [16, 16, 16, 16]}, ["hidden", "3"]),
    ({"hidden": "16,16"}, ["hidden"]),
    ({"hidden": ["16"]}, ["hidden[0]", "integer"]),
    ({"seed": 1.5}, ["seed"]),
    ({"epochs": 1, "batch": 8}, ["batch", "remove"]),
    ({"seed": -1}, ["seed"]),
])
def test_bad_training_options_are_refused(client, body, words):
    assert_error(client.post("/api/train", json=body), 422, *words)
    assert client.get("/api/train").json()["state"] == "idle"


@pytest.mark.parametrize("body", [b"\x11\xf3\xc9\xa3{\x14\xff\x00h?", b"{", b"[1, 2]", b""])
def test_unreadable_training_bodies_are_refused(client, body):
    r = client.post("/api/train", content=body, headers={"content-type": "application/json"})
    assert_error(r, 422)


def test_nan_learning_rate_is_refused(client):
    r = client.post("/api/train", content=b'{"lr": NaN}', headers={"content-type": "application/json"})
    assert_error(r, 422, "lr")


def test_stopping_when_nothing_runs_is_a_conflict(client):
    assert_error(client.delete("/api/train"), 409, "no training run")


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
        assert asset in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # nothing from elsewhere
    assert "https://" not in page.text + client.get("/static/app.js").text
    assert_error(client.get("/static/nothing.js"), 404)


# -- training from the page -------------------------------------------------------------------


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

    from digitnet.train import train
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
    cropped = type(cropped)(cropped.images[:, 2:-2, 2:-2].copy(), cropped.labels, "cropped",
                            "train", "the first 300 digits cut to 24x24")
    with TestClient(create_app(web_model_path, data=cropped)) as c:
        assert c.post("/api/train", json={"epochs": 1}).status_code == 202
        last = events(c)[-1]
        assert last[0] == "failed" and "576 pixels" in last[2]["message"]
        assert c.get("/api/train").json()["state"] == "failed"
        assert c.get("/api/model").json()["model_version"] == 1


def test_concurrent_predictions_from_threads_all_answer(app, held_out):
    """Many clients at once (the server runs sync parts in a thread pool): all right, no errors."""
    from fastapi.testclient import TestClient

    images, _ = held_out
    with TestClient(app) as c:
        expected = {k: c.post("/api/predict", json={"pixels": grid(images[k])}).json()["digit"]
                    for k in range(16)}
        failures = []

        def worker(k):
            for _ in range(5):
                r = c.post("/api/predict", json={"pixels": grid(images[k])})
                if r.status_code != 200 or r.json()["digit"] != expected[k]:
                    failures.append((k, r.status_code, r.text[:200]))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_whole_numbers_written_with_a_fraction_are_integers(client):
    """JSON Schema's integer: 1.0 is 1 (and "1", true are refused above)."""
    r = client.post("/api/train", json={"epochs": 1.0, "hidden": [12.0], "seed": 3.0})
    assert r.status_code == 202, r.text
    config = r.json()["config"]
    assert config["epochs"] == 1 and config["seed"] == 3 and config["sizes"] == [784, 12, 10]
    assert events(client)[-1][0] == "done"


# -- any body, one way through: 200 or a one-line 422 ------------------------------------------


def page_body(image: np.ndarray) -> bytes:
    """A digit as the page's JSON.stringify sends it: 2 decimals, whole numbers as integers."""
    rows = [[int(v) if v.is_integer() else v for v in row]
            for row in np.round(image / 255.0, 2).tolist()]
    return json.dumps({"pixels": rows}).encode()


def test_drawings_as_the_page_writes_them_read_as_floats_do(client, held_out):
    """The page writes 0 and 1 as integers: the same numbers, the same answer."""
    for image in held_out[0][:10]:
        as_page = post_raw(client, page_body(image))
        as_floats = client.post("/api/predict", json={"pixels": np.round(image / 255.0, 2).tolist()})
        assert as_page.status_code == as_floats.status_code == 200
        assert as_page.json() == as_floats.json()


values = st.one_of(
    st.floats(0, 1), st.integers(0, 1), st.floats(-2, 3), st.integers(-3, 3),
    st.just(float("nan")), st.booleans(), st.none(), st.just("0.5"), st.just([0.5]),
    st.just({"v": 1}), st.just({}), st.just([]), st.floats(1e300, 1e308),
    st.integers(2**63, 2**70))


@st.composite
def bodies(draw):
    """JSON bodies near the schema's edges: ragged, wrong sizes, odd values, extra keys; as a
    dict (None if the text is not JSON) and the text sent."""
    sides = st.one_of(st.integers(8, 11), st.integers(0, 12))  # mostly big enough
    height, width = draw(sides), draw(sides)
    mostly = draw(st.sampled_from([st.floats(0, 1), st.integers(0, 1), values]))
    grid = [[draw(mostly) for _ in range(width)] for _ in range(height)]
    if grid and draw(st.integers(0, 3)) == 0:
        row = draw(st.integers(0, height - 1))
        grid[row] = grid[row][: draw(st.integers(0, width))]  # maybe ragged
    if grid and draw(st.integers(0, 6)) == 0:
        grid[draw(st.integers(0, height - 1))] = draw(values)  # a row that is not a row
    body = {"pixels": grid}
    if draw(st.integers(0, 5)) == 0:
        body["extra"] = 1
    if draw(st.integers(0, 8)) == 0:
        body = {"pixel": grid}
    if draw(st.integers(0, 8)) == 0:
        body = grid
    text = json.dumps(body, allow_nan=True, indent=draw(st.sampled_from([None, 1])))
    if draw(st.integers(0, 10)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # truncated
        body = None
    return body, text.encode()


def is_drawing(body) -> bool:
    """What the documented schema accepts: {"pixels": rows}, 8 to 1000 rows of one length
    from 8 to 1000, every value a finite number (not a boolean) in [0, 1]."""
    if not isinstance(body, dict) or list(body) != ["pixels"]:
        return False
    rows = body["pixels"]
    if not isinstance(rows, list) or not 8 <= len(rows) <= 1000:
        return False
    if not all(isinstance(row, list) and 8 <= len(row) <= 1000 for row in rows):
        return False
    if len({len(row) for row in rows}) != 1:
        return False
    return all(type(v) in (int, float) and 0 <= v <= 1 for row in rows for v in row)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=bodies())
def test_any_body_is_read_or_refused_in_one_line(client, case):
    body, raw = case
    r = post_raw(client, raw)
    if is_drawing(body):
        if r.status_code == 422:  # a valid grid with nothing drawn on it
            assert_error(r, 422, "blank")
        else:
            assert r.status_code == 200, r.text
            assert len(r.json()["input"]) == 28
    else:
        assert_error(r, 422)
