"""Conversions of untrained networks: ONNX and PyTorch out and back, what is refused and why.

Real trained networks, real data and the libraries' own exporters are in
tests/integration/test_interop.py; here the arrays are random (seeded) and nothing is trained.
"""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import digitnet
from digitnet import Network, inputs, modelfile
from digitnet.errors import MissingDependencyError, ModelFileError, UnsupportedModelError
from digitnet.interop import require
from digitnet.interop.dense import Dense
from digitnet.interop.export import export
from digitnet.interop.onnx import to_onnx


ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_onnx_round_trip_is_exact(tmp_path, activation, output):
    net = Network((784, 16, 16, 10), activation, output, seed=3)
    net.metadata = {"classes": list("abcdefghij")}
    back = modelfile.load(export(net, tmp_path / "m.onnx", "onnx"))
    np.testing.assert_array_equal(back.params, net.params)
    assert (back.activation.name, back.output_function.name) == (activation, output)
    assert inputs.classes_of(back) == list("abcdefghij")
    assert inputs.of(back) == inputs.Images((28, 28))


def test_onnx_graph_is_gemm_and_activations_with_metadata():
    net = Network((784, 16, 16, 10), "relu", seed=0)
    model = to_onnx(net)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm",
                                                     "Softmax"]
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["classes"]) == [str(d) for d in range(10)]
    assert json.loads(props["input"]) == {"kind": "images", "shape": [28, 28]}
    onnx.checker.check_model(model, full_check=True)


def test_a_table_models_standardisation_is_in_the_graph(tmp_path):
    """The ONNX model takes raw columns: Sub (means) and Div (standard deviations) come first,
    and reading it back gives the same input record."""
    net = Network((3, 4, 2), "tanh", seed=0)
    table = inputs.Table(("a", "b", "c"), (1.0, -2.0, 30.0), (0.5, 2.0, 10.0))
    net.metadata = {"input": table.to_dict(), "classes": ["no", "yes"]}
    model = to_onnx(net)
    assert [n.op_type for n in model.graph.node][:2] == ["Sub", "Div"]
    back = modelfile.load(export(net, tmp_path / "t.onnx", "onnx"))
    assert inputs.of(back) == inputs.Table(("a", "b", "c"), (1.0, -2.0, 30.0), (0.5, 2.0, 10.0))
    assert inputs.classes_of(back) == ["no", "yes"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_and_back_is_exact(activation):
    net = Network((784, 16, 16, 10), activation, seed=4)
    module = net.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    back = digitnet.from_torch(module)
    np.testing.assert_array_equal(back.params, net.params)
    assert back.activation.name == activation


def test_torch_state_dict_file_loads_into_the_printed_module(tmp_path):
    from safetensors.torch import load_file

    net = Network((784, 16, 16, 10), "relu", seed=5)
    path = export(net, tmp_path / "m.safetensors", "torch")
    module = net.to_torch()
    for p in module.parameters():  # forget the weights: they must come from the file
        torch.nn.init.zeros_(p)
    module.load_state_dict(load_file(path))  # strict: every name and shape matches
    np.testing.assert_array_equal(module[0].weight.detach().numpy(), net.weights[0])
    assert b"pickle" not in path.read_bytes() and path.read_bytes()[8:9] == b"{"


def test_from_torch_reads_logits_and_nested_sequentials_as_softmax():
    nn = torch.nn
    module = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(6, 5), nn.Tanh()),
                           nn.Dropout(0.5), nn.Linear(5, 3))
    net = digitnet.from_torch(module)
    assert net.sizes == (6, 5, 3) and net.output_function.name == "softmax"


@pytest.mark.parametrize("module, message", [
    ("conv", "module 0 (Conv2d) cannot be read"),
    ("mixed", "hidden layer 2 applies sigmoid but layer 1 applies relu"),
    ("slope", "module 1 (LeakyReLU(0.2)) cannot be read"),
    ("linear-linear", "hidden layer 1 applies no activation"),
])
def test_from_torch_names_what_it_cannot_hold(module, message):
    nn = torch.nn
    modules = {
        "conv": nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(2704, 10)),
        "mixed": nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Sigmoid(),
                               nn.Linear(4, 2)),
        "slope": nn.Sequential(nn.Linear(4, 4), nn.LeakyReLU(0.2), nn.Linear(4, 2)),
        "linear-linear": nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2)),
    }
    with pytest.raises(UnsupportedModelError, match="from_torch: ") as e:
        digitnet.from_torch(modules[module])
    assert message in str(e.value) and "\n" not in str(e.value)


