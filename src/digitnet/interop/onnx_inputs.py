"""What an ONNX graph's input layer reads: the steps before its first layer, and the input record.

Exporters put a model's input scaling in the graph, before the first layer, as elementwise
operators with constants: digitnet's own ``Sub`` (means) then ``Div`` (standard deviations),
torchvision's normalisation, a ``Mul`` by 1/255, skl2onnx's ``Scaler`` (ai.onnx.ml, for a
``StandardScaler``: ``y = (x - offset) * scale``). Whatever their number and order, a chain of

* ``Sub``, ``Add``, ``Mul``, ``Div`` of the input and a constant (a scalar, or one value per
  input value; ``k - x`` too, but not ``k / x``, which is not a scaling),
* ``Scaler``, and ``Flatten``, ``Reshape``, ``Cast``, ``Identity`` between them

is one affine map per input value, ``x * a + c``, with ``a`` the product of the scales and ``c``
what the shifts add up to. :class:`Preprocessing` composes it, step by step in float64, in the
form digitnet's table input applies (:class:`~digitnet.inputs.Table`): ``(x - mean) / std``,
that is ``std = 1 / a`` and ``mean = -c / a``, written so that digitnet's own ``Sub`` then
``Div`` give back their constants exactly. A scale of 0 (the map forgets its input) or a
constant that is not finite is refused, naming the node; so is any other operator, which the
reader (:mod:`digitnet.interop.onnx`) names.

:func:`input_record` then says what the network reads: the file's own record (digitnet's
metadata), else :func:`~digitnet.interop.dense.default_input` of the input's shape and scaling.
A table applies the map as its standardisation; pictures (an image-shaped input, PyTorch's usual
``Normalize`` before the first layer) are read as brightness 0..1 and the map is folded into the
first layer (:meth:`~digitnet.interop.dense.Dense.folded`), with :attr:`Preprocessing.unit`
saying whether the graph takes that brightness or pixels 0..255 (a step dividing by 255).
"""

from __future__ import annotations

import json

import numpy as np

from ..errors import ModelFileError, UnsupportedModelError
from ..inputs import Table, from_dict
from .dense import default_input

__all__ = ["SCALINGS", "Preprocessing", "attribute", "input_record"]

#: The elementwise operators read before the first layer, with a constant operand.
SCALINGS = ("Sub", "Add", "Mul", "Div")
_SHAPES = ("Flatten", "Reshape")
_ML = "ai.onnx.ml"  # the domain of skl2onnx's Scaler


