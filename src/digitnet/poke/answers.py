"""What each neuron answers to: the examples that light it up most, and its taste in classes.

The video's hope that a first-layer neuron picks up an edge can be checked on real digits: the
held-out digits that activate it most show what it responds to, and its mean activation for
each digit class shows whom it speaks for. A neuron *fires* for an example when its weighted
input z is above 0: the bend of a ReLU, the midpoint of a sigmoid (a = 0.5) or of tanh.

A neuron switched off (:mod:`~digitnet.poke.recorded`) outputs 0 whatever it sees: its
activations here are 0 and it fires for none, whatever its z; its top examples are then the
ones its z favours most, and :attr:`Profile.off` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..modelfile import as_network
from ..network import Network
from .activity import check_labels, check_layer, check_neuron, layer_activity
from .reading import whole
from .recorded import off_neurons
from .rows import check_rows

__all__ = ["Profile", "neuron_profile", "class_means"]


@dataclass(frozen=True)
class Profile:
    """What neuron ``neuron`` of ``layer`` answers to over some labelled examples.

    Attributes
    ----------
    top : ndarray of int, shape (count,)
        The examples that activate it most, most first (indices into the rows given); equal
        activations (a ReLU's zeros) are ranked by the weighted input z.
    top_activation : ndarray, shape (count,)
        Its activation a for each of them.
    class_mean : ndarray, shape (n_classes,)
        Its mean activation over the examples of each class (NaN for a class with none).
    class_firing : ndarray, shape (n_classes,)
        The share of each class's examples it fires for (z > 0).
    firing : float
        The share of all examples it fires for.
    off : bool
        Whether it is switched off in the network (then every a is 0 and it fires for none).
    """

    layer: int
    neuron: int
    top: np.ndarray
    top_activation: np.ndarray
    class_mean: np.ndarray
    class_firing: np.ndarray
    firing: float
    off: bool = False


def _per_class(values: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean of ``values`` (n, m) over the examples of each class: shape (m, n_classes)."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    onehot = np.zeros((len(labels), n_classes))
    onehot[np.arange(len(labels)), labels] = 1
    sums = values.astype(np.float64).T @ onehot  # (m, n) @ (n, n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def class_means(net: Network, rows, labels, layer: int) -> np.ndarray:
    """Each neuron of ``layer`` (1 to L)'s mean activation over the examples of each class.

    Returns
    -------
    ndarray, shape (sizes[layer], n_classes), float64 (NaN for a class with no examples)
    """
    net = as_network(net, "poke.class_means")
    layer = check_layer(net, layer)
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    _, a = layer_activity(net, rows, [layer])[layer]
    return _per_class(a, labels, net.sizes[-1])


def neuron_profile(net: Network, rows, labels, layer: int, neuron: int,
                   count: int = 16) -> Profile:
    """The examples activating neuron ``neuron`` of ``layer`` most, and its response per class.

    Parameters
    ----------
    rows : array_like, shape (n, sizes[0])
        Examples as ``inputs.of(net).rows`` makes them, the input layer's rows (checked by
        :func:`~.rows.check_rows`, as :func:`~.ablation.ablate` says).
    labels : array_like of int, shape (n,)
    layer : int
        1 (the first hidden layer) to L (the output layer); it and ``neuron`` are whole numbers
        (3.0 too, as :class:`~.changes.Changes` reads them), checked by
        :func:`~.activity.check_neuron`.
    count : int
        How many top examples (fewer if there are fewer examples).
    """
    net = as_network(net, "poke.neuron_profile")
    layer, neuron = check_neuron(net, layer, neuron)
    count = whole(count, "count")
    if count < 1:
        raise ConfigError(f"count must be at least 1, got {count}")
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    z, a = layer_activity(net, rows, [layer])[layer]
    z, a = z[:, neuron], a[:, neuron]
    count = min(count, len(a))
    # By a, ties by z: a ReLU's zeros are still ordered by how close each example came to
    # lighting it up. (Ties left after that go by index.)
    order = np.lexsort((np.arange(len(a)), -z, -a))
    top = order[:count]
    off = (layer, neuron) in off_neurons(net)
    fires = ((z > 0) & (not off))[:, None]  # (an off neuron's output is 0: it fires for none)
    k = net.sizes[-1]
    return Profile(layer, neuron, top, a[top], _per_class(a[:, None], labels, k)[0],
                   _per_class(fires, labels, k)[0], float(fires.mean()), off)
