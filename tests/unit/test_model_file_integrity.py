"""A model file as digitnet.save writes and load reads it (a walker's findings):

* a read-only model is not replaced by digitnet.save, as `digitnet train --out` refuses it
  (tests run as root, which may write any file: the mode says nobody should);
* a name of 255 bytes, the most a name may have, is saved (the temporary file beside it was
  named after it, longer still); a longer one is refused saying so;
* every file digitnet writes records the SHA-256 of its arrays, and weights damaged after
  saving (an exponent byte flipped: finite, 1e37 and up) are refused where they loaded and
  answered wrongly; a file written before the record still loads;
* what a file given as a model is when it is not one: a PyTorch state dict (pointed to
  digitnet.from_torch), an empty file, a damaged header.

Nothing here trains: the networks are random (real arrays, saved and read as any other)."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from model_edits import recorded_network

from digitnet import Network, load, modelcheck, modelfile, save
from digitnet.errors import ModelFileError

#: A run of 3 epochs of 50 steps, stopped after 1 epoch and 10 steps of the second.
PROGRESS = {"epoch": 1, "step": 10, "loss_sum": 4.5, "seconds": 0.5, "best_loss": None,
            "best_epoch": None, "optimizer_steps": 60, "engine": "numpy", "stopped_early": False}
DAMAGED = ("its weights do not match the checksum saved with them: the file was damaged after "
           "saving; restore a copy or retrain")


def _net(seed: int = 1) -> Network:
    return Network((784, 16, 10), seed=seed)


def _header(path) -> tuple[int, dict]:
    """A safetensors file's header: its length, and the JSON (arrays' places, metadata)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    return size, json.loads(data[8:8 + size])


def _resaved(path, out, metadata: dict) -> None:
    """The arrays of the file at ``path`` written to ``out`` with ``metadata``, by safetensors."""
    from safetensors.numpy import load_file, save_file

    save_file(load_file(str(path)), str(out), metadata=metadata)


# -- a read-only file ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000], ids=oct)
def test_save_refuses_a_read_only_model_as_the_commands_do(tmp_path, mode):
    path = save(_net(1), tmp_path / "ro.safetensors")
    before = path.read_bytes()
    path.chmod(mode)
    for saving in (lambda: save(_net(2), path), lambda: _checkpoint(path)):
        with pytest.raises(ModelFileError) as e:
            saving()
        assert str(e.value) == (f"{path}: is read-only; make it writable (chmod u+w {path}) or "
                                "choose another file")
    assert path.read_bytes() == before and path.stat().st_mode & 0o777 == mode
    assert [p.name for p in tmp_path.iterdir()] == ["ro.safetensors"]  # no temporary left
    path.chmod(0o644)
    save(_net(2), path)  # writable again: replaced
    np.testing.assert_array_equal(load(path).params, _net(2).params)


# -- names --------------------------------------------------------------------------------------


def test_a_name_of_255_bytes_is_saved_beside_a_shorter_temporary(tmp_path, monkeypatch):
    path = tmp_path / ("a" * 243 + ".safetensors")
    assert len(os.fsencode(path.name)) == 255
    renamed = []
    replace = os.replace

    def watched(src, dst):  # (the real rename, its source noted)
        renamed.append(os.path.basename(src))
        return replace(src, dst)

    monkeypatch.setattr(modelfile.os, "replace", watched)
    assert save(_net(), path) == path
    np.testing.assert_array_equal(load(path).params, _net().params)
    [temporary] = renamed  # hidden, beginning with the name, and digitnet's
    assert temporary.startswith(f".{'a' * 100}.digitnet-"), temporary
    assert temporary.endswith(".tmp") and len(temporary) < 130, temporary
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("name_bytes", [256, 262])
def test_a_longer_name_is_refused_saying_so(tmp_path, name_bytes):
    path = tmp_path / ("a" * (name_bytes - len(".safetensors")) + ".safetensors")
    said = (f"{path}: its name is too long ({name_bytes} bytes, at most 255); choose a shorter "
            "name")
    for attempt in (lambda: save(_net(), path), lambda: modelfile.check_writable(path)):
        with pytest.raises(ModelFileError) as e:
            attempt()
        assert str(e.value) == said
    assert list(tmp_path.iterdir()) == []


# -- the arrays' checksum -----------------------------------------------------------------------


def _flip_exponent(path, array: str = "layers.0.weight", element: int = 0) -> float:
    """Set the high byte (sign and exponent) of one float32 of ``array`` in the file to 0x7E,
    as a damaged disk might: the value stays finite, 2^125 or so. Returns it."""
    size, header = _header(path)
    start = 8 + size + header[array]["data_offsets"][0] + 4 * element
    data = bytearray(path.read_bytes())
    data[start + 3] = 0x7E
    path.write_bytes(bytes(data))
    return float(np.frombuffer(bytes(data[start:start + 4]), "<f4")[0])


def test_a_model_records_the_checksum_of_its_arrays(tmp_path):
    from safetensors import safe_open

    path = save(_net(), tmp_path / "m.safetensors")
    with safe_open(str(path), "np") as f:
        recorded = f.metadata()[modelcheck.CHECKSUM]
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    assert len(recorded) == 64 and recorded == modelcheck.checksum(arrays)


