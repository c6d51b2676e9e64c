"""How POST /api/voice and /api/voice/recordings word a refusal: counts in good English ("1
digit", not "1 digits"), and a recording that cannot be used among real ones (FSDD's nicolas)
named with why, what to do (record it again, or leave it out) and that nothing was trained (or
saved), not as "skipped", which would say the others went ahead."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from api_helpers import assert_error
from real_data import voice_form

FORMATS = "(WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF)"


@pytest.fixture(scope="module")
def speech_client(speech_model):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=None)) as c:
        yield c


def fields_of(spoken_digits, numbers=range(2)) -> list:
    return voice_form(spoken_digits, numbers)


def silent() -> bytes:
    """A second of digital silence, as a WAV: what a muted microphone records."""
    out = io.BytesIO()
    soundfile.write(out, np.zeros(8000, np.float32), 8000, format="WAV", subtype="PCM_16")
    return out.getvalue()


@pytest.mark.parametrize("path", ["/api/voice", "/api/voice/recordings"])
def test_two_recordings_and_one_digit_is_counted_in_good_english(speech_client, spoken_digits,
                                                                 path):
    fields = fields_of(spoken_digits)  # file, digit, file, digit, ...
    two = [fields[0], fields[1], fields[2]]  # 2 recordings, 1 digit
    said = assert_error(speech_client.post(path, files=two), 422)
    assert said.startswith("2 recordings and 1 digit; send a 'file' field for each recording")
    one = [fields[0], fields[1], fields[3]]  # 1 recording, 2 digits
    said = assert_error(speech_client.post(path, files=one), 422)
    assert said.startswith("1 recording and 2 digits; ")


@pytest.mark.parametrize("path, done", [("/api/voice", "trained"),
                                        ("/api/voice/recordings", "saved")])
def test_a_silent_recording_among_21_is_a_refusal_naming_it(speech_client, spoken_digits, path,
                                                            done):
    fields = fields_of(spoken_digits) + [("file", ("muted.wav", silent(), "audio/wav")),
                                         ("digit", (None, "4"))]
    said = assert_error(speech_client.post(path, files=fields), 422)
    assert said == ("1 recording of the 21 sent cannot be used: muted.wav (silent (digital "
                    "silence)); record it again, or leave it out; nothing was " + done)
    assert speech_client.get("/api/train").json()["state"] == "idle"


def test_two_recordings_that_cannot_be_used_are_each_named(speech_client, spoken_digits):
    fields = fields_of(spoken_digits) + [
        ("file", ("muted.wav", silent(), "audio/wav")), ("digit", (None, "4")),
        ("file", ("noise.wav", bytes(range(256)) * 8, "audio/wav")), ("digit", (None, "5"))]
    said = assert_error(speech_client.post("/api/voice", files=fields), 422)
    assert said.startswith("2 recordings of the 22 sent cannot be used: muted.wav (silent "
                           "(digital silence)), noise.wav (not a recording, or not one we read")
    assert said.endswith("; record them again, or leave them out; nothing was trained")


def test_none_usable_says_nothing_was_trained(speech_client):
    fields = [("file", ("muted.wav", silent(), "audio/wav")), ("digit", (None, "4"))]
    said = assert_error(speech_client.post("/api/voice/recordings", files=fields), 422)
    assert said == ("the recordings sent: no recording could be read (muted.wav (silent "
                    "(digital silence))); give recordings of one spoken digit each (.wav, "
                    ".wave, .flac, .ogg, .oga, .opus, .mp3, .aiff, .aif, .aifc); nothing was "
                    "saved")
