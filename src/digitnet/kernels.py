"""The compiled fast path: a stretch of training steps in one call, and the forward pass.

The NumPy path (:class:`digitnet.workspace.NumpySteps`: :meth:`Workspace.load_batch`,
:meth:`Workspace.gradient`, then the optimiser's ``step``) is the readable reference. At the
video's batch sizes a step of the 784-16-16-10 network is little arithmetic, and NumPy spends
most of its time on the overhead of the ~40 array operations a step takes (at batch 32, about
250 microseconds a step on the benchmark machine, against about 60 for the C step). So
digitnet also ships the same step written in C (``_kernel.c``, built when digitnet is installed
on a machine with a C compiler): :class:`CompiledSteps` hands it the network, the optimiser's
state and the buffers once, then runs up to a few dozen steps per call.

Both paths compute the same thing from the same inputs, to float rounding: the tests in
``tests/unit/test_kernels.py`` compare them for every activation, output and optimiser. Each is
deterministic on its own (same seed, same bytes), but their bytes differ, so a checkpoint
records the engine that wrote it, and a resumed run uses that engine unless told otherwise (see
:func:`make_steps`): then it ends on the very bytes of an uninterrupted run.

Which one runs is the ``engine`` of :func:`digitnet.train.train` (``digitnet train --engine``):
``"auto"`` (the default: compiled when the library was built and the run fits it: float32, a
built-in activation, output and optimiser, and no layer wider than :data:`WIDEST_LAYER`),
``"compiled"`` (an error if it cannot be used) or ``"numpy"``.

**Predicting.** :meth:`Network.forward` (and so ``predict``, ``predict_proba``, ``digitnet
predict`` and ``digitnet evaluate``) runs :func:`forward`, the same forward pass in C, whenever
the library is built and the network fits it as above; otherwise, and in :meth:`Network.trace`,
it runs the plain NumPy loop of network.py, the reference that ``tests/unit/test_inference.py``
holds the C pass to. The C pass reads uint8 pixels as they are, converting each block of 48
images to floats only while it multiplies them (NumPy first makes a float copy of the whole
batch, four times its size), works through the whole network one block at a time, and skips
runs of pixels that are black in all of a group of six images. On 10,000 Fashion-MNIST test
images it predicts about twice as many images a second as PyTorch or a plain NumPy forward pass,
and one image through the Python API takes under 10 microseconds, against 40-100 for them
(``python bench/speed.py --only inference``; the README's speed section).
"""

from __future__ import annotations

import ctypes
import functools
import math
import warnings

import numpy as np

from . import activations, losses, optimizers
from .errors import ConfigError
from .workspace import NumpySteps, Workspace

__all__ = ["ENGINES", "WIDEST_LAYER", "available", "unavailable_reason", "CompiledSteps",
           "make_steps", "forward", "trace"]

ENGINES = ("auto", "compiled", "numpy")

#: "auto" uses the kernel for networks whose layers after the input have at most this many
#: neurons. Its matrix products are written for narrow layers (at 784-64-64-10 it trains twice
#: as fast as plain NumPy); from about 784-256-256-10 on, NumPy's BLAS, which blocks the
#: products for the caches, is as fast or faster (bench/results/speed.md, scaling table).
WIDEST_LAYER = 128

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
    threads : int
        1 (the default), or 2 to share the first layer's work (nearly all of it) with a second
        thread; the result is the same, bit for bit. On the 2-core machine the benchmarks ran on
        a second thread made no step faster (its two cores seem to share one core's arithmetic
        units), and while other programs keep a core busy, waiting for it made steps several
        times slower; so training uses one.
    """

    name = "compiled"

    def __init__(self, ws: Workspace, opt: optimizers.Optimizer, pixels: np.ndarray,
                 labels: np.ndarray, threads: int = 1):
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
            threads=threads,
        )
        if threads not in (1, 2):
            raise ConfigError(f"threads must be 1 or 2, got {threads}")
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
        done = _lib.digitnet_steps(self._run_ref, order.ctypes.data, shift_address, n, start, stop,
                                   self._lrs.ctypes.data, self.opt.steps, self._losses.ctypes.data)
        losses_ = self._losses[:done].tolist()
        self.opt.steps += done - (0 if math.isfinite(losses_[-1]) else 1)
        return losses_


def make_steps(ws: Workspace, opt: optimizers.Optimizer, pixels: np.ndarray, labels: np.ndarray,
               engine: str = "auto", resumed: tuple[str, str] | None = None):
    """The step runner for ``engine`` ("auto", "compiled" or "numpy"); see the module docstring.

    ``resumed`` is ``(checkpoint path, engine it recorded)`` when a run continues from a
    checkpoint. Then "auto" means the recorded engine, so that the run ends on the bytes of an
    uninterrupted one; if that engine cannot run here (a checkpoint of the compiled engine on a
    machine where the kernel was not built), a ConfigError says so and how to go on with the
    other. Asking for the other engine explicitly is allowed, with a UserWarning that the result
    will differ from an uninterrupted run by float rounding. The runner's ``name`` is the engine
    that runs, for the next checkpoint to record.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if resumed is not None and resumed[1] in ("compiled", "numpy"):
        path, recorded = resumed
        if engine == "auto":
            reason = unavailable_reason(ws, opt) if recorded == "compiled" else None
            if reason:
                raise ConfigError(f"{path} was trained with the compiled engine, which cannot run "
                                  f"here: {reason}. Resume with --engine numpy to go on with the "
                                  "NumPy path (the result will then differ from an uninterrupted "
                                  "run by float rounding)")
            engine = recorded
        elif engine != recorded:
            warnings.warn(f"{path} was trained with the {recorded} engine and is resumed with the "
                          f"{engine} engine: the result will differ from an uninterrupted run by "
                          "float rounding", UserWarning, stacklevel=3)
    if engine == "numpy" or (engine == "auto" and (unavailable_reason(ws, opt)
                                                   or max(ws.net.sizes[1:]) > WIDEST_LAYER)):
        return NumpySteps(ws, opt, pixels, labels)
    return CompiledSteps(ws, opt, pixels, labels)


