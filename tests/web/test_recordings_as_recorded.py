"""Recordings as phones and sound cards make them (48 kHz, stereo, 32-bit float WAV) reach a
model of spoken digits through the API as `digitnet predict` reads them, up to audio.MAX_SECONDS;
a larger one gets a 413 whose figures are the limit's. Pictures and drawings keep their 2 MB."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
import soxr

from api_helpers import assert_error, png

from digitnet import audio, inputs, modelfile
from digitnet.web import schemas

SPOKEN = "7_jackson_0.wav"  # FSDD's test split: recordings the speech model never learned from


def as_recorded(path, seconds: float, rate: int = 48_000) -> bytes:
    """The real recording at ``path`` as a phone records it: resampled to ``rate``, stereo (the
    right channel a little quieter), 32-bit float WAV, ``seconds`` long, the digit half a
    second in and quiet room around it."""
    samples, own_rate = soundfile.read(path, dtype="float32")
    spoken = soxr.resample(samples, own_rate, rate)
    noise = np.random.default_rng(0).normal(0, 1e-4, int(seconds * rate)).astype(np.float32)
    mono = noise.copy()
    mono[rate // 2 : rate // 2 + len(spoken)] += spoken
    out = io.BytesIO()
    soundfile.write(out, np.stack([mono, 0.8 * mono], axis=1), rate, subtype="FLOAT", format="WAV")
    return out.getvalue()


@pytest.fixture(scope="module")
def six_seconds(spoken_digits) -> bytes:
    """The report's recording: 6 s of 48 kHz stereo float, 2.3 MB (over the 2 MB of pictures)."""
    data = as_recorded(spoken_digits / SPOKEN, 6.0)
    assert 2.3e6 < len(data) < 2.31e6 and len(data) > schemas.MAX_BODY_BYTES
    return data


@pytest.fixture(scope="module")
def heard(speech_model, spoken_digits, six_seconds) -> int:
    """The digit the library hears in the six seconds, as `digitnet predict` reads the file."""
    net = modelfile.load(speech_model)
    return int(net.predict(audio.picture(six_seconds, inputs.audio_of(net))))


@pytest.fixture(scope="module")
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def test_six_seconds_as_recorded_are_heard_as_the_library_hears_them(speech_client,
                                                                     six_seconds, heard):
    form = speech_client.post("/api/predict", files={"file": ("six.wav", six_seconds,
                                                              "audio/wav")})
    raw = speech_client.post("/api/predict", content=six_seconds,
                             headers={"content-type": "audio/wav"})
    octets = speech_client.post("/api/predict", content=six_seconds,
                                headers={"content-type": "application/octet-stream"})
    for answer in (form, raw, octets):
        assert answer.status_code == 200, answer.text
        assert answer.json()["digit"] == heard
    assert heard == 7  # (and it is the digit spoken)


def test_the_longest_recording_the_model_hears_fits_in_the_limit(speech_client, spoken_digits):
    """Just under audio.MAX_SECONDS of 48 kHz stereo float: the whole limit's promise."""
    data = as_recorded(spoken_digits / SPOKEN, audio.MAX_SECONDS - 0.05)
    assert len(data) > 3.8e6
    r = speech_client.post("/api/predict", files={"file": ("long.wav", data, "audio/wav")})
    assert r.status_code == 200, r.text
    assert r.json()["digit"] == 7


