"""ONNX: a digitnet network as an ONNX graph, and the fully connected network in an ONNX file.

**Out** (:func:`to_onnx`). One ``Gemm`` per layer (``z = a Wᵀ + b``, with ``transB=1`` so W is
stored as digitnet and PyTorch lay it out, (n_out, n_in)), then the layer's function: ``Relu``,
``LeakyRelu`` (alpha 0.01), ``Sigmoid`` or ``Tanh`` for hidden layers, ``Softmax`` for the
output (a sigmoid output is followed by its normalisation, as ``predict_proba`` does). The
graph takes ``input``, float32 of shape (batch, sizes[0]), and returns ``probabilities``, float32
(batch, sizes[-1]): ``Network.predict_proba``.

What ``input`` holds (the file's ``doc_string`` says it, :func:`.onnx_meta.doc_string`;
:mod:`.export` shows the line that makes it): an image's pixels row by row as brightness in
[0, 1] (uint8 pixels / 255, never 0..255), deskewed first (:func:`digitnet.inputs.deskew`) when
the model's input record says ``"deskew": true``; a recording's log-mel picture as digitnet's
front end makes it (:func:`digitnet.audio.picture`, the record's settings), row by row as
brightness in [0, 1]; or a table's **raw** columns, its standardisation (if any) being in the
graph as ``Sub`` (means) and ``Div`` (standard deviations) before the first layer.

``metadata_props`` hold, each as JSON, in this order: ``classes`` (class names); ``changes``,
when the network was changed by hand (``digitnet edit``), the list of changes as the model file
stores it (:mod:`~digitnet.interop.onnx_meta`); ``input`` (the input record, see
:mod:`digitnet.inputs`); and ``digitnet`` (sizes, activation and output). Those two are last, so
that a file cut short loses them first: one that keeps either has all before them whole.

**In** (:func:`read_onnx`). The graph is followed backwards from its probabilities (the first
floating-point output, or what skl2onnx's ``ZipMap`` turns into a dictionary) to its input, and
the operators on that path are read in order: before the first layer, ``Flatten``,
``Reshape`` and any chain of ``Sub``, ``Add``, ``Mul``, ``Div`` by constants and skl2onnx's
``Scaler``, composed into one standardisation (:mod:`~digitnet.interop.onnx_inputs`); ``Gemm``,
or ``MatMul`` with ``Add``, for each layer; ``Relu``, ``LeakyRelu``, ``Sigmoid``, ``Tanh``,
``Softmax`` and ``LogSoftmax`` after them; ``Cast``, ``Identity`` and ``Dropout`` anywhere. That
covers the graphs PyTorch's exporters, tf2onnx and skl2onnx write for multi-layer perceptrons
(skl2onnx's two-class ``1 - p, p`` included). Operators off that path (the label's ``ArgMax``,
shape computations) are not read; a graph with another output, computed otherwise than from the
network's (a second head), is refused, naming its outputs, and nodes that feed no output are not
looked at (:mod:`~digitnet.interop.onnx_outputs`). The first operator on the path that is none
of these, or is one in another place (a ``Mul`` between layers), is named in an
:class:`UnsupportedModelError`.

What the network reads: a file digitnet wrote says so in its metadata (one that says it was
written by digitnet but has lost its metadata, as a truncated file has, is refused); a file
skl2onnx wrote of a scikit-learn model reads a table of raw columns, as scikit-learn did; any
other as :func:`~digitnet.interop.dense.default_input` says of its input's shape and scaling.
Pictures that the graph scales first (PyTorch's usual ``Normalize``, (x - 0.1307) / 0.3081 on an
(n, 1, 28, 28) input) are read as brightness 0..1, as a PyTorch user feeds them, with that
scaling folded into the first layer (:meth:`~digitnet.interop.dense.Dense.folded`). A file
digitnet wrote gives back its ``changes`` (``Dense.records``, checked as a model file's are:
:func:`.onnx_meta.records_of`) for the network's metadata: a network changed by hand still says
so, and how.
"""