# -- the forward pass ------------------------------------------------------------------------------


def forward(net, x: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """The output layer's activations for rows ``x``, computed by the C kernel.

    Parameters
    ----------
    net : Network
    x : ndarray, shape (n, sizes[0])
        Already validated rows (see :func:`digitnet.network.as_inputs`): uint8 pixels, read as
        x / 255 like everywhere in digitnet, or numbers (converted to float32 if they are not).

    Returns
    -------
    (a, finite) or None
        ``a`` of shape (n, sizes[-1]), float32, what :meth:`Network.forward` returns;
        ``finite`` is False when some weighted input z of the first layer was NaN or infinite,
        which every NaN or infinity in ``x`` causes (the caller then checks ``x`` itself).
        None when the kernel was not built or does not fit the network (float32, built-in
        activation and output, no layer wider than :data:`WIDEST_LAYER`): use the NumPy loop.
    """
    ran = _forward(net, x, keep=False)
    return None if ran is None else ran[::2]


def trace(net, x: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """Every layer's z and a for rows ``x``, by the C kernel's forward pass.

    Returns ``(kept, finite)``: ``kept`` of shape (n, 2 * (sizes[1] + ... + sizes[-1])), each
    row holding z and a of the first layer after the input, then z and a of the next, and so on
    (the last a is the output), the numbers :meth:`Network.trace` gives to float rounding;
    ``finite`` as for :func:`forward`. None when the C pass cannot run the network (as for
    :func:`forward`): use :meth:`Network.trace`.
    """
    ran = _forward(net, x, keep=True)
    return None if ran is None else ran[1:]


def _forward(net, x: np.ndarray, keep: bool) -> tuple[np.ndarray, np.ndarray | None, bool] | None:
    """(out, kept or None, finite) of the C forward pass, or None where it cannot run."""
    plan = _forward_plan(net.sizes, type(net.activation), type(net.output), net.dtype)
    if plan is None:
        return None
    alpha = getattr(net.activation, "alpha", 0.0)
    pixels = x.dtype == np.uint8
    x = np.ascontiguousarray(x if pixels else np.asarray(x, np.float32))
    out = np.empty((len(x), net.sizes[-1]), np.float32)
    if not keep:
        return out, None, _kernel.forward(plan, alpha, net.params, x, pixels, out)
    kept = np.empty((len(x), 2 * sum(net.sizes[1:])), np.float32)
    return out, kept, _kernel.forward(plan, alpha, net.params, x, pixels, out, kept)


@functools.lru_cache(maxsize=64)
def _forward_plan(sizes: tuple[int, ...], activation: type, output: type, dtype: np.dtype):
    """What the C forward pass needs to know of a network's shape (int64 [layers, activation,
    output, sizes...]), or None when it cannot run it. Cached: predicting one image costs a
    few microseconds, and this would be one of them."""
    if (not hasattr(_kernel, "forward") or dtype != np.float32 or activation not in _ACTIVATIONS
            or output not in _OUTPUTS or max(sizes[1:]) > WIDEST_LAYER):
        return None
    plan = np.array([len(sizes) - 1, _ACTIVATIONS[activation], _OUTPUTS[output], *sizes], np.int64)
    plan.flags.writeable = False
    return plan
