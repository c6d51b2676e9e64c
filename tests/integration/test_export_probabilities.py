"""`digitnet export --format torch` gives digitnet's probabilities for every output digitnet has
(softmax, and sigmoid: its outputs normalised, as ``predict_proba`` does), run as the command
prints it, on real MNIST digits; and the module reads back as the same network.

The sigmoid output's module once ended in ``nn.Sigmoid()``: ten scores summing to 1.2 or 1.5,
up to 0.28 away from ``predict_proba``.

The tolerance is derived from float arithmetic (tests/helpers/float_bounds.py), to first order
in the unit roundoff u = 2^-24. ``fb.forward`` bounds, elementwise, how far a float32 forward
pass lies from the exact one (both passes read the same pixels / 255, each off by at most two
roundings), z and each output. A softmax output: digitnet's and torch's float32 probabilities
each lie within fb's softmax bound of the exact ones, so they differ by at most twice it. A
sigmoid output's probabilities are p = s / S, s = σ(z), S = Σ_k s_k:

* digitnet computes fl(s) within fb's bound e of s, then divides by their sum (n roundings)
  and rounds: |Δp_j| <= (e_j + p_j Σ_k e_k) / S + (γ_n + u) p_j;
* torch computes softmax(log σ(z)): log σ has slope 1 - σ <= 1, so l = log σ(z) is off by at
  most (1 - s) e_z + 8 u |l| (e_z: fb's bound on z; 8 roundings, as fb allows a function), and a
  softmax of l off by δ is off by p_j (2 max δ + u |l_j - max l| + (n + 8) u), as fb's softmax.

The test tolerance is their sum. It is the worst case (every rounding the same way), loose
where the weighted sums are large (up to 0.3 for a few of these sigmoid outputs, 2e-3 typically),
yet the unnormalised sigmoids lie outside it in most rows, which is asserted. Rounding errors in
fact partly cancel and grow like √n rather than n (Higham and Mary 2019), so the 1e-5 (168 u)
of test_interop's ONNX check holds here too; both are asserted.
"""

from __future__ import annotations

import json
import textwrap

import float_bounds as fb
import numpy as np
import pytest
from click.testing import CliRunner
from safetensors import safe_open

import digitnet
from digitnet import PRESETS, inputs, modelfile
from digitnet.cli import cli
from digitnet.training import train

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module", params=["softmax", "sigmoid"])
def model(request, small_model, mnist_small, tmp_path_factory):
    """A default-recipe network (it deskews) trained on 3,000 real digits, saved: the session's
    small_model for a softmax output, trained here (3 epochs) with a sigmoid output."""
    if request.param == "softmax":
        return small_model
    result = train(mnist_small, PRESETS["default"].replace(epochs=3, output="sigmoid"),
                   handle_signals=False)
    assert result.network.output_function.name == "sigmoid"
    path = tmp_path_factory.mktemp("sigmoid") / "sigmoid.safetensors"
    modelfile.save(result.network, path)
    return path


def tolerance(net, pixels: np.ndarray) -> np.ndarray:
    """Elementwise bound on |torch's float32 probabilities - digitnet's| for the first layer's
    uint8 ``pixels`` rows (read as pixels / 255): see the module's docstring."""
    exact = pixels.astype(np.float64) / 255
    zs, acts, errors = fb.forward(net, pixels, input_error=2 * fb.U * exact)
    last = len(net.weights)
    if net.output_function.name == "softmax":
        return 2 * errors[last]
    n, s, e, e_z = net.sizes[-1], acts[-1], errors[last], errors[2 * last]
    total = s.sum(axis=1, keepdims=True)
    p = s / total
    ours = (e + p * e.sum(axis=1, keepdims=True)) / total + (fb.gamma(n) + fb.U) * p
    log_s = np.log(s)
    delta = (1 - s) * e_z + fb.ROUNDINGS["sigmoid"] * fb.U * np.abs(log_s)
    theirs = p * (2 * delta.max(axis=1, keepdims=True)
                  + fb.U * np.abs(log_s - log_s.max(axis=1, keepdims=True))
                  + (n + fb.ROUNDINGS["softmax"]) * fb.U)
    return ours + theirs


def exported(model, tmp_path):
    """`digitnet export MODEL --format torch`: (its output, the module its printed lines load,
    the file's metadata)."""
    out = tmp_path / "m.torch.safetensors"
    r = CliRunner().invoke(cli, ["export", str(model), "--format", "torch", "--out", str(out)])
    assert r.exit_code == 0, r.output
    namespace = {}
    exec(textwrap.dedent(r.output.split("Load it with:\n")[1]), namespace)  # as a user pastes
    with safe_open(str(out), "np") as f:
        meta = f.metadata()
    return r.output, namespace["model"], meta


def test_the_printed_module_gives_predict_proba_on_real_digits(model, mnist, tmp_path):
    net = modelfile.load(model)
    output, module, meta = exported(model, tmp_path)
    name = net.output_function.name
    images = mnist.x[-3000:]
    x = inputs.of(net).rows(images / 255).astype(np.float32)  # deskewed, as the net reads
    with torch.no_grad():
        got = module(torch.from_numpy(x)).numpy()
    want = net.predict_proba(images)
    pixels = inputs.of(net).rows(images)  # the uint8 rows predict_proba reads (deskewed)
    bound = tolerance(net, pixels)
    assert (np.abs(got - want) <= bound).all(), f"off by up to {np.abs(got - want).max()}"
    assert np.abs(got - want).max() <= 1e-5
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-6)
    if name == "sigmoid":  # the bound tells the unnormalised outputs (net.forward) apart
        assert (np.abs(net.forward(pixels) - want) > bound).any(axis=1).mean() > 0.5
    assert (got.argmax(axis=1) == net.predict(images)).mean() > 0.999
    # The printed module is PyTorch's own modules (no class or lambda to define), as the
    # metadata records it; net.to_torch() is the same module.
    ending = {"softmax": "nn.Linear(16, 10), nn.Softmax(dim=1))",
              "sigmoid": "nn.Linear(16, 10), nn.LogSigmoid(), nn.Softmax(dim=1))"}[name]
    assert ending in output and meta["module"].endswith(ending)
    assert "lambda" not in output and "class " not in output
    with torch.no_grad():
        np.testing.assert_array_equal(net.to_torch()(torch.from_numpy(x)).numpy(), got)


def test_the_exported_module_reads_back_as_the_same_network(model, mnist, tmp_path):
    net = modelfile.load(model)
    _, module, meta = exported(model, tmp_path)
    images = mnist.x[:1000]
    for back in (digitnet.from_torch(net.to_torch()),
                 digitnet.from_torch(module, input=meta["input"], classes=meta["classes"])):
        assert back.output_function.name == net.output_function.name
        assert (back.sizes, back.activation.name) == (net.sizes, net.activation.name)
        np.testing.assert_array_equal(back.params, net.params)
        assert inputs.of(back) == inputs.of(net)
        assert inputs.classes_of(back) == json.loads(meta["classes"])
        np.testing.assert_array_equal(back.predict_proba(images), net.predict_proba(images))
