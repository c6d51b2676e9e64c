"""The compiled engine: a stretch of training steps in one call to C (``_kernel.c``).

At the video's batch sizes a step of the 784-16-16-10 network is little arithmetic, and the
NumPy engine spends most of its time on the overhead of the ~40 array operations a step takes.
So digitnet also ships the same step written in C, built when digitnet is installed on a
machine with a C compiler (the build is optional: without one, the NumPy engine runs). Its
:class:`_kernel.Steps` holds the network's parameters, the optimiser's state and the training
images for a whole run, and runs up to a few dozen steps per call; every buffer and index it
is given is checked on the C side.

Both engines compute the same thing from the same inputs, to float rounding (the tests hold
them together for every activation, output and optimiser). Each is deterministic on its own,
but their bytes differ, so checkpoints record the engine that wrote them.
"""

from __future__ import annotations

import numpy as np

from .. import activations, losses, optimizers
from ..augment import shift_maps
from ..network import Network

try:
    from . import _kernel
except ImportError:  # not built: no C compiler when digitnet was installed, or another platform
    _kernel = None

__all__ = ["CompiledEngine", "CompiledSteps", "available"]

_ACTIVATIONS = {activations.Sigmoid: 0, activations.Tanh: 1, activations.ReLU: 2,
                activations.LeakyReLU: 3}
_OUTPUTS = {losses.SoftmaxCrossEntropy: 0, losses.SigmoidSquaredError: 1}
_OPTIMIZERS = {optimizers.SGD: 0, optimizers.Adam: 1}


def available() -> bool:
    """Whether the compiled library was built and loads."""
    return _kernel is not None


class CompiledSteps:
    """Training steps in C, with the interface of :class:`digitnet.engines.numpy.NumpySteps`.

    The network's parameters and the optimiser's state arrays are updated in place, and the
    optimiser's ``steps`` counter advanced, exactly as the NumPy steps do.
    """

    name = "compiled"

    def __init__(self, net: Network, optimizer: optimizers.Optimizer, pixels: np.ndarray,
                 labels: np.ndarray, *, batch_size: int, image_shape=None, max_shift: int = 0):
        self.optimizer = optimizer
        self.batch_size = batch_size
        self._pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        self._labels = np.ascontiguousarray(labels, dtype=np.int64)
        maps = shift_maps(image_shape, max_shift) if max_shift else None
        self._steps = _kernel.Steps(
            sizes=net.sizes, params=net.params, pixels=self._pixels, labels=self._labels,
            shift_maps=maps, batch=batch_size,
            activation=_ACTIVATIONS[type(net.activation)],
            leaky_alpha=getattr(net.activation, "alpha", 0.0),
            output=_OUTPUTS[type(net.output_function)], optimizer=_OPTIMIZERS[type(optimizer)],
            momentum=getattr(optimizer, "momentum", 0.0), weight_decay=optimizer.weight_decay,
            n_decayed=optimizer.n_decayed, beta1=getattr(optimizer, "beta1", 0.0),
            beta2=getattr(optimizer, "beta2", 0.0), eps=getattr(optimizer, "eps", 0.0),
            velocity=getattr(optimizer, "velocity", None), m=getattr(optimizer, "m", None),
            v=getattr(optimizer, "v", None))

    def run(self, order: np.ndarray, shift_ids: np.ndarray | None, start: int, stop: int,
            lrs) -> list[float]:
        """Steps ``start`` to ``stop - 1`` of an epoch; see :meth:`NumpySteps.run`."""
        count = max(0, stop - start)
        losses_ = np.empty(count, np.float64)
        order = np.ascontiguousarray(order, dtype=np.int64)
        if shift_ids is not None:
            shift_ids = np.ascontiguousarray(shift_ids, dtype=np.int64)
        done = self._steps.run(order, shift_ids, start, stop,
                               np.ascontiguousarray(lrs, dtype=np.float64), self.optimizer.steps,
                               losses_)
        out = losses_[:done].tolist()
        self.optimizer.steps += done - (1 if done and not np.isfinite(out[-1]) else 0)
        return out


class CompiledEngine:
    """float32 networks of the built-in activations, outputs and optimisers, in C."""

    name = "compiled"

    def unavailable_reason(self, net: Network, optimizer: optimizers.Optimizer,
                           pixels: bool = True, features: tuple[str, ...] = ()) -> str | None:
        """Why this engine cannot train ``net`` with ``optimizer`` on rows of uint8 ``pixels``
        (or of float numbers) with the training ``features`` named (such as "dropout"), or
        None if it can."""
        if _kernel is None:
            return ("digitnet's compiled engine was not built (it needs a C compiler when "
                    "digitnet is installed)")
        if net.dtype != np.float32:
            return f"the compiled engine works in float32, not {net.dtype}"
        if type(net.activation) not in _ACTIVATIONS:
            return f"the compiled engine has no {net.activation.name!r} activation"
        if type(net.output_function) not in _OUTPUTS:
            return f"the compiled engine has no {net.output_function.name!r} output"
        if type(optimizer) not in _OPTIMIZERS:
            return f"the compiled engine has no {optimizer.name!r} optimizer"
        if not pixels:
            return "the compiled engine reads uint8 pixels, and these inputs are numbers"
        if features:
            return f"the compiled engine has no {features[0]}"
        return None

    def steps(self, net: Network, optimizer: optimizers.Optimizer, pixels: np.ndarray,
              labels: np.ndarray, *, batch_size: int, image_shape=None,
              max_shift: int = 0, dropout: float = 0.0, seed: int = 0,
              teacher=None) -> CompiledSteps:
        assert not dropout and teacher is None, "choose() gives these to the NumPy engine"
        return CompiledSteps(net, optimizer, pixels, labels, batch_size=batch_size,
                             image_shape=image_shape, max_shift=max_shift)
