"""Models that read pictures scaled before their first layer, brought in from PyTorch and
scikit-learn with ``input=`` saying so, on real MNIST digits.

PyTorch's standard MNIST recipe feeds a model (brightness - 0.1307) / 0.3081 (torchvision's
``Normalize``, outside the module). ``from_torch(model)`` read such a module as brightness 0..1
with no way to say otherwise (a walker's model: 90.35% -> 87.45%), and
``input={"kind": "images", ..., "mean": 0.1307, "std": 0.3081}`` was refused ("unexpected
keyword argument 'mean'"). Now the scaling is folded into the first layer, as the ONNX reader
folds a graph's ``Normalize`` (one implementation: ``Dense.folded``), and the network reads the
pictures themselves. ``from_sklearn`` takes the same ``input=`` (the same reading, the same
checks): an MLPClassifier fitted on MNIST's pixels reads pictures, raw pixels 0..255 too.

The tolerance for PyTorch (first order in u = 2^-24, tests/helpers/float_bounds.py): the exact
answer is the module's own float32 weights W, b, W2, b2 and the float32 mean m and std s, in
exact arithmetic, applied to a = pixels / 255: z1 = W (a - m) / s + b, z2 = W2 relu(z1) + b2.

* PyTorch rounds a (u a), a - m (u |a - m|) and the division (u |r|, 2u allowed for a multiply by
  a rounded 1/s): its rows r lie within e_r = (u a + u |a - m|) / s + 2u |r|; its first layer
  adds γ_785 (|r| |W|ᵀ + |b|) and carries e_r |W|ᵀ.
* digitnet rounds a (p · fl(1/255): 2u a), each folded weight W* = W / s and bias
  b* = b - W m / s once to float32 (u |W*|, u |b*|, after float64 arithmetic adding
  γ64_786 (|W| m / s + |b|)), and its first layer adds γ_785 (a |W*|ᵀ + |b*|).
* a ReLU moves no error; each second layer adds γ_33 (|a1| |W2|ᵀ + |b2|) and carries the first
  layer's error through |W2|.

So the two logits differ by at most B, the sum of both bounds. A softmax's Jacobian
diag(p) - p pᵀ has rows of absolute sum 2 p_i (1 - p_i) (at most 1/2), so the probabilities
differ by at most 2 p_i (1 - p_i) max_k B_k, plus each softmax's own rounding, (10 + 8) u each
(float_bounds' ROUNDINGS); the second-order terms, of order B² (1e-10 here), are far below that.
"""

from __future__ import annotations

import json
import warnings

import float_bounds as fb
import numpy as np
import pytest
import torch
from torch_fit import fit

import digitnet
from digitnet import inputs
from digitnet.errors import ConfigError

pytestmark = pytest.mark.engine_independent  # (interop; torch and scikit-learn train the models)

MEAN, STD = np.float32(0.1307), np.float32(0.3081)  # torchvision's MNIST Normalize, as float32
NORMALISED = {"kind": "images", "shape": [28, 28], "mean": float(MEAN), "std": float(STD)}


def brightness(pixels: np.ndarray) -> np.ndarray:
    """What a PyTorch user computes: float32 pixels / 255, one row per picture."""
    return pixels.reshape(len(pixels), -1).astype(np.float32) / np.float32(255)


def normalise(pixels: np.ndarray) -> np.ndarray:
    """PyTorch's MNIST recipe, in float32: (brightness - 0.1307) / 0.3081."""
    with torch.no_grad():
        return ((torch.from_numpy(brightness(pixels)) - torch.tensor(MEAN))
                / torch.tensor(STD)).numpy()


@pytest.fixture(scope="module")
def trained(mnist):
    """A 784-32-10 ReLU MLP trained by PyTorch's own loop on the first 3,000 real digits,
    normalised (6 epochs of 47 batches: 282 steps, seeded), logits out, and 5,000 digits it
    never saw (the last ones)."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(),
                                 torch.nn.Linear(32, 10))
    fit(module, normalise(mnist.x[:3000]), mnist.labels[:3000], epochs=6)
    return module, mnist.x[-5000:], mnist.labels[-5000:]


def logit_bound(module, pixels: np.ndarray) -> np.ndarray:
    """B: the bound on |digitnet's logits - PyTorch's|, per the module docstring: the sum of
    each side's bound on its distance from the exact logits."""
    params = [p.detach().numpy() for p in module.parameters()]
    return sum(fb.normalised_logit_bounds(params, pixels, MEAN, STD))


