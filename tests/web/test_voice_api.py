"""POST /api/voice: a model of spoken digits fine-tuned to a voice from real recordings (FSDD's
nicolas, whom the speech model never heard), followed as a training run, the last recording of
each digit held out to check on before and after; every wrong request a 4xx with one line, and
no run started."""

from __future__ import annotations

import time

import numpy as np
import pytest

from api_helpers import assert_error, png

from digitnet import audio, inputs, modelfile
from digitnet.web.classroom import TrainingAccess

SPEAKER = "nicolas"


def voice_form(spoken_digits, numbers=range(3), digits=range(10)) -> list:
    """The multipart fields of recordings ``numbers`` of each of ``digits`` by SPEAKER."""
    fields = []
    for d in digits:
        for i in numbers:
            path = spoken_digits / f"{d}_{SPEAKER}_{i}.wav"
            fields += [("file", (path.name, path.read_bytes(), "audio/wav")), ("digit", (None, str(d)))]
    return fields


@pytest.fixture
def voice_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def finished(client) -> dict:
    """GET /api/train once the run is no longer running."""
    return finished_at(client, "")


def finished_at(client, prefix: str) -> dict:
    """GET {prefix}/api/train once the run is no longer running."""
    for _ in range(600):
        status = client.get(f"{prefix}/api/train").json()
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    pytest.fail("the fine-tuning run did not finish within a minute")


def test_a_voice_is_taught_and_checked_on_recordings_it_did_not_learn(voice_client, speech_model,
                                                                       spoken_digits):
    r = voice_client.post("/api/voice", files=voice_form(spoken_digits))
    assert r.status_code == 202, r.text
    assert r.json()["config"]["epochs"] == 100 and r.json()["config"]["copies"] == 16  # VOICE
    status = finished(voice_client)
    assert status["state"] == "done", status
    events = voice_client.get("/api/train/events").text
    done = next(line for line in events.splitlines() if line.startswith("data:")
                and '"history"' in line)
    import json

    done = json.loads(done[5:])
    model = voice_client.get("/api/model").json()
    assert model["source"] == "fine-tuned to a voice on the page" and model["model_version"] == 2
    assert model["metadata"]["data"]["train"]["n"] == 20  # 30 sent; the last of each held out
    # before: the model as it was; after: the model now served; both on recordings 2 of each
    held = [spoken_digits / f"{d}_{SPEAKER}_2.wav" for d in range(10)]
    original = modelfile.load(speech_model)
    front_end = inputs.audio_of(original)
    pictures = np.stack([audio.picture(p, front_end).reshape(-1) / np.float32(255) for p in held])
    assert done["before"] == np.mean(original.predict(pictures) == np.arange(10))
    now = [voice_client.post("/api/predict", files={"file": (p.name, p.read_bytes(), "audio/wav")})
           .json()["digit"] for p in held]
    assert done["val_accuracy"] == np.mean(np.array(now) == np.arange(10))
    assert done["val_accuracy"] > done["before"]


@pytest.mark.parametrize("change, words", [
    (lambda f: f[:-4], ["say each digit at least 2 times", "too few of 9"]),
    (lambda f: f[:-1], ["30 recordings and 29 digits"]),
    (lambda f: f[:-1] + [("digit", (None, "eleven"))], ["digit 'eleven'", "not one of the model's classes"]),
    (lambda f: f + [("file", ("digit.png", png(np.zeros((28, 28), np.uint8)), "audio/wav")),
                    ("digit", (None, "4"))], ["digit.png (is a picture (PNG), not a recording)",
                                               "record it again", "nothing was trained"]),
    (lambda f: f + [("file", ("quiet.wav", b"", "audio/wav")), ("digit", (None, "4"))],
     ["quiet.wav: empty"]),
    (lambda f: f + [("speaker", (None, "me"))], ["speaker: not a field"]),
    (lambda f: f + [("file", ("x.wav", b"x", "audio/wav")), ("digit", (None, "1"))] * 171,
     ["cannot be read", "at most 200 recordings"]),
])
def test_a_wrong_voice_request_is_refused_and_trains_nothing(voice_client, spoken_digits, change,
                                                             words):
    r = voice_client.post("/api/voice", files=change(voice_form(spoken_digits)))
    assert_error(r, 422, *words)
    assert voice_client.get("/api/train").json()["state"] == "idle"


def test_a_silent_recording_among_them_is_named(voice_client, spoken_digits):
    import io

    import soundfile

    out = io.BytesIO()
    soundfile.write(out, np.zeros(8000, np.float32), 8000, format="WAV", subtype="PCM_16")
    fields = voice_form(spoken_digits) + [("file", ("hush.wav", out.getvalue(), "audio/wav")),
                                          ("digit", (None, "5"))]
    assert_error(voice_client.post("/api/voice", files=fields), 422, "hush.wav (silent")


def test_only_a_model_of_spoken_digits_learns_a_voice(client, spoken_digits):
    assert_error(client.post("/api/voice", files=voice_form(spoken_digits)), 422,
                 "this model reads pictures", "spoken digits")


def test_a_voice_form_may_be_larger_than_other_requests_up_to_its_own_limit(voice_client):
    """4 MB is the limit of one recording (2 MB, of other requests): a voice's 30 recordings at
    a microphone's rate outgrow it, so /api/voice takes up to 32 MB."""
    from digitnet.web import schemas, voice

    five_mb = [("file", ("big.wav", b"\0" * (5 * 1024 * 1024), "audio/wav")), ("digit", (None, "1"))]
    assert_error(voice_client.post("/api/predict", files=five_mb[:1]), 413, "at most 4,194,304")
    assert_error(voice_client.post("/api/voice", files=five_mb), 422, "too few of")
    over = [("file", ("huge.wav", b"\0" * (voice.MAX_VOICE_BYTES + 1), "audio/wav"))]
    assert_error(voice_client.post("/api/voice", files=over), 413, "at most 33,554,432",
                 "fewer or shorter recordings")
    assert voice.MAX_VOICE_BYTES > schemas.MAX_RECORDING_BYTES > schemas.MAX_BODY_BYTES


