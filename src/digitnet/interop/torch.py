"""PyTorch: a digitnet network as an ``nn.Sequential``, and an ``nn.Sequential`` read back.

The network (784, 16, 16, 10) with ReLU hidden layers and a softmax output is, in PyTorch, ::

    nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                  nn.Linear(16, 10), nn.Softmax(dim=1))

``nn.Linear.weight`` has digitnet's layout, (n_out, n_in), so the arrays move over as they are,
and the module's state dict names layer l's arrays ``{2(l-1)}.weight`` and ``{2(l-1)}.bias``
(:func:`state_dict_arrays`). The module computes :meth:`Network.forward`: it takes the input
layer's rows, ``digitnet.inputs.of(net).rows(x)`` (pixels as brightness 0..1, or a table's
standardised columns), and ends in the softmax (drop the last module for the logits that
``nn.CrossEntropyLoss`` wants).

This module does not import :mod:`digitnet.network` (``Network.to_torch`` calls it), and
imports torch only inside its functions.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedModelError
from . import require
from .dense import LEAKY_SLOPE, Dense

__all__ = ["to_torch", "read_torch", "state_dict_arrays", "python_lines"]

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


def to_torch(net):
    """``net`` as a ``torch.nn.Sequential`` with the same outputs as ``net.forward``.

    Parameters
    ----------
    net : Network

    Returns
    -------
    torch.nn.Sequential
        Linear layers (of ``net``'s dtype) and activation modules, ending in ``nn.Softmax(dim=1)``
        or ``nn.Sigmoid()``. It takes rows of shape (batch, sizes[0]) and returns (batch,
        sizes[-1]).
    """
    torch = _torch("Network.to_torch")
    nn = torch.nn
    make = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE), "softmax": lambda: nn.Softmax(dim=1)}
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    modules = []
    for w, b, name in zip(net.weights, net.biases, _functions(net)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(w)))
            linear.bias.copy_(torch.from_numpy(np.array(b)))
        modules += [linear, make[name]()]
    return nn.Sequential(*modules)


def state_dict_arrays(net) -> dict[str, np.ndarray]:
    """The state dict of :func:`to_torch`'s module as NumPy arrays, without importing torch."""
    arrays = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"{2 * l}.weight"] = np.ascontiguousarray(w)
        arrays[f"{2 * l}.bias"] = np.ascontiguousarray(b)
    return arrays


def read_torch(module) -> Dense:
    """The fully connected network in a PyTorch ``nn.Sequential`` (nested ones are unpacked).

    Raises
    ------
    UnsupportedModelError
        Naming the first module that is none of :data:`READS`.
    """
    torch = _torch("digitnet.from_torch")
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise UnsupportedModelError(f"from_torch: got a {type(module).__name__}; digitnet reads "
                                    f"{READS}")
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
    return Dense(weights, biases, functions, "from_torch",
                 notes={"from": f"PyTorch {type(module).__name__}"})


def _flat(module, nn, prefix: str = ""):
    """(index, module) of each module of a Sequential, nested Sequentials unpacked ("1.0")."""
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential):
            yield from _flat(child, nn, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child
