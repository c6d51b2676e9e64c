import json
import struct

import numpy as np
import pytest

from digitnet import Network, load, modelfile, save
from digitnet.errors import ModelFileError, ShapeMismatchError


def test_round_trip_is_exact_and_keeps_metadata(tmp_path):
    net = Network((784, 16, 16, 10), "relu", "softmax", seed=5)
    net.metadata = {"config": {"epochs": 3}, "history": [{"epoch": 1, "val_accuracy": 0.9}]}
    path = save(net, tmp_path / "m.safetensors")
    back = load(path)
    np.testing.assert_array_equal(back.params, net.params)
    assert back.sizes == net.sizes and back.activation.name == "relu"
    assert back.metadata["history"] == net.metadata["history"]
    assert back.metadata["digitnet_version"]


def test_file_is_plain_safetensors_readable_without_digitnet(tmp_path):
    from safetensors.numpy import load_file

    net = Network(seed=1)
    save(net, tmp_path / "m.safetensors")
    arrays = load_file(tmp_path / "m.safetensors")
    assert arrays["layers.0.weight"].shape == (16, 784)  # (n_out, n_in), like nn.Linear
    np.testing.assert_array_equal(arrays["layers.2.bias"], net.biases[2])
    assert b"pickle" not in (tmp_path / "m.safetensors").read_bytes()


def test_metadata_header(tmp_path):
    net = Network(seed=1)
    save(net, tmp_path / "m.safetensors")
    meta = modelfile.read_metadata(tmp_path / "m.safetensors")
    assert meta["sizes"] == [784, 16, 16, 10]
    assert meta["cost"] == "cross_entropy" and meta["kind"] == "model"


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    save(Network(seed=1), path)
    before = path.read_bytes()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(modelfile.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save(Network(seed=2), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temp file left


def test_truncated_file(tmp_path):
    path = tmp_path / "m.safetensors"
    save(Network(seed=1), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="m.safetensors: not a readable safetensors model file"):
        load(path)


@pytest.mark.parametrize("content", [b"", b"hello world, not a model", b"\x00" * 100])
def test_garbage_files(tmp_path, content):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="junk.safetensors"):
        load(path)


def test_safetensors_from_elsewhere_is_refused(tmp_path):
    from safetensors.numpy import save_file

    save_file({"weight": np.zeros((2, 2), np.float32)}, tmp_path / "other.safetensors")
    with pytest.raises(ModelFileError, match="not one digitnet wrote"):
        load(tmp_path / "other.safetensors")


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        load(tmp_path / "nope.safetensors")


def test_shape_mismatches_reported_per_layer(tmp_path):
    from safetensors.numpy import save as st_save

    net = Network(seed=1)
    save(net, tmp_path / "m.safetensors")
    meta = modelfile.read_metadata(tmp_path / "m.safetensors")
    tensors = {f"layers.{l}.weight": w for l, w in enumerate(net.weights)}
    tensors |= {f"layers.{l}.bias": b for l, b in enumerate(net.biases)}
    tensors["layers.0.weight"] = np.zeros((16, 700), np.float32)
    tensors["layers.2.bias"] = np.zeros(9, np.float32)
    data = st_save(tensors, metadata={"format": "digitnet", "format_version": "1",
                                      "digitnet": json.dumps(meta)})
    (tmp_path / "bad.safetensors").write_bytes(data)
    with pytest.raises(ShapeMismatchError) as e:
        load(tmp_path / "bad.safetensors")
    msg = str(e.value)
    assert "layers.0.weight has shape (16, 700), expected (16, 784)" in msg
    assert "layers.2.bias has shape (9,), expected (10,)" in msg
    assert "\n" not in msg


def test_corrupt_metadata_json(tmp_path):
    from safetensors.numpy import save as st_save

    data = st_save({"layers.0.weight": np.zeros((2, 2), np.float32)},
                   metadata={"format": "digitnet", "format_version": "1", "digitnet": "{oops"})
    (tmp_path / "m.safetensors").write_bytes(data)
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load(tmp_path / "m.safetensors")


def test_flipped_header_length(tmp_path):
    path = tmp_path / "m.safetensors"
    save(Network(seed=1), path)
    data = bytearray(path.read_bytes())
    data[:8] = struct.pack("<Q", 10**9)
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        load(path)


def test_saving_into_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        save(Network(seed=1), tmp_path / "no" / "m.safetensors")


def test_saved_files_get_ordinary_permissions(tmp_path):
    """Not mkstemp's private 0600: what open() would give under this process's umask."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    path = save(Network(seed=1), tmp_path / "m.safetensors")
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_recording_or_picture_is_named_not_called_corrupt(tmp_path, spoken_digits, mnist):
    from PIL import Image

    recording = spoken_digits / "7_jackson_32.wav"
    picture = tmp_path / "digit.png"
    Image.fromarray(mnist.x[0]).save(picture)
    for path, kind in ((recording, "a recording"), (picture, "a picture")):
        with pytest.raises(ModelFileError) as e:
            load(path)
        assert str(e.value).startswith(f"{path}: {kind}, not a model file; give a model saved")
        with pytest.raises(ModelFileError, match=f"{kind}, not a training checkpoint"):
            modelfile.load_checkpoint(path)

