"""What ONNX files read: skl2onnx's conversions of scikit-learn models fitted on real data (a
StandardScaler's ai.onnx.ml Scaler, raw MNIST pixels), and digitnet's own export of a trained
model cut short.

Tolerances come from float arithmetic (tests/helpers/float_bounds.py): onnxruntime's float32
computation and digitnet's each lie within the elementwise bound of the exact one, so within
twice it of each other; the input's own roundings (the Scaler's) are bounded first.
"""

from __future__ import annotations

import warnings

import float_bounds as fb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from click.testing import CliRunner

import digitnet
from digitnet import inputs
from digitnet.cli import cli

# (trains nothing itself: imports models that scikit-learn and torch fitted)
pytestmark = pytest.mark.engine_independent


def fitted(model, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # enough epochs to compare
        return model.fit(X, y)


def probabilities(path, X: np.ndarray, classes) -> np.ndarray:
    """onnxruntime's probabilities from a skl2onnx file (its ZipMap: one {class: p} per row)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    found = session.run(None, {"X": X.astype(np.float32)})[1]
    return np.array([[row[c] for c in classes] for row in found])


def output_bound(net, rows, input_error=None) -> np.ndarray:
    _, acts, errors = fb.forward(net, rows, input_error=input_error)
    return errors[len(acts) - 1]


@pytest.mark.parametrize("dataset", ["wine", "breast_cancer"])
def test_skl2onnx_pipeline_with_a_standard_scaler_reads_the_raw_columns(tmp_path, dataset):
    """skl2onnx writes the scaler as Scaler(offset=mean, scale=1/std): the file reads the raw
    columns, as the Pipeline and from_sklearn do."""
    from skl2onnx import to_onnx
    from sklearn import datasets as sk
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(sk, f"load_{dataset}")(return_X_y=True)
    pipeline = fitted(make_pipeline(StandardScaler(), MLPClassifier((16,), random_state=0)), X, y)
    path = tmp_path / "pipeline.onnx"
    model = to_onnx(pipeline, X[:1].astype(np.float32))
    assert "Scaler" in [node.op_type for node in model.graph.node]
    path.write_bytes(model.SerializeToString())
    net = digitnet.load(path)
    scaler = pipeline[0]
    table = inputs.of(net)
    assert table.columns == tuple(f"x{i}" for i in range(X.shape[1]))
    # the graph's float32 offset and 1 / float32(1 / std)
    np.testing.assert_allclose(table.mean, scaler.mean_, rtol=2 * fb.U)
    np.testing.assert_allclose(table.std, scaler.scale_, rtol=3 * fb.U)
    offset, scale = scaler.mean_.astype(np.float32), (1 / scaler.scale_).astype(np.float32)
    rows = (X.astype(np.float32) - offset.astype(float)) * scale.astype(float)
    # onnxruntime rounds x, x - offset and the product; digitnet its rows once
    error = 2 * fb.U * (np.abs(X) + np.abs(X - offset)) * scale + 3 * fb.U * np.abs(rows)
    theirs = probabilities(path, X, pipeline.classes_)
    ours = net.predict_proba(X)
    bound = output_bound(net, rows, error)
    if len(pipeline.classes_) == 2:  # skl2onnx's 1 - p: p's error and one rounding below 1
        bound = bound.max(axis=1, keepdims=True) + fb.U
    assert (np.abs(ours - theirs) <= 2 * bound).all()
    assert (pipeline.classes_[net.predict(X)] == pipeline.predict(X)).all()


def test_skl2onnx_mlp_on_raw_pixels_reads_raw_pixels(tmp_path, mnist):
    """An MLPClassifier fitted on flat raw 0..255 pixels: scikit-learn saw raw values, and so
    does the network read from skl2onnx's file (not pictures divided by 255)."""
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier

    X = mnist.x[:3000].reshape(3000, -1).astype(np.float64)
    mlp = fitted(MLPClassifier((16,), max_iter=20, random_state=0), X[:2000], mnist.labels[:2000])
    path = tmp_path / "raw.onnx"
    path.write_bytes(to_onnx(mlp, X[:1].astype(np.float32)).SerializeToString())
    net = digitnet.load(path)
    assert inputs.of(net) == inputs.Table(tuple(f"x{i}" for i in range(784)))
    held_out = X[2000:]
    ours, theirs = net.predict_proba(held_out), probabilities(path, held_out, mlp.classes_)
    assert (np.abs(ours - theirs) <= 2 * output_bound(net, held_out)).all()
    assert (mlp.classes_[net.predict(held_out)] == mlp.predict(held_out)).all()


def test_a_digitnet_export_that_lost_its_last_bytes_is_refused(small_model, mnist_dir, tmp_path):
    """The file met: 224 bytes cut off the end take its metadata (written last) and nothing
    of the graph, so it parses; read by its shape it was a network that does not deskew."""
    out = tmp_path / "m.onnx"
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(small_model), "--format", "onnx", "--out",
                               str(out)]).exit_code == 0
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(out.read_bytes()[:-224])
    assert "input" not in {p.key for p in onnx.load(str(cut)).metadata_props}  # it parses
    assert inputs.of(digitnet.load(out)).deskew
    for command in (["info", str(cut)],
                    ["evaluate", str(cut), "--data", str(mnist_dir), "--split", "val"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1
        assert result.stderr == (f"digitnet: error: {cut}: written by digitnet but its metadata "
                                 "is missing; it may be truncated — export it again\n")
