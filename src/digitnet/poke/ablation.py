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

from ..errors import ConfigError
from ..metrics import accuracy_by_class, confusion_matrix
from ..modelfile import as_network
from ..network import Network
from .activity import check_labels, layer_activity, tail
from .changes import Changes
from .reading import whole
from .recorded import off_neurons
from .rows import check_rows

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

    @property
    def costs(self) -> bool:
        """Whether switching it off costs anything: some class loses accuracy. A neuron whose
        loss changes no class's accuracy, or only raises some, costs nothing (a network with
        more neurons than its data needs has many such, which a list of the "worst" would
        otherwise be padded with)."""
        return bool(np.any(self.per_class_drop > 0))

    def to_dict(self) -> dict:
        return {"layer": self.layer, "neuron": self.neuron, "accuracy": self.accuracy,
                "drop": self.drop, "per_class_drop": [float(v) for v in self.per_class_drop]}


def score(predicted: np.ndarray, labels: np.ndarray, n_classes: int) -> Score:
    """The :class:`Score` of predicted classes against ``labels``."""
    confusion = confusion_matrix(labels, predicted, n_classes)
    return Score(float(np.mean(predicted == labels)), accuracy_by_class(confusion))


def _predict(net: Network, rows) -> np.ndarray:
    return np.argmax(net.forward(rows), axis=1)


def read_changes(changes) -> Changes:
    """``changes`` as a :class:`Changes`: itself, or a dict ``{"off": [...], "edits": [...]}``
    read as :meth:`Changes.from_json` reads it; a ConfigError of one line for anything else."""
    if isinstance(changes, Changes):
        return changes
    if isinstance(changes, dict):
        return Changes.from_json(changes)
    raise ConfigError(f"changes: expected poke.Changes(off=..., edits=...) or a dict "
                      f"{{\"off\": [...], \"edits\": [...]}}, got {type(changes).__name__}; "
                      "pass poke.Changes(off=((1, 3),)), say")


def _hidden_layers(net: Network, layers) -> list[int]:
    """``layers`` (an iterable of hidden layers, or None for all of them) as sorted ints, each
    a whole number as :func:`~.reading.whole` reads it; else a ConfigError of one line."""
    last = len(net.sizes) - 1
    if layers is None:
        return list(range(1, last))
    if isinstance(layers, (str, bytes, dict)) or not np.iterable(layers):
        raise ConfigError(f"layers: expected a list of hidden layers such as [1, 2], got "
                          f"{layers!r:.40}")
    layers = list(layers)
    if not layers:
        raise ConfigError(f"layers: an empty list; give hidden layers to rank (1 to {last - 1}),"
                          " or leave layers out to rank them all")
    chosen = set()
    for i, value in enumerate(layers):
        layer = whole(value, f"layers[{i}]")
        if not 1 <= layer < last:
            what = ("the output layer, which has nothing after it to switch off" if layer == last
                    else f"not a hidden layer of this {'-'.join(map(str, net.sizes))} network")
            which = (f"rank hidden layers 1 to {last - 1}" if last > 1 else "this network has "
                     "no hidden layers to rank: use one with hidden layers")
            raise ConfigError(f"layers[{i}]: layer {layer} is {what}; {which}")
        chosen.add(layer)
    return sorted(chosen)


def ablate(net: Network, rows, labels, changes: Changes = Changes()) -> Ablation:
    """Accuracy, overall and per class, of ``net`` with ``changes`` against ``net`` intact.

    Parameters
    ----------
    rows : array_like, shape (n, sizes[0])
        Held-out examples as ``inputs.of(net).rows`` makes them, the input layer's rows (for
        a model of pictures, uint8 pixels or floats in [0, 1]; deskewed, for a model that
        deskews): not the examples as the data holds them, which
        :func:`~.rows.check_rows` refuses wherever it can tell.
    labels : array_like of int, shape (n,)
    changes : Changes or dict
        Neurons switched off (``Changes(off=((1, 3),))``) and edits; none means the intact
        network, whose score then is the baseline's. A dict ``{"off": [...], "edits": [...]}``
        is read as :meth:`Changes.from_json` reads it.
    """
    net = as_network(net, "poke.ablate")
    changes = read_changes(changes)
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    k = net.sizes[-1]
    baseline = score(_predict(net, rows), labels, k)
    after = score(_predict(changes.apply(net), rows), labels, k) if changes else baseline
    return Ablation(after, baseline, len(labels))


def rank_neurons(net: Network, rows, labels, changes: Changes = Changes(),
                 layers=None) -> list[NeuronDrop]:
    """Every hidden neuron by how much accuracy falls when it alone is switched off, worst first.

    The network is ``net`` with ``changes`` (a :class:`Changes`, or a dict read as
    :func:`ablate` reads it). Every neuron already off is left out, wherever it was switched
    off: by ``changes``, or in ``net`` itself (:func:`~.recorded.off_neurons`: a model saved by
    ``digitnet edit``, say), so a network ranks alike however its edits reached it.

    Each layer's activations are computed once; switching neuron j of layer l off then only
    reruns the layers after l (:func:`~digitnet.poke.activity.tail`) with column j zeroed.

    Parameters
    ----------
    layers : iterable of int, optional
        Which hidden layers (1 to L - 1, whole numbers); all of them by default.

    Returns
    -------
    list of NeuronDrop, largest drop first (ties in layer and neuron order); each says
    whether it :attr:`~NeuronDrop.costs` anything (some class loses accuracy without it)
    """
    net = as_network(net, "poke.rank_neurons")
    changes = read_changes(changes)
    rows = check_rows(net, rows)
    labels = check_labels(net, rows, labels)
    changed = changes.apply(net)
    layers = _hidden_layers(net, layers)
    k = net.sizes[-1]
    base = score(_predict(changed, rows), labels, k)
    activity = layer_activity(changed, rows, layers)
    off = set(off_neurons(changed))  # net's own and those changes switches off (it records them)
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
