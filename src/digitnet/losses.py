"""Output layers and the cost each is paired with.

The last layer's function and the cost go together, because together they give the simple
output error δ_L = ∂C/∂z_L that backpropagation starts from:

================  ======================================  ==================================
``output``        cost C for one example with label y      δ_L for one example
================  ======================================  ==================================
``"softmax"``     cross-entropy  -log a_y                  a - e_y
``"sigmoid"``     squared error  Σ_j (a_j - e_y,j)²        2 (a - e_y) ⊙ a ⊙ (1 - a)
================  ======================================  ==================================

where e_y is the one-hot vector of the label ("what we want the output to be" in the video).
The squared error is the cost 3Blue1Brown's series uses; softmax with cross-entropy is what
practitioners use, and its δ has no σ' factor, so a confidently wrong output still learns fast
(Nielsen, chapter 3).

Costs are averaged over the batch, so every δ here is divided by the batch size. Labels are
integer class indices, never one-hot matrices: we subtract 1 at the label instead.
"""

from __future__ import annotations

import numpy as np

from .activations import Sigmoid
from .errors import ConfigError

__all__ = ["Output", "SoftmaxCrossEntropy", "SigmoidSquaredError", "OUTPUTS", "get"]


class Output:
    """An output function with its cost.

    Methods take ``z`` and ``a`` of shape (batch, n_classes) and ``labels`` of shape (batch,).
    """

    name: str = ""
    cost: str = ""

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Output activations a = f(z), shape (batch, n_classes)."""
        raise NotImplementedError

    def loss(self, z: np.ndarray, a: np.ndarray, labels: np.ndarray) -> float:
        """Mean cost over the batch."""
        raise NotImplementedError

    def delta(self, z, a, labels, out=None) -> np.ndarray:
        """∂C/∂z for the batch-mean cost, shape (batch, n_classes)."""
        raise NotImplementedError

    def probabilities(self, a: np.ndarray) -> np.ndarray:
        """Rows that sum to 1: the outputs read as the network's belief in each digit."""
        return a

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SoftmaxCrossEntropy(Output):
    """Softmax outputs a_j = e^{z_j} / Σ_k e^{z_k} with the cross-entropy cost -log a_y."""

    name = "softmax"
    cost = "cross_entropy"

    def forward(self, z, out=None):
        # Subtracting the row maximum changes nothing mathematically and keeps exp from overflowing.
        out = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def loss(self, z, a, labels):
        # -log softmax(z)_y = logsumexp(z) - z_y, computed from z so that a probability that
        # underflowed to 0 still gives a finite cost.
        rows = np.arange(len(labels))
        m = z.max(axis=1)
        lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
        return float(np.mean(lse - z[rows, labels]))

    def delta(self, z, a, labels, out=None):
        # Why so simple: d(-log softmax_y)/dz = softmax - e_y; the softmax's Jacobian and the
        # logarithm's derivative cancel.
        out = _copy(a, out)
        out[np.arange(len(labels)), labels] -= 1
        out /= len(labels)
        return out


class SigmoidSquaredError(Output):
    """Sigmoid outputs with the video's cost: the sum of squared differences from e_y."""

    name = "sigmoid"
    cost = "squared_error"

    def __init__(self):
        self._sigmoid = Sigmoid()

    def forward(self, z, out=None):
        return self._sigmoid.forward(z, out)

    def loss(self, z, a, labels):
        diff = a.astype(np.float64)
        diff[np.arange(len(labels)), labels] -= 1
        return float(np.mean(np.sum(diff * diff, axis=1)))

    def delta(self, z, a, labels, out=None):
        out = _copy(a, out)
        out[np.arange(len(labels)), labels] -= 1  # a - e_y
        out *= 2 / len(labels)
        return self._sigmoid.backward(out, z, a)  # ⊙ σ'(z) = a (1 - a)

    def probabilities(self, a):
        # Sigmoid outputs are ten independent "how much does this look like a j" scores;
        # normalise them so they can be shown and compared as probabilities.
        total = a.sum(axis=-1, keepdims=True)
        return np.divide(a, total, out=np.full_like(a, 1 / a.shape[-1]), where=total > 0)


def _copy(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return a.copy()
    np.copyto(out, a)
    return out


#: Output/cost pairs by the name of the output function.
OUTPUTS: dict[str, type[Output]] = {
    cls.name: cls for cls in (SoftmaxCrossEntropy, SigmoidSquaredError)
}


def get(name: str) -> Output:
    """Return the output layer called ``name`` ("softmax" or "sigmoid") with its cost."""
    try:
        return OUTPUTS[name]()
    except KeyError:
        known = ", ".join(OUTPUTS)
        raise ConfigError(f"unknown output {name!r}; choose one of {known}") from None
