"""The network and what it does with one input, as JSON-ready dicts: what the page's API answers
and the notebook widget shows, built here once for both.

Numbers are rounded for sending (weights and activations to 5 decimals, probabilities to 6):
far below what a page can show, and a message a third the size. Layers are numbered as in
``Network.sizes`` and the video: layer 0 is the input, layer l (1 to L) is computed from
``net.weights[l - 1]`` and ``net.biases[l - 1]``, and every layer described says its number.
Arrays stay NumPy arrays until :func:`dumps` writes them.
"""

from __future__ import annotations

import math

import numpy as np
import orjson

from . import inputs
from .errors import ConfigError
from .network import Network
from .probes import check_layer, effective_templates

__all__ = ["image_shape", "network_input", "describe_prediction", "describe_model",
           "describe_neuron", "check_neuron", "dumps", "rounded", "finite"]

#: How many of a neuron's terms w_i a_i its description lists, largest first.
TOP_TERMS = 8


def image_shape(net: Network) -> tuple[int, int] | None:
    """(28, 28) for 784 inputs: the input layer as a square image, if it is one."""
    side = math.isqrt(net.sizes[0])
    return (side, side) if side * side == net.sizes[0] else None


def network_input(net: Network, x: np.ndarray) -> np.ndarray:
    """One preprocessed picture as the network's input row, shape (sizes[0],): the model's own
    input record applied (:func:`digitnet.inputs.of`), as every other path applies it."""
    return np.asarray(inputs.of(net).rows(np.reshape(x, (1, -1)))[0], dtype=np.float32)


def describe_prediction(net: Network, x: np.ndarray) -> dict:
    """Digit, its class name, probabilities, the input as an image and every layer's z and a.

    ``x`` is one input row (see :func:`network_input`), shape (sizes[0],). ``layers`` holds
    layers 1 to L, each with z and a of shape (sizes[l],).
    """
    t = net.trace(x[None, :])
    proba = net.output_function.probabilities(t.activations[-1][0])
    side = image_shape(net)
    digit = int(proba.argmax())
    return {
        "digit": digit,
        "class": inputs.classes_of(net)[digit],
        "probabilities": rounded(proba, 6),
        "input": rounded(x.reshape(side) if side else x[None, :], 4),
        "layers": [{"layer": l, "z": rounded(z[0], 5), "a": rounded(a[0], 5)}
                   for l, (z, a) in enumerate(zip(t.zs, t.activations[1:]), start=1)],
    }


def describe_model(net: Network) -> dict:
    """Sizes, activations, parameter counts, metadata, and every weight and bias.

    ``layers`` holds layers 1 to L, each with its incoming weights, shape (sizes[l],
    sizes[l - 1]), and biases, shape (sizes[l],).
    """
    n_layers = len(net.sizes) - 1
    side = image_shape(net)
    return {
        "sizes": list(net.sizes), "activation": net.activation.name,
        "output": net.output_function.name, "cost": net.output_function.cost,
        "classes": inputs.classes_of(net),
        "parameters": net.parameter_count, "parameter_breakdown": net.parameter_breakdown(),
        "input_shape": list(side) if side else None,
        "layers": [{"layer": l, "n_in": w.shape[1], "n_out": w.shape[0],
                    "activation": net.output_function.name if l == n_layers else net.activation.name,
                    "weights": rounded(w, 5), "biases": rounded(b, 5)}
                   for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1)],
        "metadata": finite(net.metadata),
    }


def describe_neuron(net: Network, layer: int, index: int, x: np.ndarray | None) -> dict:
    """Neuron ``index`` of ``layer`` (1 to L): weights, their image, bias, and what it computes
    for input ``x`` (shape (sizes[0],); ``current`` is None without one).

    The image is the weights themselves for layer 1, and for a deeper layer its effective
    template (:func:`digitnet.probes.effective_templates`: the weights carried back to the
    pixels as if the layers between were linear). Raises ConfigError (:func:`check_neuron`)
    for the input layer, or a layer or neuron the network does not have.
    """
    layer, index = check_neuron(net, layer, index)
    output = layer == len(net.sizes) - 1
    w = net.weights[layer - 1][index]
    side = image_shape(net)
    template = effective_templates(net, layer)[index] if side else None
    return {
        "layer": layer, "index": index, "kind": "output" if output else "hidden",
        "activation": net.output_function.name if output else net.activation.name,
        "bias": _num(net.biases[layer - 1][index]), "weights": rounded(w, 5),
        "image": rounded(template.reshape(side), 5) if side else None,
        "image_kind": None if side is None else "weights" if layer == 1 else "effective_template",
        "current": None if x is None else _activity(net, layer, index, x),
    }


def check_neuron(net: Network, layer: int, index: int) -> tuple[int, int]:
    """(layer, index) as ints; a ConfigError, saying which layers and neurons there are, unless
    neuron ``index`` of ``layer`` exists and has weights (layer 0, the input, has none)."""
    from .poke.reading import whole  # (poke's modules import this one)

    layer, index = check_layer(net, layer), whole(index, "neuron")
    n = net.sizes[layer]
    if not 0 <= index < n:
        raise ConfigError(f"neuron {index} does not exist: layer {layer} has {n} neurons, "
                          f"0 to {n - 1}")
    return layer, index


def _activity(net: Network, layer: int, index: int, x: np.ndarray) -> dict:
    """z = w·a_prev + b and a = σ(z) of one neuron for input ``x``, with its largest terms."""
    t = net.trace(x[None, :])
    a_prev, w = t.activations[layer - 1][0], net.weights[layer - 1][index]
    products = w * a_prev
    top = np.argsort(-np.abs(products), kind="stable")[:TOP_TERMS]
    z = float(t.zs[layer - 1][0, index])
    return {
        "weighted_sum": _num(z - float(net.biases[layer - 1][index])),
        "z": _num(z), "a": _num(t.activations[layer][0, index]),
        "top_terms": [{"index": int(i), "w": _num(w[i]), "a_prev": _num(a_prev[i]),
                       "product": _num(products[i])} for i in top],
        "n_terms": int(len(w)),
    }


# -- numbers to JSON --------------------------------------------------------------------------


def rounded(a, decimals: int) -> np.ndarray:
    """An array rounded to ``decimals``, ready for :func:`dumps` (which writes it as nested
    lists). Kept in float32, the network's own precision: its shortest decimal form is the
    rounded number, and orjson writes a float32 array without making a Python float of each
    value."""
    return np.round(np.asarray(a, dtype=np.float32), decimals)


def _num(v) -> float:
    return round(float(v), 6)


def finite(obj):
    """A copy of a JSON-like value with NaN and infinity turned into None (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, np.generic):
        return finite(obj.item())
    return obj


def dumps(body: dict) -> bytes:
    """Compact JSON bytes; NumPy arrays and scalars are written as numbers and nested lists.

    JSON has no NaN or infinity: orjson would write them as null, so pass values that may hold
    them through :func:`finite` first (the network's own numbers are finite).
    """
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
