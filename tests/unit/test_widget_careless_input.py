"""What a notebook's user may carelessly give the widget, said in one line that names what was
given and what to pass: digitnet.train's TrainResult (forgetting .network), None, a number; a
model file's path as ``w.network`` (loaded, as digitnet.widget loads one); a ragged list of
rows as ``w.image``. Each raised pathlib's TypeError, a traitlets TraitError or NumPy's
ValueError about an "inhomogeneous shape"."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet.errors import ConfigError, DataError, ModelFileError
from digitnet.modelfile import Checkpoint

TAKES = "the widget shows a Network or the model file at a path"


@pytest.fixture
def net():
    return digitnet.Network((784, 16, 16, 10), seed=0)


@pytest.fixture
def model(net, tmp_path):
    path = tmp_path / "model.safetensors"
    digitnet.save(net, path)
    return path


def test_a_train_result_is_refused_saying_to_pass_its_network(net):
    result = digitnet.TrainResult(net, [], digitnet.TrainConfig())
    with pytest.raises(ConfigError) as error:
        digitnet.widget(result)
    assert str(error.value) == (f"{TAKES}; digitnet.train returns a TrainResult: pass "
                                "result.network")


@pytest.mark.parametrize("given, said", [(None, "None"), (42, "a value of type int"),
                                         (np.zeros((28, 28)), "a value of type ndarray")])
def test_what_is_not_a_network_is_refused_in_one_line(given, said, net):
    expected = (f"{TAKES}, not {said}; pass digitnet.train(...).network, digitnet.load(path) or "
                "a path such as 'model.safetensors'")
    with pytest.raises(ConfigError) as error:
        digitnet.widget(given)
    assert str(error.value) == expected
    w = digitnet.widget(net)
    with pytest.raises(ConfigError) as error:
        w.network = given
    assert str(error.value) == expected and w.network is net  # the network shown is kept


def test_an_object_holding_a_network_is_refused_naming_it(net, model):
    checkpoint_like = Checkpoint(net, {}, {}, {})
    with pytest.raises(ConfigError) as error:
        digitnet.widget(checkpoint_like)
    assert str(error.value) == f"{TAKES}, not a value of type Checkpoint: pass its .network"


def test_a_path_as_the_network_is_loaded(net, model, mnist_dir):
    other = digitnet.Network((784, 16, 16, 10), seed=1)
    w = digitnet.widget(other)
    image = digitnet.datasets.load(str(mnist_dir), split="train").x[0]
    w.image = image
    w.network = str(model)  # as digitnet.widget(path) takes one
    assert isinstance(w.network, digitnet.Network)
    assert w.network.params.tobytes() == net.params.tobytes()
    assert w.digit == net.predict(image)  # the image kept, read by the network loaded
    w.network = other
    w.network = model  # a pathlib.Path too
    assert w.network.params.tobytes() == net.params.tobytes()
    with pytest.raises(ModelFileError, match="no-such.safetensors: no such file"):
        w.network = str(model.parent / "no-such.safetensors")


def test_a_ragged_list_of_rows_is_refused_in_one_line(net):
    w = digitnet.widget(net)
    with pytest.raises(DataError) as error:
        w.image = [[0.1, 0.2], [0.3]]
    assert str(error.value) == ("w.image takes 28 rows of 28 numbers each (or an array of shape "
                                "(28, 28)); the rows of this list differ in length (rows of 1 "
                                "and 2 numbers)")
    assert w.image is None and w.digit is None
    w.image = np.full((28, 28), 0.5).tolist()  # rows alike: read
    assert w.digit == net.predict(np.full((28, 28), 0.5))