def test_a_normalised_mnist_model_reads_pictures_as_pytorch_fed_them(trained):
    module, pixels, labels = trained
    net = digitnet.from_torch(module, input=NORMALISED)
    assert net.sizes == (784, 32, 10) and inputs.of(net) == inputs.Images((28, 28))
    with torch.no_grad():
        logits = module(torch.from_numpy(normalise(pixels))).numpy()
        theirs = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    bound = logit_bound(module, pixels)
    ours = net.trace(inputs.of(net).rows(pixels)).z(2)
    assert (np.abs(ours - logits) <= bound).all()
    tolerance = 2 * theirs * (1 - theirs) * bound.max(axis=1, keepdims=True) + 2 * 18 * fb.U
    assert (np.abs(net.predict_proba(pixels) - theirs) <= tolerance).all()
    assert (np.abs(net.predict_proba(pixels / 255) - theirs) <= tolerance).all()
    # the same digits wherever the top two logits are further apart than the bound
    top = np.sort(logits, axis=1)
    clear = top[:, -1] - top[:, -2] > 2 * bound.max(axis=1)
    assert clear.mean() > 0.99
    assert (net.predict(pixels)[clear] == logits.argmax(axis=1)[clear]).all()
    # what the walker saw: read as plain brightness, the model answers worse
    plain = digitnet.from_torch(module)
    told, untold = ((n.predict(pixels) == labels).mean() for n in (net, plain))
    assert told > 0.85 and told - untold > 0.01, (told, untold)


def test_the_scaling_may_be_given_as_text_a_list_of_one_or_one_per_pixel(trained, tmp_path):
    module, pixels, _ = trained
    net = digitnet.from_torch(module, input=NORMALISED)
    forms = [json.dumps(NORMALISED), {**NORMALISED, "mean": [float(MEAN)], "std": [float(STD)]},
             {**NORMALISED, "mean": [float(MEAN)] * 784, "std": [float(STD)] * 784}]
    for given in forms:
        np.testing.assert_array_equal(digitnet.from_torch(module, input=given).params,
                                      net.params)
    # the network holds the pictures' record (the scaling is in its weights): saved and read back
    path = tmp_path / "normalised.safetensors"
    digitnet.save(net, path)
    back = digitnet.load(path)
    assert back.metadata["input"] == {"kind": "images", "shape": [28, 28]}
    np.testing.assert_array_equal(back.predict(pixels[:500]), net.predict(pixels[:500]))


def test_a_model_fed_pixels_0_to_255_says_mean_0_and_std_1_over_255(mnist):
    """The same reading covers a model trained on the pixels as they are: W* = 255 W, exact in
    float32 up to one rounding of each product, so the logits agree to float32 sums."""
    torch.manual_seed(1)
    module = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 10))
    raw = mnist.x[:3000].reshape(3000, -1).astype(np.float32)
    fit(module, raw, mnist.labels[:3000], epochs=4, lr=0.0003)
    net = digitnet.from_torch(module, input={"kind": "images", "shape": [28, 28], "mean": 0,
                                             "std": 1 / 255})
    pixels = mnist.x[-2000:]
    with torch.no_grad():
        logits = module(torch.from_numpy(pixels.reshape(2000, -1).astype(np.float32))).numpy()
    # exact: W p + b, with a = p / 255 and W* = 255 W; digitnet rounds a (2u a), W* (u) and
    # its sums, PyTorch its sums (its input exact): float_bounds' two layers, carried
    w, b, w2, b2 = (p.detach().numpy().astype(np.float64) for p in module.parameters())
    p = pixels.reshape(2000, -1).astype(np.float64)
    a1 = np.maximum(p @ w.T + b, 0)
    first = fb.gamma(785) * (p @ np.abs(w).T + np.abs(b))
    bound = 2 * fb.gamma(17) * (a1 @ np.abs(w2).T + np.abs(b2)) + (
        2 * first + 3 * fb.U * p @ np.abs(w).T) @ np.abs(w2).T
    assert (np.abs(net.trace(inputs.of(net).rows(pixels)).z(2) - logits) <= bound).all()


