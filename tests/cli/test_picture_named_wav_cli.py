"""A real MNIST digit saved as a PNG and named ``seven.wav``, on the command line: a model of
spoken digits says in one line that it is a picture (`digitnet predict` with its own words, which
name the kind of model to use; `digitnet show network` with digitnet.audio.read_sound's, which
name its format), never libsndfile's "Format not recognised" nor a traceback; a model of pictures
reads it, whatever its name. (read_sound itself: tests/unit/test_audio_picture_named_wav.py.)"""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predict, show network)


@pytest.fixture
def picture_named_wav(real_digit_images, tmp_path):
    path = tmp_path / "seven.wav"
    out = io.BytesIO()
    Image.fromarray(real_digit_images[0][7]).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_a_model_of_recordings_says_a_png_named_wav_is_a_picture(run, speech_model,
                                                                 picture_named_wav, tmp_path):
    r = run("predict", speech_model, picture_named_wav)
    assert r.exit_code == 1 and r.stdout == ""
    [line] = r.stderr.splitlines()
    assert line == (f"digitnet: error: {picture_named_wav}: is a picture (PNG), not a "
                    "recording; record one spoken digit, or use a recording of one (WAV, FLAC, "
                    "Ogg (Vorbis or Opus), MP3 or AIFF)")
    assert "Format not recognised" not in line and "Traceback" not in r.stderr
    r = run("show", "network", speech_model, picture_named_wav, "--out", tmp_path / "n.png")
    assert r.exit_code != 0 and not (tmp_path / "n.png").exists()
    assert r.stderr.splitlines() == [(
        f"digitnet: error: {picture_named_wav}: is a picture (PNG), not a recording; record one "
        "spoken digit, or use a recording of one (WAV, FLAC, Ogg (Vorbis or Opus), MP3 or AIFF)")]


def test_a_model_of_pictures_reads_a_png_named_wav(run, small_model, picture_named_wav):
    r = run("predict", small_model, picture_named_wav)
    assert r.exit_code == 0, r.stderr
    [line] = r.stdout.splitlines()
    assert line.startswith(f"{picture_named_wav}: ")
