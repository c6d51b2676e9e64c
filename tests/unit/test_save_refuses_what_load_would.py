"""digitnet.save refuses, in one line, what load would refuse after: a network whose parameters
hold NaN or infinity (load calls such a file corrupt), and a path that is no path (None, a
stream), which load refuses with a ConfigError where save raised Python's TypeError."""

from __future__ import annotations

import io

import numpy as np
import pytest

import digitnet
from digitnet import modelfile
from digitnet.errors import ConfigError


def network() -> digitnet.Network:
    return digitnet.Network((784, 16, 10), seed=0)


def test_a_network_with_nan_weights_is_not_saved_and_the_old_file_stays(tmp_path):
    path = tmp_path / "m.safetensors"
    digitnet.save(network(), path)
    before = path.read_bytes()
    bad = network()
    bad.weights[1][3, 4] = np.nan
    with pytest.raises(ConfigError) as info:
        digitnet.save(bad, path)
    assert str(info.value) == (
        f"{path}: not saved: the network's layers.1.weight holds NaN or infinite values, which"
        " no model file may (load would call it corrupt); save its weights from before they"
        " went bad, or train again with a lower learning rate")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temporary left
    assert digitnet.load(path).sizes == (784, 16, 10)


def test_infinite_values_in_two_arrays_are_both_named(tmp_path):
    bad = network()
    bad.weights[0][0, 0] = np.inf
    bad.biases[1][2] = -np.inf
    with pytest.raises(ConfigError, match=r": not saved: the network's layers.0.weight and "
                                          r"layers.1.bias hold NaN or infinite values"):
        digitnet.save(bad, tmp_path / "new.safetensors")
    assert not (tmp_path / "new.safetensors").exists()


def test_to_bytes_refuses_them_too():
    bad = network()
    bad.biases[0][:] = np.nan
    with pytest.raises(ConfigError, match=r"^to_bytes: not written: the network's layers.0.bias"
                                          r" holds NaN"):
        modelfile.to_bytes(bad)


@pytest.mark.parametrize("path, got", [
    (None, "None"),
    (3, "an int"),
])
def test_a_path_that_is_no_path_is_a_config_error(path, got):
    with pytest.raises(ConfigError) as info:
        digitnet.save(network(), path)
    assert str(info.value) == (f"save takes the path of the file to write, not {got}; give one"
                               " such as 'digitnet-model.safetensors'")


def test_a_stream_is_refused_with_the_way_to_write_one():
    stream = io.BytesIO()
    with pytest.raises(ConfigError) as info:
        digitnet.save(network(), stream)
    assert str(info.value) == (
        "save takes the path of the file to write, not a _io.BytesIO; give one such as"
        " 'digitnet-model.safetensors' (for a stream:"
        " stream.write(digitnet.modelfile.to_bytes(network)))")
    stream.write(modelfile.to_bytes(network()))  # the way it says works
    assert stream.getvalue()[8:9] == b"{"  # a safetensors header follows its 8-byte length
