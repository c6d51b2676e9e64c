"""`digitnet export --out` replaces only a previous export of digitnet's: never a read-only file
(refused as `train --out` refuses one, its mode kept), nor another tool's model (an ONNX graph
PyTorch's exporter wrote, a state dict PyTorch saved as safetensors), each left as it was; and a
`--format torch` file given where a model goes says what it is, and the way back it names works.
(Before, the first two were replaced with exit code 0, and the torch export was "not one
digitnet wrote".)"""

from __future__ import annotations

import json
import stat
import warnings

import numpy as np
import pytest
from PIL import Image

import digitnet
from digitnet import modelfile

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: exports a suite model)

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")


def _contents(path) -> tuple:
    """What an export holds: an ONNX file's bytes; a safetensors file's metadata and arrays
    (whose header it writes in no fixed order)."""
    from safetensors import safe_open

    if path.suffix == ".onnx":
        return (path.read_bytes(),)
    with safe_open(str(path), "numpy") as f:
        return f.metadata(), {k: f.get_tensor(k).tobytes() for k in sorted(f.keys())}


def _unchanged(path, before: bytes, mode: int | None = None) -> None:
    assert path.read_bytes() == before
    if mode is not None:
        assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize("format_, name", [("onnx", "ro.onnx"), ("torch", "ro.safetensors")])
def test_a_read_only_file_is_refused_and_kept_read_only(run, trained, tmp_path, one_line,
                                                        format_, name):
    out = tmp_path / name
    assert run("export", trained[0], "--format", format_, "--out", out).exit_code == 0
    out.chmod(0o444)
    before = out.read_bytes()
    r = run("export", trained[0], "--format", format_, "--out", out)
    assert r.exit_code == 1
    assert one_line(r.stderr) == (f"digitnet: error: {out}: is read-only; make it writable "
                                  f"(chmod u+w {out}) or choose another file")
    _unchanged(out, before, 0o444)
    out.chmod(0o644)  # made writable, as the message says: the previous export is replaced
    assert run("export", trained[0], "--format", format_, "--out", out).exit_code == 0


@pytest.fixture(scope="module")
def pytorch_files(tmp_path_factory):
    """A 784-16-10 nn.Sequential exported by PyTorch's own ONNX exporter, and its state dict
    saved by safetensors.torch: other tools' models, under the names digitnet's exports take."""
    from safetensors.torch import save_file

    folder = tmp_path_factory.mktemp("pytorch")
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.export's own internals warn while exporting
        torch.onnx.export(module, (torch.zeros(2, 784),), str(folder / "theirs.onnx"),
                          input_names=["x"], dynamic_shapes=({0: torch.export.Dim("batch")},),
                          external_data=False)
    save_file(module.state_dict(), str(folder / "theirs.safetensors"))
    return folder / "theirs.onnx", folder / "theirs.safetensors"


@pytest.mark.parametrize("format_, index, what", [
    ("onnx", 0, "an ONNX model written by pytorch"), ("torch", 1, "a safetensors file")])
def test_another_tools_model_is_refused_and_left_as_it_was(run, trained, pytorch_files, tmp_path,
                                                           one_line, format_, index, what):
    theirs = tmp_path / pytorch_files[index].name
    theirs.write_bytes(pytorch_files[index].read_bytes())
    before = theirs.read_bytes()
    r = run("export", trained[0], "--format", format_, "--out", theirs)
    assert r.exit_code == 1
    assert one_line(r.stderr) == (
        f"digitnet: error: {theirs}: is {what}, not one of digitnet's exports, and exporting "
        "would replace it; write the export under another name, or delete that file first")
    _unchanged(theirs, before)
    if format_ == "onnx":  # still PyTorch's model, as digitnet reads it
        assert modelfile.load(theirs).sizes == (784, 16, 10)


@pytest.mark.parametrize("format_, name", [("onnx", "m.onnx"), ("torch", "m.safetensors")])
def test_a_previous_export_an_export_cut_short_or_an_empty_file_is_replaced(
        run, trained, tmp_path, format_, name):
    out = tmp_path / name
    assert run("export", trained[0], "--format", format_, "--out", out).exit_code == 0
    whole, written = out.read_bytes(), _contents(out)
    for before in (whole, whole[: len(whole) // 2], b""):
        out.write_bytes(before)
        r = run("export", trained[0], "--format", format_, "--out", out)
        assert r.exit_code == 0, r.output
        assert _contents(out) == written


@pytest.fixture(scope="module")
def torch_export(run, trained, tmp_path_factory):
    out = tmp_path_factory.mktemp("torch-export") / "m.torch.safetensors"
    assert run("export", trained[0], "--format", "torch", "--out", out).exit_code == 0
    return out


def test_a_torch_export_given_as_model_says_what_it_is_in_every_command(
        run, torch_export, digits_dir, real_digit_images, tmp_path, one_line):
    png = tmp_path / "seven.png"
    Image.fromarray(real_digit_images[0][7]).save(png)
    message = (
        f"digitnet: error: {torch_export}: a digitnet torch export (a state dict for PyTorch), not "
        "a digitnet model; give the model it was exported from, or load it into its "
        "nn.Sequential (metadata 'module'), read that with digitnet.from_torch(module, "
        "input=meta['input'], classes=meta['classes']) and digitnet.save the network")
    for args in (("info", torch_export), ("predict", torch_export, png),
                 ("evaluate", torch_export, "--data", digits_dir),
                 ("export", torch_export, "--format", "onnx", "--out", tmp_path / "x.onnx")):
        r = run(*args)
        assert r.exit_code == 1, args
        assert one_line(r.stderr) == message, args
    assert not (tmp_path / "x.onnx").exists()


def test_the_way_back_the_message_names_gives_the_models_answers(
        run, trained, torch_export, real_digit_images, tmp_path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(torch_export), "pt") as f:
        meta = f.metadata()
    module = eval(meta["module"], {"nn": torch.nn})
    module.load_state_dict(load_file(str(torch_export)))
    back = tmp_path / "back.safetensors"
    digitnet.save(digitnet.from_torch(module, input=meta["input"], classes=meta["classes"]),
                  back)
    assert run("info", back).exit_code == 0
    images = real_digit_images[0]
    original = modelfile.load(trained[0])
    np.testing.assert_array_equal(modelfile.load(back).predict_proba(images),
                                  original.predict_proba(images))
    assert json.loads(meta["input"]) == original.metadata["input"]
