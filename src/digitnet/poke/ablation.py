"""Switching neurons off: how much the network's accuracy needs each of them.

The video hopes each hidden neuron stands for something (an edge, a loop). One way to ask is to
silence a neuron (its output set to 0 for every input, :class:`~digitnet.poke.changes.Changes`)
and see which digits the network then gets wrong. :func:`ablate` does that for any set of
neurons against the intact network; :func:`rank_neurons` silences each hidden neuron in turn and
ranks them by how much accuracy falls without them, and for which digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics import accuracy_by_class, confusion_matrix
from ..network import Network
from .activity import check_labels, check_rows, layer_activity, tail
from .changes import Changes

__all__ = ["Score", "Ablation", "NeuronDrop", "ablate", "rank_neurons", "score"]


@dataclass(frozen=True)
class Score:
    """Accuracy over all examples and per class (shape (n_classes,))."""

    accuracy: float
    per_class: np.ndarray

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy, "per_class": [float(v) for v in self.per_class]}


@dataclass(frozen=True)
class Ablation:
    """The changed network's score against the intact one's, on ``n`` examples."""

    score: Score
    baseline: Score
    n: int

    def to_dict(self) -> dict:
        return {**self.score.to_dict(), "baseline": self.baseline.to_dict(), "n": self.n}


@dataclass(frozen=True)
class NeuronDrop:
    """What switching off neuron ``neuron`` of ``layer`` costs: accuracy without it, the drop
    from the network with it, and the drop for each class (positive: that class suffers)."""

    layer: int
    neuron: int
    accuracy: float
    drop: float
    per_class_drop: np.ndarray

    def to_dict(self) -> dict:
        return {"layer": self.layer, "neuron": self.neuron, "accuracy": self.accuracy,
                "drop": self.drop, "per_class_drop": [float(v) for v in self.per_class_drop]}


def score(predicted: np.ndarray, labels: np.ndarray, n_classes: int) -> Score:
    """The :class:`Score` of predicted classes against ``labels``."""
    confusion = confusion_matrix(labels, predicted, n_classes)
    return Score(float(np.mean(predicted == labels)), accuracy_by_class(confusion))


def _predict(net: Network, rows) -> np.ndarray:
    return np.argmax(net.forward(rows), axis=1)


def ablate(net: Network, rows, labels, changes: Changes = Changes()) -> Ablation:
    """Accuracy, overall and per class, of ``net`` with ``changes`` against ``net`` intact.

    Parameters
    ----------
    rows : array_like, shape (n, sizes[0])
        Held-out examples as ``inputs.of(net).rows`` makes them (for a model of pictures,
        uint8 pixels or floats in [0, 1]: others are a DataError).
    labels : array_like of int, shape (n,)
    changes : Changes
        Neurons switched off (``Changes(off=((1, 3),))``) and edits; none means the intact
        network, whose score then is the baseline's.
    """
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    k = net.sizes[-1]
    baseline = score(_predict(net, rows), labels, k)
    after = score(_predict(changes.apply(net), rows), labels, k) if changes else baseline
    return Ablation(after, baseline, len(labels))


def rank_neurons(net: Network, rows, labels, changes: Changes = Changes(),
                 layers=None) -> list[NeuronDrop]:
    """Every hidden neuron by how much accuracy falls when it alone is switched off, worst first.

    The network is ``net`` with ``changes`` (neurons they already switch off are left out).
    Each layer's activations are computed once; switching neuron j of layer l off then only
    reruns the layers after l (:func:`~digitnet.poke.activity.tail`) with column j zeroed.

    Parameters
    ----------
    layers : iterable of int, optional
        Which hidden layers (1 to L - 1); all of them by default.

    Returns
    -------
    list of NeuronDrop, largest drop first (ties in layer and neuron order)
    """
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    changed = changes.apply(net)
    last = len(net.sizes) - 1
    layers = list(range(1, last)) if layers is None else sorted(set(layers))
    Changes(off=tuple((l, 0) for l in layers)).check(net)  # each must be a hidden layer
    k = net.sizes[-1]
    base = score(_predict(changed, rows), labels, k)
    activity = layer_activity(changed, rows, layers)
    off = set(changes.off)
    drops = []
    for layer in layers:
        rest, a = tail(changed, layer), activity[layer][1]
        for j in range(net.sizes[layer]):
            if (layer, j) in off:
                continue
            kept = a[:, j].copy()
            a[:, j] = 0
            s = score(_predict(rest, a), labels, k)
            a[:, j] = kept
            drops.append(NeuronDrop(layer, j, s.accuracy, base.accuracy - s.accuracy,
                                    base.per_class - s.per_class))
    return sorted(drops, key=lambda d: -d.drop)
