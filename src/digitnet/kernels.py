"""The compiled fast path: a stretch of training steps in one call.

The NumPy path (:class:`digitnet.workspace.NumpySteps`: :meth:`Workspace.load_batch`,
:meth:`Workspace.gradient`, then the optimiser's ``step``) is the readable reference. At the
video's batch sizes a step of the 784-16-16-10 network is only about 20 microseconds of
arithmetic, but NumPy spends about 100 on the overhead of the ~40 array operations it takes. So
digitnet also ships the same step written in C (``_kernel.c``, built when digitnet is installed
on a machine with a C compiler): :class:`CompiledSteps` hands it the network, the optimiser's
state and the buffers once, then runs up to a few dozen steps per call.

Both paths compute the same thing from the same inputs, to float rounding: the tests in
``tests/unit/test_kernels.py`` compare them for every activation, output and optimiser. Each is
deterministic on its own (same seed, same bytes), but their bytes differ, so a run is resumed
with the engine it started with when you need bit-identical results.

Which one runs is the ``engine`` of :func:`digitnet.train.train` (``digitnet train --engine``):
``"auto"`` (the default: compiled when the library was built and the run fits it: float32, a
built-in activation, output and optimiser), ``"compiled"`` (an error if it cannot be used) or
``"numpy"``.
"""

from __future__ import annotations

import ctypes
import math
import os
import time

import numpy as np

from . import activations, losses, optimizers
from .errors import ConfigError
from .workspace import NumpySteps, Workspace

__all__ = ["ENGINES", "available", "unavailable_reason", "CompiledSteps", "make_steps"]

ENGINES = ("auto", "compiled", "numpy")

try:
    from . import _kernel
except ImportError:  # not built: no C compiler when digitnet was installed, or another platform
    _kernel = None
    _lib = None
else:
    _lib = ctypes.CDLL(_kernel.__file__)
    _lib.digitnet_steps.restype = ctypes.c_int64
    _lib.digitnet_steps.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 3 + [
        ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]

_ACTIVATIONS = {activations.Sigmoid: 0, activations.Tanh: 1, activations.ReLU: 2,
                activations.LeakyReLU: 3}
_OUTPUTS = {losses.SoftmaxCrossEntropy: 0, losses.SigmoidSquaredError: 1}
_OPTIMIZERS = {optimizers.SGD: 0, optimizers.Adam: 1}


class _Run(ctypes.Structure):
    """The C side's ``Run``: everything fixed for a training run (see _kernel.c)."""

    _fields_ = [
        ("n_layers", ctypes.c_int64), ("sizes", ctypes.c_void_p),
        ("params", ctypes.c_void_p), ("grads", ctypes.c_void_p),
        ("activation", ctypes.c_int32), ("output", ctypes.c_int32), ("leaky_alpha", ctypes.c_float),
        ("batch", ctypes.c_int64),
        ("zs", ctypes.c_void_p), ("acts", ctypes.c_void_p), ("deltas", ctypes.c_void_p),
        ("pixels", ctypes.c_void_p), ("labels", ctypes.c_void_p), ("shift_maps", ctypes.c_void_p),
        ("optimizer", ctypes.c_int32), ("momentum", ctypes.c_float),
        ("weight_decay", ctypes.c_float), ("n_decayed", ctypes.c_int64),
        ("beta1", ctypes.c_double), ("beta2", ctypes.c_double), ("eps", ctypes.c_double),
        ("velocity", ctypes.c_void_p), ("m", ctypes.c_void_p), ("v", ctypes.c_void_p),
        ("threads", ctypes.c_int32),
    ]


def available() -> bool:
    """Whether the compiled library was built and loaded."""
    return _lib is not None


