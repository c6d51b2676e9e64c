"""An ONNX graph's input scaling, whatever its steps (interop.onnx_inputs), and digitnet files cut
short (interop.onnx.read_onnx).

Graphs are built with onnx.helper: a 5-8-3 network of Gemm, Relu and Softmax with seeded random
weights (nothing is trained), a chain of elementwise steps by constants before it, fed the first
five columns of scikit-learn's real wine table. onnxruntime runs each graph as its file says;
digitnet must give the same probabilities from the raw columns.

The tolerance comes from float arithmetic (tests/helpers/float_bounds.py). onnxruntime rounds
the input to float32 and every step's result (a division may be a multiplication by a rounded
reciprocal: two roundings); each step carries the error before it on, times |k| for a Mul, over
|k| for a Div. digitnet computes the rows (x - mean) / std in float64 and rounds them once. Both
row errors together bound how far either network's input lies from the exact rows, and each
float32 forward pass lies within fb.forward's bound of the exact one.
"""

from __future__ import annotations

import float_bounds as fb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits, load_wine

import digitnet
from digitnet import Network, inputs, modelfile
from digitnet.errors import ModelFileError, UnsupportedModelError
from digitnet.interop.dense import default_input
from digitnet.interop.onnx import to_onnx

F32 = np.float32
X = load_wine().data[:, :5]
M, S = X.mean(axis=0).astype(F32), X.std(axis=0).astype(F32)

#: name -> chain of (operator, constant, constant first); "Scaler" takes (offset, scale).
CHAINS = {
    "Sub -> Div": [("Sub", M, False), ("Div", S, False)],
    "Div -> Sub (x/s - m)": [("Div", S, False), ("Sub", (M / S).astype(F32), False)],
    "Sub -> Sub": [("Sub", M / 2, False), ("Sub", M / 2, False)],
    "Mul -> Div": [("Mul", (1 / S).astype(F32), False), ("Div", F32(0.5), False)],
    "Div -> Div": [("Div", S, False), ("Div", F32(2), False)],
    "Add -> Mul, a (1, 5) row": [("Add", -M[None], False), ("Mul", (2 / S)[None], False)],
    "k - x, then Div": [("Sub", M, True), ("Div", S, False)],
    "k * x, k + x": [("Mul", (1 / S).astype(F32), True), ("Add", F32(-3), True)],
    "Scaler": [("Scaler", (M, (1 / S).astype(F32)), False)],
    "Div, Scaler, Mul": [("Div", F32(10), False), ("Scaler", (F32(1.5), F32(0.25)), False),
                         ("Mul", F32(0.01), False)],
}


def _weights(n_in: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"w1": rng.normal(size=(8, n_in)).astype(F32), "b1": rng.normal(size=8).astype(F32),
            "w2": rng.normal(size=(3, 8)).astype(F32), "b2": rng.normal(size=3).astype(F32)}


def _network(x: str) -> list:
    return [helper.make_node("Gemm", [x, "w1", "b1"], ["z1"], transB=1, name="layer1"),
            helper.make_node("Relu", ["z1"], ["a1"]),
            helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], transB=1, name="layer2"),
            helper.make_node("Softmax", ["z2"], ["y"], axis=1)]


def _step(i: int, op: str, k, first: bool, x: str):
    """Node ``i`` of a chain: ``x op k`` (``k op x`` when ``first``), and its constants."""
    if op == "Scaler":
        offset, scale = (np.atleast_1d(v).tolist() for v in k)
        return helper.make_node("Scaler", [x], [f"p{i}"], domain="ai.onnx.ml", name=f"pre{i}",
                                offset=offset, scale=scale), {}
    operands = [f"k{i}", x] if first else [x, f"k{i}"]
    return helper.make_node(op, operands, [f"p{i}"], name=f"pre{i}"), {f"k{i}": np.asarray(k)}


def _save(path, nodes, constants, shape):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("ai.onnx.ml", 1)])
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def chain_file(path, chain, n_in: int = 5):
    """A 5-8-3 network (``n_in``-8-3) after ``chain``."""
    nodes, constants, x = [], _weights(n_in), "x"
    for i, (op, k, first) in enumerate(chain):
        node, more = _step(i, op, k, first, x)
        nodes.append(node)
        constants.update(more)
        x = node.output[0]
    return _save(path, nodes + _network(x), constants, ("batch", n_in))


