"""The web API in-process (FastAPI's TestClient): answers on real digits, the model, and its
neurons, numbered as in the video (layer 0 is the input, 1 the first hidden layer)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from api_helpers import grid, page_body, png, post_raw
from digitnet import inputs
from digitnet.inputs import deskew
from digitnet.preprocess import to_mnist


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

    prepared = to_mnist(np.round(image / 255.0, 3).astype(np.float32), name="the drawing")
    # The default recipe deskews, so the network (and the page's "what the network sees") gets
    # the prepared drawing deskewed: its input record's rows, as everywhere else.
    assert inputs.of(web_net).deskew
    x = deskew(prepared[None])[0]
    assert np.abs(x - prepared).max() > 0.1  # (this digit does slant)
    trace = web_net.trace(x.reshape(1, -1))
    proba = web_net.probabilities(x.reshape(1, -1))[0]
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
    hidden = web_net.activation.name  # the default recipe's
    assert [layer["activation"] for layer in m["layers"]] == [hidden, hidden, "softmax"]
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


def test_without_input_id_a_client_sees_its_own_last_drawing_never_anothers(app, held_out):
    """In a class, GET /api/neuron without input_id showed whoever had drawn last."""
    from fastapi.testclient import TestClient

    with (TestClient(app, client=("192.168.1.21", 50000)) as alice,
          TestClient(app, client=("192.168.1.22", 50000)) as bob):
        mine = alice.post("/api/predict", json={"pixels": grid(held_out[0][0])}).json()
        assert bob.get("/api/neuron/1/3").json()["current"] is None  # Bob has drawn nothing
        theirs = bob.post("/api/predict", json={"pixels": grid(held_out[0][1])}).json()
        assert alice.get("/api/neuron/1/3").json()["current"]["input_id"] == mine["input_id"]
        assert bob.get("/api/neuron/1/3").json()["current"]["input_id"] == theirs["input_id"]
        changed = alice.post("/api/neuron/1/3", json={"off": [[1, 0]]}).json()
        assert changed["current"]["input_id"] == mine["input_id"]


def test_a_clients_last_drawing_outlives_the_others_drawings(app, held_out, monkeypatch):
    """The server keeps REMEMBERED_INPUTS inputs for everyone; each client's last one besides."""
    from fastapi.testclient import TestClient

    from digitnet.web import served

    monkeypatch.setattr(served, "REMEMBERED_INPUTS", 3)
    images, _ = held_out
    with (TestClient(app, client=("192.168.1.21", 50000)) as alice,
          TestClient(app, client=("192.168.1.22", 50000)) as bob):
        first, last = (alice.post("/api/predict", json={"pixels": grid(images[k])}).json()
                       for k in (0, 1))
        before = alice.get("/api/neuron/1/3", params={"input_id": last["input_id"]}).json()
        for image in images[2:6]:  # more than the server keeps
            assert bob.post("/api/predict", json={"pixels": grid(image)}).status_code == 200
        after = alice.get("/api/neuron/1/3", params={"input_id": last["input_id"]})
        assert after.status_code == 200 and after.json() == before
        forgotten = alice.get("/api/neuron/1/3", params={"input_id": first["input_id"]})
        assert forgotten.status_code == 404 and "is not known" in forgotten.json()["error"]


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


def test_drawings_as_the_page_writes_them_read_as_floats_do(client, held_out):
    """The page writes 0 and 1 as integers: the same numbers, the same answer."""
    for image in held_out[0][:10]:
        as_page = post_raw(client, page_body(image))
        floats = np.round(image / 255.0, 2).tolist()
        as_floats = client.post("/api/predict", json={"pixels": floats})
        assert as_page.status_code == as_floats.status_code == 200
        assert as_page.json() == as_floats.json()


def test_answers_name_the_class_as_the_model_does(tmp_path):
    """A Fashion-MNIST model's answers say "Ankle boot", not 9, in the prediction and the model."""
    from fastapi.testclient import TestClient

    import digitnet
    from digitnet import datasets
    from digitnet.web import create_app

    fashion = datasets.load("fashion-mnist", split="train", allow_download=False)
    net = digitnet.train(fashion.subset(slice(0, 2000), "train"), epochs=1,
                         handle_signals=False).network
    with TestClient(create_app(net)) as client:
        assert client.get("/api/model").json()["classes"] == list(fashion.classes)
        boot = fashion.x[np.flatnonzero(fashion.labels == 9)[0]] / 255
        answer = client.post("/api/predict", json={"pixels": boot.tolist()}).json()
    assert answer["class"] == fashion.classes[answer["digit"]]
    assert answer["class"] in fashion.classes and len(answer["class"]) > 1
