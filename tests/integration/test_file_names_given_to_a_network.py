"""A file's name given to a Network's methods (net.predict('seven.wav')) is refused with one line
saying that the network reads numbers and how to read that file, for the model's kind; doing
what it says gives the answer `digitnet predict` gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import digitnet
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predict's refusals)

RECORDING = "7_jackson_0.wav"  # FSDD's test split: never learned from


@pytest.fixture(scope="module")
def speech_net(speech_model):
    return digitnet.load(speech_model)


@pytest.mark.parametrize("as_given", [str, Path, lambda p: [str(p), str(p)],
                                      lambda p: np.array([str(p)])])
def test_a_recordings_name_is_told_how_to_read_it(speech_net, spoken_digits, as_given):
    path = spoken_digits / RECORDING
    for method in (speech_net.predict, speech_net.predict_proba):
        with pytest.raises(DataError) as caught:
            method(as_given(path))
        message = str(caught.value)
        assert "\n" not in message and message.startswith("x: ")
        assert "reads numbers (the pixels of pictures of sounds), not files" in message
        assert f"digitnet.audio.picture({str(path)!r}, digitnet.inputs.of(net))" in message
    for method, name in ((speech_net.forward, "x"), (speech_net.probabilities, "rows")):
        with pytest.raises(DataError) as caught:
            method(as_given(path))
        assert str(caught.value).startswith(f"{name}: ")
        assert ("digitnet.inputs.of(net).rows(digitnet.audio.picture("
                f"{str(path)!r}, digitnet.inputs.of(net)))") in str(caught.value)


def test_doing_what_it_says_reads_the_recording_as_digitnet_predict_does(speech_net, speech_model,
                                                                        spoken_digits):
    from click.testing import CliRunner

    from digitnet.cli import cli

    path, net = spoken_digits / RECORDING, speech_net
    heard = digitnet.audio.picture(str(path), digitnet.inputs.of(net))  # as the error says
    answer = net.predict(heard)
    rows = digitnet.inputs.of(net).rows(digitnet.audio.picture(str(path), digitnet.inputs.of(net)))
    assert int(net.forward(rows).argmax()) == answer
    said = CliRunner().invoke(cli, ["predict", str(speech_model), str(path)]).output
    assert said.startswith(f"{path}: {answer} "), said


def test_a_pictures_name_is_told_to_read_it_with_to_mnist(mnist, tmp_path):
    """A network of the video's 784 inputs (built by hand: it records none) and a real digit
    saved as a PNG file: the error names to_mnist, which reads it."""
    net = digitnet.Network((784, 16, 10), seed=0)
    path = tmp_path / "digit.png"
    Image.fromarray(255 - mnist.x[0]).save(path)  # dark ink on white, as a scan is
    to_mnist = f"digitnet.preprocess.to_mnist({str(path)!r})"
    for method, read in ((net.predict, to_mnist),
                         (net.forward, f"digitnet.inputs.of(net).rows({to_mnist})")):
        with pytest.raises(DataError) as caught:
            method(str(path))
        assert "reads numbers (the pixels of pictures), not files: read the picture first with " \
               f"{read}" in str(caught.value)
    x = digitnet.preprocess.to_mnist(str(path))
    assert net.predict(x) == int(net.forward(digitnet.inputs.of(net).rows(x)).argmax())


def test_a_tables_name_is_told_to_read_it_as_a_table():
    net = digitnet.Network((13, 8, 3), seed=0)  # the wine table's 13 columns
    with pytest.raises(DataError, match=r"x: 'wine.csv' is a file's name; a network reads "
                       r"numbers \(a table's rows\), not files: read the table first with "
                       r"digitnet.tables.read_features\('wine.csv', "
                       r"digitnet.inputs.of\(net\).columns\)"):
        net.predict("wine.csv")


def test_numbers_are_read_as_before(speech_net):
    with pytest.raises(DataError, match="expected pictures of sounds of 28x28 pixels"):
        speech_net.predict(np.zeros(5, np.uint8))
    assert speech_net.predict(np.zeros((2, 28, 28), np.uint8)).shape == (2,)


@pytest.mark.parametrize("as_given", [str, lambda p: [str(p)]])
def test_evaluate_given_a_recordings_name_says_how_to_read_it_as_predict_does(
        speech_net, spoken_digits, as_given):
    """(It said "the data holds an array of shape () and the network reads recordings".)"""
    path = spoken_digits / RECORDING
    with pytest.raises(DataError) as caught:
        digitnet.evaluate(speech_net, as_given(path), [7])
    message = str(caught.value)
    assert "\n" not in message and message.startswith("examples: ")
    assert "reads numbers (the pixels of pictures of sounds), not files" in message
    assert message.endswith(f"digitnet.audio.picture({str(path)!r}, digitnet.inputs.of(net))")
