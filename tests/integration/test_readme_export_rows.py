"""What the docs tell users to feed digitnet's exports is what the first layer reads, and gives
digitnet's probabilities: the README's example, run as pasted on real MNIST digits with the
files `digitnet export` writes (onnxruntime for the ONNX graph, PyTorch for the state dict), and
every ``x = digitnet.inputs.of(net).rows(...)`` line in the README and the interop docstrings.

``rows`` of uint8 pictures are uint8 pixels 0..255 (the network scales them by 1/255 as it reads
them, the exported graph and module do not), which the docs once told users to feed the module.

The tolerance comes from float arithmetic (tests/helpers/float_bounds.py): each float32 forward
pass lies within fb.forward's bound of the exact one, from the exact brightness pixels / 255,
given an input off by at most two roundings (pixels / 255 in float64 then float32, or pixels
times float32(1/255)).
"""

from __future__ import annotations

import re
from pathlib import Path

import float_bounds as fb
import numpy as np
import pytest
import torch
from click.testing import CliRunner

import digitnet
from digitnet import inputs, modelfile
from digitnet.cli import cli
from digitnet.interop import export as export_module
from digitnet.interop import torch as torch_module

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: exports small_model)

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)


@pytest.fixture(params=[True, False], ids=["deskewing", "not deskewing"])
def model_dir(request, small_model, tmp_path, monkeypatch):
    """A folder holding model.safetensors (the default recipe's network: it deskews, or the same
    weights recorded as reading pictures as they are) and what `digitnet export` writes of it
    by default, model.onnx and model.torch.safetensors; the current folder."""
    net = modelfile.load(small_model)
    if not request.param:
        net.metadata["input"] = inputs.Images((28, 28)).to_dict()
    modelfile.save(net, tmp_path / "model.safetensors")
    monkeypatch.chdir(tmp_path)
    for format_ in ("onnx", "torch"):
        r = CliRunner().invoke(cli, ["export", "model.safetensors", "--format", format_])
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.onnx", "model.safetensors", "model.torch.safetensors"]
    return tmp_path


def _within_float32(net, images, got) -> None:
    exact = images.reshape(len(images), -1)
    _, acts, errors = fb.forward(net, exact, input_error=2 * fb.U * exact / 255)
    assert (np.abs(got - net.predict_proba(images)) <= 2 * errors[len(acts) - 1]).all()


def test_the_readmes_example_gives_digitnets_probabilities(model_dir, mnist):
    load = next(b for b in _blocks() if 'load_file("model.torch.safetensors")' in b)
    use = next(b for b in _blocks() if "onnxruntime.InferenceSession" in b)
    images = mnist.x[-2000:]
    namespace = {"images": images}
    exec(load, namespace)
    exec(use, namespace)
    net = namespace["net"]
    assert namespace["x"].dtype == np.float32 and namespace["x"].shape == (2000, 784)
    _within_float32(net, images, namespace["p"])  # onnxruntime
    _within_float32(net, images, namespace["q"])  # the PyTorch module
    # What the README says is exactly the first layer's input, and what rows() gives of uint8.
    rows = inputs.of(net).rows(images)
    assert rows.dtype == np.uint8 and rows.max() == 255
    np.testing.assert_allclose(net.trace(rows).activations[0], namespace["x"], rtol=0,
                               atol=2 * fb.U)


@pytest.mark.parametrize("where", ["README.md", "interop.torch", "interop.export"])
def test_every_rows_line_the_docs_give_is_the_first_layers_input(model_dir, mnist, where):
    text = {"README.md": README.read_text(), "interop.torch": torch_module.__doc__,
            "interop.export": export_module.__doc__}[where]
    lines = re.findall(r"^\s*(x = digitnet\.inputs\.of\(net\)\.rows\(.*?\)\S*)", text,
                       re.MULTILINE)
    assert lines, f"{where} shows no rows line"
    net = digitnet.load("model.safetensors")
    images = mnist.x[:1000]
    first_layer = net.trace(inputs.of(net).rows(images)).activations[0]
    module = net.to_torch()
    for line in lines:
        namespace = {"digitnet": digitnet, "np": np, "net": net, "images": images}
        exec(line, namespace)
        x = namespace["x"]
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, first_layer, rtol=0, atol=2 * fb.U)
        with torch.no_grad():
            _within_float32(net, images, module(torch.from_numpy(x)).numpy())


def test_uint8_rows_cast_to_floats_are_not_what_the_module_takes(small_model, mnist):
    """The trap the docs warn of: rows() of uint8 pictures, cast, are 255 times too bright."""
    net = modelfile.load(small_model)
    images = mnist.x[:500]
    with torch.no_grad():
        wrong = net.to_torch()(torch.from_numpy(inputs.of(net).rows(images).astype(np.float32)))
    assert np.abs(wrong.numpy() - net.predict_proba(images)).max() > 0.1
