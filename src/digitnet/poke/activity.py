"""What the layers of a network compute over many examples at once, for the poking functions.

Every number here comes from :meth:`Network.trace` and :meth:`Network.forward`, run over the
examples a block at a time (a few thousand rows of 784 floats), so memory stays bounded and no
Python loop runs over single examples.
"""

from __future__ import annotations

import numpy as np

from .. import inputs
from ..descriptions import check_neuron  # (the one check of a neuron; re-exported for poke's)
from ..errors import ConfigError, DataError
from ..network import Network
from ..probes import check_layer  # (the one check of a layer)
from .recorded import off_neurons, sent
from .rows import check_rows

__all__ = ["layer_activity", "tail", "check_layer", "check_neuron", "check_labels", "BLOCK"]

#: Examples traced at once.
BLOCK = 4096


def check_labels(net: Network, rows: np.ndarray, labels) -> np.ndarray:
    """``labels`` as an int array matching ``rows``, each a class of ``net``; else DataError."""
    labels = np.asarray(labels)
    if labels.shape != (len(rows),) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"expected {len(rows)} integer labels, one per example, got an array of "
                        f"shape {labels.shape} and dtype {labels.dtype}")
    if len(labels) == 0:
        raise DataError("no examples: poking a network needs labelled held-out examples")
    if labels.min() < 0 or labels.max() >= net.sizes[-1]:
        raise DataError(f"labels must lie in 0..{net.sizes[-1] - 1}, got values from "
                        f"{labels.min()} to {labels.max()}")
    return labels.astype(np.intp)


def layer_activity(net: Network, rows, layers) -> dict[int, tuple[np.ndarray | None, np.ndarray]]:
    """z and a of each of ``layers`` (numbered from 0, the input) for every row.

    Parameters
    ----------
    rows : array_like, shape (n, sizes[0])
        Examples as :func:`digitnet.inputs.of` makes them (uint8 pixels or floats; checked by
        :func:`~.rows.check_rows`).
    layers : iterable of int

    Returns
    -------
    dict
        layer -> (z, a), each of shape (n, sizes[layer]) in the network's dtype; layer 0 has
        z None and a = the input as floats. A neuron switched off (:func:`~.recorded.sent`)
        has its z as computed and a = 0, its output: what the next layer receives.
    """
    layers = sorted({check_layer(net, layer, lowest=0) for layer in layers})
    rows, off = check_rows(net, rows), off_neurons(net)
    parts: dict[int, tuple[list, list]] = {layer: ([], []) for layer in layers}
    for start in range(0, len(rows), BLOCK):
        t = net.trace(rows[start : start + BLOCK])
        for layer, (zs, acts) in parts.items():
            zs.append(t.zs[layer - 1] if layer else None)
            acts.append(t.activations[layer])
    return {layer: (None if layer == 0 else np.concatenate(zs),
                    sent(net, layer, np.concatenate(acts), off))
            for layer, (zs, acts) in parts.items()}


def tail(net: Network, layer: int) -> Network:
    """The layers after ``layer`` as a network of their own, whose input is ``layer``'s
    activations: ``tail(net, l).forward(a_l)`` is ``net``'s output for a⁽ˡ⁾ = a_l.
    Shares no memory with ``net``. Its input is recorded as numbers read as they are (a table's
    columns, unstandardised), so that ReLU activations past 1 are never taken for pixels 0..255
    of a picture, as a network recording no input of 784 neurons would read them."""
    layer = check_layer(net, layer, lowest=0)
    if layer == len(net.sizes) - 1:
        raise ConfigError("the output layer has no layers after it")
    rest = Network(net.sizes[layer:], net.activation.name, net.output_function.name,
                   dtype=net.dtype)
    for mine, theirs in zip(rest.weights + rest.biases,
                            net.weights[layer:] + net.biases[layer:]):
        mine[...] = theirs
    names = tuple(f"a{j}" for j in range(net.sizes[layer]))  # neuron j of the layer
    rest.metadata["input"] = inputs.Table(names).to_dict()
    return rest
