"""A model of spoken digits behind the API: real recordings in (a multipart file or the raw
body), the picture of their sound and the digit out; bad recordings refused with one line, never
a 5xx; and a server serving a model of handwritten digits and one of spoken digits at once."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from api_helpers import assert_error, png, post_raw

from digitnet import audio, inputs, modelfile


@pytest.fixture(scope="module")
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def wav(samples: np.ndarray, rate: int = 8000, subtype: str = "PCM_16",
        format: str = "WAV") -> bytes:
    out = io.BytesIO()
    soundfile.write(out, samples, rate, subtype=subtype, format=format)
    return out.getvalue()


def test_a_recording_is_heard_as_the_library_hears_it(speech_client, speech_model,
                                                      speech_unheard_recordings):
    """Recordings 0-4 (FSDD's test split, never learned from) of the speakers the model heard,
    sent as a multipart file and as the raw body: both answer what the library computes from
    the model's own front end, and most are right."""
    net = modelfile.load(speech_model)
    front_end = inputs.audio_of(net)
    right = 0
    files = speech_unheard_recordings
    for path in files:
        data = path.read_bytes()
        multipart = speech_client.post("/api/predict", files={"file": (path.name, data, "audio/wav")})
        raw = post_raw(speech_client, data, "audio/wav")
        assert multipart.status_code == raw.status_code == 200, multipart.text + raw.text
        picture = audio.picture(path, front_end) / np.float32(255)
        expected = net.forward(picture.reshape(1, -1))[0]
        for answer in (multipart.json(), raw.json()):
            # the answer's input is rounded to 4 decimals (views.rounded): half a unit of that
            assert np.abs(np.array(answer["input"]) - picture).max() <= 0.5e-4
            assert answer["digit"] == int(expected.argmax())
        right += multipart.json()["digit"] == int(path.name[0])
    # (seen voices, unseen recordings: the default recipe gets most of them; 10% is chance)
    assert right / len(files) >= 0.8, f"{right} of {len(files)}"


def test_a_picture_or_drawing_is_not_a_recording(speech_client):
    r = speech_client.post("/api/predict", json={"pixels": [[0.0] * 28] * 28})
    assert_error(r, 422, "hears recordings", "file")
    r = speech_client.post("/api/predict", data={"x": "1"})
    assert_error(r, 415, "recording", "audio/wav")


def bad_recordings(spoken_digits) -> list:
    rng = np.random.default_rng(0)
    real = (spoken_digits / "7_jackson_0.wav").read_bytes()
    digit = np.zeros((40, 40), np.uint8)
    digit[8:32, 18:22] = 255
    return [
        ("silence.wav", wav(np.zeros(8000)), 422, ["silence.wav", "silent"]),
        ("hiss.wav", wav(rng.normal(0, 0.2, 8000).clip(-0.9, 0.9)), 422, ["hiss.wav", "noise"]),
        ("ten-minutes.wav", wav(np.zeros(8000 * 600)), 413, ["too large"]),
        ("ten-minutes.flac", wav(np.zeros(8000 * 600), format="FLAC"), 422,
         ["ten-minutes.flac", "10 minutes long"]),
        ("seven.wav", png(digit), 422, ["seven.wav", "not a recording"]),
        ("truncated.wav", real[: len(real) // 2], 422, ["truncated.wav", "truncated"]),
        ("header-only.wav", real[:44], 422, ["header-only.wav", "truncated"]),
        ("clipped.wav", wav(np.sign(np.sin(np.arange(8000) / 3.0)) * 1.0), 422,
         ["clipped.wav", "clipped"]),
        ("empty.wav", b"", 422, ["empty"]),
    ]


@pytest.mark.parametrize("case", range(9))
def test_bad_recordings_are_refused_in_one_line(speech_client, spoken_digits, case):
    name, data, status, words = bad_recordings(spoken_digits)[case]
    r = speech_client.post("/api/predict", files={"file": (name, data, "audio/wav")})
    assert_error(r, status, *words)
    if data:  # the same bytes as the raw body: the same refusal (named "the body")
        r = post_raw(speech_client, data, "audio/wav")
        assert_error(r, status, *[w for w in words if w != name])


def test_one_server_serves_a_model_of_pictures_and_one_of_recordings(
        web_model_path, speech_model, spoken_digits):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    seven = (spoken_digits / "7_jackson_1.wav").read_bytes()
    with TestClient(create_app(web_model_path, data=None, more=[speech_model])) as c:
        listed = c.get("/api/models").json()["models"]
        assert [(m["name"], m["api"], m["input"]) for m in listed] == [
            ("1", "/api", "images"), ("2", "/models/2/api", "audio")]
        assert c.get("/models/2/api/models").json()["models"] == listed
        assert c.get("/models/2/api/model").json()["metadata"]["input"]["kind"] == "audio"
        assert c.get("/api/model").json()["metadata"]["input"]["kind"] == "images"
        heard = c.post("/models/2/api/predict", files={"file": ("seven.wav", seven, "audio/wav")})
        assert heard.status_code == 200 and len(heard.json()["input"]) == 28
        neuron = c.get(f"/models/2/api/neuron/1/0?input_id={heard.json()['input_id']}")
        assert neuron.status_code == 200 and neuron.json()["current"] is not None
        # the model of pictures does not take a recording for a picture
        assert_error(c.post("/api/predict", files={"file": ("seven.wav", seven, "audio/wav")}),
                     422, "not an image")
        assert c.get("/models/2/").status_code == 200  # the page (js/api.js reads the path)


# -- the poking panels: one backprop step from the picture heard; no robustness curves ---------


def test_backprop_starts_from_the_picture_of_the_sound_heard(speech_client, speech_model,
                                                             spoken_digits):
    """The page sends back the 'input' /api/predict answered for a recording (what the network
    heard); /api/backprop steps from exactly that picture, as the library's backprop_step does
    from the same numbers, and shows the first layer's changes as (bands, frames) pictures."""
    from digitnet import poke

    net = modelfile.load(speech_model)
    seven = (spoken_digits / "7_jackson_1.wav").read_bytes()
    heard = speech_client.post("/api/predict", files={"file": ("7.wav", seven, "audio/wav")})
    picture = heard.json()["input"]
    wrong = (heard.json()["digit"] + 1) % 10
    body = speech_client.post("/api/backprop", json={"pixels": picture, "label": wrong,
                                                     "lr": 0.05}).json()
    # the very same float32 input on both sides: the same float64 cost to JSON's round trip
    step = poke.backprop_step(net, np.asarray(picture, np.float32).reshape(-1), wrong, lr=0.05)
    assert body["cost"] == step.cost and body["cost_after"] == step.cost_after
    assert body["cost_after"] < body["cost"] and body["digit"] == heard.json()["digit"]
    assert body["input"] == picture  # taken as heard: no drawing's preprocessing
    assert np.array(body["first_layer_changes"]).shape == (16, 28, 28)
    # a drawing's grid is no picture of a sound: refused in one line saying what to send
    r = speech_client.post("/api/backprop", json={"pixels": [[0.5] * 56] * 56, "label": 3})
    assert_error(r, 422, "hears recordings", "28 rows (mel bands) of 28", "got 56 rows of 56")


def test_robustness_curves_are_refused_for_a_model_of_recordings(speech_client, speech_model):
    r = speech_client.post("/api/robustness", json={"count": 100})
    assert_error(r, 422, "robustness curves are for image models", "recorded sounds")
    from digitnet import poke
    from digitnet.errors import ConfigError

    net = modelfile.load(speech_model)  # the library says the same to a notebook or the CLI
    with pytest.raises(ConfigError, match="robustness curves are for image models"):
        poke.robustness_curves(net, np.zeros((5, 28, 28), np.uint8), np.arange(5))
