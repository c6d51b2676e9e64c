"""A message from the widget's page that the widget cannot answer gets an error reply, as the
page's API answers a bad request, and is never read as some other request: numbers are read as
every poking function reads them (digitnet.poke.reading.whole). ``{"layer": 1.7}`` was read as
layer 1, and a layer of "x" or none at all raised in the kernel with no reply to the page.

With the notebook's trained network (the default recipe on 12,000 real digits) and a real
held-out digit, the messages sent as the browser's explorer sends them.
"""

from __future__ import annotations

import pytest

import digitnet

HELD_OUT = 20001  # a real digit the network did not train on (it trained on 0..12,000)


@pytest.fixture(scope="module")
def trained(drawing_model):
    return digitnet.load(drawing_model)


@pytest.fixture
def w(trained, mnist):
    """The widget reading a held-out digit, keeping what it sends in ``w.sent``."""
    w = digitnet.widget(trained)
    w.sent = []
    w.send = lambda content, buffers=None: w.sent.append(content)
    w.image = mnist.x[HELD_OUT]
    return w


def ask(w, message: dict, buffers=()) -> dict:
    """The widget's reply to ``message`` (sent with seq 7), which must not raise."""
    w._on_message(w, {"seq": 7, **message}, list(buffers))
    assert w.sent[-1]["seq"] == 7
    return w.sent[-1]


@pytest.mark.parametrize("message, error", [
    ({"layer": 1.7, "index": 0}, "layer: expected a whole number, got 1.7"),
    ({"layer": "x", "index": 0}, "layer: expected a whole number, got 'x'"),
    ({"index": 0}, "layer: expected a whole number, got None"),
    ({"layer": True, "index": 0}, "layer: expected a whole number, got True"),
    ({"layer": 1, "index": 2.5}, "neuron: expected a whole number, got 2.5"),
    ({"layer": 1, "index": [3]}, "neuron: expected a whole number, got [3]"),
    ({"layer": 1}, "neuron: expected a whole number, got None"),
])
def test_a_neuron_asked_for_by_no_whole_number_is_an_error_reply(w, message, error):
    reply = ask(w, {"kind": "neuron", **message})
    assert reply == {"seq": 7, "error": error}


def test_whole_numbers_sent_as_floats_are_the_neuron_they_name(w):
    as_ints = ask(w, {"kind": "neuron", "layer": 2, "index": 5})["answer"]
    assert as_ints["layer"] == 2 and as_ints["index"] == 5 and as_ints["current"] is not None
    assert ask(w, {"kind": "neuron", "layer": 2.0, "index": 5.0})["answer"] == as_ints


def test_a_drawing_or_an_upload_without_its_contents_is_an_error_reply(w, mnist):
    reply = ask(w, {"kind": "predict"})
    assert reply == {"seq": 7, "error": "the drawing sent holds no grid of numbers (its pixels "
                                        "are None); draw it again"}
    reply = ask(w, {"kind": "predict", "pixels": [[0.5, "ink"]]})
    assert reply["error"].startswith("the drawing sent holds no grid of numbers (its pixels are "
                                     "[[0.5, 'ink']]")
    reply = ask(w, {"kind": "upload", "name": "five.png"})
    assert reply == {"seq": 7, "error": "five.png: the upload came without the file's bytes; "
                                        "upload it again"}
    # (the last good reading stays, as for any drawing it could not read)
    assert w.digit == w.network.predict(mnist.x[HELD_OUT]) and w.image is not None
