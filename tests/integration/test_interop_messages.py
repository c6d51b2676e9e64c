"""What from_torch and from_sklearn say, and what a network from_torch made says of PyTorch's
own input layout, with real PyTorch, real scikit-learn and real MNIST digits.

A state dict given to from_torch (the weights without the layers) says to build the module and
load it (it said "got a OrderedDict"); a module's class is named with its article ("an LSTM",
"an M", not "a M"); an unfitted MLPClassifier is "from_sklearn: this MLPClassifier is not fitted
yet" (not "from_sklearn(MLPClassifier): is not fitted yet"). A network read from an
nn.Sequential that starts with nn.Flatten, given the (n, 1, 28, 28) batch PyTorch itself took,
says to drop the channel axis of 1, and doing so gives PyTorch's probabilities.
"""

from __future__ import annotations

import float_bounds as fb
import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch_fit import fit

import digitnet
from digitnet.errors import DataError, UnsupportedModelError
from digitnet.interop.export import export
from digitnet.interop.torch import READS

pytestmark = pytest.mark.engine_independent  # (interop's messages; torch trains the modules)


@pytest.fixture(scope="module")
def torch_mlp(mnist_small):
    """A 784-16-10 ReLU MLP that starts with nn.Flatten, trained by PyTorch's own loop on
    3,000 real digits given as PyTorch holds pictures, (n, 1, 28, 28) brightness 0..1."""
    torch.manual_seed(0)
    module = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    return fit(module, brightness(mnist_small.x)[:, None], mnist_small.labels)


def brightness(images: np.ndarray) -> np.ndarray:
    return (images / 255).astype(np.float32)


def test_a_state_dict_says_to_load_it_into_its_module(torch_mlp, mnist):
    state = torch_mlp.state_dict()
    with pytest.raises(UnsupportedModelError) as caught:
        digitnet.from_torch(state)
    assert str(caught.value) == (
        "from_torch: got a state dict, an OrderedDict of 4 tensors (1.weight, 1.bias, "
        "3.weight, ...): the weights without the layers they belong to; build the "
        "nn.Sequential they came from, load them into it (model.load_state_dict(state)) and "
        "pass the module: from_torch(model)")
    # As it says:
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    model.load_state_dict(state)
    images = mnist.x[-2000:]
    np.testing.assert_array_equal(digitnet.from_torch(model).predict(images),
                                  digitnet.from_torch(torch_mlp).predict(images))


def test_a_state_dict_loaded_from_digitnets_torch_export_says_so_too(small_model, mnist,
                                                                    tmp_path):
    net = digitnet.load(small_model)
    path = export(net, tmp_path / "model.torch.safetensors", "torch")
    state = load_file(path)  # a plain dict of tensors, by name
    with pytest.raises(UnsupportedModelError, match=r"^from_torch: got a state dict, a dict of "
                                                    r"6 tensors \(0\.bias, 0\.weight, 2\.bias, "
                                                    r"\.\.\.\): the weights without the layers"):
        digitnet.from_torch(state)
    # As it says, with the module the export records (and its input record and classes).
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    model = eval(meta["module"], {"nn": nn})
    model.load_state_dict(state)
    back = digitnet.from_torch(model, input=meta["input"], classes=meta["classes"])
    images = mnist.x[:1000]
    np.testing.assert_array_equal(back.predict_proba(images), net.predict_proba(images))


class M(nn.Module):
    def forward(self, x):
        return x


class MLP(nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize("module, got", [
    (M(), "an M"), (MLP(), "an MLP"), (nn.LSTM(4, 2), "an LSTM"), (nn.GRU(4, 2), "a GRU"),
    (nn.Linear(4, 2), "a Linear"), (nn.Identity(), "an Identity"), (nn.Module(), "a Module"),
    ({}, "a dict"),  # an empty mapping holds no tensors: no state dict to speak of
    (3, "an int"),
])
def test_what_from_torch_got_is_named_with_its_article(module, got):
    with pytest.raises(UnsupportedModelError) as caught:
        digitnet.from_torch(module)
    assert str(caught.value) == f"from_torch: got {got}; digitnet reads {READS}"


def test_an_unfitted_mlpclassifier_is_said_plainly():
    for estimator in (MLPClassifier((16,)), make_pipeline(StandardScaler(), MLPClassifier())):
        with pytest.raises(UnsupportedModelError) as caught:
            digitnet.from_sklearn(estimator)
        assert str(caught.value) == ("from_sklearn: this MLPClassifier is not fitted yet; call "
                                     "fit first")


def test_pytorchs_channel_axis_is_named_with_how_to_drop_it(torch_mlp, mnist):
    images = mnist.x[-5:]
    x = brightness(images)[:, None]  # (5, 1, 28, 28): what torch_mlp took
    net = digitnet.from_torch(torch_mlp)
    with pytest.raises(DataError) as caught:
        net.predict_proba(x)
    assert str(caught.value) == (
        "expected images of 28x28 pixels, got an array of shape (5, 1, 28, 28), with a channel "
        "axis of 1; drop that axis: x[:, 0] or x.reshape(5, 28, 28)")
    # As it says: PyTorch's probabilities, to float32 rounding (float_bounds), either way.
    with torch.no_grad():
        theirs = torch.softmax(torch_mlp(torch.from_numpy(x)), dim=1).numpy()
    _, acts, errors = fb.forward(net, x.reshape(5, -1))
    for dropped in (x[:, 0], x.reshape(5, 28, 28)):
        assert (np.abs(net.predict_proba(dropped) - theirs) <= 2 * errors[len(acts) - 1]).all()
    assert (net.predict(x[:, 0]) == mnist.labels[-5:]).sum() >= 4  # it learned: digits read
    # Channels last, as other libraries hold pictures, and one such picture: the same hint.
    with pytest.raises(DataError, match=r"\(5, 28, 28, 1\), with a channel axis of 1; drop "
                                        r"that axis: x\[\.\.\., 0\] or x\.reshape\(5, 28, 28\)$"):
        net.predict(x.transpose(0, 2, 3, 1))
    with pytest.raises(DataError, match=r"\(28, 28, 1\), with a channel axis of 1; drop that "
                                        r"axis: x\[\.\.\., 0\] or x\.reshape\(28, 28\)$"):
        net.predict(x[0].transpose(1, 2, 0))


@pytest.mark.parametrize("shape", [(5, 3, 28, 28), (5, 1, 1, 28, 28), (5, 2, 28, 28)])
def test_other_shapes_get_no_channel_hint(torch_mlp, shape):
    net = digitnet.from_torch(torch_mlp)
    with pytest.raises(DataError) as caught:
        net.predict(np.zeros(shape, np.float32))
    assert str(caught.value) == (f"expected images of 28x28 pixels, got an array of shape "
                                 f"{shape}")
