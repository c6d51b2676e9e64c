"""A digit given to the widget inverted (dark ink on a bright background: ``w.image = 255 - x``)
is misread with no word; now it is read as given, with one UserWarning saying what looks wrong
and what to do, pointing at the line that set it (digitnet.preprocess.warn_if_inverted, the one
check for pixels given as they are). Real digits, drawings and pictures of sounds warn nothing."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import inputs
from digitnet.notebook import Explorer

HELD_OUT = slice(20000, 20040)  # real digits drawing_model was not trained on
SAID = ("w.image: the background is bright and the ink dark (most of the border is brighter "
        "than mid-grey), but networks read light ink on black, as MNIST's digits are; use 1 - x "
        "(255 - x for uint8 pixels), or pass the picture through digitnet.preprocess.to_mnist")


@pytest.fixture(scope="module")
def trained(drawing_model):
    return digitnet.load(drawing_model)


def widget(net):
    """``digitnet.widget(net)``, keeping what it sends to the browser in ``w.sent``."""
    w = digitnet.widget(net)
    w.sent = []
    w.send = lambda content, buffers=None: w.sent.append(content)
    return w


def test_real_digits_are_read_without_a_word(trained, mnist):
    w = widget(trained)  # (pytest turns any warning into an error)
    right = 0
    for image, label in zip(mnist.x[HELD_OUT], mnist.labels[HELD_OUT]):
        w.image = image
        right += w.digit == label
        w.image = image / 255  # brightness in [0, 1]
    assert right >= 34  # of 40


def test_an_inverted_digit_is_read_as_given_with_one_warning(trained, mnist):
    w = widget(trained)
    images, labels = mnist.x[HELD_OUT], mnist.labels[HELD_OUT]
    wrong = 0
    for image, label in zip(images, labels):
        for inverted in (255 - image, 1 - image / 255):
            with pytest.warns(UserWarning) as told:
                w.image = inverted
            assert [str(t.message) for t in told] == [SAID]
            assert told[0].filename == __file__  # the line that set w.image, not traitlets'
            np.testing.assert_array_equal(w.image, inverted)  # read as given
            with pytest.warns(UserWarning, match="^the image: the background is bright"):
                assert w.digit == trained.predict(inverted)  # (predict says so too)
        wrong += w.digit != label
    assert wrong >= 30  # why it warns: inverted, most real digits are misread
    with pytest.warns(UserWarning, match="^w.image: the background is bright") as told:
        Explorer(trained, image=255 - images[0])  # given as the widget is made
    assert told[0].filename == __file__


def test_a_drawing_on_white_is_read_through_to_mnist_without_a_warning(trained, mnist):
    # a drawing (or an upload) of dark ink on white goes through to_mnist, which makes it an
    # MNIST digit, light on black, before the check sees it
    w = widget(trained)
    image = mnist.x[20005]
    pixels = (np.kron(255 - image, np.ones((2, 2))) / 255).round(2).tolist()  # ink dark: 0
    answer = w._respond({"kind": "predict", "pixels": pixels}, [])
    assert answer["digit"] == w.digit == trained.predict(digitnet.preprocess.to_mnist(
        np.asarray(pixels, np.float32)))
    assert w.image[0].max() == 0 and w.image.max() == 1  # light on black


def test_a_picture_of_a_sound_is_not_checked(mnist):
    hears = digitnet.Network((784, 16, 10), seed=0)
    hears.metadata["input"] = inputs.Audio().to_dict()
    w = widget(hears)
    w.image = np.full((28, 28), 0.9, np.float32)  # loud everywhere: a bright border, no ink
    assert w.digit == hears.predict(w.image.reshape(1, -1))
