"""Bad input of every kind, in-process: always a 4xx with one line of JSON {"error": ...} saying
what is wrong and what to do."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import digitnet.web
from digitnet import audio
from digitnet.web import poke_schemas, schemas

from api_helpers import assert_error, png, post_raw


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


@pytest.mark.parametrize("name", ["a\nb", "a\r\nb", "tab\there", "bell\x07", "a\u2028b"])
def test_a_message_quoting_the_request_stays_one_line(client, name, held_out):
    """A field name with a line break or a control character in it is quoted escaped, so the
    error stays one line (the schema's pattern for it), in a JSON body and in an upload's
    changes (as schemathesis once sent them)."""
    escaped = name.encode("unicode_escape").decode("ascii")
    message = assert_error(client.post("/api/predict", json={"pixels": [ROW] * 28, name: 1}),
                           422, escaped, "remove")
    assert message.isprintable()
    r = client.post("/api/predict", files={"file": ("d.png", png(held_out[0][4]), "image/png")},
                    data={"changes": json.dumps({name: [1, 2]})})
    assert assert_error(r, 422, escaped).isprintable()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_pixels_are_refused(client, literal):
    row = ", ".join(["0"] * 27 + [literal])
    body = ('{"pixels": [' + ", ".join([f"[{row}]"] * 28) + "]}").encode()
    assert_error(post_raw(client, body), 422, "pixels[0][27]", "finite")


@pytest.mark.parametrize("body,words", [
    (b"", ["the body is empty", "pixels"]),
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
    assert_error(r, 422, "file: is a text field, not an uploaded file", "file=@digit.png")
    r = client.post("/api/predict", data={"file": "not a file"})  # a url-encoded form
    assert_error(r, 415, "multipart")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_refused(client, content_type):
    assert_error(post_raw(client, b"hello", content_type), 415, "application/json", "multipart")


def test_bodies_over_the_limit_are_refused(client):
    """A drawing's JSON over 24 MB (a 1000x1000 grid fits), an image over 2 MB."""
    big = b'{"pixels": [' + b"0," * (schemas.MAX_DRAWING_BYTES // 2) + b"0]}"
    assert_error(post_raw(client, big), 413, "too large", "24 MB")
    r = client.post("/api/predict", files={"file": ("big.png", b"\x00" * (2 * 1024 * 1024 + 1))})
    assert_error(r, 413, "too large")


def test_streamed_bodies_over_2_mb_are_refused_without_content_length(client):
    def chunks():
        for _ in range(40):
            yield b"0" * (64 * 1024)

    r = client.post("/api/predict", content=chunks(), headers={"content-type": "image/png"})
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "too large")


@pytest.mark.parametrize("path,status,words", [
    ("/api/neuron/0/0", 404, ["layer 0", "input layer", "no weights",
                              "1 (the first hidden layer) to 3"]),
    ("/api/neuron/4/0", 404, ["layer 4", "1 (the first hidden layer) to 3"]),
    ("/api/neuron/-1/0", 404, ["layer -1", "1 (the first hidden layer) to 3"]),
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
    for asset in ("/static/main.js", "/static/explorer.css", "/static/style.css"):
        assert client.get(asset).status_code == 200
        assert asset in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # nothing from elsewhere
    # the page's JavaScript modules: each served as JavaScript, none loading anything from elsewhere
    static = Path(digitnet.web.__file__).parent / "static"
    modules = sorted(static.rglob("*.js"))
    assert len(modules) >= 8
    for path in modules:
        answer = client.get("/static/" + path.relative_to(static).as_posix())
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
        assert "https://" not in answer.text
        assert "http://" not in answer.text.replace("http://www.w3.org", "")
    assert_error(client.get("/static/nothing.js"), 404)


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
        if r.status_code == 422:  # a valid grid with nothing drawn on it (blank, or noise)
            assert_error(r, 422, "no digit found")
        else:
            assert r.status_code == 200, r.text
            assert len(r.json()["input"]) == 28
    else:
        assert_error(r, 422)


def test_an_upload_with_fields_beside_the_file_is_refused(client, held_out):
    """The schema allows the field 'file' only; a form with others is refused, whatever they
    hold, so that the answer follows the schema."""
    image = png((255 - held_out[0][0]).astype(np.uint8))
    r = client.post("/api/predict", files={"file": ("digit.png", image, "image/png")},
                    data={"label": "7"})
    assert r.status_code == 422
    assert r.json()["error"].startswith("label: not a field this request knows")
    ok = client.post("/api/predict", files={"file": ("digit.png", image, "image/png")})
    assert ok.status_code == 200


# -- what is wrong with a body as a whole, and an example of what that endpoint takes ----------

#: Endpoints that read a JSON body, and the request model (the schema) each reads it as.
JSON_BODIES = [("/api/predict", schemas.PredictRequest), ("/api/train", schemas.TrainRequest),
               ("/api/ablate", schemas.ChangesRequest), ("/api/top", poke_schemas.TopRequest),
               ("/api/map", poke_schemas.MapRequest),
               ("/api/backprop", poke_schemas.BackpropRequest)]


@pytest.mark.parametrize("path,model", JSON_BODIES[1:])  # (predict: 415, tested above)
def test_a_json_body_sent_as_another_content_type_names_the_content_type(client, path, model):
    """curl -d sends text/plain: the body is a JSON object, the Content-Type is what is wrong."""
    r = client.post(path, content=b'{"off": []}', headers={"content-type": "text/plain"})
    message = assert_error(r, 422, "Content-Type text/plain", "Content-Type: application/json",
                           model.example)
    assert "must be a JSON object" not in message


@pytest.mark.parametrize("path,model", JSON_BODIES)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_an_empty_body_says_it_is_empty_and_what_the_endpoint_takes(client, path, model,
                                                                      content_type):
    if path == "/api/predict" and content_type == "text/plain":
        return  # (a predict body of no type at all is a 415, tested above)
    r = client.post(path, content=b"", headers={"content-type": content_type})
    message = assert_error(r, 422, "the body is empty", model.example)
    assert message.count("{") == model.example.count("{")  # no other endpoint's example


@pytest.mark.parametrize("path,model", JSON_BODIES)
def test_a_body_that_is_not_utf8_says_so_with_the_endpoints_example(client, path, model):
    r = client.post(path, content=b"\x11\xf3\xc9\xa3{\x14\xff\x00h?",
                    headers={"content-type": "application/json"})
    message = assert_error(r, 422, "not valid JSON", "not UTF-8", model.example)
    assert message.count("{") == model.example.count("{")


@pytest.mark.parametrize("path,model", JSON_BODIES)
def test_a_body_that_is_not_an_object_gives_the_endpoints_example(client, path, model):
    message = assert_error(client.post(path, json=[1, 2]), 422, "JSON object", model.example)
    assert message.count("{") == model.example.count("{")


def test_too_many_pairs_off_names_the_limit(client):
    off = [[1, 1]] * (schemas.MAX_OFF + 1)
    assert_error(client.post("/api/ablate", json={"off": off}), 422,
                 f"off: at most {schemas.MAX_OFF} pairs, got {schemas.MAX_OFF + 1}")
    edits = [{"op": "bias", "layer": 1, "neuron": 0, "value": 1}] * (schemas.MAX_EDITS + 1)
    assert_error(client.post("/api/ablate", json={"edits": edits}), 422,
                 f"edits: at most {schemas.MAX_EDITS} edits, got {schemas.MAX_EDITS + 1}")


def test_an_edit_without_its_op_names_the_op_and_its_choices(client):
    r = client.post("/api/ablate", json={"edits": [{"layer": 1, "neuron": 0, "value": 1}]})
    assert_error(r, 422, "edits[0].op: missing; one of bias, scale, paint, edge")
    r = client.post("/api/ablate", json={"edits": [{"op": "twist", "layer": 1, "neuron": 0}]})
    assert_error(r, 422, "edits[0].op: must be one of bias, scale, paint, edge", "'twist'")


def test_a_recording_too_large_is_named_a_recording(web_model_path, speech_model, spoken_digits):
    """A long recording (real ones of FSDD one after another) sent to the model of spoken digits:
    of 2.7 MB (under its limit for recordings), the answer says how long it is and to send one
    under 10 s; of 4.3 MB (over it), that a recording is too large and to send a shorter one."""
    import soundfile
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    def one_after_another(size: float) -> bytes:
        sound, rate = [], None
        for path in sorted(spoken_digits.glob("*.wav")):
            samples, rate = soundfile.read(path, dtype="int16")
            sound.append(samples)
            if sum(map(len, sound)) * 2 > size:
                break
        out = io.BytesIO()
        soundfile.write(out, np.concatenate(sound), rate, format="WAV", subtype="PCM_16")
        return out.getvalue()

    long, larger = one_after_another(2.7e6), one_after_another(4.3e6)
    with TestClient(create_app(web_model_path, data=None, more=[speech_model])) as c:
        r = c.post("/models/2/api/predict", content=long, headers={"content-type": "audio/wav"})
        assert_error(r, 422, "minutes long", f"send one under {audio.MAX_SECONDS:g} s")
        r = c.post("/models/2/api/predict", content=larger, headers={"content-type": "audio/wav"})
        message = assert_error(r, 413, "the recording is too large", f"got {len(larger):,}",
                               "send a shorter recording", "4 MB holds 10 s")
        assert "image" not in message and "grid" not in message