@pytest.fixture(scope="module")
def pixel_mlp(mnist):
    """scikit-learn's MLPClassifier fitted on the first 3,000 real digits, pixels / 255 (a
    784-column table to scikit-learn), 40 epochs (not converged: enough to compare)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier((32,), max_iter=40, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(mnist.x[:3000].reshape(3000, -1) / 255, mnist.labels[:3000])
    return clf


def float64_bound(net, pixels: np.ndarray) -> np.ndarray:
    """|float64 output - exact| (float_bounds, u = 2^-53), the input rounded twice (digitnet's
    p · fl(1/255); scikit-learn's p / 255 once) and, for a folded layer, its weights once more:
    3 u a in all."""
    a = pixels.reshape(len(pixels), -1) / 255
    _, acts, errors = fb.forward(net, a, u=fb.U64, input_error=3 * fb.U64 * a)
    return errors[len(acts) - 1]


def test_an_mlpclassifier_fitted_on_pixels_reads_pictures(pixel_mlp, mnist, tmp_path):
    """Without input=, a table of 784 columns x0, ... (a picture is refused); with it, pictures:
    uint8 pixels, brightness and image files, the estimator's probabilities to float64 rounding
    (both are float64 throughout: each within the float64 bound of the exact values)."""
    pixels = mnist.x[-2000:]
    net = digitnet.from_sklearn(pixel_mlp, input={"kind": "images", "shape": [28, 28]})
    assert inputs.of(net) == inputs.Images((28, 28)) and net.dtype == np.float64
    theirs = pixel_mlp.predict_proba(pixels.reshape(2000, -1) / 255)
    assert (np.abs(net.predict_proba(pixels) - theirs) <= 2 * float64_bound(net, pixels)).all()
    assert inputs.classes_of(net) == [str(c) for c in pixel_mlp.classes_]
    assert isinstance(inputs.of(digitnet.from_sklearn(pixel_mlp)), inputs.Table)
    png = tmp_path / "digit.png"
    from PIL import Image

    Image.fromarray(pixels[0]).save(png)
    assert net.predict(digitnet.preprocess.to_mnist(png)[None])[0] in range(10)


def test_an_mlpclassifier_fitted_on_raw_pixels_says_std_1_over_255(mnist):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier((16,), max_iter=15, random_state=0, learning_rate_init=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(mnist.x[:3000].reshape(3000, -1).astype(np.float64), mnist.labels[:3000])
    net = digitnet.from_sklearn(clf, input={"kind": "images", "shape": [28, 28], "mean": 0,
                                            "std": 1 / 255})
    pixels = mnist.x[-2000:]
    theirs = clf.predict_proba(pixels.reshape(2000, -1).astype(np.float64))
    assert (np.abs(net.predict_proba(pixels) - theirs) <= 2 * float64_bound(net, pixels)).all()


def test_a_standard_scaler_before_it_is_folded_with_the_record(mnist):
    """Pipeline(StandardScaler, MLPClassifier) fitted on pixels / 255: the scaler's per-column
    mean and std are folded into the first layer. The network is float64 throughout, as
    scikit-learn is; the test bounds it by the float32 bound the table route (float32 rows)
    is held to in test_interop, which a wrong fold (a sign, a column) is far outside."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=20, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(mnist.x[:3000].reshape(3000, -1) / 255, mnist.labels[:3000])
    net = digitnet.from_sklearn(model, input={"kind": "images", "shape": [28, 28]})
    pixels = mnist.x[-2000:]
    a = pixels.reshape(2000, -1) / 255
    theirs = model.predict_proba(a)
    _, acts, errors = fb.forward(digitnet.from_sklearn(model).astype(np.float32),
                                 model[0].transform(a))
    assert (np.abs(net.predict_proba(pixels) - theirs) <= 2 * errors[len(acts) - 1]).all()
    assert (net.predict(pixels) == model.predict(a)).mean() > 0.999


@pytest.mark.parametrize("given, message", [
    ({"kind": "images", "shape": [28, 28]},
     "from_sklearn(input=...) reads 784 values, but the MLPClassifier takes 30; give input= "),
    ({"kind": "images", "shape": [5, 6], "mean": 0.5},
     "from_sklearn(input=...) gives the pictures' mean but no std; give both: "),
    ({"kind": "images", "shape": [5, 6], "mean": 0.5, "std": 0},
     "from_sklearn(input=...): the std is 0; it is one number or 30 (one per input value), "
     "finite, none of them 0: "),
    ("pictures", "from_sklearn(input=...): not an input record digitnet reads ("),
])
def test_from_sklearn_checks_input_as_from_torch_does(given, message):
    from sklearn.datasets import load_breast_cancer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_breast_cancer(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ConfigError) as info:
        digitnet.from_sklearn(clf, input=given)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    # from_torch's, from the same implementation, word for word but for the names
    module = torch.nn.Sequential(torch.nn.Linear(30, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with pytest.raises(ConfigError) as torch_info:
        digitnet.from_torch(module, input=given)
    assert str(torch_info.value).startswith(
        message.replace("from_sklearn", "from_torch").replace(
            "the MLPClassifier", "the module's first Linear layer"))