def test_a_class_server_asks_for_the_teachers_token(speech_model, spoken_digits):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    access = TrainingAccess("token", "s3cret")
    with TestClient(create_app(speech_model, data=None, access=access)) as c:
        assert_error(c.post("/api/voice", files=voice_form(spoken_digits)), 403, "token")
        r = c.post("/api/voice", files=voice_form(spoken_digits),
                   headers={"X-Digitnet-Token": "s3cret"})
        assert r.status_code == 202, r.text
        assert finished(c)["state"] == "done"


def test_a_json_body_is_not_a_voice(voice_client):
    assert_error(voice_client.post("/api/voice", json={"file": "x"}), 415, "multipart form")


def test_the_second_model_served_learns_a_voice_at_its_own_address(web_model_path, speech_model,
                                                                     spoken_digits):
    """``digitnet serve DIGITS SPEECH``: the model of spoken digits, at /models/2, is taught
    (its form over the 2 MB of other requests); the first, of handwritten digits, is not."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=None, more=[speech_model])) as c:
        form = voice_form(spoken_digits)
        padding = [("file", ("long.wav", b"\0" * (3 * 1024 * 1024), "audio/wav")),
                   ("digit", (None, "3"))]
        assert_error(c.post("/models/2/api/voice", files=form + padding), 422, "long.wav")
        assert_error(c.post("/api/voice", files=form), 422, "this model reads pictures")
        started = c.post("/models/2/api/voice", files=form)
        assert started.status_code == 202
        assert started.json()["events_url"] == "/models/2/api/train/events"  # its own run's
        assert finished_at(c, "/models/2")["state"] == "done"
        assert c.get("/models/2/api/model").json()["source"] == "fine-tuned to a voice on the page"
        assert c.get("/api/model").json()["model_version"] == 1


def test_the_recordings_come_back_as_class_folders_that_teach_from_the_command_line(
        voice_client, speech_model, spoken_digits, tmp_path):
    """POST /api/voice/recordings: the zip the page saves; unzipped, `digitnet train --init`
    learns from it (all 30: class folders have no test part)."""
    import io
    import zipfile

    fields = voice_form(spoken_digits)
    r = voice_client.post("/api/voice/recordings", files=fields)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert 'filename="my-voice.zip"' in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = archive.namelist()
        assert names == [f"my-voice/{d}/{n}.wav" for d in range(10) for n in (1, 2, 3)]
        sent = [f[1][1] for f in fields if f[0] == "file"]
        assert [archive.read(n) for n in names] == sent  # the bytes as recorded
        archive.extractall(tmp_path)
    from click.testing import CliRunner

    from digitnet.cli import cli

    out = tmp_path / "mine.safetensors"
    result = CliRunner().invoke(cli, ["train", "--init", str(speech_model), "--data",
                                      str(tmp_path / "my-voice"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["data"]["train"]["n"] == 30
    assert voice_client.get("/api/train").json()["state"] == "idle"  # (nothing trained here)


def test_no_recordings_to_save_is_one_line(voice_client):
    assert_error(voice_client.post("/api/voice/recordings", files=[("digit", (None, "3"))]), 422,
                 "0 recordings and 1 digit;")
    assert_error(voice_client.post("/api/voice/recordings", files=[("x", (None, "1"))]), 422,
                 "x: not a field")
    assert_error(voice_client.post("/api/voice/recordings", data={"digit": "1"}), 415,
                 "multipart form")  # (a urlencoded form)


@pytest.mark.parametrize("extra, words", [
    ((("x.wav", b"RIFF", "audio/wav"), "../up"), ["digit '../up' of x.wav", "not one of the"]),
    ((("x.wav", b"RIFF", "audio/wav"), ""), ["digit '' of x.wav", "not one of the model's"]),
    # in a form a digit sent as the boolean false is the text "false": not a digit
    ((("x.wav", b"RIFF", "audio/wav"), "false"), ["digit 'false' of x.wav"]),
    ((("digit.png", png(np.zeros((28, 28), np.uint8)), "audio/wav"), "4"),
     ["digit.png (is a picture (PNG), not a recording)", "record it again"]),
    ((("noise.wav", bytes(range(256)) * 8, "audio/wav"), "4"), ["noise.wav", "record it again"]),
    ((("quiet.wav", b"", "audio/wav"), "4"), ["quiet.wav: empty"]),
])
def test_a_recording_to_save_is_checked_as_teaching_checks_it(voice_client, spoken_digits, extra,
                                                              words):
    """What is saved must teach: each recording one of the model's digits, and one its front
    end reads (the zip is the page's recordings kept for `digitnet train --init`)."""
    upload, digit = extra
    fields = voice_form(spoken_digits, numbers=[0], digits=[1]) + [
        ("file", upload), ("digit", (None, digit))]
    assert_error(voice_client.post("/api/voice/recordings", files=fields), 422, *words)


def test_recordings_are_saved_only_for_a_model_of_spoken_digits(web_model_path, spoken_digits):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=None)) as c:
        assert_error(c.post("/api/voice/recordings", files=voice_form(spoken_digits)), 422,
                     "this model reads pictures")