def exact_rows(chain, x: np.ndarray):
    """The chain's rows in float64 from the float32 constants, and a bound on how far
    onnxruntime's float32 rows lie from them."""
    v = x.astype(F32).astype(np.float64)
    error = fb.U * np.abs(x)  # the input rounded to float32
    for op, k, first in chain:
        if op == "Scaler":
            offset, scale = (np.asarray(c, np.float64) for c in k)
            v, error = (v - offset) * scale, (error + fb.U * np.abs(v - offset)) * np.abs(scale)
        else:
            k = np.asarray(k, np.float64)
            v, grow = {"Sub": (k - v if first else v - k, 1), "Add": (v + k, 1),
                       "Mul": (v * k, np.abs(k)), "Div": (v / k, 1 / np.abs(k))}[op]
            error = error * grow
        error = error + 2 * fb.U * np.abs(v)
    return v, error


def run(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.astype(F32)})[0]


@pytest.mark.parametrize("name", list(CHAINS))
def test_a_chain_of_scalings_before_the_first_layer_reads_as_onnxruntime_runs_it(tmp_path, name):
    chain = CHAINS[name]
    path = chain_file(tmp_path / "chain.onnx", chain)
    net = digitnet.load(path)
    table = inputs.of(net)
    assert table == inputs.Table(("x0", "x1", "x2", "x3", "x4"), table.mean, table.std)
    rows, their_error = exact_rows(chain, X)
    mean, std = np.array(table.mean), np.array(table.std)
    # digitnet's rows: float64 (x - mean) / std, rounded once to float32
    our_error = (fb.U * np.abs(rows)
                 + 8 * len(chain) * fb.U64 * (np.abs(X) + np.abs(mean)) / np.abs(std))
    _, acts, errors = fb.forward(net, rows, input_error=their_error + our_error)
    ours, theirs = net.predict_proba(X), run(path, X)
    assert (np.abs(ours - theirs) <= 2 * errors[len(acts) - 1]).all()
    assert (ours.argmax(axis=1) == theirs.argmax(axis=1)).all()


def test_constants_broadcast_over_a_picture_and_through_flatten(tmp_path):
    """sklearn's 8x8 digits as (n, 1, 8, 8) brightness: a Mul by one number per picture column
    (shape (8,)), a Flatten, then a Sub of one number per pixel (64,). The input is pictures
    (its shape says so), so the scaling is folded into the first layer, which then reads
    brightness 0..1 as any picture model does."""
    digits = load_digits().data / 16
    per_column = np.linspace(0.5, 2, 8).astype(F32)
    per_pixel = digits.mean(axis=0).astype(F32)
    nodes = [helper.make_node("Mul", ["x", "k0"], ["p0"], name="columns"),
             helper.make_node("Flatten", ["p0"], ["p1"], axis=1),
             helper.make_node("Sub", ["p1", "k1"], ["p2"], name="pixels"), *_network("p2")]
    path = _save(tmp_path / "pictures.onnx", nodes,
                 {"k0": per_column, "k1": per_pixel, **_weights(64)}, ("batch", 1, 8, 8))
    net = digitnet.load(path)
    assert inputs.of(net) == inputs.Images((8, 8), pictures="frames")
    theirs = run(path, digits.reshape(-1, 1, 8, 8).astype(F32))
    # onnxruntime rounds the scaled inputs (a few u of |x k| + |mean| each), and folding
    # rounds the first layer's weights once more (u of each term, the same order): counted as
    # an error in the input, carried through both networks' float32 sums (twice the bound).
    error = 8 * fb.U * (np.abs(digits) * np.tile(per_column, 8) + np.abs(per_pixel))
    _, acts, errors = fb.forward(net, digits, input_error=error)
    assert (np.abs(net.predict_proba(digits) - theirs) <= 2 * errors[len(acts) - 1]).all()


