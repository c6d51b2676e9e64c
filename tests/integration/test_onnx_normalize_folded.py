"""ONNX files PyTorch's exporter writes of MNIST models with the usual normalisation inside,
(x - 0.1307) / 0.3081 on an (n, 1, 28, 28) input before the first layer: digitnet reads them as
pictures, brightness 0..1 (uint8 pixels / 255, as a PyTorch user feeds them), the scaling folded
into the first layer, and agrees with onnxruntime on real digits. A graph of genuine table
columns, standardised column by column, stays a table; a LeakyRelu of another slope is refused
naming both slopes.

The tolerance, derived from float arithmetic (tests/helpers/float_bounds.py, first order in
u = 2^-24): the exact answer is the graph's own weights W, b, mean m and std s (float32 values,
taken as exact) applied in exact arithmetic to the exact brightness a = pixels / 255, which is
z = W* a + b* with W* = W / s and b* = b - W m / s.

* onnxruntime rounds a to float32 (u a), x - m (u |a - m|, carrying the first error) and the
  division (two roundings, if it multiplies by a rounded 1/s: 2u |r|), so its rows r lie within
  e_r = (u a + u |a - m|) / s + 2u |r| of the exact ones; its first layer adds
  γ_785 (|r| |W|ᵀ + |b|) and carries e_r |W|ᵀ.
* digitnet rounds a (p · fl(1/255): 2u a), each folded weight and bias once to float32
  (u |W*|, u |b*|, the float64 arithmetic before that adding γ64 of the same sums), and its
  first layer adds γ_785 (a |W*|ᵀ + |b*|).
* a ReLU moves no error; the second layer adds γ_33 (|a1| |W2|ᵀ + |b2|) and carries the first
  layer's error through |W2|.

Both lie within their bounds of the exact logits, so within the sum of each other.
"""

from __future__ import annotations

import warnings

import float_bounds as fb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from click.testing import CliRunner
from onnx import numpy_helper
from PIL import Image
from torch_fit import fit

import digitnet
from digitnet import inputs, preprocess
from digitnet.cli import cli
from digitnet.errors import DataError, UnsupportedModelError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: imports models torch fitted)

MEAN, STD = np.float32(0.1307), np.float32(0.3081)  # torchvision's MNIST Normalize


class Normalize(torch.nn.Module):
    """torchvision's ``transforms.Normalize((0.1307,), (0.3081,))``, as MNIST models put it
    first (torchvision is not a test dependency; this computes the same)."""

    def __init__(self, mean=0.1307, std=0.3081, divide: float | None = None):
        super().__init__()
        self.mean, self.std, self.divide = mean, std, divide

    def forward(self, x):
        if self.divide is not None:  # a model that takes pixels 0..255 and scales them itself
            x = x / self.divide
        return (x - self.mean) / self.std


def export(module, path, example):
    with warnings.catch_warnings():
        # torch.export's own internals warn (FutureWarning, a torchvision notice) while exporting
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), input_names=["x"],
                          dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
    return path


def brightness(pixels: np.ndarray) -> np.ndarray:
    """What a PyTorch user feeds: float32 pixels / 255, (n, 1, 28, 28)."""
    return (pixels.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)


