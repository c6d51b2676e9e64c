"""``w.image`` set to a file the widget's network does not read, judged by what the file is
(how its bytes begin; a file that cannot be read, by its name): a picture given to the widget
of a model of spoken digits is said to be a picture, for a model of pictures' widget, not sent
to ``w.hear`` (which refuses it); a recording given to the widget of a model of handwritten
digits is sent to a model of spoken digits' widget, not to ``to_mnist``. Following each message
works, with real digits and real recordings."""

from __future__ import annotations

import re

import pytest
from PIL import Image

import digitnet
from digitnet.errors import DataError
from digitnet.preprocess import to_mnist


@pytest.fixture(scope="module")
def hears(speech_model):
    return digitnet.widget(speech_model)


@pytest.fixture(scope="module")
def reads(drawing_model):
    return digitnet.widget(drawing_model)


def _said(w, value) -> str:
    with pytest.raises(DataError) as error:
        w.image = value
    said = str(error.value)
    assert "\n" not in said
    return said


def test_a_picture_given_to_a_widget_that_hears_is_for_a_model_of_pictures(
        hears, reads, mnist, tmp_path):
    five = tmp_path / "five.png"  # a real digit, as a photo of one is read
    Image.fromarray(mnist.x[20005]).save(five)
    for value, source, named in [(str(five), repr(str(five)), repr(str(five))),
                                 (five, repr(str(five)), repr(str(five))),
                                 (five.read_bytes(), "data", "these bytes")]:
        said = _said(hears, value)
        assert said == (f"w.image takes the picture of a sound heard, and {named} is a picture, "
                        "not a recording: this network hears recordings, so hear one with "
                        "w.hear('seven.wav'); a picture of a digit is read by a model of "
                        "pictures' widget: w = digitnet.widget('digits.safetensors'); w.image = "
                        f"digitnet.preprocess.to_mnist({source})")
        assert "w.hear('" + str(five) not in said  # (w.hear refuses a picture)
    with Image.open(five) as picture:
        said = _said(hears, picture)
    assert said.startswith("w.image takes the picture of a sound heard, and a PIL image is a "
                           "picture, not a recording")
    assert said.endswith("w.image = digitnet.preprocess.to_mnist(picture)")
    assert _said(hears, "seven.png").startswith(  # (no such file: its name says a picture)
        "w.image takes the picture of a sound heard, and 'seven.png' is a picture")
    # What it says to do: the model of pictures' widget reads it.
    reads.image = to_mnist(five)
    assert reads.digit == reads.network.predict(to_mnist(five))


def test_a_recording_given_to_a_widget_that_reads_is_for_a_model_that_hears(
        hears, reads, spoken_digits, tmp_path):
    seven = spoken_digits / "7_jackson_0.wav"
    named_as_picture = tmp_path / "seven.png"  # a recording whatever its name says
    named_as_picture.write_bytes(seven.read_bytes())
    for value, source in [(str(seven), repr(str(seven))), (named_as_picture,
                                                            repr(str(named_as_picture))),
                          (seven.read_bytes(), "data")]:
        named = "these bytes" if source == "data" else source
        assert _said(reads, value) == (
            f"w.image takes the pixels of a 28x28 image, and {named} is a recording: this "
            "network reads pictures; a recording is heard by a model of spoken digits' widget: "
            f"w = digitnet.widget('speech.safetensors'); w.hear({source})")
    assert "to_mnist" not in _said(reads, "eight.wav")  # (no such file: its name says)
    # What it says to do: the model of spoken digits' widget hears it.
    heard = hears.hear(seven)
    assert heard == hears.digit
    assert hears.network.predict(hears.image) == heard


def test_files_of_the_kind_it_reads_are_sent_where_they_were(hears, reads, spoken_digits,
                                                             mnist, tmp_path):
    """(A recording for the widget that hears, a picture for the one that reads: as before.)"""
    seven = spoken_digits / "7_jackson_0.wav"
    assert _said(hears, str(seven)) == (f"w.image takes the picture of a sound heard, not a "
                                        f"file name ({str(seven)!r}); hear a recording with "
                                        f"w.hear({str(seven)!r})")
    five = tmp_path / "five.png"
    Image.fromarray(mnist.x[20005]).save(five)
    assert re.fullmatch(r"w\.image takes the pixels of a 28x28 image, not a file name \(.*\); "
                        r"read a picture of a digit with w\.image = "
                        r"digitnet\.preprocess\.to_mnist\(.*\)", _said(reads, str(five)))