@pytest.mark.parametrize("chain, message", [
    ([("Sub", M, False), ("Mul", F32(0), False)],
     ("node 'pre1' (Mul) multiplies the input by 0; digitnet reads an input scaled by finite "
      "numbers other than 0")),
    ([("Div", np.array([1, 2, np.inf, 4, 5], F32), False)],
     "node 'pre0' (Div) divides the input by inf"),
    ([("Add", np.array([0, np.nan, 0, 0, 0], F32), False)],
     "node 'pre0' (Add) shifts the input by nan; digitnet reads an input scaled by finite numbers"),
    ([("Scaler", (M, np.array([1, 1, 0, 1, 1], F32)), False)],
     "node 'pre0' (Scaler) multiplies the input by 0"),
    ([("Div", S, True)], "node 'pre0' divides a constant by the input (k / x)"),
    ([("Sub", np.ones((2, 5), F32), False)],
     "node 'pre0' (Sub) applies constants of shape (2, 5) to an input of shape (5,) per example"),
])
def test_a_scaling_no_standardisation_computes_is_refused_naming_its_node(tmp_path, chain,
                                                                          message):
    path = chain_file(tmp_path / "bad.onnx", chain)
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.load(path)
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_a_scaling_between_layers_is_refused_naming_its_node(tmp_path):
    nodes = _network("x")
    nodes[1:1] = [helper.make_node("Mul", ["z1", "half"], ["h"], name="halve")]
    nodes[2].input[0] = "h"  # Relu(z1 * 0.5)
    path = _save(tmp_path / "between.onnx", nodes, {"half": F32(0.5), **_weights(5)},
                 ("batch", 5))
    assert run(path, X).shape == (len(X), 3)  # a graph onnxruntime runs
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.load(path)
    assert str(info.value).startswith(
        f"{path}: unsupported operator Mul (node 'halve', between layers: scaling is read "
        "before the first layer only); digitnet reads fully connected networks")


def test_a_scaling_by_a_computed_operand_is_refused_naming_its_node(tmp_path):
    """x - relu(x) is no scaling by constants (a guard: refused before the chains were read
    too)."""
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Sub", ["x", "r"], ["p"], name="centre"), *_network("p")]
    path = _save(tmp_path / "computed.onnx", nodes, _weights(5), ("batch", 5))
    with pytest.raises(UnsupportedModelError, match="unsupported operator Sub .node 'centre', 2 "):
        digitnet.load(path)


def test_a_table_reader_never_reads_pictures():
    """default_input(..., table=True): what the ONNX reader says of skl2onnx's files."""
    columns = tuple(f"x{i}" for i in range(784))
    assert default_input(784, table=True) == inputs.Table(columns)
    assert default_input(784) == inputs.Images((28, 28))
    assert default_input(4, table=True, mean=np.zeros(4), std=np.ones(4)) == inputs.Table(
        ("x0", "x1", "x2", "x3"), (0, 0, 0, 0), (1, 1, 1, 1))


def _cut_copies(tmp_path):
    """A deskewing model's ONNX file cut short by every length that leaves a readable ONNX
    model, with what each cut kept of the metadata."""
    net = Network((784, 16, 10), "relu", seed=0)
    net.metadata = {"input": inputs.Images((28, 28), deskew=True).to_dict()}
    data = to_onnx(net).SerializeToString()
    cuts = []
    for n in range(1, 400):
        try:
            model = onnx.load_from_string(data[:-n])
        except DecodeError:  # a cut inside a field
            continue
        if model.graph.node:
            path = tmp_path / f"cut{n}.onnx"
            path.write_bytes(data[:-n])
            cuts.append((path, {p.key for p in model.metadata_props}))
    return cuts


def test_a_digitnet_file_cut_short_is_refused_not_read_without_its_deskewing(tmp_path):
    cuts = _cut_copies(tmp_path)
    assert any("input" not in kept for _, kept in cuts)  # the case met: cut.onnx
    for path, kept in cuts:
        if "input" in kept:  # only the metadata after the input record was lost
            assert inputs.of(modelfile.load(path)) == inputs.Images((28, 28), deskew=True)
            continue
        with pytest.raises(ModelFileError) as info:
            modelfile.load(path)
        assert str(info.value) == (f"{path}: written by digitnet but its metadata is missing; "
                                   "it may be truncated — export it again")
