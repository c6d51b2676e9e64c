"""evaluate checks the size of the whole data's pictures against the model's before batching.

A model of 10x10 images given MNIST's 28x28 digits used to fail inside the first batch: "expected
images of 10x10 pixels, got an array of shape (512, 28, 28)", an internal batch size and no
remedy.
"""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import Network
from digitnet.errors import DataError
from digitnet.inputs import Images


@pytest.fixture(scope="module")
def tiny():
    """A hand-built network of 10x10 images (random weights, no training)."""
    net = Network((100, 16, 10), activation="relu", seed=1)
    net.metadata["input"] = Images((10, 10)).to_dict()
    return net


def test_pictures_of_another_size_are_refused_before_any_batch(mnist, tiny):
    x, labels = mnist.x[:1500], mnist.labels[:1500]
    with pytest.raises(DataError) as e:
        digitnet.evaluate(tiny, x, labels)
    assert str(e.value) == ("the data holds 28x28 images and the network reads 10x10 images; "
                            "give data of the size it was trained on")
    with pytest.raises(DataError) as e:  # named as a command names them
        digitnet.evaluate(tiny, x, labels, data_name="mnist-train-prefix",
                          model_name="in100.onnx")
    assert str(e.value) == ("mnist-train-prefix holds 28x28 images and in100.onnx reads 10x10 "
                            "images; give data of the size it was trained on")
    with pytest.raises(DataError, match=r"^the data holds rows of 784 values and the network "
                                        r"reads 10x10 images; give data of the size"):
        digitnet.evaluate(tiny, x.reshape(len(x), 784), labels)


def test_pictures_of_its_size_are_still_scored(mnist, tiny):
    small = mnist.x[:600, 4:24:2, 4:24:2]  # real digits, every other pixel: 10x10
    ev = digitnet.evaluate(tiny, small, mnist.labels[:600], batch_size=128)
    assert ev.n == 600 and ev.accuracy == np.mean(tiny.predict(small) == mnist.labels[:600])
    rows = digitnet.evaluate(tiny, small.reshape(600, 100), mnist.labels[:600], batch_size=128)
    assert rows == ev
