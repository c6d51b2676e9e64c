"""Imports digitnet refuses rather than read as something they are not, and imports of pictures
that are not MNIST's 28x28, read as digitnet's own models of such pictures read them.

* A network of several heads on one body (PyTorch's usual multi-task module): refused by
  ``from_torch`` without sending its user to an ONNX export that is refused in turn, and its
  ONNX export refused naming the graph's outputs, never read as its first head alone. What the
  refusal says to do (a Sequential of the head wanted) reads.
* An ONNX graph with nodes that feed no output (a head nobody returns, with a ZipMap of its
  own): read as what the graph gives, as onnxruntime computes it.
* ``from_sklearn(input=...)`` of scikit-learn's 8x8 digits: a model whose picture files are
  read as they are, resized to 8x8 (``"pictures": "frames"``, as ``digitnet.train`` records
  for 8x8 pictures), that ``digitnet info`` describes so and the web API answers; its refusals
  give examples that fit the estimator.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings

import numpy as np
import onnxruntime as ort
import pytest
import torch
from click.testing import CliRunner
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from torch import nn
from torch_fit import fit

import digitnet
from digitnet import inputs, modelfile
from digitnet.cli import cli
from digitnet.errors import ConfigError, UnsupportedModelError


class Heads(nn.Module):
    """A shared 784-32 ReLU body and three heads: two of ten classes, one of two."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 32), nn.ReLU())
        self.a, self.b, self.c = nn.Linear(32, 10), nn.Linear(32, 10), nn.Linear(32, 2)

    def forward(self, x):
        h = self.body(x)
        return self.a(h), self.b(h), self.c(h)


def brightness(pictures: np.ndarray) -> np.ndarray:
    return pictures.reshape(len(pictures), -1).astype(np.float32) / 255


def exported(module, example, path) -> None:
    """``torch.onnx.export`` as the refusal's users run it (its chatter and warnings aside)."""
    quiet = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), external_data=False, dynamo=True)


@pytest.fixture(scope="module")
def heads(mnist):
    """Heads with its body and first head trained on 3,000 real digits."""
    torch.manual_seed(0)
    model = Heads()
    fit(nn.Sequential(model.body, model.a), brightness(mnist.x[:3000]), mnist.labels[:3000],
        epochs=2)
    return model.eval()


def test_a_module_of_three_heads_is_refused_and_what_it_says_reads(heads, mnist):
    """Refused before too, but sent to an ONNX export (then read as its first head)."""
    heads.train()  # (as a user may hand it over: its modes are left as they were)
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_torch(heads)
    said = str(info.value)
    assert said.startswith("from_torch: got a Heads, a module whose forward returns 3 outputs; "
                           "digitnet reads a network with one output")
    assert "onnx.export" not in said and "\n" not in said
    assert heads.training and heads.body[0].training
    heads.eval()

    # what it says to do instead: the layers of the head wanted, as a Sequential
    net = digitnet.from_torch(nn.Sequential(heads.body, heads.a))
    x = mnist.x[-1000:]
    with torch.no_grad():
        theirs = torch.softmax(heads(torch.from_numpy(brightness(x)))[0], dim=1).numpy()
    assert np.abs(net.predict_proba(x) - theirs).max() < 1e-5
    assert (net.predict(x) == mnist.labels[-1000:]).mean() > 0.85


def test_the_onnx_export_of_three_heads_is_refused_naming_its_outputs(heads, tmp_path):
    """As the walker exported it; read before as head 0's network (784-32-10), the others
    dropped without a word."""
    path = tmp_path / "u_heads3.onnx"
    exported(heads, torch.zeros(1, 784), path)
    names = [o.name for o in ort.InferenceSession(str(path)).get_outputs()]
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.load(path)
    assert str(info.value) == (
        f"{path}: the graph has 3 outputs ({', '.join(names)}); digitnet reads a network with "
        "one: export a model whose forward returns only the output you want")


def test_a_label_beside_the_probabilities_is_one_network(mnist, tmp_path):
    """An output computed from the network's (a label, as skl2onnx writes) is no other head."""

    class WithLabel(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))

        def forward(self, x):
            p = torch.softmax(self.layers(x), dim=1)
            return p, p.argmax(dim=1)

    torch.manual_seed(0)
    model = WithLabel()
    fit(model.layers, brightness(mnist.x[:2000]), mnist.labels[:2000], epochs=1)
    exported(model.eval(), torch.zeros(1, 784), tmp_path / "labelled.onnx")
    net = digitnet.load(tmp_path / "labelled.onnx")
    x = mnist.x[-500:]
    with torch.no_grad():
        theirs = model(torch.from_numpy(brightness(x)))[0].numpy()
    assert net.sizes == (784, 16, 10) and np.abs(net.predict_proba(x) - theirs).max() < 1e-5


def two_head_graph(heads, path, joined: bool = False) -> None:
    """Heads' body and head a, its probabilities the one output; head b computed too, with a
    ZipMap of letters after it, feeding no output (``joined``: the two heads' z summed into
    the output instead)."""
    arrays = {"w1": heads.body[0].weight, "b1": heads.body[0].bias, "wa": heads.a.weight,
              "ba": heads.a.bias, "wb": heads.b.weight, "bb": heads.b.bias}
    initializers = [numpy_helper.from_array(v.detach().numpy(), k) for k, v in arrays.items()]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["z1"], transB=1),
             helper.make_node("Relu", ["z1"], ["h"]),
             helper.make_node("Gemm", ["h", "wa", "ba"], ["za"], transB=1),
             helper.make_node("Gemm", ["h", "wb", "bb"], ["zb"], transB=1)]
    if joined:
        nodes += [helper.make_node("Add", ["za", "zb"], ["z"], name="join"),
                  helper.make_node("Softmax", ["z"], ["probabilities"], axis=1)]
    else:
        nodes += [helper.make_node("Softmax", ["za"], ["probabilities"], axis=1),
                  helper.make_node("Softmax", ["zb"], ["pb"], axis=1),
                  helper.make_node("ZipMap", ["pb"], ["unused"], domain="ai.onnx.ml",
                                   classlabels_strings=list("abcdefghij"))]
    graph = helper.make_graph(
        nodes, "dead", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 784])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["n", 10])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())