def test_a_recording_over_the_limit_is_told_the_limit(speech_client, spoken_digits):
    """6 s at 96 kHz (4.6 MB): the 413 names the limit and what fits in it, truly."""
    data = as_recorded(spoken_digits / SPOKEN, 6.0, rate=96_000)
    assert len(data) > schemas.MAX_RECORDING_BYTES
    for r, what in ((speech_client.post("/api/predict", files={"file": ("hi.wav", data)}),
                     "the form"),
                    (speech_client.post("/api/predict", content=data,
                                        headers={"content-type": "audio/wav"}), "the recording")):
        message = assert_error(r, 413, f"{what} is too large", "at most 4,194,304 bytes (4 MB)",
                               "shorter", "lower rate", "mono",
                               "4 MB holds 10 s at 48 kHz, stereo, 32-bit float")
        assert "2 MB" not in message and "image" not in message
    assert_error(speech_client.post("/api/predict", content=data,
                                    headers={"content-type": "audio/wav"}), 413,
                 f"got {len(data):,} bytes")
    # the promise in the message: 10 s of that format, with its header, within the limit
    rate, channels, width = schemas.RECORDED
    assert audio.MAX_SECONDS * rate * channels * width + 64 * 1024 < schemas.MAX_RECORDING_BYTES


def test_drawings_and_pictures_keep_their_2_mb(speech_client):
    """The larger limit is a recording's: a JSON body or an image sent to the same route is
    refused past 2 MB, as before."""
    big = b'{"pixels": [' + b"0," * (1100 * 1024) + b"0]}"
    r = speech_client.post("/api/predict", content=big,
                           headers={"content-type": "application/json"})
    assert_error(r, 413, "the JSON body is too large", "at most 2,097,152 bytes (2 MB)")
    image = b"\x89PNG" + b"\0" * (schemas.MAX_BODY_BYTES + 1)
    r = speech_client.post("/api/predict", content=image, headers={"content-type": "image/png"})
    assert_error(r, 413, "the image is too large", "at most 2,097,152 bytes")


def test_on_a_server_of_two_models_only_the_one_that_hears_takes_it(two, six_seconds, heard):
    """Model 1 reads handwriting, model 2 hears (`digitnet serve DIGITS SPEECH`): the recording
    is heard at /models/2/api/predict; model 1's routes refuse a form of that size, at 2 MB, as
    they refuse any form as large."""
    r = two.post("/models/2/api/predict", files={"file": ("six.wav", six_seconds, "audio/wav")})
    assert r.status_code == 200, r.text
    assert r.json()["digit"] == heard
    for path in ("/api/predict", "/models/1/api/predict"):
        r = two.post(path, files={"file": ("six.wav", six_seconds, "audio/wav")})
        assert_error(r, 413, "the form is too large", "at most 2,097,152 bytes (2 MB)")


def test_a_server_whose_first_model_hears_takes_it_at_both_its_addresses(
        speech_model, web_model_path, six_seconds, heard):
    """The other way round (`digitnet serve SPEECH DIGITS`): model 1 hears at /api and
    /models/1/api; model 2, of pictures, keeps 2 MB, and its 413 speaks of 2 MB alone."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    digit = np.zeros((1200, 1200), np.uint8)
    digit[200:1000, 550:650] = 255
    photo = png(digit) + b"\0" * schemas.MAX_BODY_BYTES  # (a PNG's reader stops at its end)
    with TestClient(create_app(speech_model, data=None, more=[web_model_path])) as c:
        for path in ("/api/predict", "/models/1/api/predict"):
            r = c.post(path, files={"file": ("six.wav", six_seconds, "audio/wav")})
            assert r.status_code == 200, r.text
            assert r.json()["digit"] == heard
        for body in (six_seconds, photo):
            r = c.post("/models/2/api/predict", files={"file": ("f", body)})
            message = assert_error(r, 413, "the form is too large", "at most 2,097,152 bytes")
            assert "4 MB" not in message


def test_the_schema_says_both_limits(speech_client):
    spec = speech_client.get("/openapi.json").json()
    text = spec["paths"]["/api/predict"]["post"]["responses"]["413"]["description"]
    assert "over 2 MB" in text and "spoken digits: over 4 MB" in text
    assert schemas.MAX_BODY_BYTES == 2 * 1024 * 1024
    assert schemas.MAX_RECORDING_BYTES == 4 * 1024 * 1024