def attribute(node, name: str, default=None):
    """The value of ``node``'s attribute ``name``, or ``default``."""
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class Preprocessing:
    """The steps before a graph's first layer, composed into ``rows = (x - mean) / std``.

    ``mean`` and ``std`` are float64 arrays of one value (the same for every input value) or of
    the input's shape per example, flattened when the graph flattens it.

    Parameters
    ----------
    graph_input : onnx.ValueInfoProto
        The graph's input; its shape says how a constant lines up with the input values.
    constants : dict of str to ndarray
        The graph's constants, by tensor name.
    name : str
        The file, for messages.
    """

    def __init__(self, graph_input, constants: dict, name: str):
        self.constants, self.name = constants, name
        dims = [d.dim_value or None for d in graph_input.type.tensor_type.shape.dim]
        #: The shape of one example where the graph says it, else None.
        self.shape = tuple(dims[1:]) if len(dims) >= 2 and None not in dims[1:] else None
        self.mean, self.std = np.zeros(()), np.ones(())
        self.scaled = False  # a scaling step was read
        #: One unit of brightness in the graph's input: 255 when a step divides the input by 255
        #: (the graph takes pixels 0..255, as Keras's ``Rescaling(1/255)``), else 1.
        self.unit = 1.0

    def take(self, node) -> bool:
        """Compose ``node`` into the map; False if it is none of the steps read here."""
        op = node.op_type
        if op in _SHAPES:
            self._reshape(node)
            return True
        if op == "Scaler" and node.domain == _ML:  # y = (x - offset) * scale
            offset = self._values(node, np.array(attribute(node, "offset", [0.0])))
            scale = self._values(node, np.array(attribute(node, "scale", [1.0])))
            self._shift(node, offset)
            self._multiply(node, scale)
            return True
        if op not in SCALINGS or node.domain not in ("", "ai.onnx"):
            return False
        first = node.input[0] in self.constants  # k op x, rather than x op k
        if node.input[0 if first else 1] not in self.constants:
            return False  # x op x, as in x / ReduceSum(x): no scaling
        k = self._values(node, self.constants[node.input[0 if first else 1]])
        if k.size == 1 and (op == "Div" and k == 255 or op == "Mul" and abs(k * 255 - 1) < 1e-6):
            self.unit = 255.0
        if op == "Div" and first:
            raise UnsupportedModelError(
                f"{self.name}: node {node.name!r} divides a constant by the input (k / x), "
                "which no standardisation computes; digitnet reads an input shifted and scaled "
                "by constants (Sub, Add, Mul, Div by a constant) before the first layer")
        if op in ("Sub", "Add"):
            self._shift(node, k if op == "Sub" else -k)
            if op == "Sub" and first:  # k - x = -(x - k)
                self.std = -self.std
        elif op == "Mul":
            self._multiply(node, k)
        else:
            self._check(node, k, "divides", scale=True)
            self.std = self.std * k
        return True

    def standardisation(self, n_in: int):
        """``(mean, std)``, each (n_in,) float64, for a network of ``n_in`` inputs; ``(None,
        None)`` when no step scaled the input."""
        if not self.scaled:
            return None, None
        found = []
        for value in (self.mean, self.std):
            if value.size not in (1, n_in):
                raise UnsupportedModelError(f"{self.name}: the input's standardisation has "
                                            f"{value.size} values for {n_in} inputs")
            found.append(np.array(np.broadcast_to(value.reshape(-1), (n_in,))))
        mean, std = found
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std != 0).all()):
            raise UnsupportedModelError(
                f"{self.name}: the steps before the first layer together scale an input value "
                "by 0 or infinity; digitnet reads an input scaled by finite, non-zero numbers")
        return mean, std

    def _shift(self, node, k: np.ndarray) -> None:
        """y = (x - mean) / std - k = (x - (mean + k std)) / std."""
        self._check(node, k, "shifts", scale=False)
        self.mean = self.mean + k * self.std

    def _multiply(self, node, k: np.ndarray) -> None:
        """y = (x - mean) / std * k = (x - mean) / (std / k)."""
        self._check(node, k, "multiplies", scale=True)
        self.std = self.std / k

    def _check(self, node, k: np.ndarray, verb: str, scale: bool) -> None:
        self.scaled = True
        k = np.atleast_1d(k)
        bad = k[~np.isfinite(k) | (k == 0)] if scale else k[~np.isfinite(k)]
        if bad.size:
            what = "numbers other than 0" if scale else "numbers"
            raise UnsupportedModelError(
                f"{self.name}: node {node.name!r} ({node.op_type}) {verb} the input by "
                f"{bad.flat[0]:g}; digitnet reads an input scaled by finite {what}")

    def _values(self, node, k) -> np.ndarray:
        """The constant ``k`` as one value, or one per input value of an example (``k`` as the
        operator broadcasts it against (batch, *shape)); refused if it varies along the batch
        or does not line up with the input."""
        k = np.asarray(k, np.float64)
        if k.size == 1:
            return k.reshape(())
        lead = k.ndim - (len(self.shape) if self.shape is not None else 1)
        if lead > 0 and all(d == 1 for d in k.shape[:lead]):
            k, lead = k.reshape(k.shape[lead:]), 0
        if lead <= 0:
            try:
                return np.array(np.broadcast_to(k, self.shape) if self.shape else k)
            except ValueError:
                pass
        on = f"an input of shape {self.shape} per example" if self.shape else "the input"
        raise UnsupportedModelError(
            f"{self.name}: node {node.name!r} ({node.op_type}) applies constants of shape "
            f"{k.shape} to {on}, not one value per input value; digitnet reads an input scaled "
            "by a number or by one number per input value")

    def _reshape(self, node) -> None:
        """Flatten or Reshape: the values keep their order (row by row); the shape is known
        after a Flatten at axis 1 or a Reshape to (batch, n)."""
        self.mean, self.std = (v.reshape(-1) if v.ndim else v for v in (self.mean, self.std))
        if self.shape is None:
            return
        n = int(np.prod(self.shape))
        if node.op_type == "Flatten":
            flat = attribute(node, "axis", 1) == 1
        else:
            target = self.constants.get(node.input[1]) if len(node.input) > 1 else None
            flat = target is not None and target.size == 2 and int(target.reshape(-1)[1]) in (-1, n)
        self.shape = (n,) if flat else None


def input_record(props: dict, graph_input, n_in: int, mean, std, table: bool = False):
    """The input record of a network of ``n_in`` inputs read from an ONNX graph: the file's own
    (``props["input"]``, digitnet's metadata), with the graph's standardisation ``mean`` and
    ``std`` (see :meth:`Preprocessing.standardisation`), else :func:`default_input` of the
    input's shape and that standardisation (``table``: the exporter's models read tables).
    A record that is not a table, with a ``mean``, reads pictures whose scaling the caller
    folds into the first layer (:meth:`~digitnet.interop.dense.Dense.folded`).
    """
    dims = [d.dim_value or None for d in graph_input.type.tensor_type.shape.dim]
    image = tuple(dims[-2:]) if len(dims) in (3, 4) and None not in dims[-2:] else None
    try:
        record = from_dict(json.loads(props["input"])) if "input" in props else None
    except (ValueError, ModelFileError):
        record = None
    if record is not None and record.n_inputs == n_in:
        if isinstance(record, Table):
            if _same_in_float32(record.mean, mean) and _same_in_float32(record.std, std):
                return record  # the record's float64 statistics, which the graph rounds
            return Table(record.columns, None if mean is None else tuple(mean),
                         None if std is None else tuple(std))
        if mean is None:
            return record
    return default_input(n_in, image, mean, std, table=table)


def _same_in_float32(recorded, found) -> bool:
    if recorded is None or found is None:
        return recorded is None and found is None
    return np.array_equal(np.asarray(recorded, np.float32), np.asarray(found, np.float32))
