"""A .npy array given to a model of spoken digits on the command line (the picture of a real
recording's sound, 28x28 uint8, as its own front end made it): `digitnet predict` and `digitnet
show network` say in one line that arrays of pixels are for models of pictures and that this
model hears recordings, never libsndfile's "Format not recognised"; the other files given are
still read. It is not read as a picture of a sound: that picture is the model's own front end's,
which an array does not record. What the message says to do from Python reads it, and gives the
answer `digitnet predict` gives for the recording itself."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import audio, inputs

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predict, show network)


@pytest.fixture
def heard(speech_model, spoken_digits, tmp_path):
    """(the recording, the .npy of the picture of its sound)"""
    recording = spoken_digits / "7_jackson_0.wav"
    picture = audio.picture(recording, inputs.audio_of(digitnet.load(speech_model)))
    assert picture.shape == (28, 28) and picture.dtype == np.uint8
    saved = tmp_path / "pic7.npy"
    np.save(saved, picture)
    return recording, saved


def _said(name) -> str:
    return (f"digitnet: error: {name}: a .npy array: arrays of pixels are read by models of "
            "pictures, and this model hears recordings; give it recordings (.wav, .wave, .flac, "
            ".ogg, .oga, .opus, .mp3, .aiff, .aif, .aifc); a picture of a sound that its own "
            "front end made is read in Python: digitnet.load(MODEL).predict(numpy.load("
            f"{str(name)!r}))")


def test_predict_says_arrays_are_for_models_of_pictures(run, speech_model, heard, tmp_path):
    recording, saved = heard
    r = run("predict", speech_model, saved, recording)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [_said(saved)]
    assert "Format not recognised" not in r.stderr
    [answer] = r.stdout.splitlines()  # (the recording beside it is still heard)
    assert answer.startswith(f"{recording}: ")
    # Told by its bytes, whatever its name.
    renamed = tmp_path / "pic7.dat"
    renamed.write_bytes(saved.read_bytes())
    r = run("predict", speech_model, renamed)
    assert r.exit_code == 1 and r.stderr.splitlines() == [_said(renamed)]
    # What it says to do, in Python, reads it as the network heard the recording.
    digit = digitnet.load(speech_model).predict(np.load(saved))
    assert answer.startswith(f"{recording}: {digit}  (")


def test_show_network_says_so_too(run, speech_model, heard, tmp_path):
    _, saved = heard
    out = tmp_path / "network.png"
    r = run("show", "network", speech_model, saved, "--out", out)
    assert r.exit_code != 0 and not out.exists()
    assert r.stderr.splitlines() == [_said(saved)]
