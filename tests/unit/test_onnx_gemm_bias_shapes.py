"""A layer's bias in any shape ONNX lets it have, and the Gemm layers digitnet cannot hold, told
by what is wrong with them (interop.onnx's _Layers); an ONNX file cut short says what to do.

Graphs are built with onnx.helper: a 784-16-10 network of Gemm (or MatMul and Add), Relu and
Softmax with seeded random weights (nothing is trained), fed 500 real MNIST digits as brightness
0..1. onnxruntime runs each graph as its file says; a bias ONNX broadcasts to one value per
neuron, ((1, 16) as PyTorch's and other exporters write it, (16,), (1,), a single number), must
give onnxruntime's probabilities; one that would add other values to other examples ((2, 16),
(16, 1)) is refused in one line naming the node and its shape, not a traceback.

The tolerance comes from float arithmetic (tests/helpers/float_bounds.py): onnxruntime's and
digitnet's float32 forward passes each lie within fb.forward's bound of the exact one.
"""

from __future__ import annotations

import float_bounds as fb
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from digitnet import Network, modelfile
from digitnet.errors import DigitnetError, ModelFileError, UnsupportedModelError
from digitnet.interop.onnx import to_onnx

F32 = np.float32
RNG = np.random.default_rng(3)
W1, B1 = RNG.normal(0, 0.05, (16, 784)).astype(F32), RNG.normal(0, 0.1, 16).astype(F32)
W2, B2 = RNG.normal(0, 0.3, (10, 16)).astype(F32), RNG.normal(0, 0.1, 10).astype(F32)


@pytest.fixture(scope="module")
def digits(mnist) -> np.ndarray:
    """500 real MNIST digits as float32 brightness 0..1, (500, 784)."""
    return (mnist.x[-500:].reshape(500, -1) / 255).astype(F32)


def _save(path, nodes, constants, x_shape=("batch", 784)) -> str:
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return str(path)


