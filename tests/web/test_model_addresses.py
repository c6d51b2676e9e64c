"""Every model a server serves answers at the addresses its name in ``GET /api/models`` makes:
``/models/N/api/...`` and the page at ``/models/N/``, for model 1 as for the others (model 1
answered only at ``/api`` and ``/`` before, and ``/models/1/api`` was a 404). An address naming
no model is a 404 saying how many models there are and where (a JSON error for the API, the page
for ``/models/N/``). A recording sent to a model of pictures, or a picture to a model of
recordings, is refused naming the served model that does read it."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import assert_error, grid, png, post_raw


def test_model_1_answers_under_models_1_as_the_others_do_under_models_n(two, held_out):
    listed = two.get("/api/models").json()["models"]
    assert [(m["name"], m["api"]) for m in listed] == [("1", "/api"), ("2", "/models/2/api")]
    for m in listed:
        own = two.get(f"/models/{m['name']}/api/model")
        assert own.status_code == 200, own.text
        assert own.json() == two.get(f"{m['api']}/model").json()
        assert two.get(f"/models/{m['name']}/api/models").json()["models"] == listed
        page = two.get(f"/models/{m['name']}/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        bare = two.get(f"/models/{m['name']}", follow_redirects=False)  # (no slash: redirected)
        assert bare.status_code == 307
        assert bare.headers["location"].endswith(f"/models/{m['name']}/")
    # one model at both addresses: a drawing predicted at one is remembered at the other
    drawing = {"pixels": grid(held_out[0][0])}
    answer = two.post("/models/1/api/predict", json=drawing).json()
    assert answer == two.post("/api/predict", json=drawing).json()
    neuron = two.get(f"/api/neuron/1/0?input_id={answer['input_id']}")
    assert neuron.status_code == 200 and neuron.json()["current"]["input_id"] == answer["input_id"]
    # its errors are its own: a 405 names the methods of the path under /models/1 too
    r = two.delete("/models/1/api/model")
    assert assert_error(r, 405, "DELETE", "/models/1/api/model", "GET") and \
        r.headers["allow"] == "GET"
    # its training runs' events are followed under the address the run was started at
    assert two.get("/models/1/api/train").json()["events_url"] == "/models/1/api/train/events"
    assert two.get("/models/1/docs").status_code == 200
    # the other models are not under model 1's address: /models/1 is model 1 only
    assert_error(two.get("/models/1/models/2/api/model"), 404, "no such page")


@pytest.mark.parametrize("method, path", [
    ("GET", "/models/4/api"), ("GET", "/models/4/api/model"), ("POST", "/models/4/api/predict"),
    ("DELETE", "/models/4/api/train"), ("GET", "/models/0/api/models"),
    ("GET", "/models/abc/api/model")])
def test_an_address_naming_no_model_says_which_models_there_are(two, method, path):
    name = path.split("/")[2]
    message = assert_error(two.request(method, path), 404, f"no model {name}", "2 models",
                           "/api", "/models/1/api", "/models/2/api", "GET /api/models")
    assert message.startswith(f"{path}: no model {name} ")


def test_the_page_of_no_model_is_the_page_that_says_so(two):
    """/models/4/ is the page (a 404): its script asks /models/4/api, and says there is no model
    4 and links to those there are (tests/e2e); /models/4 is sent there, as /models/2 is."""
    page = two.get("/models/4/")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert page.text == two.get("/").text
    bare = two.get("/models/4", follow_redirects=False)
    assert bare.status_code == 307 and bare.headers["location"].endswith("/models/4/")


def test_one_model_alone_is_model_1_everywhere(client):
    assert client.get("/models/1/api/model").json()["sizes"] == [784, 16, 16, 10]
    assert_error(client.get("/models/2/api/model"), 404, "no model 2", "1 model", "/api",
                 "/models/1/api")


def test_a_recording_sent_to_the_model_of_pictures_names_the_model_that_hears(two, spoken_digits):
    seven = (spoken_digits / "7_jackson_1.wav").read_bytes()
    for api in ("/api", "/models/1/api"):
        r = two.post(f"{api}/predict", files={"file": ("seven.wav", seven, "audio/wav")})
        assert_error(r, 422, "seven.wav", "not an image", "recording", "model 2",
                     "/models/2/api/predict", "/?model=2")
        r = two.post(f"{api}/predict", content=seven, headers={"content-type": "audio/wav"})
        assert_error(r, 422, "the body", "not an image", "model 2", "/models/2/api/predict")


def test_a_picture_sent_to_the_model_of_recordings_names_the_model_that_reads_it(two, held_out):
    digit = png(held_out[0][0])
    r = two.post("/models/2/api/predict", files={"file": ("seven.png", digit, "image/png")})
    assert_error(r, 422, "seven.png", "not a recording", "picture", "model 1", " /api/predict",
                 "/?model=1")
    r = two.post("/models/2/api/predict", json={"pixels": grid(held_out[0][0])})
    assert_error(r, 422, "hears recordings, not drawings", "model 1", " /api/predict")


def test_no_other_model_is_named_where_none_reads_it(client, speech_model, spoken_digits,
                                                     held_out):
    """Alone, or beside a model of the same kind, a model's refusal names no other model."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    seven = (spoken_digits / "7_jackson_1.wav").read_bytes()
    r = post_raw(client, seven, "audio/wav")
    assert "model" not in assert_error(r, 422, "not an image")
    with TestClient(create_app(speech_model, data=None, more=[speech_model])) as c:
        r = c.post("/api/predict", files={"file": ("seven.png", png(held_out[0][0]))})
        assert "model" not in assert_error(r, 422, "not a recording")
        # a file of neither kind is not said to be one
        r = c.post("/api/predict", files={"file": ("noise.bin", np.arange(256, dtype=np.uint8)
                                                   .tobytes())})
        assert "picture" not in assert_error(r, 422, "not a recording")