def available_cores() -> int:
    """1 or 2: how many threads the compiled steps use by default (2 if this process has 2 cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def unavailable_reason(ws: Workspace, opt: optimizers.Optimizer) -> str | None:
    """Why :class:`CompiledSteps` cannot run this network and optimiser, or None if it can."""
    net = ws.net
    if _lib is None:
        return ("digitnet's compiled kernel was not built (it needs a C compiler when digitnet "
                "is installed)")
    if net.dtype != np.float32:
        return f"the compiled kernel works in float32, not {net.dtype}"
    if np.dtype(np.intp).itemsize != 8:
        return "the compiled kernel needs a 64-bit platform"
    if type(net.activation) not in _ACTIVATIONS:
        return f"the compiled kernel has no {net.activation.name!r} activation"
    if type(net.output) not in _OUTPUTS:
        return f"the compiled kernel has no {net.output.name!r} output"
    if type(opt) not in _OPTIMIZERS:
        return f"the compiled kernel has no {opt.name!r} optimizer"
    return None


class CompiledSteps:
    """Training steps in C, with the interface of :class:`digitnet.workspace.NumpySteps`.

    Parameters
    ----------
    ws : Workspace
        Its network's parameters, its buffers and its gradient buffer are used in place.
    opt : SGD or Adam
        Its state arrays are updated in place and its ``steps`` counter advanced.
    pixels : ndarray of uint8, shape (n, sizes[0])
    labels : ndarray of intp, shape (n,)
    threads : int, optional
        1, or 2 to share the first layer's work (nearly all of it) with a second thread; the
        result is the same, bit for bit. By default, when this process may use two cores, both
        are tried and the faster is kept, tried again now and then: a second thread halves
        the big products on an idle machine, but when other programs keep the other core busy,
        waiting for it costs more than it saves.
    """

    name = "compiled"

    def __init__(self, ws: Workspace, opt: optimizers.Optimizer, pixels: np.ndarray,
                 labels: np.ndarray, threads: int | None = None):
        reason = unavailable_reason(ws, opt)
        if reason:
            raise ConfigError(reason)
        net = ws.net
        self.ws, self.opt, self.net = ws, opt, net
        self.pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        self.labels = np.ascontiguousarray(labels, dtype=np.intp)
        if len(self.labels) and not 0 <= self.labels.min() <= self.labels.max() < net.sizes[-1]:
            raise ConfigError(f"labels must lie in 0..{net.sizes[-1] - 1}")
        self._sizes = np.array(net.sizes, np.int64)
        self._n_shifts = len(ws.shift_maps) if ws.max_shift else 0
        self._losses = np.empty(64, np.float64)
        self._lrs = np.empty(64, np.float64)

        def pointers(arrays):
            for a in arrays:
                assert a.flags.c_contiguous and a.dtype == net.dtype
            return (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])

        def address(a):
            return None if a is None else a.ctypes.data

        self._pointer_arrays = [pointers(ws.zs), pointers(ws.activations), pointers(ws.deltas)]
        alpha = getattr(net.activation, "alpha", 0.0)
        self._run = _Run(
            n_layers=len(net.weights), sizes=address(self._sizes),
            params=address(net.params), grads=address(ws.grads),
            activation=_ACTIVATIONS[type(net.activation)], output=_OUTPUTS[type(net.output)],
            leaky_alpha=alpha, batch=ws.batch_size,
            zs=ctypes.cast(self._pointer_arrays[0], ctypes.c_void_p),
            acts=ctypes.cast(self._pointer_arrays[1], ctypes.c_void_p),
            deltas=ctypes.cast(self._pointer_arrays[2], ctypes.c_void_p),
            pixels=address(self.pixels), labels=address(self.labels),
            shift_maps=address(ws.shift_maps) if ws.max_shift else None,
            optimizer=_OPTIMIZERS[type(opt)],
            momentum=getattr(opt, "momentum", 0.0), weight_decay=opt.weight_decay,
            n_decayed=opt.n_decayed,
            beta1=getattr(opt, "beta1", 0.0), beta2=getattr(opt, "beta2", 0.0),
            eps=getattr(opt, "eps", 0.0),
            velocity=address(getattr(opt, "velocity", None)),
            m=address(getattr(opt, "m", None)), v=address(getattr(opt, "v", None)),
            threads=threads or 1,
        )
        if threads not in (None, 1, 2):
            raise ConfigError(f"threads must be 1 or 2, got {threads}")
        self._chooser = _ThreadChooser() if threads is None and available_cores() == 2 else None
        self._run_ref = ctypes.byref(self._run)

    def run(self, order: np.ndarray, shift_ids: np.ndarray | None, start: int, stop: int,
            lrs) -> list[float]:
        """Steps ``start`` to ``stop - 1`` of an epoch; see :meth:`NumpySteps.run`."""
        batch, n = self.ws.batch_size, len(order)
        count = stop - start
        if count <= 0:
            return []
        if len(self._lrs) < count:
            self._lrs = np.empty(count, np.float64)
            self._losses = np.empty(count, np.float64)
        self._lrs[:count] = lrs
        # The C side trusts its indices: check the ones these steps will read.
        window = slice(start * batch, min(stop * batch, n))
        if order.dtype != np.intp or not order.flags.c_contiguous:
            raise ValueError("order must be a contiguous intp array")
        if not 0 <= order[window].min() <= order[window].max() < len(self.pixels):
            raise ValueError("order holds indices outside the training images")
        shift_address = None
        if self._n_shifts:
            if (shift_ids is None or shift_ids.dtype != np.intp or not shift_ids.flags.c_contiguous
                    or not 0 <= shift_ids[window].min() <= shift_ids[window].max() < self._n_shifts):
                raise ValueError(f"shift_ids must be a contiguous intp array of values "
                                 f"0..{self._n_shifts - 1}")
            shift_address = shift_ids.ctypes.data
        if self._chooser:
            self._run.threads = self._chooser.next()
            started = time.perf_counter()
        done = _lib.digitnet_steps(self._run_ref, order.ctypes.data, shift_address, n, start, stop,
                                   self._lrs.ctypes.data, self.opt.steps, self._losses.ctypes.data)
        if self._chooser:
            self._chooser.record(self._run.threads, (time.perf_counter() - started) / done)
        losses_ = self._losses[:done].tolist()
        self.opt.steps += done - (0 if math.isfinite(losses_[-1]) else 1)
        return losses_


class _ThreadChooser:
    """1 or 2 threads, whichever has been faster per step lately; the other is re-tried every
    ``probe_every`` calls, as other programs come and go. (Both give the same bytes.)"""

    def __init__(self, probe_every: int = 32):
        self.probe_every = probe_every
        self.seconds = {2: None, 1: None}  # recent seconds per step
        self.calls = 0

    def next(self) -> int:
        self.calls += 1
        untried = [t for t, s in self.seconds.items() if s is None]
        if untried:
            return untried[0]
        best = min(self.seconds, key=self.seconds.get)
        return 3 - best if self.calls % self.probe_every == 0 else best

    def record(self, threads: int, seconds_per_step: float) -> None:
        old = self.seconds[threads]
        self.seconds[threads] = (seconds_per_step if old is None
                                 else 0.5 * old + 0.5 * seconds_per_step)


def make_steps(ws: Workspace, opt: optimizers.Optimizer, pixels: np.ndarray, labels: np.ndarray,
               engine: str = "auto"):
    """The step runner for ``engine`` ("auto", "compiled" or "numpy"); see the module docstring."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "numpy" or (engine == "auto" and unavailable_reason(ws, opt)):
        return NumpySteps(ws, opt, pixels, labels)
    return CompiledSteps(ws, opt, pixels, labels)
