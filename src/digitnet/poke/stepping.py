"""Backpropagation one step at a time, for one input and the label a learner says is right.

The series' later chapters follow one training example backwards through the network: the cost
C of its output, how much each output neuron "wants" to move, the error δ⁽ˡ⁾ = ∂C/∂z⁽ˡ⁾ of every
layer passed back through the weights, and the change each weight would get. :func:`backprop_step`
computes all of them with :meth:`Network.backprop`, the backpropagation training is tested
against, and takes the gradient step on a copy of the network with the optimiser training uses
(:class:`digitnet.optimizers.SGD`, without momentum: w ← w - η ∂C/∂w), then reads the input again.

For a single example the gradient of a bias is the δ of its neuron (∂C/∂b = δ), so every layer's
δ is read off the gradient itself: no second implementation of backpropagation is involved.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..arrays import as_inputs
from ..errors import ConfigError, DataError
from ..modelfile import as_network
from ..network import Network
from ..optimizers import SGD
from ..probes import check_layer  # (the one check of a layer)
from .changes import Changes
from .reading import whole
from .recorded import off_neurons, weight_source
from .rows import check_rows

__all__ = ["Step", "backprop_step", "DEFAULT_LR", "MAX_LR"]

#: The learning rate η of a step when none is given.
DEFAULT_LR = 0.01
#: The largest learning rate a step takes (the page's API has the same bound): past it, one
#: step can throw the weights so far that the cost after it overflows to NaN.
MAX_LR = 10.0


@dataclass
class Step:
    """One example through backpropagation and one gradient step.

    Attributes
    ----------
    cost, cost_after : float
        C for this example before and after the step.
    probabilities, probabilities_after : ndarray, shape (sizes[-1],)
    digit, digit_after : int
        The network's answer before and after.
    deltas : list of ndarray
        ``deltas[l - 1]`` is δ⁽ˡ⁾ = ∂C/∂z⁽ˡ⁾ of layer l (1 to L), shape (sizes[l],).
    weight_gradients : list of ndarray
        ``weight_gradients[l - 1]`` is ∂C/∂W⁽ˡ⁾, shaped like ``net.weights[l - 1]``
        (δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ: row j is δⱼ times the layer before's activations).
    network_after : Network
        The copy after the step (the network given is not changed).
    """

    label: int
    lr: float
    cost: float
    probabilities: np.ndarray
    digit: int
    deltas: list[np.ndarray]
    weight_gradients: list[np.ndarray]
    cost_after: float
    probabilities_after: np.ndarray
    digit_after: int
    network_after: Network

    @property
    def wanted(self) -> np.ndarray:
        """How much each output neuron's z "wants" to move: -δ⁽ᴸ⁾, the direction that lowers
        the cost (for softmax with cross-entropy, y - a: up for the label, down for the rest)."""
        return -self.deltas[-1]

    def weight_changes(self, layer: int) -> np.ndarray:
        """The step's change to the weights into ``layer`` (1 to L): -η ∂C/∂W⁽ˡ⁾. A ConfigError
        for another layer (:func:`digitnet.probes.check_layer`: 0, the input, has no weights)."""
        return -self.lr * self.weight_gradients[check_layer(self.network_after, layer) - 1]

    def largest_changes(self, count: int = 10) -> list[tuple[int, int, int, float]]:
        """The ``count`` weights the step moves most, as (layer, neuron, input, change): the
        weight from neuron ``input`` of layer - 1 into ``neuron`` of ``layer``."""
        sizes = [g.size for g in self.weight_gradients]
        flat = np.concatenate([g.ravel() for g in self.weight_gradients])
        count = min(count, len(flat))
        top = np.argpartition(-np.abs(flat), count - 1)[:count]
        top = top[np.lexsort((top, -np.abs(flat[top])))]
        offsets = np.cumsum([0, *sizes])
        out = []
        for i in top:
            l = int(np.searchsorted(offsets, i, side="right")) - 1
            n_in = self.weight_gradients[l].shape[1]
            j, k = divmod(int(i - offsets[l]), n_in)
            out.append((l + 1, j, k, float(-self.lr * flat[i])))
        return out

    def described_largest_changes(self, count: int = 10) -> list[dict]:
        """:meth:`largest_changes` as /api/backprop answers them: each a dict of its layer,
        neuron, input and change, and its "source", where the weight comes from in words
        (:func:`~.recorded.weight_source`: "pixel (3, 7)", "neuron 5 of layer 1")."""
        return [{"layer": l, "neuron": j, "input": i, "change": c,
                 "source": weight_source(self.network_after, l, i)}
                for l, j, i, c in self.largest_changes(count)]


def backprop_step(net: Network, x, label: int, lr: float = DEFAULT_LR, off=()) -> Step:
    """Backpropagate one input with its label through ``net`` with the neurons ``off``
    switched off, then take one gradient step on a copy.

    Parameters
    ----------
    x : array_like, shape (sizes[0],) or (1, sizes[0])
        One input as ``inputs.of(net).rows`` makes it, ``inputs.of(net).rows(images)[i]`` (for
        a model of pictures, uint8 pixels or floats in [0, 1]), checked by
        :func:`~.rows.check_rows`: a picture (h, w) as the data holds it is a DataError.
    label : int
        The class the input should be read as: a whole number (3.0 too, as the page's API and
        :class:`~digitnet.poke.changes.Changes` read whole numbers).
    lr : float
        The learning rate η, a positive number up to :data:`MAX_LR` (NumPy's numbers too).
    off : list or tuple of (layer, neuron)
        Neurons to switch off for the step, read and checked as
        :class:`~digitnet.poke.changes.Changes` reads them (hidden neurons ``net`` has): the
        step is that of ``Changes(off=off).apply(net)``, its forward pass, cost and gradients
        those of the network without them. Those already off in ``net``
        (:func:`~digitnet.poke.recorded.off_neurons`, as ``Changes.apply`` records them) are
        taken as they are. The step leaves the outgoing weights of every neuron off at 0, so
        they stay off in :attr:`Step.network_after`.
    """
    net = as_network(net, "poke.backprop_step")
    a, _ = as_inputs(check_rows(net, x, "x", single=True), net.sizes[0], net.dtype)
    if len(a) != 1:
        raise DataError(f"backpropagation one step at a time takes one input, got {len(a)}")
    k, label = net.sizes[-1], whole(label, "label")
    if not 0 <= label < k:
        raise ConfigError(f"label must be a class from 0 to {k - 1}, got {label!r}")
    number = isinstance(lr, numbers.Real) and not isinstance(lr, bool)  # NumPy's too
    if not (number and math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise ConfigError(f"the learning rate must be a positive number up to {MAX_LR:g}, "
                          f"got {float(lr) if number else lr!r}")
    lr = float(lr)
    given = Changes(off=off)  # read and checked as every change is
    given.check(net)
    already = off_neurons(net)  # (the page's API passes a network with its changes made)
    net = Changes(off=[p for p in given.off if p not in already]).apply(net)
    labels = np.array([label])
    cost, grads = net.backprop(a, labels)
    grad_w, grad_b = net.unflatten(grads)
    for layer, neuron in off_neurons(net):
        grad_w[layer][:, neuron] = 0  # out of an off neuron: it stays off
    after = net.copy()
    SGD(after.parameter_count).step(after.params, grads, lr)
    before_p = net.probabilities(a)[0]
    after_p = after.probabilities(a)[0]
    return Step(int(label), float(lr), float(cost), before_p, int(before_p.argmax()),
                [b.copy() for b in grad_b], [w.copy() for w in grad_w],
                float(after.loss(a, labels)), after_p, int(after_p.argmax()), after)
