"""An ``input_id`` the model asked does not remember, on a server of two models (handwritten
digits, model 1; spoken digits, model 2): the 404 says what to send again, a recording to a
model of recordings, and where, that model's own address (``/models/2/api/predict``); and an id
that the other model made (each model remembers only the inputs it read) is said to be that
model's, naming it, rather than forgotten. Every such 404 still begins "input_id ... is not
known", which is how the page tells that it should send its input again (static/js/recall.js)."""

from __future__ import annotations

import re

import pytest
from api_helpers import assert_error, grid

UNKNOWN = "0123456789abcdef"
#: How the page tells a forgotten input (static/js/recall.js's `forgotten`).
PAGE_FORGOTTEN = re.compile(r"^input_id \S+ is not known")


def _asked(two, api: str, how: str, input_id: str):
    """Ask ``api`` about ``input_id`` in one of the three ways that take one."""
    if how == "GET neuron":
        return two.get(f"{api}/neuron/1/3?input_id={input_id}")
    if how == "POST neuron":
        return two.post(f"{api}/neuron/1/3", json={"input_id": input_id})
    return two.post(f"{api}/backprop", json={"input_id": input_id, "label": 3})


HOW = ["GET neuron", "POST neuron", "POST backprop"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("api, what", [("/models/2/api", "recording"),
                                       ("/api", "drawing or image"),
                                       ("/models/1/api", "drawing or image")])
def test_an_unknown_id_says_what_to_send_again_and_to_which_address(two, how, api, what):
    message = assert_error(_asked(two, api, how, UNKNOWN), 404,
                           f"input_id {UNKNOWN} is not known (the server keeps the last",
                           f"; POST the {what} to {api}/predict again")
    assert message.endswith(f"POST the {what} to {api}/predict again")
    assert PAGE_FORGOTTEN.match(message)


@pytest.mark.parametrize("how", HOW)
def test_an_id_of_the_other_model_is_said_to_be_its(two, held_out, spoken_digits, how):
    drawn = two.post("/api/predict", json={"pixels": grid(held_out[0][0])})
    heard = two.post("/models/2/api/predict",
                     files={"file": ("7_jackson_0.wav",
                                     (spoken_digits / "7_jackson_0.wav").read_bytes(),
                                     "audio/wav")})
    assert drawn.status_code == heard.status_code == 200, (drawn.text, heard.text)
    drawing, recording = drawn.json()["input_id"], heard.json()["input_id"]
    assert _asked(two, "/api", how, drawing).status_code == 200  # (each knows its own)
    assert _asked(two, "/models/2/api", how, recording).status_code == 200

    message = assert_error(_asked(two, "/models/2/api", how, drawing), 404)
    assert message == (f"input_id {drawing} is not known to this model (/models/2/api): model 1 "
                       "of this server made it (at /api/predict), and each model remembers "
                       "only the inputs it read; POST the recording to /models/2/api/predict "
                       "for an input_id of this model")
    assert PAGE_FORGOTTEN.match(message)
    for api in ("/api", "/models/1/api"):
        message = assert_error(_asked(two, api, how, recording), 404)
        assert message == (f"input_id {recording} is not known to this model ({api}): model 2 "
                           "of this server made it (at /models/2/api/predict), and each model "
                           "remembers only the inputs it read; POST the drawing or image to "
                           f"{api}/predict for an input_id of this model")