def run(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.fixture(scope="module")
def normalized(mnist_small):
    """A 784-32-10 ReLU MLP with Normalize first, trained by PyTorch's own loop on 3,000 real
    digits (brightness 0..1, logits out)."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(Normalize(), torch.nn.Flatten(), torch.nn.Linear(784, 32),
                                 torch.nn.ReLU(), torch.nn.Linear(32, 10))
    return fit(module, brightness(mnist_small.x), mnist_small.labels)


def logit_bounds(module, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(digitnet's bound, onnxruntime's bound) on |float32 logits - exact logits|, per the
    module docstring, from the module's own float32 weights."""
    params = [p.detach().numpy() for p in module.parameters()]
    return fb.normalised_logit_bounds(params, pixels, MEAN, STD)


def test_a_normalized_pytorch_mnist_model_reads_pictures_and_agrees_with_onnxruntime(
        normalized, mnist, tmp_path):
    path = export(normalized, tmp_path / "normalized.onnx", torch.zeros(2, 1, 28, 28))
    graph = onnx.load(str(path)).graph
    ops = [node.op_type for node in graph.node]
    assert ops[:2] == ["Sub", "Div"] and ops.index("Gemm") > 1  # the scaling, then the layer
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    assert constants[graph.node[0].input[1]] == MEAN and constants[graph.node[1].input[1]] == STD

    net = digitnet.load(path)
    assert net.sizes == (784, 32, 10) and inputs.of(net) == inputs.Images((28, 28))
    pixels = mnist.x[-5000:]
    ours = net.trace(inputs.of(net).rows(pixels)).z(2)
    theirs = run(path, brightness(pixels))
    our_bound, their_bound = logit_bounds(normalized, pixels)
    assert (np.abs(ours - theirs) <= our_bound + their_bound).all()
    # what a user sees: uint8 pixels and pixels / 255 alike, onnxruntime's digits, learned
    assert (net.predict(pixels) == theirs.argmax(axis=1)).all()
    assert (net.predict(pixels / 255) == net.predict(pixels)).all()
    assert (net.predict(pixels) == mnist.labels[-5000:]).mean() > 0.85


def test_a_png_reaches_the_normalized_model_as_a_picture(normalized, mnist, tmp_path):
    path = export(normalized, tmp_path / "normalized.onnx", torch.zeros(2, 1, 28, 28))
    png = tmp_path / "digit.png"
    Image.fromarray(mnist.x[-1]).save(png)
    result = CliRunner().invoke(cli, ["predict", str(path), str(png)])
    assert result.exit_code == 0, result.output
    picture = preprocess.to_mnist(png)  # MNIST-style, brightness 0..1: what the model takes
    expected = run(path, picture.reshape(1, 1, 28, 28)).argmax()
    assert result.output.startswith(f"{png}: {expected}  (")


def test_a_model_that_scales_pixels_0_to_255_itself_reads_them_as_pixels(normalized, mnist,
                                                                         tmp_path):
    """x / 255 first (Keras's Rescaling(1/255) does the same): the graph takes pixels 0..255;
    digitnet reads the same uint8 pictures and gives the same logits as the module above
    (the same bound: onnxruntime's x / 255 rounds as the test's brightness does)."""
    module = torch.nn.Sequential(Normalize(divide=255.0), *list(normalized)[1:]).eval()
    path = export(module, tmp_path / "pixels.onnx", torch.zeros(2, 1, 28, 28))
    net = digitnet.load(path)
    assert inputs.of(net) == inputs.Images((28, 28))
    pixels = mnist.x[-2000:]
    theirs = run(path, pixels.astype(np.float32).reshape(-1, 1, 28, 28))
    ours = net.trace(inputs.of(net).rows(pixels)).z(2)
    our_bound, their_bound = logit_bounds(normalized, pixels)
    assert (np.abs(ours - theirs) <= our_bound + their_bound).all()


def test_a_table_standardised_column_by_column_stays_a_table(normalized, mnist_small, mnist,
                                                             tmp_path):
    """784 raw pixel columns (n, 784), each standardised with its own mean and std: a table,
    taken as numbers; a picture given to it is refused naming a few of its columns."""
    x = mnist_small.x.reshape(len(mnist_small.x), -1).astype(np.float64)
    mean, std = x.mean(axis=0), np.where(x.std(axis=0) > 0, x.std(axis=0), 1)
    module = torch.nn.Sequential(Normalize(torch.tensor(mean, dtype=torch.float32),
                                           torch.tensor(std, dtype=torch.float32)),
                                 *list(normalized)[2:]).eval()
    path = export(module, tmp_path / "table.onnx", torch.zeros(2, 784))
    net = digitnet.load(path)
    table = inputs.of(net)
    assert isinstance(table, inputs.Table) and table.n_inputs == 784
    np.testing.assert_allclose(table.mean, mean.astype(np.float32), rtol=fb.U)
    rows = mnist.x[:1000].reshape(1000, -1).astype(np.float32)
    theirs = torch.softmax(torch.from_numpy(run(path, rows)), dim=1).numpy()
    assert (net.predict(rows) == theirs.argmax(axis=1)).all()
    with pytest.raises(DataError) as info:
        net.predict(mnist.x[:3])
    message = str(info.value)
    assert "columns x0, x1, x2, ... (784 in all)" in message and "x3" not in message
    assert len(message) < 150


def test_a_leaky_relu_of_another_slope_is_refused_naming_both(tmp_path):
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 16),
                                 torch.nn.LeakyReLU(0.2), torch.nn.Linear(16, 10)).eval()
    path = export(module, tmp_path / "leaky.onnx", torch.zeros(2, 1, 28, 28))
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.load(path)
    message = str(info.value)
    assert "LeakyRelu(0.2)" in message and "digitnet reads LeakyRelu(0.01) only" in message
    assert "unsupported operator" not in message and "\n" not in message
