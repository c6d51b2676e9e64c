"""Bringing one's own PyTorch and ONNX models in: what was refused and is read now, and messages
that said what was wrong without saying what to do, with real PyTorch, onnxruntime, real MNIST
digits and scikit-learn's breast cancer data.

* A two-class model with one output neuron (``Linear(8, 1)`` then ``Sigmoid``, or the logit
  ``BCEWithLogitsLoss`` trains) was refused, "the output layer has one neuron", while
  scikit-learn's binary MLPClassifier (one sigmoid neuron too) was read: now all are read by the
  same conversion (``Dense.check``: softmax(0, z) = (1 - σ(z), σ(z))), from PyTorch and ONNX.
* ``digitnet predict model.pt`` said "give a model saved by digitnet train"; ``from_torch`` of a
  module with its own ``forward`` said "got a Net; digitnet reads an nn.Sequential", of a file's
  name "got a str": each now says how to bring the model in, and doing so works.
* ``Sequential(Linear, ReLU, ReLU, Linear)`` was "module 2 (relu) cannot be read", no reason;
  ONNX's LeakyRelu(0.2) was said to have "slope 0.2 below 0"; an ONNX file whose weights file
  (``model.onnx.data``, which ``torch.onnx.export`` writes beside it) was not copied with it
  "may be truncated or corrupt".

Tolerances (tests/helpers/float_bounds.py, first order in u = 2^-24): digitnet and PyTorch (or
onnxruntime) compute the same float32 sums from the same float32 rows, so each lies within
float_bounds' bound of the exact value: |Δz| within twice the z bound. digitnet's two-class
probability is softmax(0, z)₂ = σ(z), within ``ea`` (the bound on its output); PyTorch's σ(z)
within σ' <= 1/4 of its z error plus 8 u of its own rounding.
"""

from __future__ import annotations

import shutil
import warnings

import float_bounds as fb
import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch_fit import fit

import digitnet
from digitnet import inputs
from digitnet.cli import cli
from digitnet.errors import ModelFileError, UnsupportedModelError

pytestmark = pytest.mark.engine_independent  # (interop; torch trains the models)


def export(module, path, example, **options):
    """``torch.onnx.export`` as its users call it (its default exporter; a batch of any size)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.export's own internals warn while exporting
        torch.onnx.export(module, (example,), str(path), input_names=["x"],
                          dynamic_shapes=({0: torch.export.Dim("batch")},), **options)
    return path


@pytest.fixture(scope="module")
def cancer():
    """Breast cancer's 569 rows of 30 columns, and their labels (0 malignant, 1 benign)."""
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def binary(cancer):
    """A 30-8-1 ReLU network with a Sigmoid, trained by Adam for 300 full-batch steps (seeded)
    with BCELoss on the standardised columns; the rows it took, float32."""
    X, y = cancer
    rows = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(30, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    optimizer = torch.optim.Adam(module.parameters(), lr=0.01)
    x, target = torch.from_numpy(rows), torch.from_numpy(y.astype(np.float32))[:, None]
    for _ in range(300):
        optimizer.zero_grad()
        F.binary_cross_entropy(module(x), target).backward()
        optimizer.step()
    return module.eval(), rows


def sigmoid_bound(net, rows: np.ndarray) -> np.ndarray:
    """|digitnet's p of the second class - the other's σ(z)|: ``ea`` + σ' <= 1/4 of the z
    bound + 8 u (module docstring)."""
    _, acts, errors = fb.forward(net, rows)
    out, z = errors[len(acts) - 1], errors[-1]
    return out[:, 1] + 0.25 * z[:, 1] + 8 * fb.U


def test_one_sigmoid_neuron_from_pytorch_is_two_classes(binary, cancer):
    module, rows = binary
    net = digitnet.from_torch(module, classes=["malignant", "benign"])
    assert net.sizes == (30, 8, 2) and net.output_function.name == "softmax"
    assert inputs.classes_of(net) == ["malignant", "benign"]
    with torch.no_grad():
        p = module(torch.from_numpy(rows)).numpy()[:, 0]
    ours = net.predict_proba(rows)
    bound = sigmoid_bound(net, rows)
    assert (np.abs(ours[:, 1] - p) <= bound).all()
    assert (np.abs(ours[:, 0] - (1 - p)) <= bound + fb.U).all()  # (1 - p: one more rounding)
    assert (net.predict(rows) == cancer[1]).mean() > 0.95


def test_one_logit_from_pytorch_is_two_classes_too(binary):
    """The same module without its Sigmoid: the logit BCEWithLogitsLoss trains."""
    module, rows = binary
    net = digitnet.from_torch(nn.Sequential(*list(module)[:-1]))
    np.testing.assert_array_equal(net.params, digitnet.from_torch(module).params)


@pytest.mark.parametrize("sigmoid", [True, False])
def test_one_output_neuron_from_onnx_is_two_classes(binary, tmp_path, sigmoid):
    module, rows = binary
    module = module if sigmoid else nn.Sequential(*list(module)[:-1])
    path = export(module, tmp_path / "binary.onnx", torch.from_numpy(rows[:2]))
    net = digitnet.load(path)
    assert net.sizes == (30, 8, 2)
    out = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"x": rows})[0][:, 0]
    p = out if sigmoid else 1 / (1 + np.exp(-out.astype(np.float64)))
    assert (np.abs(net.predict_proba(rows)[:, 1] - p) <= sigmoid_bound(net, rows)).all()