from __future__ import annotations

import json

import numpy as np

from .._version import __version__
from ..errors import ModelFileError, UnsupportedModelError
from ..inputs import Table, classes_of
from ..inputs import of as input_of
from . import require
from .dense import LEAKY_SLOPE, Dense
from .onnx_inputs import SCALINGS, Preprocessing, attribute, input_record
from .onnx_load import load
from .onnx_meta import doc_string, records_of, records_props
from .onnx_outputs import check_outputs, live, network_output

__all__ = ["to_onnx", "read_onnx", "READS", "OPSET", "PRODUCER"]

#: The opset of the graphs digitnet writes: Softmax over the last axis, read by every runtime
#: of the last years.
OPSET = 13
#: The ``producer_name`` of the files digitnet writes: how its own exports are told from others.
PRODUCER = "digitnet"
READS = ("digitnet reads fully connected networks: Gemm, or MatMul with Add, and Relu, "
         "LeakyRelu(0.01), Sigmoid, Tanh, Softmax, with Flatten, Reshape and scaling by "
         "constants at the input")
_ACTIVATIONS = {"Relu": "relu", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
                "Softmax": "softmax", "LogSoftmax": "log_softmax"}
_ONNX_OP = {"relu": "Relu", "leaky_relu": "LeakyRelu", "sigmoid": "Sigmoid", "tanh": "Tanh"}


# -- out ----------------------------------------------------------------------------------------


