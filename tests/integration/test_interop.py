"""Models out and in with real digits and the real libraries: onnxruntime runs digitnet's ONNX
export, PyTorch loads its state dict, and networks trained by PyTorch and scikit-learn (exported
by their own exporters) come back into digitnet with the same outputs.

Tolerances come from float arithmetic (tests/helpers/float_bounds.py): two float32 computations
of the same network each lie within the elementwise bound of the exact (float64) one, so they lie
within twice that bound of each other; a float64 computation is within the same bound.
"""

from __future__ import annotations

import json
import textwrap
import warnings

import float_bounds as fb
import numpy as np
import onnxruntime as ort
import pytest
import torch
from click.testing import CliRunner
from torch_fit import fit

import digitnet
from digitnet import inputs, modelfile
from digitnet.cli import cli
from digitnet.interop.export import export


def pixels(x: np.ndarray) -> np.ndarray:
    """The float32 brightness digitnet's forward pass computes from uint8 pixels."""
    return np.multiply(x.reshape(len(x), -1), np.float32(1 / 255), dtype=np.float32)


def bound(net, x, input_error=None) -> np.ndarray:
    """Elementwise bound on |float32 output - exact output| (float_bounds.forward)."""
    _, acts, errors = fb.forward(net, np.asarray(x).reshape(len(x), -1), input_error=input_error)
    return errors[len(acts) - 1]


def test_onnx_export_matches_predict_proba_on_10000_real_digits(small_model, mnist, tmp_path):
    """onnxruntime and NumPy compute the same float32 sums in different orders.

    The guarantee is elementwise: each lies within float_bounds' bound of the exact value
    (γ_785 Σ|w a| in the first layer, carried through), so they differ by at most twice it.
    That worst case lets a confident answer's probability move by up to about 1e-2. The issue
    asks for at most 1e-5, which holds for float32 because each probability here is a softmax of
    z's whose rounding errors, about u = 6e-8 per operation, partly cancel (they grow like √n,
    not n, Higham and Mary 2019) and enter as p·(1 - p)·Δz: 1e-5 is 168 u, room for sums of
    |w a| up to about 5 with √785 roundings each. Both are asserted.
    """
    out = tmp_path / "small.onnx"
    result = CliRunner().invoke(cli, ["export", str(small_model), "--format", "onnx", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    net = modelfile.load(small_model)
    # The default recipe deskews: the graph takes the digits as the network sees them.
    assert inputs.of(net).deskew and "deskewed digits" in result.output
    x = inputs.of(net).rows(mnist.x[:10_000])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    theirs = session.run(["probabilities"], {"input": pixels(x)})[0]
    ours = net.probabilities(x)  # the rows the graph takes
    assert theirs.shape == (10_000, 10)
    difference = np.abs(theirs - ours)
    assert (difference <= 2 * bound(net, x)).all()
    assert difference.max() <= 1e-5


def test_torch_export_loads_into_the_module_and_gives_the_same_outputs(small_model, mnist,
                                                                       tmp_path):
    result = CliRunner().invoke(cli, ["export", str(small_model), "--format", "torch", "--out",
                                      str(tmp_path / "m.safetensors")])
    assert result.exit_code == 0, result.output
    net = modelfile.load(small_model)
    # The lines the command prints (and the README shows), run as a user would paste them.
    lines = result.output.split("Load it with:\n")[1]
    assert "nn.Sequential(nn.Linear(784, 16), nn.LeakyReLU(" in lines  # the default recipe's
    namespace = {}
    exec(textwrap.dedent(lines), namespace)
    module = namespace["model"]
    x = inputs.of(net).rows(mnist.x[:2000])  # deskewed, as the network reads them
    with torch.no_grad():
        theirs = module(torch.from_numpy(pixels(x))).numpy()
    np.testing.assert_array_less(np.abs(theirs - net.probabilities(x)), 2 * bound(net, x) + 1e-30)


@pytest.fixture(scope="module")
def torch_mlp(mnist_small):
    """A 784-32-10 ReLU MLP trained by PyTorch's own loop on 3,000 real digits (logits out)."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(),
                                 torch.nn.Linear(32, 10))
    return fit(module, pixels(mnist_small.x), mnist_small.labels)


def torch_proba(module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(module(torch.from_numpy(pixels(x))), dim=1).numpy()


def test_from_torch_gives_the_modules_probabilities(torch_mlp, mnist):
    net = digitnet.from_torch(torch_mlp)
    x = mnist.x[-5000:]
    difference = np.abs(net.predict_proba(x) - torch_proba(torch_mlp, x))
    assert (difference <= 2 * bound(net, x)).all()
    assert (net.predict(x) == mnist.labels[-5000:]).mean() > 0.85  # it learned: digits read


def test_pytorch_exported_onnx_through_the_cli_and_the_page(torch_mlp, mnist, tmp_path):
    path = tmp_path / "torch-mlp.onnx"
    with warnings.catch_warnings():
        # torch.export's own internals warn (FutureWarning, a torchvision notice) while exporting
        warnings.simplefilter("ignore")
        torch.onnx.export(torch_mlp, (torch.zeros(2, 1, 28, 28),), str(path), input_names=["x"],
                          dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
    net = modelfile.load(path)
    assert net.sizes == (784, 32, 10) and inputs.of(net) == inputs.Images((28, 28))
    x = mnist.x[:5000]
    difference = np.abs(net.predict_proba(x) - torch_proba(torch_mlp, x))
    assert (difference <= 2 * bound(net, x)).all()

    data = tmp_path / "digits"
    data.mkdir()
    from digitnet import idx

    idx.write_idx(data / "t10k-images-idx3-ubyte", mnist.x[:1000])
    idx.write_idx(data / "t10k-labels-idx1-ubyte", mnist.labels[:1000])
    runner = CliRunner()
    evaluated = runner.invoke(cli, ["evaluate", str(path), "--data", str(data), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    accuracy = json.loads(evaluated.output)["accuracy"]
    assert accuracy == pytest.approx((np.argmax(torch_proba(torch_mlp, mnist.x[:1000]), 1)
                                      == mnist.labels[:1000]).mean())
    shown = runner.invoke(cli, ["show", "weights", str(path), "--out", str(tmp_path / "w.png")])
    assert shown.exit_code == 0 and (tmp_path / "w.png").stat().st_size > 1000
    info = runner.invoke(cli, ["info", str(path)])
    assert "784-32-10" in info.output and "imported    from ONNX model written by pytorch" in info.output

    from digitnet.web import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app(path)) as client:
        answer = client.post("/api/predict", json={"pixels": (x[0] / 255).round(3).tolist()}).json()
    seen = np.array(answer["input"], np.float32).reshape(1, 784)
    with torch.no_grad():
        expected = torch_mlp(torch.from_numpy(seen)).argmax(dim=1).item()
    assert answer["digit"] == expected


@pytest.fixture(scope="module", params=["wine", "breast_cancer", "digits"])
def sklearn_mlp(request):
    """An MLPClassifier fitted on a real data set shipped with scikit-learn, and that data."""
    from sklearn import datasets as sk
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(sk, f"load_{request.param}")(return_X_y=True)
    model = make_pipeline(StandardScaler(), MLPClassifier((16, 16), activation="tanh",
                                                          max_iter=200, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 200 epochs are enough to compare
        model.fit(X, y)
    return model, X


def test_from_sklearn_gives_predict_proba(sklearn_mlp):
    """A float64 network from float64 coefficients; its only float32 step is the standardised
    rows (Table.rows), so it is within the float32 bound of the exact values, and
    scikit-learn's float64 computation well within that too."""
    model, X = sklearn_mlp
    net = digitnet.from_sklearn(model)
    rows = inputs.of(net).rows(X)
    exact_rows = model[0].transform(X)
    ours = net.probabilities(rows)
    error = bound(net.astype(np.float32), exact_rows)
    assert (np.abs(ours - model.predict_proba(X)) <= 2 * error).all()
    assert inputs.classes_of(net) == [str(c) for c in model.classes_]


def test_skl2onnx_export_reads_back_with_the_same_outputs(sklearn_mlp, tmp_path):
    from skl2onnx import to_onnx

    model, X = sklearn_mlp
    mlp = model[-1]
    path = tmp_path / "mlp.onnx"
    standardised = model[0].transform(X).astype(np.float32)
    path.write_bytes(to_onnx(mlp, standardised[:1]).SerializeToString())
    net = modelfile.load(path)
    assert inputs.classes_of(net) == [str(c) for c in mlp.classes_]
    theirs = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"X": standardised})
    probabilities = theirs[1]
    if isinstance(probabilities, list):  # skl2onnx's ZipMap: one {class: p} per row
        probabilities = np.array([[row[c] for c in mlp.classes_] for row in probabilities])
    ours = net.probabilities(standardised)
    assert (np.abs(ours - probabilities) <= 2 * bound(net, standardised)).all()