def test_one_output_neuron_with_a_softmax_says_it_is_always_1():
    module = nn.Sequential(nn.Linear(30, 8), nn.ReLU(), nn.Linear(8, 1), nn.Softmax(dim=1))
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch(module)
    assert str(info.value) == (
        "from_torch: the output layer has one neuron and applies softmax, which is 1 whatever "
        "the input; digitnet reads one neuron with a sigmoid or no function (two classes), or "
        "one neuron per class")


def test_a_sigmoid_output_written_as_logsigmoid_then_softmax_is_read_as_one():
    """softmax(log σ(z)) = σ(z) / Σσ(z): digitnet's sigmoid output's probabilities, as PyTorch's
    own modules compute them (a module can hold no normalised sigmoid of its own)."""
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3), nn.LogSigmoid(),
                           nn.Softmax(dim=1))
    net = digitnet.from_torch(module)
    assert (net.activation.name, net.output_function.name) == ("tanh", "sigmoid")
    x = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    with torch.no_grad():
        theirs = module(torch.from_numpy(x)).numpy()
    # float_bounds bounds σ(z) (e); p = σ / S moves by at most (e_i + p_i Σ e) / S with it,
    # on each side; digitnet's normalisation rounds the sum and quotient (3 u p), PyTorch's
    # log σ and softmax over 3 outputs (4 u + (3 + 8) u, relative): 30 u p covers both
    _, acts, errors = fb.forward(net, x)
    e, total = errors[len(acts) - 1], acts[-1].sum(axis=1, keepdims=True)
    p = acts[-1] / total
    tolerance = 2 * (e + p * e.sum(axis=1, keepdims=True)) / total + 30 * fb.U * p
    assert (np.abs(net.predict_proba(x) - theirs) <= tolerance).all()
    hidden = nn.Sequential(nn.Linear(6, 5), nn.LogSigmoid(), nn.Linear(5, 3))
    with pytest.raises(UnsupportedModelError, match="hidden layer 1 applies log_sigmoid"):
        digitnet.from_torch(hidden)
    # the pair normalises a layer's outputs: a hidden layer's would be no sigmoid layer
    paired = nn.Sequential(nn.Linear(6, 5), nn.LogSigmoid(), nn.Softmax(dim=1), nn.Linear(5, 3),
                           nn.Softmax(dim=1))
    with pytest.raises(UnsupportedModelError, match=r"^from_torch: module 3 \(Linear\) cannot "
                       r"be read: it follows module 2 \(Softmax after LogSigmoid\)"):
        digitnet.from_torch(paired)


@pytest.fixture(scope="module")
def mnist_mlp(mnist):
    """A 784-16-10 ReLU MLP trained by PyTorch's own loop on 3,000 real digits (brightness),
    188 steps, seeded."""
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    x = mnist.x[:3000].reshape(3000, -1).astype(np.float32) / 255
    return fit(module, x, mnist.labels[:3000], epochs=4)


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_predict_of_a_pytorch_file_says_how_to_bring_it_in(mnist_mlp, mnist, tmp_path, suffix):
    path = tmp_path / f"torch_mlp{suffix}"
    torch.save(mnist_mlp, path)
    images = tmp_path / "imgs.npy"
    np.save(images, mnist.x[-20:])
    runner = CliRunner()
    result = runner.invoke(cli, ["predict", str(path), str(images)])
    assert result.exit_code != 0
    assert result.stderr.strip() == (
        f"digitnet: error: {path}: a PyTorch file, not a model file; give a model saved by "
        "`digitnet train`, or bring its network in from Python, "
        f"digitnet.save(digitnet.from_torch(torch.load('{path}', "
        "weights_only=False)), 'model.safetensors'), or export it with torch.onnx.export to an "
        ".onnx file, which digitnet reads as it is")
    # as it says
    model = tmp_path / "model.safetensors"
    digitnet.save(digitnet.from_torch(torch.load(str(path), weights_only=False)), model)
    result = runner.invoke(cli, ["predict", str(model), str(images)])
    assert result.exit_code == 0, result.output
    with torch.no_grad():
        digits = mnist_mlp(torch.from_numpy(mnist.x[-20:].reshape(20, -1) / np.float32(255)))
    assert digitnet.load(model).predict(mnist.x[-20:]).tolist() == digits.argmax(1).tolist()


def test_a_file_name_given_to_from_torch_says_to_load_it_first():
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch("torch_mlp.pt")
    assert str(info.value) == (
        "from_torch: got a str, 'torch_mlp.pt': a file's name, not a module; load the module "
        "first, model = torch.load('torch_mlp.pt', weights_only=False) (a module saved whole by "
        "torch.save(model, ...)), then from_torch(model)")
    with pytest.raises(UnsupportedModelError, match=r"digitnet reads that file itself: "
                                                     r"digitnet\.load\('model\.onnx'\)$"):
        digitnet.from_torch("model.onnx")


