"""Three careless calls a walker made, each said in one line of its own: labels left out
(None: "expected labels of shape (n,), got ()"), no layers to rank (an empty list: answered
with no neurons at all), and one NaN pixel ("1 pixels are NaN")."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import Network, inputs, poke
from digitnet.errors import ConfigError, DataError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


@pytest.fixture
def net():
    net = Network((784, 16, 16, 10), seed=0)
    net.metadata["input"] = inputs.Images((28, 28)).to_dict()
    return net


def test_labels_left_out_are_said_to_be_missing(net, mnist):
    with pytest.raises(DataError) as e:
        digitnet.evaluate(net, mnist.x[:5], None)
    assert str(e.value) == "the data: no labels (None); give one label per example"


def test_an_empty_list_of_layers_to_rank_is_refused(net, mnist):
    rows = mnist.x[:5].reshape(5, -1).astype(np.float32) / 255
    with pytest.raises(ConfigError) as e:
        poke.rank_neurons(net, rows, mnist.labels[:5], layers=[])
    assert str(e.value) == ("layers: an empty list; give hidden layers to rank (1 to 2), or "
                            "leave layers out to rank them all")


@pytest.mark.parametrize("bad, said", [(1, "1 pixel is"), (3, "3 pixels are")])
def test_nan_pixels_are_counted_in_words(net, mnist, bad, said):
    picture = mnist.x[0].reshape(28, 28) / np.float32(255)
    picture.flat[:bad] = np.nan
    with pytest.raises(DataError) as e:
        net.predict(picture)
    assert str(e.value) == (f"images: {said} NaN or infinite; pixels must be numbers in [0, 1] "
                            "(or uint8 0..255)")
