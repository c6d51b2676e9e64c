"""PyTorch: a digitnet network as an ``nn.Sequential``, and an ``nn.Sequential`` read back.

The network (784, 16, 16, 10) with ReLU hidden layers and a softmax output is, in PyTorch, ::

    nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                  nn.Linear(16, 10), nn.Softmax(dim=1))

``nn.Linear.weight`` has digitnet's layout, (n_out, n_in), so the arrays move over as they are,
and the module's state dict names layer l's arrays ``{2(l-1)}.weight`` and ``{2(l-1)}.bias``
(:func:`state_dict_arrays`). The module computes :meth:`Network.forward` and ends in the
softmax (drop the last module for the logits that ``nn.CrossEntropyLoss`` wants). It takes what
the first layer reads: one row per example, float32.

Its layers are float32 whatever the network's dtype, as PyTorch's are by default, as the printed
module (:func:`python_lines`), the ONNX export and the rows digitnet makes are. A float64
network (``digitnet.from_sklearn``'s, or ``digitnet.from_torch``'s of a ``.double()`` module:
they keep the float64 coefficients, to give the original's answers) is rounded to float32: the
module gives its answers to float32 rounding, and ``from_torch(net.to_torch())`` is float32
(``module.double()``, given float64 rows, computes in float64).

``digitnet.inputs.of(net).rows(x)`` is the module's input for a table (its columns
standardised, float32) and for pictures given as brightness 0..1 (cast to float32); for uint8
pictures it gives uint8 pixels 0..255, which :meth:`Network.forward` scales by 1/255 as it
reads them and the module does not (cast to float, they are 255 times too bright). So, for
uint8 pictures (or recordings' pictures, :func:`digitnet.audio.picture`)::

    x = digitnet.inputs.of(net).rows(images / 255).astype(np.float32)  # deskewed, if net deskews
    module(torch.from_numpy(x))  # net.predict_proba(images) (a softmax output), to float32 rounding

Exactly the first layer's input, for any examples: ``net.trace(rows).activations[0]``, with
``rows = digitnet.inputs.of(net).rows(x)``.

What the module does not hold, how examples become those rows (the input record: deskewing, a
table's mean and std) and the class names, is :func:`record`: the metadata of the safetensors
file ``digitnet export --format torch`` writes, and ``module.digitnet`` of :func:`to_torch`'s
module. :func:`read_torch` reads it back (from ``module.digitnet``, or given as ``input`` and
``classes``), so ``from_torch(net.to_torch())`` reads examples as ``net`` does.

This module does not import :mod:`digitnet.network` (``Network.to_torch`` calls it), and
imports torch only inside its functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np

from .. import words
from ..errors import ConfigError, ModelFileError, UnsupportedModelError
from ..inputs import Input, classes_of, classes_problem, from_dict
from ..inputs import of as input_of
from . import require
from .dense import LEAKY_SLOPE, Dense

__all__ = ["to_torch", "read_torch", "record", "state_dict_arrays", "python_lines", "is_export"]

#: digitnet's functions and the PyTorch modules that compute them (constructor source).
MODULES = {"sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "relu": "nn.ReLU()",
           "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE})", "softmax": "nn.Softmax(dim=1)"}
#: What :func:`read_torch` takes, for its messages.
READS = ("an nn.Sequential of nn.Linear layers with ReLU, LeakyReLU(0.01), Sigmoid or Tanh "
         "between them and Softmax, LogSoftmax, Sigmoid or nothing after the last "
         "(Flatten first, Dropout and Identity anywhere)")


def _torch(purpose: str):
    return require("torch", "torch", purpose)


def _functions(net) -> list[str]:
    return [net.activation.name] * (len(net.weights) - 1) + [net.output_function.name]


def python_lines(net) -> str:
    """The Python expression of the ``nn.Sequential`` that :func:`to_torch` builds for ``net``."""
    parts = []
    for w, name in zip(net.weights, _functions(net)):
        parts += [f"nn.Linear({w.shape[1]}, {w.shape[0]})", MODULES[name]]
    return f"nn.Sequential({', '.join(parts)})"


def record(net) -> dict[str, str]:
    """What :func:`to_torch`'s module of ``net`` does not hold, as text: ``"classes"`` (the class
    names, JSON), ``"input"`` (the input record, JSON, :meth:`digitnet.inputs.Input.to_dict`)
    and ``"module"`` (:func:`python_lines`). The torch export's safetensors metadata holds it,
    and the module as ``module.digitnet``."""
    return {"classes": json.dumps(classes_of(net)), "input": json.dumps(input_of(net).to_dict()),
            "module": python_lines(net)}


def is_export(meta: dict) -> bool:
    """Whether ``meta``, a safetensors file's metadata, is what ``digitnet export --format torch``
    writes (``"format": "pt"`` and :func:`record`): a file digitnet exported for PyTorch."""
    return meta.get("format") == "pt" and {"classes", "input", "module"} <= meta.keys()


def to_torch(net):
    """``net`` as a ``torch.nn.Sequential`` with the same outputs as ``net.forward``.

    Parameters
    ----------
    net : Network

    Returns
    -------
    torch.nn.Sequential
        float32 Linear layers (a float64 ``net``'s weights rounded) and activation modules,
        ending in ``nn.Softmax(dim=1)`` or ``nn.Sigmoid()``. It takes what ``net``'s first layer
        reads, float32 of shape (batch, sizes[0]) (``digitnet.inputs.of(net).rows(x)`` of a
        table's rows; pictures as brightness 0..1, never uint8 pixels 0..255: see the module's
        docstring), and returns (batch, sizes[-1]). Its attribute ``digitnet``
        is :func:`record` of ``net`` (the input record and class names), which
        ``digitnet.from_torch`` reads back.
    """
    torch = _torch("Network.to_torch")
    nn = torch.nn
    make = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE), "softmax": lambda: nn.Softmax(dim=1)}
    modules = []
    for w, b, name in zip(net.weights, net.biases, _functions(net)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float32)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(w, np.float32)))
            linear.bias.copy_(torch.from_numpy(np.array(b, np.float32)))
        modules += [linear, make[name]()]
    module = nn.Sequential(*modules)
    module.digitnet = record(net)  # (a plain attribute: kept in memory, copies and pickles)
    return module


def state_dict_arrays(net) -> dict[str, np.ndarray]:
    """The state dict of :func:`to_torch`'s module as NumPy arrays (float32), without importing
    torch."""
    arrays = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"{2 * l}.weight"] = np.ascontiguousarray(w, np.float32)
        arrays[f"{2 * l}.bias"] = np.ascontiguousarray(b, np.float32)
    return arrays


def read_torch(module, input=None, classes=None) -> Dense:
    """The fully connected network in a PyTorch ``nn.Sequential`` (nested ones are unpacked).

    ``input`` and ``classes`` are the input record and the class names (each as
    :func:`record`'s text, or an :class:`~digitnet.inputs.Input` or its dict, and a list of
    names); each not given is taken from ``module.digitnet`` (:func:`to_torch`'s), else left
    out.

    Raises
    ------
    UnsupportedModelError
        Naming the first module that is none of :data:`READS`, or a ``module.digitnet``
        record that does not fit the module.
    ConfigError
        An ``input`` or ``classes`` that is not one or does not fit the module.
    """
    torch = _torch("digitnet.from_torch")
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise UnsupportedModelError(_not_sequential(module, torch))
    names = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.Softmax: "softmax",
             nn.LogSoftmax: "log_softmax", nn.LeakyReLU: "leaky_relu"}
    weights, biases, functions = [], [], []
    for index, layer in _flat(module, nn):
        kind = type(layer)
        if isinstance(layer, (nn.Dropout, nn.Identity)):
            continue
        if isinstance(layer, nn.Flatten) and not weights:
            continue
        if isinstance(layer, nn.Linear):
            w = layer.weight.detach().cpu().numpy()
            weights.append(w.copy())
            biases.append(np.zeros(w.shape[0], w.dtype) if layer.bias is None
                          else layer.bias.detach().cpu().numpy().copy())
            functions.append(None)
            continue
        name = names.get(kind)
        ok = name is not None and weights and functions[-1] is None
        if ok and name == "leaky_relu" and not np.isclose(layer.negative_slope, LEAKY_SLOPE):
            ok, name = False, f"LeakyReLU({layer.negative_slope})"
        if ok and name in ("softmax", "log_softmax") and layer.dim not in (1, -1, None):
            ok, name = False, f"{kind.__name__}(dim={layer.dim})"
        if not ok:
            raise UnsupportedModelError(f"from_torch: module {index} ({name or kind.__name__}) "
                                        f"cannot be read; digitnet reads {READS}")
        functions[-1] = name
    dense = Dense(weights, biases, functions, "from_torch",
                  notes={"from": f"PyTorch {type(module).__name__}"})
    if weights:
        attached = getattr(module, "digitnet", None)
        attached = attached if isinstance(attached, dict) else {}
        dense.input = _fitting(input, "input", dense) or _fitting(
            attached.get("input"), "input", dense, attached=True)
        dense.classes = _fitting(classes, "classes", dense) or _fitting(
            attached.get("classes"), "classes", dense, attached=True)
    return dense


def _not_sequential(value, torch) -> str:
    """What :func:`read_torch` says of ``value``, which is no ``nn.Sequential``: for a state
    dict (names to tensors: the weights without the layers), how to give the module instead."""
    if isinstance(value, Mapping) and value and all(isinstance(v, torch.Tensor)
                                                   for v in value.values()):
        names = [str(name) for name in value]
        return (f"from_torch: got a state dict, {words.a(type(value).__name__)} of {len(value)} "
                f"tensors ({', '.join(names[:3])}{', ...' * (len(names) > 3)}): the weights "
                "without the layers they belong to; build the nn.Sequential they came from, "
                "load them into it (model.load_state_dict(state)) and pass the module: "
                "from_torch(model)")
    return f"from_torch: got {words.a(type(value).__name__)}; digitnet reads {READS}"


def _fitting(value, key: str, dense: Dense, attached: bool = False):
    """``value`` (:func:`record`'s JSON text, or the value itself) as the input record (``key``
    "input") or the class names ("classes") of ``dense``, checked to fit it; None for None.
    ``attached``: the value is ``module.digitnet``'s, else a keyword argument's."""
    if value is None:
        return None
    error, where = ((UnsupportedModelError, f"from_torch: the module's digitnet {key} record")
                    if attached else (ConfigError, f"from_torch({key}=...)"))
    remedy = (f"give {key}= the one exported with these weights (safetensors metadata {key!r})"
              + (", or delete module.digitnet" if attached else ""))
    try:
        value = json.loads(value) if isinstance(value, str) else value
        if key == "input":
            value = value if isinstance(value, Input) else from_dict(value)
    except (ValueError, ModelFileError) as e:
        what = "an input record digitnet reads" if key == "input" else "JSON"
        raise error(f"{where}: not {what} ({str(e).split('; ')[0]}); {remedy}") from None
    if key == "input":
        if value.n_inputs != dense.sizes[0]:
            raise error(f"{where} reads {value.n_inputs} values, but the module's first Linear "
                        f"layer takes {dense.sizes[0]}; {remedy}")
        return value
    names = list(value) if isinstance(value, (list, tuple)) else value
    problem = classes_problem(names, dense.sizes[-1])
    if problem:
        raise error(f"{where} {problem}; {remedy}")
    return [str(n) for n in names]


def _flat(module, nn, prefix: str = ""):
    """(index, module) of each module of a Sequential, nested Sequentials unpacked ("1.0")."""
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential):
            yield from _flat(child, nn, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child