def test_a_table_model_in_onnx_takes_the_raw_columns(tmp_path):
    """DigitnetClassifier on wine standardises inside; its ONNX export does it in the graph,
    in float32 from the raw values: (x - mean) / std rounds x, mean, std, the difference and
    the quotient, at most 5 u (|x| + |mean|) / std, carried through the network."""
    from sklearn.datasets import load_wine

    from digitnet.sklearn import DigitnetClassifier

    X, y = load_wine(return_X_y=True)
    clf = DigitnetClassifier(epochs=20).fit(X, y)
    path = export(clf.network_, tmp_path / "wine.onnx", "onnx")
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": X.astype(np.float32)})[0]
    table = inputs.of(clf.network_)
    mean, std = np.array(table.mean), np.array(table.std)
    input_error = 5 * fb.U * (np.abs(X) + np.abs(mean)) / std
    error = bound(clf.network_, (X - mean) / std, input_error)
    assert (np.abs(got - clf.predict_proba(X)) <= 2 * error).all()
    assert modelfile.load(path).metadata["input"] == table.to_dict()


def test_a_tf2onnx_export_of_a_keras_mlp(mnist):
    """tests/data/tf2onnx: what tf2onnx wrote for a Keras MLP trained on real digits, and
    TensorFlow's probabilities for the first 1,000 of these digits (make.py there says how)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "data" / "tf2onnx"
    net = modelfile.load(folder / "keras.onnx")
    assert net.sizes == (784, 16, 16, 10) and net.activation.name == "tanh"
    # its producer as tf2onnx writes it ("1.17.0 None": no git hash), without the "None"
    assert net.metadata["imported"]["from"] == "ONNX model written by tf2onnx 1.17.0"
    x = mnist.x[:1000]
    difference = np.abs(net.predict_proba(x) - np.load(folder / "keras-probabilities.npy"))
    assert (difference <= 2 * bound(net, x)).all()
