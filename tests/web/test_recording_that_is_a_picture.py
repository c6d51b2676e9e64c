"""A picture renamed ``something.wav``, uploaded on the page of a model of spoken digits: the 422
(whose words the page shows as they are) says the file is a picture, of which format, and what
to do in words a page's user can act on: record or use a recording, or open the page of the
server's model of pictures, its API named after it for API users. (Before, it said "not a
recording, or not one we read (Format not recognised)" and "send it to /api/predict", a path
no one on the page can use.) The words are digitnet.audio.read_sound's, which every path reads
a recording through: teaching a voice (``POST /api/voice``) says the same of such a file; the
"model 1 of this server reads pictures" after them is the web's own."""

from __future__ import annotations

from api_helpers import assert_error, png, post_raw
from real_data import voice_form

WHAT = ("is a picture (PNG), not a recording; record one spoken digit, or use a recording "
        "of one (WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF)")


def test_a_picture_named_wav_is_said_to_be_a_picture_and_what_to_do(two, speech_model,
                                                                     held_out):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    picture = png(held_out[0][0])
    r = two.post("/models/2/api/predict", files={"file": ("something.wav", picture, "audio/wav")})
    assert assert_error(r, 422) == (f"file something.wav: {WHAT}; model 1 of this server reads "
                                    "pictures: open its page, /?model=1 (its API: /api/predict)")
    with TestClient(create_app(speech_model, data=None)) as alone:  # (no model reads pictures)
        assert assert_error(post_raw(alone, picture, "audio/wav"), 422) == f"the body: {WHAT}"


def test_a_picture_named_wav_taught_as_a_voice_is_said_to_be_a_picture(speech_model,
                                                                       spoken_digits, held_out):
    """Among real recordings (two of each digit, by a speaker the model never heard), a real
    digit's PNG named ``4.wav``: a 422 of one line saying it is a picture, and nothing trains."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    fields = voice_form(spoken_digits)
    fields += [("file", ("4.wav", png(held_out[0][0]), "audio/wav")), ("digit", (None, "4"))]
    with TestClient(create_app(speech_model, data=None)) as c:
        for path, done in (("/api/voice", "trained"), ("/api/voice/recordings", "saved")):
            said = assert_error(c.post(path, files=fields), 422, "picture (PNG)")
            assert said == ("1 recording of the 21 sent cannot be used: 4.wav (is a picture "
                            "(PNG), not a recording); record it again, or leave it out; nothing "
                            f"was {done}")
        assert c.get("/api/train").json()["state"] == "idle"
