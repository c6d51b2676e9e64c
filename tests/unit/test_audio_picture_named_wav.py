"""A picture named as a recording (a real MNIST digit saved as a PNG and renamed ``seven.wav``)
is said to be a picture, of which format, by :func:`digitnet.audio.read_sound`, which every path
that reads a recording reads through: one line, not libsndfile's "Format not recognised". Files
that are neither picture nor recording (text, random bytes) keep libsndfile's words. The API and
teaching a voice: tests/web/test_recording_that_is_a_picture.py; the CLI:
tests/cli/test_picture_named_wav_cli.py."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from digitnet import audio, recordings
from digitnet.errors import AudioError, DataError
from digitnet.inputs import Audio

pytestmark = pytest.mark.engine_independent  # (files read, nothing trained)

WHAT = ("is a picture ({}), not a recording; record one spoken digit, or use a recording of one "
        "(WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF)")


def saved(image: np.ndarray, form: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format=form)
    return out.getvalue()


@pytest.fixture(scope="module")
def digit(mnist) -> np.ndarray:
    """A real handwritten digit, uint8 28x28."""
    return mnist.x[0]


def test_a_png_named_wav_is_said_to_be_a_picture_in_one_line(digit, tmp_path):
    path = tmp_path / "seven.wav"
    path.write_bytes(saved(digit, "PNG"))
    for source, name in ((path, str(path)), (path.read_bytes(), "recording"),
                         (io.BytesIO(path.read_bytes()), "recording")):
        with pytest.raises(AudioError) as e:
            audio.read_sound(source)
        assert str(e.value) == f"{name}: {WHAT.format('PNG')}"
    with pytest.raises(AudioError) as e:  # the picture the network hears: the same words
        audio.picture(path, name="seven.wav")
    assert str(e.value) == f"seven.wav: {WHAT.format('PNG')}"


@pytest.mark.parametrize("form", ["JPEG", "GIF", "BMP", "WEBP", "TIFF"])
def test_a_picture_in_any_format_is_named_by_its_format(digit, form):
    with pytest.raises(AudioError) as e:
        audio.read_sound(saved(digit, form), name="seven.flac")
    assert str(e.value) == f"seven.flac: {WHAT.format(form)}"


@pytest.mark.parametrize("side, said", [(10_000, " (PNG)"), (30_000, "")])
def test_a_picture_too_large_to_decode_is_still_a_picture(digit, side, said):
    """A PNG whose header says it is side x side pixels: Pillow warns of one of 100 million
    pixels and refuses one of 900 million (a decompression bomb, whose format it then does not
    name); a picture all the same, and no warning or other error escapes."""
    png = saved(digit, "PNG")
    header = b"IHDR" + struct.pack(">II", side, side) + png[24:29]
    bomb = png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]
    with pytest.raises(AudioError) as e:
        audio.read_sound(bomb, name="huge.wav")
    assert str(e.value) == f"huge.wav: {WHAT.replace(' ({})', said)}"


@pytest.mark.parametrize("name, data", [
    ("notes.flac", b"digit,label\n7,3\nnot a recording at all\n"),
    ("noise.wav", np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes()),
])
def test_what_is_neither_keeps_libsndfiles_words(name, data):
    with pytest.raises(AudioError) as e:
        audio.read_sound(data, name=name)
    assert str(e.value) == (f"{name}: not a recording, or not one we read (Format not "
                            "recognised); record one spoken digit (WAV, FLAC, Ogg (Vorbis or "
                            "Opus), MP3 or AIFF)")


def test_a_picture_named_wav_among_recordings_is_skipped_as_a_picture(digit, spoken_digits):
    """The data loaders read through read_sound too: the note on what was skipped says so."""
    seven = (spoken_digits / "7_jackson_0.wav").read_bytes()
    found = recordings.read_items([("7/a.wav", seven, 7, ""), ("7/b.wav", saved(digit, "PNG"), 7,
                                                                 "")],
                                  tuple("0123456789"), Audio(), "voice/", "my-voice")
    assert len(found.labels) == 1
    assert found.note == ("my-voice: skipped 1 of 2 files, which are not recordings of one "
                          "spoken digit: 7/b.wav (is a picture (PNG), not a recording); fix or "
                          "remove them")
    with pytest.raises(DataError, match=r"7/b.wav \(is a picture \(PNG\), not a recording\)"):
        recordings.read_items([("7/b.wav", saved(digit, "PNG"), 7, "")], tuple("0123456789"),
                              Audio(), "voice/", "my-voice")
