"""POST /api/predict refuses a piece of a spoken word (a recording stopped early) as too short,
422 and one line, as the library does; not as noise."""

import io
import wave

import pytest


@pytest.fixture(scope="module")
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as client:
        yield client


def piece(path, ms: int) -> bytes:
    """``ms`` milliseconds from the middle of a real recording, as a WAV file."""
    with wave.open(str(path)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    k, start = ms * params.framerate // 1000, (params.nframes - ms * params.framerate // 1000) // 2
    out = io.BytesIO()
    with wave.open(out, "wb") as cut:
        cut.setparams(params)
        cut.writeframes(frames[2 * start:2 * (start + k)])
    return out.getvalue()


@pytest.mark.parametrize("ms", [60, 120])
def test_a_piece_of_a_word_posted_is_refused_as_too_short(speech_client, spoken_digits, ms):
    data = piece(spoken_digits / "7_jackson_3.wav", ms)
    r = speech_client.post("/api/predict", files={"file": ("piece.wav", data, "audio/wav")})
    assert r.status_code == 422, r.text
    message = r.json()["error"]
    assert "piece.wav: too short (" + f"{ms} ms of sound" in message, message
    assert "noise" not in message and "\n" not in message
