"""Activation functions σ and their derivatives.

A layer computes ``a = σ(z)`` with ``z = W a_prev + b``. Backpropagation needs σ'(z), and for
every function here σ' is cheapest written in terms of ``z`` and ``a`` together (the sigmoid's
is ``a (1 - a)``), so each activation offers:

``forward(z, out=None)``
    σ(z), element-wise, optionally into a preallocated array.
``backward(delta, z, a)``
    multiply ``delta`` by σ'(z) in place and return it; this is the step
    ``δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l)`` of backpropagation.
``derivative(z, a)``
    σ'(z) as a new array (for tests and teaching).

All work on arrays of any shape and keep their dtype.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

__all__ = ["Activation", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ACTIVATIONS", "get"]


class Activation:
    """Base class: subclasses define ``forward`` and ``derivative``."""

    name: str = ""
    #: Weight initialisation suited to the function: "glorot" or "he".
    init: str = "glorot"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        delta *= self.derivative(z, a)
        return delta

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self.forward(z, out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """The logistic function σ(z) = 1 / (1 + e^-z), the video's "squishification".

    Computed as ``0.5 * (1 + tanh(z / 2))``, which is the same function but never
    overflows: ``exp(-z)`` overflows float32 for z below about -88, tanh saturates
    quietly, so z = ±1000 gives exactly 0 and 1 with no warning.
    """

    name = "sigmoid"
    init = "glorot"

    def forward(self, z, out=None):
        out = np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        return out

    def derivative(self, z, a):
        return a * (1 - a)

    def backward(self, delta, z, a):
        delta *= a
        delta -= delta * a  # δ·a·(1 - a) without a temporary the size of a twice
        return delta


class Tanh(Activation):
    """The hyperbolic tangent, a sigmoid stretched to (-1, 1); σ' = 1 - a²."""

    name = "tanh"
    init = "glorot"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, z, a):
        return 1 - a * a

    def backward(self, delta, z, a):
        delta -= delta * a * a
        return delta


class ReLU(Activation):
    """The rectified linear unit max(0, z), which the video mentions as the modern choice."""

    name = "relu"
    init = "he"

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=out)

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, delta, z, a):
        delta *= z > 0
        return delta


class LeakyReLU(Activation):
    """max(αz, z) with a small slope α (0.01) for z < 0, so no neuron's gradient is ever exactly 0."""

    name = "leaky_relu"
    init = "he"

    def __init__(self, alpha: float = 0.01):
        self.alpha = alpha

    def forward(self, z, out=None):
        return np.maximum(z, self.alpha * z, out=out)

    def derivative(self, z, a):
        return np.where(z > 0, 1, self.alpha).astype(z.dtype)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


#: Hidden-layer activations by name.
ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU)
}


def get(name: str) -> Activation:
    """Return the activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise ConfigError(f"unknown activation {name!r}; choose one of {known}") from None
