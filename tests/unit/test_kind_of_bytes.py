"""kinds.kind_of_bytes tells a file sent to the server by how its bytes begin: a real spoken
digit in each format soundfile writes, a real MNIST digit in each format Pillow writes, and
bytes that are neither. (The server then points a recording sent to a model of pictures at the
model that hears it: tests/web/test_model_addresses.py.)"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from digitnet import kinds


@pytest.fixture(scope="module")
def spoken(spoken_digits):
    import soundfile

    return soundfile.read(spoken_digits / "7_jackson_0.wav", dtype="float32")


@pytest.fixture(scope="module")
def digit(mnist):
    return Image.fromarray(mnist.x[0])


@pytest.mark.parametrize("form", ["WAV", "FLAC", "OGG", "MP3"])
def test_a_real_recording_is_audio_in_every_format(spoken, spoken_digits, form):
    import soundfile

    if form == "WAV":  # the file as FSDD ships it, and as soundfile writes it
        assert kinds.kind_of_bytes((spoken_digits / "7_jackson_0.wav").read_bytes()) == "audio"
    samples, rate = spoken
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=form)
    assert kinds.kind_of_bytes(out.getvalue()) == "audio"


@pytest.mark.parametrize("form", ["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"])
def test_a_real_digit_is_a_picture_in_every_format(digit, form):
    out = io.BytesIO()
    digit.save(out, format=form)
    assert kinds.kind_of_bytes(out.getvalue()) == "images"


@pytest.mark.parametrize("data", [b"", b"R", b"RIFF", b"RIFF\x10\x00\x00\x00AVI LIST",
                                  b"digit,label\n7,3\n", b'{"pixels": [[0]]}', b"\xff",
                                  b"BMI,weight\n21.5,70\n"])
def test_bytes_of_neither_are_none(data):
    """An AVI is a RIFF file too, and a lone 0xFF byte no MP3 frame: neither is said to be a
    recording; a table that begins "BM" is no BMP (whose size follows, then 4 zero bytes)."""
    assert kinds.kind_of_bytes(data) is None
