"""Optimisers: how a gradient becomes a step downhill.

Each optimiser owns its state (velocities, moment estimates) lined up with the network's flat
parameter buffer, and updates every parameter in a few whole-array operations::

    opt = Adam(net.params.size, n_decayed=net.n_weights, weight_decay=1e-4)
    loss, grads = net.backprop(x, y)
    opt.step(net.params, grads, lr=1e-3)

``weight_decay`` is L2 regularisation: it adds ``weight_decay * w`` to the gradient of the first
``n_decayed`` parameters (the weights; biases are not decayed), the gradient of the cost
``C + weight_decay/2 · Σ w²``.

Updates are in place and allocate nothing per step. Adam's state is kept away from float32's
subnormal range (below about 1e-38), where arithmetic is many times slower on most CPUs:
moments of parameters whose gradient stays exactly 0, such as the weights from a corner pixel
that is never inked, would otherwise decay into it.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

__all__ = ["Optimizer", "SGD", "Adam", "OPTIMIZERS", "make", "settings"]

# Moments smaller than this in magnitude are flushed to 0 (Adam's m) or raised to it (Adam's v).
# Far below anything that changes an update (Adam's eps is 1e-8), far above float32's subnormals.
_TINY = np.float32(1e-30)


class Optimizer:
    """Base class. ``step`` updates ``params`` in place from ``grads``."""

    name = ""
    #: The options of a recipe that this optimiser takes (and no other does).
    settings: tuple[str, ...] = ()

    def __init__(self, n_params: int, *, n_decayed: int = 0, weight_decay: float = 0.0,
                 dtype=np.float32):
        if weight_decay < 0:
            raise ConfigError(f"weight decay must be >= 0, got {weight_decay}")
        self.n_params = int(n_params)
        self.n_decayed = int(n_decayed)
        self.weight_decay = float(weight_decay)
        self.dtype = np.dtype(dtype)
        self.steps = 0

    def _decay(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.weight_decay:
            k = self.n_decayed
            # grads[:k] += weight_decay * params[:k], without a temporary
            np.multiply(params[:k], self.weight_decay, out=self._scratch[:k])
            grads[:k] += self._scratch[:k]

    def step(self, params: np.ndarray, grads: np.ndarray, lr: float) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """Arrays that, with :attr:`steps`, let training resume exactly."""
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray], steps: int) -> None:
        for key, value in self.state_dict().items():
            if key not in state or state[key].shape != value.shape:
                raise ConfigError(f"optimizer state {key!r} is missing or has the wrong shape")
            value[...] = state[key]
        self.steps = int(steps)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (heavy-ball) momentum.

    Without momentum: ``w ← w - lr·g``, the video's "small step in the direction of -∇C".
    With momentum μ: ``v ← μ·v + g``, ``w ← w - lr·v`` (PyTorch's convention), so a gradient
    that keeps pointing the same way builds up speed.
    """

    name = "sgd"
    settings = ("momentum",)

    def __init__(self, n_params: int, *, momentum: float = 0.0, **kwargs):
        super().__init__(n_params, **kwargs)
        if not 0 <= momentum < 1:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self._scratch = np.zeros(self.n_params, self.dtype)
        self.velocity = np.zeros(self.n_params, self.dtype) if momentum else None

    def step(self, params, grads, lr):
        self._decay(params, grads)
        direction = grads
        if self.velocity is not None:
            self.velocity *= self.momentum
            self.velocity += grads
            direction = self.velocity
        np.multiply(direction, lr, out=self._scratch)
        params -= self._scratch
        self.steps += 1

    def state_dict(self):
        return {"velocity": self.velocity} if self.velocity is not None else {}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): a step per parameter scaled by running gradient statistics.

    ``m ← β1·m + (1-β1)·g`` and ``v ← β2·v + (1-β2)·g²`` estimate the gradient's mean and
    uncentred variance; the step is ``lr · m̂ / (√v̂ + eps)`` with the bias corrections
    ``m̂ = m / (1-β1^t)`` and ``v̂ = v / (1-β2^t)``, folded here into one scalar step size.
    """

    name = "adam"
    settings = ("beta1", "beta2")

    def __init__(self, n_params: int, *, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, **kwargs):
        super().__init__(n_params, **kwargs)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ConfigError(f"{label} must be in [0, 1), got {beta}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = np.zeros(self.n_params, self.dtype)
        self.v = np.zeros(self.n_params, self.dtype)
        self._scratch = np.zeros(self.n_params, self.dtype)
        self._mask = np.zeros(self.n_params, bool)

    def step(self, params, grads, lr):
        self._decay(params, grads)
        self.steps += 1
        t = self.steps
        b1, b2 = self.beta1, self.beta2
        m, v, s = self.m, self.v, self._scratch

        m *= b1
        np.multiply(grads, 1 - b1, out=s)
        m += s
        v *= b2
        np.multiply(grads, grads, out=s)
        s *= 1 - b2
        v += s
        self._flush_subnormals()

        # lr · m̂/(√v̂ + eps) = step_size · m / (√v + eps·√(1-β2^t)), with one scalar step_size
        correction2 = np.sqrt(1 - b2**t)
        step_size = lr * correction2 / (1 - b1**t)
        np.sqrt(v, out=s)
        s += self.eps * correction2
        np.divide(m, s, out=s)
        s *= step_size
        params -= s

    def _flush_subnormals(self):
        np.maximum(self.v, _TINY, out=self.v)
        np.less(np.abs(self.m, out=self._scratch), _TINY, out=self._mask)
        np.copyto(self.m, 0, where=self._mask)

    def state_dict(self):
        return {"m": self.m, "v": self.v}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam)}


def _named(name: str) -> type[Optimizer]:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise ConfigError(f"unknown optimizer {name!r}; choose one of {known}") from None


def make(name: str, n_params: int, **kwargs) -> Optimizer:
    """Build the optimiser called ``name`` ("sgd" or "adam") for ``n_params`` parameters."""
    return _named(name)(n_params, **kwargs)


def settings(name: str) -> tuple[str, ...]:
    """The recipe options the optimiser called ``name`` takes: ``("momentum",)`` for SGD,
    ``("beta1", "beta2")`` for Adam. Training passes these, and only these, to :func:`make`."""
    return _named(name).settings