def to_onnx(net):
    """``net`` as an ONNX model (``onnx.ModelProto``) computing ``net.predict_proba``.

    Parameters
    ----------
    net : Network
        Its arrays are written as float32.
    """
    onnx = require("onnx", "onnx", "the ONNX export")
    from onnx import TensorProto, helper, numpy_helper

    record = input_of(net)
    arrays, nodes = {}, []
    x = "input"
    if isinstance(record, Table) and record.mean is not None:
        arrays["input.mean"], arrays["input.std"] = record.mean, record.std
        nodes += [helper.make_node("Sub", [x, "input.mean"], ["input.centred"]),
                  helper.make_node("Div", ["input.centred", "input.std"], ["input.rows"])]
        x = "input.rows"
    last = len(net.weights) - 1
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"layers.{l}.weight"], arrays[f"layers.{l}.bias"] = w, b
        z = f"layers.{l}.z"
        nodes.append(helper.make_node("Gemm", [x, f"layers.{l}.weight", f"layers.{l}.bias"], [z],
                                      transB=1))
        x = (f"layers.{l}.a" if l < last or net.output_function.name == "sigmoid"
             else "probabilities")
        if l < last:
            extra = {"alpha": LEAKY_SLOPE} if net.activation.name == "leaky_relu" else {}
            nodes.append(helper.make_node(_ONNX_OP[net.activation.name], [z], [x], **extra))
        elif net.output_function.name == "softmax":
            nodes.append(helper.make_node("Softmax", [z], [x], axis=1))
        else:  # sigmoid outputs, normalised to sum to 1 as Network.predict_proba does
            arrays["axes"] = np.array([1], np.int64)
            nodes += [helper.make_node("Sigmoid", [z], [x]),
                      helper.make_node("ReduceSum", [x, "axes"], ["total"], keepdims=1),
                      helper.make_node("Div", [x, "total"], ["probabilities"])]
    initializers = [numpy_helper.from_array(np.asarray(v, np.int64 if k == "axes" else np.float32),
                                            k) for k, v in arrays.items()]
    graph = helper.make_graph(
        nodes, "digitnet", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                          ["batch", net.sizes[0]])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                       ["batch", net.sizes[-1]])], initializers)
    model = helper.make_model(graph, producer_name=PRODUCER, producer_version=__version__,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7  # what ONNX 1.8 wrote for opset 13: readable by older runtimes too
    model.doc_string = doc_string(record)
    # Last, "input" then "digitnet": a file cut short loses them first (read_onnx refuses it);
    # the changes before them, so that a file which keeps either has them whole.
    helper.set_model_props(model, {
        "classes": json.dumps(classes_of(net)), **records_props(net),
        "input": json.dumps(record.to_dict()),
        "digitnet": json.dumps({"sizes": list(net.sizes), "activation": net.activation.name,
                                "output": net.output_function.name})})
    onnx.checker.check_model(model)
    return model


# -- in -----------------------------------------------------------------------------------------


def read_onnx(path) -> Dense:
    """The fully connected network in the ONNX file at ``path``.

    Raises
    ------
    ModelFileError
        The file is missing or not an ONNX model, or the file of weights it names is missing
        (:func:`.onnx_load.load`).
    UnsupportedModelError
        Naming the first operator on the way from input to output that digitnet cannot hold.
    """
    name = str(path)
    model = load(path)  # (with the weights it keeps in a file beside it, if any)
    if not model.graph.node:
        raise ModelFileError(f"{name}: an ONNX file without a graph; give an ONNX model")
    props = {p.key: p.value for p in model.metadata_props}
    # to_onnx writes its metadata last, "input" then "digitnet": a file cut short loses them
    if model.producer_name == PRODUCER and not {"input", "digitnet"} & props.keys():
        raise ModelFileError(f"{name}: written by digitnet but its metadata is missing; it may "
                             "be truncated — export it again")
    graph = _Graph(model.graph, name)
    layers = _Layers(graph, name)
    chain = graph.chain(network_output(graph.nodes, graph.outputs, name, READS))
    check_outputs(graph, chain)  # (one network: another head's output is refused, named)
    dense = layers.read(chain)
    dense.classes = _classes(props, graph)
    n_in = dense.weights[0].shape[1]
    mean, std = layers.inputs.standardisation(n_in)
    # skl2onnx converts scikit-learn models, which read tables of raw columns, never pictures
    dense.input = input_record(props, graph.input, n_in, mean, std,
                               table=model.producer_name == "skl2onnx")
    if mean is not None and not isinstance(dense.input, Table):  # pictures, Normalize'd
        dense = dense.folded(mean, std, layers.inputs.unit)
    # (tf2onnx writes its version as "1.17.0 <git hash>", and "None" where it has no hash)
    producer = " ".join(word for word in f"{model.producer_name} {model.producer_version}".split()
                        if word != "None")
    dense.notes = {"from": f"ONNX model written by {producer or 'an unnamed exporter'}"}
    dense.records = records_of(props, dense, name) if model.producer_name == PRODUCER else {}
    return dense


class _Graph:
    """An ONNX graph's constants, which node computes each tensor, its one input, its outputs
    and the nodes they need (:func:`.onnx_outputs.live`: those that feed none are not read)."""

    def __init__(self, graph, name: str):
        from onnx import helper, numpy_helper

        self.name, self.nodes = name, list(graph.node)
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        for node in self.nodes:
            if node.op_type == "Constant" and node.attribute:
                value = helper.get_attribute_value(node.attribute[0])
                self.constants[node.output[0]] = (numpy_helper.to_array(value)
                                                  if hasattr(value, "dims") else np.array(value))
            elif node.op_type == "Identity" and node.input[0] in self.constants:
                self.constants[node.output[0]] = self.constants[node.input[0]]
        self.producer = {out: node for node in self.nodes for out in node.output
                         if out not in self.constants}
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            raise UnsupportedModelError(f"{name}: the graph has {len(inputs)} inputs; {READS}, "
                                        "which take one")
        self.input = inputs[0]
        self.outputs = list(graph.output)
        self.nodes = live(self.nodes, self.producer, self.outputs)
        #: Output patterns read as part of the output function, by the tensor they compute.
        self.patterns: dict[str, str] = {}

    def chain(self, tensor: str) -> list:
        """The nodes that lead from the input to ``tensor``, in order: each takes the one
        before's result and constants (a Reshape's shape may be computed)."""
        nodes = []
        while tensor != self.input.name:
            node = self.producer.get(tensor)
            if node is None:
                raise UnsupportedModelError(f"{self.name}: {tensor!r} depends on no input; {READS}")
            nodes.append(node)
            data = [t for t in node.input if t and t not in self.constants]
            if node.op_type == "Reshape":
                data = data[:1]
            elif self._two_class(node, data):
                self.patterns[node.output[0]], data = "binary", data[1:]
            elif self._normalised(node, data):
                self.patterns[node.output[0]], data = "normalised", data[:1]
            if len(data) != 1:
                raise UnsupportedModelError(
                    f"{self.name}: unsupported operator {node.op_type} (node {node.name!r}, "
                    f"{len(data)} computed inputs); {READS}")
            tensor = data[0]
        return nodes[::-1]

    def _two_class(self, node, data) -> bool:
        """skl2onnx's two-class output: Concat(1 - p, p)."""
        if node.op_type != "Concat" or len(data) != 2:
            return False
        first = self.producer.get(data[0])
        return (first is not None and first.op_type == "Sub"
                and first.input[1] == data[1] and first.input[0] in self.constants
                and np.all(self.constants[first.input[0]] == 1))

    def _normalised(self, node, data) -> bool:
        """digitnet's sigmoid output: Div(a, ReduceSum(a))."""
        if node.op_type != "Div" or len(data) != 2:
            return False
        total = self.producer.get(data[1])
        return total is not None and total.op_type == "ReduceSum" and total.input[0] == data[0]


class _Layers:
    """Reads a chain of nodes into layers: weights, biases and functions."""

    def __init__(self, graph: _Graph, name: str):
        self.graph, self.name = graph, name
        self.weights, self.biases, self.functions = [], [], []
        self.inputs = Preprocessing(graph.input, graph.constants, name)
        self._bias_open = False  # the last layer was a MatMul still without its Add

    def read(self, chain) -> Dense:
        for node in chain:
            if not self._take(node):
                where = (", after the last layer" if self._closed() else
                         ", between layers: scaling is read before the first layer only"
                         if node.op_type in SCALINGS else "")
                raise UnsupportedModelError(f"{self.name}: unsupported operator {node.op_type} "
                                            f"(node {node.name!r}{where}); {READS}")
        if not self.weights:
            raise UnsupportedModelError(f"{self.name}: holds no Gemm or MatMul layer; {READS}")
        return Dense(self.weights, self.biases, self.functions, self.name)

    def _closed(self) -> bool:
        return bool(self.functions) and self.functions[-1] in ("softmax", "log_softmax", "binary")

    def _take(self, node) -> bool:
        """Read ``node`` into the layers; False if it has no place there."""
        op, const = node.op_type, self._constant(node)
        if op in ("Identity", "Dropout"):
            return True
        if op == "Cast":
            return attribute(node, "to") in (1, 11)  # to FLOAT or DOUBLE
        if not self.weights and self.inputs.take(node):
            return True
        if self._closed():
            return False
        if op == "Gemm" or op == "MatMul" and node.input[1] in self.graph.constants:
            return self._layer(node, op)
        pending = self.functions and self.functions[-1] is None
        if op == "Add" and pending and const is not None and self._bias_open:
            self.biases[-1] = self.biases[-1] + self._bias(node, const, len(self.biases[-1]))
            self._bias_open = False
            return True
        if op in _ACTIVATIONS and pending:
            return self._function(node, _ACTIVATIONS[op])
        pattern = self.graph.patterns.get(node.output[0])
        if pattern and self.functions and self.functions[-1] == "sigmoid":
            if pattern == "binary":  # skl2onnx's two classes, 1 - p and p
                self.functions[-1] = "binary"
            return True  # "normalised": what digitnet's sigmoid output does too
        return False

    def _layer(self, node, op: str) -> bool:
        where = f"{self.name}: node {node.name!r} ({op})"
        if self.functions and self.functions[-1] is None:
            raise UnsupportedModelError(f"{where} follows a layer with no activation between "
                                        "them; put Relu, LeakyRelu, Sigmoid or Tanh there, or "
                                        "merge the two into one layer (W2 W1, bias W2 b1 + b2)")
        if op == "MatMul":
            w, b = np.asarray(self.graph.constants[node.input[1]]).T, None
            self._bias_open = True
        else:
            inputs = list(node.input) + [""] * (3 - len(node.input))
            if attribute(node, "transA", 0):
                raise UnsupportedModelError(f"{where} has transA=1 (one example per column); "
                                            "digitnet reads one per row: export it with transA=0")
            if inputs[1] not in self.graph.constants:
                return False
            w = np.asarray(self.graph.constants[inputs[1]])
            w = (w if attribute(node, "transB", 0) else w.T) * attribute(node, "alpha", 1.0)
            c, beta = self.graph.constants.get(inputs[2]), attribute(node, "beta", 1.0)
            b = None if c is None else self._bias(node, np.asarray(c) * beta, w.shape[0])
            self._bias_open = c is None
        if w.ndim != 2:
            return False
        self.weights.append(np.ascontiguousarray(w))
        self.biases.append(np.zeros(w.shape[0], w.dtype) if b is None else np.array(b, w.dtype))
        self.functions.append(None)
        return True

    def _bias(self, node, c, n: int) -> np.ndarray:
        """Gemm's C or a MatMul's Add: one value, or one per neuron ((n,) or (1, n)), as (n,)."""
        if c.ndim > 2 or c.ndim == 2 and c.shape[0] != 1 or c.shape[-1:] not in ((), (1,), (n,)):
            raise UnsupportedModelError(
                f"{self.name}: node {node.name!r} ({node.op_type}) adds a bias of shape {c.shape} "
                f"to {n} neurons; digitnet reads one per neuron, the same for every example: "
                f"shape ({n},) or (1, {n}); export it so")
        return np.broadcast_to(c.reshape(-1), (n,))

    def _function(self, node, name: str) -> bool:
        """Read an activation as the last layer's function; refused, naming what was found
        and what digitnet reads, when its slope or axis is not one digitnet has."""
        where = f"{self.name}: node {node.name!r}"
        slope = attribute(node, "alpha", 0.01)
        if name == "leaky_relu" and not np.isclose(slope, LEAKY_SLOPE, rtol=1e-6):
            raise UnsupportedModelError(
                f"{where} is LeakyRelu({slope:g}): its slope for z < 0 is {slope:g}, and "
                f"digitnet reads LeakyRelu({LEAKY_SLOPE}) only: retrain with that slope "
                f"(PyTorch's LeakyReLU({LEAKY_SLOPE})) or with Relu")
        axis = attribute(node, "axis", 1)
        if name in ("softmax", "log_softmax") and axis not in (1, -1):
            raise UnsupportedModelError(
                f"{where} is {node.op_type} over axis {axis}; digitnet reads {node.op_type} over "
                "each example's outputs (axis 1 or -1) only: export it with dim=1")
        self.functions[-1] = name
        return True

    def _constant(self, node):
        """The constant operand of a two-input node, or None."""
        found = [self.graph.constants[t] for t in node.input[1:2] if t in self.graph.constants]
        if not found and len(node.input) == 2 and node.input[0] in self.graph.constants:
            found = [self.graph.constants[node.input[0]]]
        return found[0] if found else None


def _classes(props: dict, graph: _Graph) -> list[str] | None:
    """Class names: digitnet's metadata, else skl2onnx's ZipMap labels or its label table."""
    if "classes" in props:
        try:
            return [str(c) for c in json.loads(props["classes"])]
        except (ValueError, TypeError):
            pass
    for node in graph.nodes:
        if node.op_type == "ZipMap":
            labels = attribute(node, "classlabels_strings") or attribute(node, "classlabels_int64s")
            return [c.decode() if isinstance(c, bytes) else str(c) for c in labels or []] or None
        if node.op_type == "ArrayFeatureExtractor" and node.input[0] in graph.constants:
            return [c.decode() if isinstance(c, bytes) else str(c)
                    for c in graph.constants[node.input[0]].reshape(-1)]
    return None
