"""A picture renamed ``something.wav``, uploaded on the page of a model of spoken digits: the 422
(whose words the page shows as they are) says the file is a picture, of which format, and what
to do in words a page's user can act on: record or upload a recording, or open the page of the
server's model of pictures, its API named after it for API users. (Before, it said "not a
recording, or not one we read (Format not recognised)" and "send it to /api/predict", a path
no one on the page can use.)"""

from __future__ import annotations

from api_helpers import assert_error, png, post_raw

WHAT = ("is a picture (PNG), not a recording; record one spoken digit, or upload a recording "
        "of one (WAV, FLAC, OGG or MP3)")


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