class Net(nn.Module):
    """PyTorch's own MNIST example, fully connected: its layers in attributes, F.relu and
    F.log_softmax in forward."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 16), nn.Linear(16, 10)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def test_a_module_of_its_own_says_to_export_it_to_onnx_and_that_reads(mnist, tmp_path,
                                                                      monkeypatch):
    torch.manual_seed(0)
    model = fit(Net(), mnist.x[:3000].reshape(3000, -1).astype(np.float32) / 255,
                mnist.labels[:3000], epochs=4)
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch(model)
    assert str(info.value) == (
        "from_torch: got a Net, a module with a forward of its own, which digitnet cannot follow "
        "(it reads an nn.Sequential of Linear layers and activations); export it to ONNX, which "
        "records what its forward computes, and read that: torch.onnx.export(model, "
        "(torch.zeros(1, 784),), 'model.onnx'), then digitnet.load('model.onnx')")
    # as it says, word for word
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 784),), "model.onnx")
    net = digitnet.load("model.onnx")
    assert net.sizes == (784, 16, 10) and inputs.of(net) == inputs.Images((28, 28))
    pixels = mnist.x[-2000:]
    with torch.no_grad():
        theirs = model(torch.from_numpy(pixels.reshape(2000, -1) / np.float32(255))).exp()
    a = pixels.reshape(2000, -1) / 255
    _, acts, errors = fb.forward(net, a, input_error=2 * fb.U * a)
    # both within the bound of the exact answer; PyTorch's exp(log_softmax) rounds a few more
    # times than a softmax, a relative 3 u |log p| + u, at most 4 u absolutely (p |log p| <= 1/e)
    tolerance = 2 * errors[len(acts) - 1] + 4 * fb.U
    assert (np.abs(net.predict_proba(pixels) - theirs.numpy()) <= tolerance).all()


def test_two_activations_in_a_row_are_named_with_pytorchs_class_names():
    module = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.ReLU(), nn.Linear(16, 10))
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch(module)
    assert str(info.value) == (
        "from_torch: module 2 (ReLU) cannot be read: it follows module 1 (ReLU), two "
        "activations in a row; digitnet reads one activation after each Linear layer: remove "
        "one")
    module = nn.Sequential(nn.Linear(784, 16), nn.LeakyReLU(0.2), nn.Linear(16, 10))
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch(module)
    assert str(info.value) == (
        "from_torch: module 1 (LeakyReLU(0.2)) cannot be read: its slope for z < 0 is 0.2, and "
        "digitnet's leaky ReLU has 0.01; retrain it with nn.LeakyReLU(0.01) or nn.ReLU")


def test_an_onnx_leaky_relu_of_another_slope_says_what_is_wrong(tmp_path):
    module = nn.Sequential(nn.Linear(784, 16), nn.LeakyReLU(0.2), nn.Linear(16, 10)).eval()
    path = export(module, tmp_path / "leaky.onnx", torch.zeros(2, 784))
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: node ")
    assert message.endswith(
        " is LeakyRelu(0.2): its slope for z < 0 is 0.2, and digitnet reads LeakyRelu(0.01) "
        "only: retrain with that slope (PyTorch's LeakyReLU(0.01)) or with Relu")
    assert "below 0" not in message


def test_an_onnx_file_without_its_weights_file_names_it(mnist_mlp, mnist, tmp_path):
    exported = tmp_path / "out"
    exported.mkdir()
    path = export(mnist_mlp, exported / "model.onnx", torch.zeros(2, 784))
    assert (exported / "model.onnx.data").is_file()  # torch.onnx.export writes both
    alone = tmp_path / "copied"
    alone.mkdir()
    shutil.copy(path, alone / "model.onnx")
    expected = (f"{alone / 'model.onnx'}: its weights are kept in a separate file, "
                "model.onnx.data, which is not beside it; copy that file into the same folder "
                "as model.onnx (the exporter wrote both), or export the model again as one "
                "file (torch.onnx.export(..., external_data=False))")
    with pytest.raises(ModelFileError) as info:
        digitnet.load(alone / "model.onnx")
    assert str(info.value) == expected
    result = CliRunner().invoke(cli, ["info", str(alone / "model.onnx")])
    assert result.exit_code != 0 and result.stderr.strip() == f"digitnet: error: {expected}"
    # as it says: the data file beside it, or one file
    shutil.copy(exported / "model.onnx.data", alone / "model.onnx.data")
    np.testing.assert_array_equal(digitnet.load(alone / "model.onnx").params,
                                  digitnet.load(path).params)
    one = export(mnist_mlp, tmp_path / "one.onnx", torch.zeros(2, 784), external_data=False)
    assert not (tmp_path / "one.onnx.data").exists()
    np.testing.assert_array_equal(digitnet.load(one).params, digitnet.load(path).params)