def _gemm_graph(path, b1, **gemm1) -> str:
    """784-16-10: Gemm (bias ``b1``, attributes ``gemm1``), Relu, Gemm, Softmax."""
    return _save(path, [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["z1"], name="layer1", transB=1, **gemm1),
        helper.make_node("Relu", ["z1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], name="layer2", transB=1),
        helper.make_node("Softmax", ["z2"], ["y"], axis=1),
    ], {"w1": W1, "b1": b1, "w2": W2, "b2": B2})


def _matmul_graph(path, b1) -> str:
    """784-16-10 as tf2onnx writes it: MatMul, Add (bias ``b1``), Relu, MatMul, Add, Softmax."""
    return _save(path, [
        helper.make_node("MatMul", ["x", "w1t"], ["m1"]),
        helper.make_node("Add", ["m1", "b1"], ["z1"], name="bias1"),
        helper.make_node("Relu", ["z1"], ["a1"]),
        helper.make_node("MatMul", ["a1", "w2t"], ["m2"]),
        helper.make_node("Add", ["m2", "b2"], ["z2"]),
        helper.make_node("Softmax", ["z2"], ["y"], axis=1),
    ], {"w1t": W1.T.copy(), "b1": b1, "w2t": W2.T.copy(), "b2": B2})


def _onnxruntime(path, x) -> np.ndarray:
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


BIASES = {"(1, 16)": B1[None], "(16,)": B1, "(1,)": B1[:1], "()": B1[0], "(1, 1)": B1[:1, None]}


@pytest.mark.parametrize("layer", ["Gemm", "MatMul, Add"])
@pytest.mark.parametrize("shape", BIASES)
def test_a_bias_of_one_value_per_neuron_gives_onnxruntimes_answers(tmp_path, digits, layer,
                                                                   shape):
    bias = np.asarray(BIASES[shape], F32)
    make = _gemm_graph if layer == "Gemm" else _matmul_graph
    path = make(tmp_path / "net.onnx", bias)
    net = modelfile.load(path)
    assert net.sizes == (784, 16, 10)
    np.testing.assert_array_equal(net.biases[0], np.broadcast_to(bias.reshape(-1), 16))
    theirs, ours = _onnxruntime(path, digits), net.predict_proba(digits)
    _, acts, errors = fb.forward(net, digits)
    assert (np.abs(theirs - ours) <= 2 * errors[len(acts) - 1]).all()
    assert (theirs.argmax(axis=1) == net.predict(digits)).mean() > 0.99


def test_gemms_beta_scales_a_1_by_n_bias_as_onnxruntime_does(tmp_path, digits):
    path = _gemm_graph(tmp_path / "beta.onnx", B1[None], beta=3.0, alpha=0.5)
    net = modelfile.load(path)
    np.testing.assert_allclose(net.biases[0], 3 * B1, rtol=1e-6)
    _, acts, errors = fb.forward(net, digits)
    assert (np.abs(_onnxruntime(path, digits) - net.predict_proba(digits))
            <= 2 * errors[len(acts) - 1]).all()


@pytest.mark.parametrize("layer, node", [("Gemm", "layer1"), ("MatMul, Add", "bias1")])
@pytest.mark.parametrize("shape", [(2, 16), (16, 1), (1, 1, 16)], ids=str)
def test_a_bias_that_differs_between_examples_is_refused_naming_the_node(tmp_path, layer, node,
                                                                         shape):
    bias = np.resize(B1, shape).astype(F32)
    path = (_gemm_graph if layer == "Gemm" else _matmul_graph)(tmp_path / "odd.onnx", bias)
    with pytest.raises(UnsupportedModelError) as e:
        modelfile.load(path)
    op = "Gemm" if layer == "Gemm" else "Add"
    assert str(e.value) == (
        f"{path}: node {node!r} ({op}) adds a bias of shape {shape} to 16 neurons; digitnet reads "
        "one per neuron, the same for every example: shape (16,) or (1, 16); export it so")


def test_a_gemm_with_transa_is_refused_saying_it_takes_examples_as_columns(tmp_path, digits):
    path = _save(tmp_path / "transa.onnx", [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["z1"], name="layer1", transA=1, transB=1),
        helper.make_node("Relu", ["z1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], name="layer2", transB=1),
        helper.make_node("Softmax", ["z2"], ["y"], axis=1),
    ], {"w1": W1, "b1": B1, "w2": W2, "b2": B2}, x_shape=(784, "batch"))
    # A valid graph: onnxruntime runs it, on the digits as columns.
    assert _onnxruntime(path, np.ascontiguousarray(digits.T)).shape == (500, 10)
    with pytest.raises(UnsupportedModelError) as e:
        modelfile.load(path)
    assert str(e.value) == (f"{path}: node 'layer1' (Gemm) has transA=1 (one example per "
                            "column); digitnet reads one per row: export it with transA=0")


@pytest.mark.parametrize("second", ["Gemm", "MatMul"])
def test_two_layers_with_no_activation_between_them_are_refused_saying_so(tmp_path, digits,
                                                                          second):
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["z1"], name="layer1", transB=1)]
    nodes += ([helper.make_node("Gemm", ["z1", "w2", "b2"], ["z2"], name="layer2", transB=1)]
              if second == "Gemm" else
              [helper.make_node("MatMul", ["z1", "w2t"], ["z2"], name="layer2")])
    nodes.append(helper.make_node("Softmax", ["z2"], ["y"], axis=1))
    path = _save(tmp_path / "linear.onnx", nodes,
                 {"w1": W1, "b1": B1, "w2": W2, "b2": B2, "w2t": W2.T.copy()})
    assert _onnxruntime(path, digits).shape == (500, 10)
    with pytest.raises(UnsupportedModelError) as e:
        modelfile.load(path)
    assert str(e.value) == (
        f"{path}: node 'layer2' ({second}) follows a layer with no activation between them; put "
        "Relu, LeakyRelu, Sigmoid or Tanh there, or merge the two into one layer (W2 W1, bias W2 "
        "b1 + b2)")


def test_an_onnx_file_cut_short_says_it_may_be_truncated_and_to_export_it_again(tmp_path):
    data = to_onnx(Network((784, 16, 10), seed=0)).SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError) as e:
        modelfile.load(path)
    message = str(e.value)
    assert message.startswith(f"{path}: not a readable ONNX model (")
    assert message.endswith("); it may be truncated or corrupt — export or copy it again")
    assert "\n" not in message and isinstance(e.value, DigitnetError)
