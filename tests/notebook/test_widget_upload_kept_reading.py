"""The widget's uploads and drawings that cannot be read, with real digits, real recordings and
the suite's trained models: a recording uploaded to a model of pictures' widget is said to be a
recording, in the words of ``net.predict('seven.wav')`` (not "not an image (or not a format we
read: PNG, ...)"), and a picture uploaded to a model that hears, a picture; and what cannot be
read leaves the last good reading (w.image, w.digit, w.trace) as it was, as a failed
``w.hear('missing.wav')`` from Python does, the error answered to the page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import digitnet
from digitnet.errors import DataError

HELD_OUT = 20007  # a real digit the drawing model did not train on


def widget(net):
    """``digitnet.widget(net)``, keeping what it sends to the page in ``w.sent``."""
    w = digitnet.widget(net)
    w.sent = []
    w.send = lambda content, buffers=None: w.sent.append(content)
    return w


def ask(w, buffers=(), **message) -> dict:
    w._on_message(w, {"seq": 3, **message}, list(buffers))
    assert w.sent[-1]["seq"] == 3
    return w.sent[-1]


def predict_says(net, name: str) -> str:
    """What ``net.predict(name)`` says of a file of that name, less its "x: 'name' names"."""
    with pytest.raises(DataError) as refused:
        net.predict(name)
    return str(refused.value).split("; ", 1)[1]


def reading(w) -> tuple:
    return w.image, w.digit, w.trace


def kept(w, before: tuple) -> bool:
    """Whether the widget's reading is still ``before``'s: the same image, digit and trace."""
    return all(now is then for now, then in zip(reading(w), before))


def test_a_recording_uploaded_to_a_model_of_pictures_is_said_to_be_one(
        drawing_model, spoken_digits, mnist):
    net = digitnet.load(drawing_model)
    w = widget(net)
    w.image = mnist.x[HELD_OUT]
    before = reading(w)
    recording = (spoken_digits / "5_nicolas_1.wav").read_bytes()
    for name in ("x.wav", "five.png"):  # (its bytes say what it is, whatever its name)
        reply = ask(w, kind="upload", name=name, buffers=[recording])
        assert reply == {"seq": 3, "error": f"{name} is a recording; "
                                            + predict_says(net, "seven.wav")}
        assert reply["error"].endswith("this model reads pictures, not recordings: a speech "
                                       "model (one trained on recordings) hears those")
        assert kept(w, before)  # the last good reading stays
    assert w.digit == net.predict(mnist.x[HELD_OUT])


def test_a_picture_uploaded_to_a_model_that_hears_is_said_to_be_one(
        speech_model, spoken_digits, mnist, tmp_path):
    net = digitnet.load(speech_model)
    w = widget(net)
    digit = w.hear(spoken_digits / "3_jackson_0.wav")
    before = reading(w)
    five = tmp_path / "five.png"
    Image.fromarray(mnist.x[HELD_OUT]).save(five)
    reply = ask(w, kind="upload", name="five.png", buffers=[five.read_bytes()])
    assert reply["error"] == "five.png is a picture; " + predict_says(net, "five.png")
    assert reply["error"].endswith("this model hears recordings, not pictures: a model trained "
                                   "on pictures reads those")
    assert kept(w, before) and w.digit == digit
    # and a file that is neither, as a failed w.hear leaves it
    reply = ask(w, kind="upload", name="notes.wav", buffers=[b"RIFF" + b"\0" * 100])
    assert reply["error"].startswith("notes.wav: not a recording")
    assert kept(w, before)
    with pytest.raises(DataError, match="no such file"):
        w.hear(tmp_path / "missing.wav")
    assert kept(w, before)


def test_a_drawing_or_picture_that_cannot_be_read_keeps_the_last_reading(drawing_model, mnist):
    net = digitnet.load(drawing_model)
    w = widget(net)
    w.image = mnist.x[HELD_OUT]
    before = reading(w)
    assert before[1] is not None and before[2] is not None
    blank = ask(w, kind="predict", pixels=np.zeros((56, 56)).tolist())
    assert blank["error"].startswith("the drawing: no digit found")
    assert kept(w, before)
    text = ask(w, kind="upload", name="notes.txt", buffers=[b"not a picture"])
    assert text["error"].startswith("notes.txt: not an image")
    assert kept(w, before)
    assert ask(w, kind="current")["answer"]["digit"] == w.digit  # what the page is told
    assert ask(w, kind="neuron", layer=1, index=0)["answer"]["current"] is not None
    assert ask(w, kind="clear") == {"seq": 3, "answer": None}  # (Clear still clears)
    assert reading(w) == (None, None, None)