def test_weights_damaged_after_saving_are_refused(tmp_path):
    path = save(_net(), tmp_path / "m.safetensors")
    value = _flip_exponent(path)
    assert np.isfinite(value) and abs(value) > 1e37  # (finite: no check of values catches it)
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == f"{path}: {DAMAGED}"


def _checkpoint(path) -> Path:
    """A run's checkpoint (of 3 epochs, 1 done and 10 steps into the second), as training
    writes one: the network with its records, the optimiser's state, the run's."""
    net = recorded_network()
    arrays = {"optimizer.velocity": np.full(net.parameter_count, 0.5, np.float32),
              "state.epoch_start_params": net.params.copy()}
    return modelfile.save_checkpoint(net, path, progress=dict(PROGRESS), arrays=arrays)


def test_a_damaged_checkpoint_is_refused_its_optimizer_state_too(tmp_path):
    path = _checkpoint(tmp_path / "run.ckpt")
    assert modelfile.load_checkpoint(path).optimizer_state["velocity"][7] == 0.5  # as saved
    _flip_exponent(path, "optimizer.velocity", element=7)
    with pytest.raises(ModelFileError) as e:
        modelfile.load_checkpoint(path)
    assert str(e.value) == f"{path}: {DAMAGED}"


def test_the_bytes_to_bytes_gives_carry_the_checksum(tmp_path):
    """The page's download (digitnet.modelfile.to_bytes) is a model file like save's."""
    path = tmp_path / "download.safetensors"
    path.write_bytes(modelfile.to_bytes(_net()))
    np.testing.assert_array_equal(load(path).params, _net().params)
    _flip_exponent(path, "layers.1.bias", element=2)
    with pytest.raises(ModelFileError, match="do not match the checksum saved with them"):
        load(path)


def test_a_file_saved_before_the_checksum_was_recorded_still_loads(tmp_path):
    from safetensors import safe_open

    path = save(_net(), tmp_path / "m.safetensors")
    with safe_open(str(path), "np") as f:
        metadata = f.metadata()
    del metadata[modelcheck.CHECKSUM]
    older = tmp_path / "older.safetensors"
    _resaved(path, older, metadata)
    np.testing.assert_array_equal(load(older).params, _net().params)


def test_a_checksum_that_is_not_the_arrays_is_refused(tmp_path):
    """A file whose recorded checksum is another's (the arrays swapped for another network's,
    the metadata kept)."""
    from safetensors import safe_open

    ours = save(_net(1), tmp_path / "ours.safetensors")
    other = save(_net(2), tmp_path / "other.safetensors")
    with safe_open(str(ours), "np") as f:
        metadata = f.metadata()
    swapped = tmp_path / "swapped.safetensors"
    _resaved(other, swapped, metadata)
    with pytest.raises(ModelFileError) as e:
        load(swapped)
    assert str(e.value) == f"{swapped}: {DAMAGED}"


# -- what a file is instead ---------------------------------------------------------------------


def test_a_pytorch_state_dict_points_to_from_torch(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "state.safetensors"
    save_file({"0.weight": np.ones((16, 784), np.float32), "0.bias": np.zeros(16, np.float32)},
              str(path), metadata={"format": "pt"})
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == (
        f"{path}: a safetensors file, but not one digitnet wrote: a PyTorch state dict (metadata "
        "format 'pt'), weights without the layers they belong to; load it into the nn.Sequential "
        f"it came from (model.load_state_dict(safetensors.torch.load_file({str(path)!r}))), then "
        "digitnet.save(digitnet.from_torch(model), 'model.safetensors'); or export that module "
        "with torch.onnx.export to an .onnx file, which digitnet loads as it is")


def test_an_empty_onnx_file_is_called_empty(tmp_path):
    pytest.importorskip("onnx")
    path = tmp_path / "model.onnx"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == (f"{path}: is empty (0 bytes), an ONNX file without a graph; it was "
                            "cut short or never written — export or copy it again")


def test_an_empty_model_file_is_called_empty(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == (f"{path}: is empty (0 bytes), not a model file; it was cut short "
                            "or never written — re-save or retrain it")


def test_a_header_that_is_not_json_is_called_damaged(tmp_path):
    path = save(_net(), tmp_path / "m.safetensors")
    data = path.read_bytes()
    assert data.count(b'"format"') == 1
    path.write_bytes(data.replace(b'"format"', b'"fo"mat"'))  # one byte: no longer JSON
    with pytest.raises(ModelFileError) as e:
        load(path)
    said = str(e.value)
    assert said.startswith(f"{path}: its safetensors header is damaged (not valid JSON: "), said
    assert said.endswith("); restore a copy or retrain") and "\n" not in said


def test_a_header_still_json_but_without_digitnets_format_is_as_before(tmp_path):
    """The other damage of that byte, still JSON: a key renamed, read as any other file's."""
    path = save(_net(), tmp_path / "m.safetensors")
    path.write_bytes(path.read_bytes().replace(b'"format"', b"\"fo'mat\""))
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == (f"{path}: a safetensors file, but not one digitnet wrote (no digitnet "
                            "metadata); digitnet loads models saved by digitnet, and .onnx files")
