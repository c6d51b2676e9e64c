"""The walk's folders of a voice with pictures among the recordings, through the command line:
a stray cover.png (a real MNIST digit) in a class folder of real recordings (FSDD) no longer
stops `evaluate` and `train --init` of a model of recordings with the opposite advice ("has no
pictures"); a folder of 6 recordings and 2 pictures trains a model of recordings, not of the
2 pictures; and one of as many pictures as recordings is refused, naming both, not read."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from PIL import Image

from digitnet import inputs, modelfile


@pytest.fixture(scope="module")
def digit_pictures(mnist):
    return [mnist.x[np.flatnonzero(mnist.labels == d)[7]] for d in range(10)]


def voice(root, spoken_digits, takes, digits=range(10)):
    """Class folders of jackson's recordings 0..takes-1 (FSDD's test split: the speech model
    never learned from them)."""
    for digit in digits:
        (root / str(digit)).mkdir(parents=True)
        for i in range(takes):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", root / str(digit) / f"t{i}.wav")
    return root


def test_a_cover_picture_among_a_voice_is_left_out_by_a_model_of_recordings(
        run, speech_model, spoken_digits, digit_pictures, tmp_path):
    myvoice = voice(tmp_path / "myvoice", spoken_digits, takes=2)
    Image.fromarray(digit_pictures[0]).save(myvoice / "0" / "cover.png")
    r = run("evaluate", speech_model, "--data", myvoice)
    assert r.exit_code == 0, r.output
    assert "(all, 20 examples)" in r.output
    assert "0/cover.png (a picture)" in r.stderr and "has no pictures" not in r.stderr
    out = tmp_path / "mine.safetensors"
    r = run("train", "--init", speech_model, "--data", myvoice, "--val-fraction", "0.5",
            "--out", out)
    assert r.exit_code == 0, r.output
    assert "0/cover.png (a picture)" in r.stderr
    assert re.search(r"Before training, \S+ scored [\d.]+% on the same examples", r.output)
    assert modelfile.load(out).metadata["data"]["train"]["n"] == 20  # the recordings read


def test_six_recordings_and_two_pictures_are_a_set_of_recordings(
        run, speech_model, spoken_digits, digit_pictures, tmp_path):
    """The walk's mixcls/: plain `train` learned a model of the 2 pictures; `evaluate` of the
    model of recordings said the folder held pictures."""
    mixcls = voice(tmp_path / "mixcls", spoken_digits, takes=3, digits=(3, 8))
    Image.fromarray(digit_pictures[5]).save(mixcls / "3" / "img0_label5.png")
    Image.fromarray(digit_pictures[4]).save(mixcls / "8" / "img2_label4.png")
    out = tmp_path / "mixed.safetensors"
    r = run("train", "--data", mixcls, "--epochs", "2", "--val-fraction", "0.34", "--out", out)
    assert r.exit_code == 0, r.output
    assert inputs.of(modelfile.load(out)).kind == "audio"
    assert "skipped 2 of 8 files" in r.stderr and "3/img0_label5.png (a picture)" in r.stderr
    r = run("evaluate", speech_model, "--data", mixcls)
    assert r.exit_code == 0, r.output
    assert "(all, 6 examples)" in r.output


def test_as_many_pictures_as_recordings_are_refused_naming_both(
        run, one_line, speech_model, spoken_digits, digit_pictures, tmp_path):
    half = voice(tmp_path / "half", spoken_digits, takes=1, digits=(3, 8))
    for digit in (3, 8):
        Image.fromarray(digit_pictures[digit]).save(half / str(digit) / "a.png")
    for args in (("train", "--data", half, "--out", tmp_path / "m.safetensors"),
                 ("evaluate", speech_model, "--data", half)):
        r = run(*args)
        assert r.exit_code == 1
        line = one_line(r.stderr)
        assert re.fullmatch(
            rf"digitnet: error: {re.escape(str(half))}: its class folders hold 2 recordings "
            r"\(such as 3/t0\.wav\) and 2 pictures \(such as 3/a\.png\), neither twice as many "
            r"as the other; .*move the pictures or the recordings out of the class folders",
            line), line
