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



def _special_file(tmp_path, kind):
    """A FIFO, or (root only) a character device like /dev/null, made inside tmp_path."""
    import os
    import stat

    path = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(path)
        return path, stat.S_ISFIFO
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path, stat.S_ISCHR


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_is_refused_and_left_in_place(tmp_path, kind):
    """As root, saving to /dev/full once replaced the device with a regular file."""
    path, is_kind = _special_file(tmp_path, kind)
    with pytest.raises(ModelFileError) as e:
        save(Network(seed=1), path)
    line = str(e.value)
    assert line.startswith(f"{path}: is a ") and line.endswith(", not a regular file; give "
                                                               "a file path")
    with pytest.raises(ModelFileError) as checked:  # the CLI's check before training
        modelfile.check_writable(path)
    assert str(checked.value) == line
    assert is_kind(path.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == [kind]  # no temporary file either


def test_a_link_to_a_device_is_refused_and_left_in_place(tmp_path):
    path, is_char = _special_file(tmp_path, "device")
    link = tmp_path / "model.safetensors"
    link.symlink_to(path)
    with pytest.raises(ModelFileError, match="not a regular file; give a file path"):
        save(Network(seed=1), link)
    assert link.is_symlink() and is_char(path.lstat().st_mode)


def test_saving_through_a_link_replaces_the_file_it_points_to(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "current").mkdir()
    real = tmp_path / "models" / "v1.safetensors"
    save(Network(seed=1), real)
    link = tmp_path / "current" / "model.safetensors"
    link.symlink_to("../models/v1.safetensors")
    new = Network(seed=2)
    assert save(new, link) == link
    assert link.is_symlink() and link.readlink().as_posix() == "../models/v1.safetensors"
    np.testing.assert_array_equal(load(real).params, new.params)
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["v1.safetensors"]
    assert [p.name for p in (tmp_path / "current").iterdir()] == ["model.safetensors"]


def test_a_dangling_link_makes_the_file_it_names(tmp_path):
    link = tmp_path / "model.safetensors"
    link.symlink_to("made.safetensors")
    save(Network(seed=1), link)
    assert link.is_symlink() and (tmp_path / "made.safetensors").is_file()


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    path = save(Network(seed=1), tmp_path / "m.safetensors")
    path.chmod(mode)
    save(Network(seed=2), path)
    assert path.stat().st_mode & 0o7777 == mode
    np.testing.assert_array_equal(load(path).params, Network(seed=2).params)


def test_saving_over_a_file_keeps_its_owner(tmp_path):
    import os

    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    path = save(Network(seed=1), tmp_path / "m.safetensors")
    os.chown(path, 12345, 23456)
    save(Network(seed=2), path)
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)


@pytest.mark.parametrize("name", ["model.onnx", "Model.ONNX"])
def test_saving_under_an_onnx_name_is_refused(tmp_path, name):
    """It wrote safetensors under the name, which load then failed to read as ONNX."""
    from digitnet.errors import ConfigError

    path = tmp_path / name
    line = (f"{path}: saving writes a safetensors file, whose name must not end in .onnx; name "
            f"it {tmp_path / 'model.safetensors'}".replace("model.s", name[:5] + ".s"))
    with pytest.raises(ConfigError) as e:
        save(Network(seed=1), path)
    assert str(e.value).startswith(line + ", or export it to ONNX with `digitnet export")
    with pytest.raises(ConfigError) as checked:  # the CLI's check before training
        modelfile.check_writable(path)
    assert str(checked.value) == str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_the_onnx_refusal_names_functions_that_exist(tmp_path):
    import importlib
    import re

    from digitnet.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        save(Network(seed=1), tmp_path / "m.onnx")
    for dotted in re.findall(r"digitnet(?:\.\w+)+", str(e.value)):
        module, _, name = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), dotted


def test_saving_a_train_result_says_to_save_its_network(tmp_path):
    """What digitnet.train returns (made here: unit tests train nothing)."""
    from digitnet import TrainConfig, TrainResult
    from digitnet.errors import ConfigError

    result = TrainResult(network=Network(seed=1), history=[], config=TrainConfig())
    with pytest.raises(ConfigError) as e:
        save(result, tmp_path / "m.safetensors")
    assert str(e.value) == ("save takes a Network; digitnet.train returns a TrainResult: "
                            "save result.network")
    save(result.network, tmp_path / "m.safetensors")  # as it says
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


@pytest.mark.parametrize("thing, said", [
    (None, "save takes a Network, not None"),
    (np.zeros((16, 784), np.float32), "save takes a Network, not a numpy.ndarray"),
    ({"layers.0.weight": 0}, "save takes a Network, not a dict"),
])
def test_saving_something_else_says_what_it_got(tmp_path, thing, said):
    from digitnet.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        save(thing, tmp_path / "m.safetensors")
    assert str(e.value).startswith(said + "; ")
    with pytest.raises(ConfigError) as e:
        modelfile.to_bytes(thing)
    assert str(e.value).startswith(said.replace("save", "to_bytes") + "; ")
    assert list(tmp_path.iterdir()) == []


def test_saving_with_the_arguments_swapped_says_so(tmp_path):
    from digitnet.errors import ConfigError

    path = tmp_path / "m.safetensors"
    with pytest.raises(ConfigError) as e:
        save(str(path), Network(seed=1))
    assert str(e.value) == (f"save takes the Network first, then the path: "
                            f"save(network, {str(path)!r})")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, kind", [("model.joblib", "a Python pickle (never loaded)"),
                                        ("model.pkl", "a Python pickle (never loaded)"),
                                        ("weights.pt", "a PyTorch file")])
def test_a_pickle_or_a_torch_file_is_named_not_called_corrupt(tmp_path, name, kind):
    import pickle

    path = tmp_path / name
    path.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))  # what joblib and torch.save write
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value).startswith(f"{path}: {kind}, not a model file; give a model saved")
    assert "corrupt" not in str(e.value)


@pytest.mark.parametrize(("name", "kind"), [("model.pkl", "a Python pickle"),
                                             ("model.PNG", "a picture"),
                                             ("model.wav", "a recording"),
                                             ("model.csv", "a table")])
def test_saving_under_another_kind_of_files_name_is_refused(tmp_path, name, kind):
    """save(net, "x.pkl") wrote safetensors under a pickle's name, which tools would unpickle."""
    from digitnet.errors import ConfigError

    path = tmp_path / name
    with pytest.raises(ConfigError) as e:
        save(Network(seed=1), path)
    assert str(e.value) == (f"{path}: saving writes a safetensors model file, but "
                            f"{path.suffix} names {kind}; name it {tmp_path / 'model.safetensors'}")
    with pytest.raises(ConfigError) as checked:  # the CLI's check before training
        modelfile.check_writable(path)
    assert str(checked.value) == str(e.value)
    assert list(tmp_path.iterdir()) == []