def test_nodes_that_feed_no_output_are_not_read(heads, mnist, tmp_path):
    path = tmp_path / "dead.onnx"
    two_head_graph(heads, path)
    x = mnist.x[-1000:]
    theirs = ort.InferenceSession(str(path)).run(None, {"x": brightness(x)})[0]
    net = digitnet.load(path)
    assert net.sizes == (784, 32, 10) and inputs.classes_of(net) == [str(d) for d in range(10)]
    assert np.abs(net.predict_proba(x) - theirs).max() < 1e-5


def test_one_output_of_two_heads_added_is_refused(heads, tmp_path):
    """Two heads summed into the one output: the reader follows one way back, so it refuses
    the node that joins them, rather than read one head."""
    path = tmp_path / "summed.onnx"
    two_head_graph(heads, path, joined=True)
    with pytest.raises(UnsupportedModelError, match=r"unsupported operator Add \(node 'join', "
                                                    r"2 computed inputs\)"):
        digitnet.load(path)


# -- scikit-learn's 8x8 digits as pictures --------------------------------------------------------


@pytest.fixture(scope="module")
def digits_mlp():
    """An MLPClassifier fitted on 1,500 of load_digits' 8x8 digits (values 0..16), and the
    others as uint8 pictures with their labels."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((32,), max_iter=300, random_state=0).fit(X[:1500], y[:1500])
    pictures = np.rint(X[1500:].reshape(-1, 8, 8) * 255 / 16).astype(np.uint8)
    return clf, pictures, y[1500:]


def test_8x8_pictures_imported_are_read_as_digitnets_own_8x8_models_read_them(digits_mlp,
                                                                              tmp_path):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    clf, pictures, labels = digits_mlp
    # brightness b = value / 16: the estimator read b / (1/16)
    net = digitnet.from_sklearn(clf, input={"kind": "images", "shape": [8, 8], "mean": 0,
                                            "std": 1 / 16})
    assert inputs.of(net) == inputs.Images((8, 8), pictures="frames")
    # (what digitnet.train records for 8x8 pictures)
    own = digitnet.train(pictures[:200], labels[:200], epochs=1, deskew=False).network
    assert inputs.of(own) == inputs.of(net)
    values = pictures.reshape(len(pictures), -1) / 255 * 16  # (the values the estimator saw)
    assert (net.predict(pictures) == clf.predict(values)).mean() > 0.99

    path = tmp_path / "m.safetensors"
    modelfile.save(net, path)
    shown = CliRunner().invoke(cli, ["info", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "8x8 images" in shown.output and "resized to 8x8" in shown.output
    assert "28x28" not in shown.output

    files = []
    for i in range(3):
        png = io.BytesIO()
        Image.fromarray(pictures[i]).save(png, format="PNG")
        files.append(png.getvalue())
        read = inputs.of(net).read(png.getvalue())  # (as it is: the pixels / 255)
        assert read.shape == (8, 8) and np.array_equal(np.rint(read * 255), pictures[i])
    client = TestClient(create_app(path))
    for i, png in enumerate(files):
        answer = client.post("/api/predict", files={"file": ("d.png", png, "image/png")})
        assert answer.status_code == 200, answer.text
        assert answer.json()["digit"] == clf.predict(values[i:i + 1])[0]
    drawn = client.post("/api/predict", json={"pixels": (pictures[0] / 255).tolist()})
    assert drawn.status_code == 200 and drawn.json()["digit"] == clf.predict(values[:1])[0]


def test_8x8_pictures_said_to_be_made_as_mnists_are_refused(digits_mlp):
    clf, _, _ = digits_mlp
    with pytest.raises(ConfigError) as info:
        digitnet.from_sklearn(clf, input={"kind": "images", "shape": [8, 8],
                                          "pictures": "digits"})
    assert str(info.value) == (
        'from_sklearn(input=...): pictures of 8x8 are read as they are ("pictures": "frames"), '
        "not as MNIST's digits were made, which makes 28x28 ones: leave \"pictures\" out")


@pytest.mark.parametrize("n_columns, example", [
    (64, '{"kind": "images", "shape": [8, 8]} for pictures'),
    (13, '{"kind": "images", "shape": [h, w]} with h·w = 13 for pictures'),
])
def test_the_example_of_input_fits_the_estimator(n_columns, example):
    from sklearn.datasets import load_digits, load_wine
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = (load_digits if n_columns == 64 else load_wine)(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    with pytest.raises(ConfigError) as info:
        digitnet.from_sklearn(clf, input={"kind": "images", "shape": [28, 28]})
    said = str(info.value)
    assert said == (
        f"from_sklearn(input=...) reads 784 values, but the MLPClassifier takes {n_columns}; "
        f"give input= the record of what its {n_columns} columns are, such as {example}, or "
        f"leave input out for the table of {n_columns} columns scikit-learn read "
        '({"kind": "table", "columns": [...]} to name them)')
    # as it says: the table without input=, and the pictures' record where there is one
    assert inputs.of(digitnet.from_sklearn(clf)).kind == "table"
    if n_columns == 64:
        record = json.loads(example.split(" for ")[0])
        assert inputs.of(digitnet.from_sklearn(clf, input=record)).shape == (8, 8)
