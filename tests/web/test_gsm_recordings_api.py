"""Real recordings (FSDD) converted to GSM 6.10 WAV, a phone's and a voice recorder's encoding
that libsndfile decodes only as a stream, through the API: predicted at /models/2/api/predict
(a multipart file and the raw body) as the library hears them, a voice taught from them
(POST /api/voice) and kept (POST /api/voice/recordings); never a 500."""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import pytest
import soundfile
from real_data import voice_form

from digitnet import audio, inputs, modelfile


def gsm(path) -> bytes:
    """The real recording at ``path`` as ``soundfile.write(f, x, 8000, subtype='GSM610')``."""
    samples, rate = soundfile.read(path, dtype="float32")
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format="WAV", subtype="GSM610")
    return out.getvalue()


@pytest.fixture
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def test_gsm_recordings_are_predicted_as_the_library_hears_them(two, speech_model,
                                                                speech_unheard_recordings):
    net = modelfile.load(speech_model)
    front_end = inputs.audio_of(net)
    right = 0
    for path in speech_unheard_recordings:
        data = gsm(path)
        multipart = two.post("/models/2/api/predict",
                             files={"file": ("sub_GSM610.wav", data, "audio/wav")})
        raw = two.post("/models/2/api/predict", content=data,
                       headers={"content-type": "audio/wav"})
        assert multipart.status_code == raw.status_code == 200, multipart.text + raw.text
        picture = audio.picture(data, front_end) / np.float32(255)
        expected = int(net.forward(picture.reshape(1, -1))[0].argmax())
        assert multipart.json()["digit"] == raw.json()["digit"] == expected
        right += expected == int(path.name[0])
    # (GSM 6.10 is lossy and the small model learned from clean WAVs; 10% is chance)
    assert right >= 0.7 * len(speech_unheard_recordings), right


def test_a_voice_is_taught_from_gsm_recordings(speech_client, spoken_digits):
    r = speech_client.post("/api/voice", files=voice_form(spoken_digits, range(3), read=gsm))
    assert r.status_code == 202, r.text
    for _ in range(600):
        status = speech_client.get("/api/train").json()
        if status["state"] != "running":
            break
        time.sleep(0.1)
    assert status["state"] == "done", status
    [model] = speech_client.get("/api/models").json()["models"]
    assert model["source"] == "fine-tuned to a voice on the page"
    served = speech_client.get("/api/model").json()
    assert served["model_version"] == 2 and served["source"] == model["source"]
    assert served["metadata"]["data"]["train"]["n"] == 20  # 30 sent; the last of each held out


def test_gsm_recordings_are_kept_as_sent(speech_client, spoken_digits):
    fields = voice_form(spoken_digits, [0], read=gsm)
    r = speech_client.post("/api/voice/recordings", files=fields)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as kept:
        assert sorted(kept.namelist()) == [f"my-voice/{d}/1.wav" for d in range(10)]
        assert kept.read("my-voice/7/1.wav") == fields[2 * 7][1][1]


def test_one_gsm_recording_among_plain_ones_teaches_with_them(speech_client, spoken_digits):
    """A voice of plain WAVs with one GSM recording: read like the others (202, not a 500)."""
    first4 = spoken_digits / "4_nicolas_0.wav"
    fields = voice_form(spoken_digits, read=lambda p: gsm(p) if p == first4 else p.read_bytes())
    r = speech_client.post("/api/voice/recordings", files=fields)
    assert r.status_code == 200, r.text
    r = speech_client.post("/api/voice", files=fields)
    assert r.status_code == 202, r.text
    speech_client.delete("/api/train")  # (what was checked is that it started)
    for _ in range(600):
        if speech_client.get("/api/train").json()["state"] != "running":
            break
        time.sleep(0.1)