def test_one_sigmoid_neuron_becomes_two_softmax_neurons_with_the_same_probability():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(1, 3)), rng.normal(size=1)
    dense = Dense([w], [b], ["binary"], "test").check()
    x = rng.normal(size=(50, 3))
    z = (x @ w.T + b)[:, 0]
    p = 1 / (1 + np.exp(-z))
    zz = x @ dense.weights[0].T + dense.biases[0]
    softmax = np.exp(zz) / np.exp(zz).sum(axis=1, keepdims=True)
    # float64 throughout: the two forms agree to a few units of 2^-53 on values below 1
    np.testing.assert_allclose(softmax, np.stack([1 - p, p], axis=1), rtol=0, atol=1e-15)


def _graph_file(tmp_path, nodes, initializers, shape=("batch", 4), name="g.onnx"):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return path


def test_onnx_convolution_is_named_as_the_first_unsupported_operator(tmp_path):
    rng = np.random.default_rng(0)
    f32 = np.float32
    path = _graph_file(tmp_path, [
        helper.make_node("Conv", ["x", "k"], ["c"], name="conv1"),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Flatten", ["r"], ["f"]),
        helper.make_node("Gemm", ["f", "w", "b"], ["y"], transB=1),
    ], {"k": rng.normal(size=(2, 1, 3, 3)).astype(f32), "w": rng.normal(size=(10, 72)).astype(f32),
        "b": np.zeros(10, f32)}, shape=("batch", 1, 8, 8))
    with pytest.raises(UnsupportedModelError) as e:
        modelfile.load(path)
    message = str(e.value)
    assert message.startswith(f"{path}: unsupported operator Conv (node 'conv1')")
    assert "digitnet reads fully connected networks" in message and "\n" not in message


def test_onnx_matmul_add_and_two_inputs(tmp_path):
    """MatMul with Add is a layer (tf2onnx and skl2onnx write it so); a second computed input
    (a skip connection) is named."""
    rng = np.random.default_rng(1)
    w1, w2 = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)
    b1 = rng.normal(size=(1, 3)).astype(np.float32)
    path = _graph_file(tmp_path, [
        helper.make_node("MatMul", ["x", "w1"], ["m"]), helper.make_node("Add", ["m", "b1"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["a"]), helper.make_node("MatMul", ["a", "w2"], ["y"]),
    ], {"w1": w1, "w2": w2, "b1": b1})
    net = modelfile.load(path)
    np.testing.assert_array_equal(net.weights[0], w1.T)
    np.testing.assert_array_equal(net.biases[0], b1[0])
    np.testing.assert_array_equal(net.biases[1], 0)
    assert net.activation.name == "sigmoid" and net.output_function.name == "softmax"
    skip = _graph_file(tmp_path, [
        helper.make_node("MatMul", ["x", "w1"], ["m"]), helper.make_node("Relu", ["m"], ["r"]),
        helper.make_node("Add", ["r", "m"], ["s"], name="skip"),
        helper.make_node("MatMul", ["s", "w2"], ["y"]),
    ], {"w1": w1, "w2": w2}, name="skip.onnx")
    with pytest.raises(UnsupportedModelError, match="unsupported operator Add .node 'skip', 2 "):
        modelfile.load(skip)


@pytest.mark.parametrize("content, message", [
    (b"", "an ONNX file without a graph"),
    (b"\x08\x07\xff\xff\xff", "not a readable ONNX model"),
])
def test_bad_onnx_files_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as e:
        modelfile.load(path)
    assert "\n" not in str(e.value)
    with pytest.raises(ModelFileError, match="no such file"):
        modelfile.load(tmp_path / "missing.onnx")


def test_a_missing_extra_is_named_in_one_line():
    with pytest.raises(MissingDependencyError) as e:
        require("digitnet_no_such_module", "onnx", "the ONNX export")
    assert str(e.value) == ("the ONNX export needs the onnx extra: "
                            "pip install 'digitnet[onnx]'")
    assert isinstance(e.value, ImportError)


def test_digitnet_sklearn_leaves_import_sklearn_alone():
    """digitnet.sklearn is a module of digitnet; `import sklearn` is scikit-learn, from inside
    digitnet too (its imports are absolute)."""
    import sklearn

    import digitnet.sklearn as ours

    assert ours.__name__ == "digitnet.sklearn" and sklearn.__name__ == "sklearn"
    assert hasattr(sklearn, "__version__") and not hasattr(sklearn, "DigitnetClassifier")
    assert ours.BaseEstimator.__module__ == "sklearn.base"
    assert digitnet.sklearn is ours  # the attribute import binds: the submodule, nothing else
