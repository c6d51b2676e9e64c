"""The NumPy engine: training steps with backpropagation into preallocated buffers.

:meth:`Network.backprop` allocates every array it needs, which is clear but costs time at small
batch sizes, where a step is mostly overhead rather than arithmetic. A :class:`Workspace`
computes exactly the same thing into buffers allocated once per training run (one set of z, a
and δ arrays sized for the largest batch, and one flat gradient buffer laid out like the
network's parameters), using ``out=`` arguments and in-place operations.

With dropout (Srivastava et al. 2014), each step also drops a random part of the hidden neurons
of each example; see :class:`Workspace`. With a teacher (:mod:`digitnet.distillation`), the
output error is the distillation cost's instead of the output layer's own. Pixels stay uint8 in memory; :meth:`Workspace.load_batch` gathers one batch of them and scales it
to floats in [0, 1] into the input buffer, optionally shifted (:mod:`digitnet.augment`). The
training images are never copied whole.

:class:`NumpySteps` runs whole steps (gather, backpropagate, let the optimiser step): the
readable reference for the compiled engine, and the engine for networks it does not take.
Tests hold :meth:`Workspace.gradient` to :meth:`Network.backprop`.

Steps compute on one BLAS thread (:func:`one_blas_thread`), unless the user has set BLAS's
threads (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``): so a run repeats
bit for bit on any machine (a product split across other threads rounds otherwise), as the
compiled engine's do, and does not slow to a crawl where other work holds a core (threads of
one product wait for each other there). bench/results/blas-threads.md has the figures.
"""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from ..augment import shift_maps
from ..distillation import Teacher
from ..network import Network
from ..optimizers import Optimizer

__all__ = ["NumpyEngine", "NumpySteps", "Workspace", "one_blas_thread"]

#: The environment variables by which a user sets how many threads BLAS computes on; where one
#: is set, training leaves BLAS as the user set it.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_controller = None  # threadpoolctl's view of the loaded BLAS, made once (it scans libraries)


def one_blas_thread():
    """A context in which BLAS computes on one thread, unless the user chose its threads
    (:data:`BLAS_THREADS`): then one that changes nothing."""
    global _controller
    if any(os.environ.get(name) for name in BLAS_THREADS):
        return contextlib.nullcontext()
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


class Workspace:
    """Buffers for the gradient of batches of up to ``batch_size`` examples.

    Parameters
    ----------
    net : Network
        The network whose parameters are read (not copied: later changes are seen).
    batch_size : int
        Largest batch that will be passed.
    image_shape : (h, w), optional
        The images' shape, needed for shift augmentation.
    max_shift : int
        Largest shift, in pixels, :meth:`load_batch` will be asked for (0: none).
    dropout : float
        Probability of dropping each hidden neuron in each example of a batch (0: none).
    teacher : digitnet.distillation.Teacher, optional
        Learn from this teacher's soft targets too: its cost and output error replace the
        output layer's.
    """

    def __init__(self, net: Network, batch_size: int, image_shape: tuple[int, int] | None = None,
                 max_shift: int = 0, dropout: float = 0.0, teacher: Teacher | None = None):
        self.net = net
        self.teacher = teacher
        self.batch_size = batch_size
        dtype = net.dtype
        n_in = net.sizes[0]
        self.x = np.empty((batch_size, n_in), dtype)
        self.zs = [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.activations = [self.x] + [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.deltas = [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.dropout = dropout
        # With dropout, layer l's input is its kept activations, kept[l - 1] · a(l-1): each
        # hidden neuron is 0 with probability p, else scaled by 1 / (1 - p) (inverted dropout, so
        # the expected input is unchanged and nothing is rescaled at prediction time).
        hidden = net.sizes[1:-1] if dropout else ()
        self.keep = [np.empty((batch_size, n), dtype) for n in hidden]
        self.inputs = [self.x] + ([np.empty((batch_size, n), dtype) for n in hidden]
                                  if dropout else self.activations[1:-1])
        self.grads = np.zeros(net.parameter_count, dtype)
        self.grad_w, self.grad_b = net.unflatten(self.grads)
        self._scale = dtype.type(1 / 255)
        self.max_shift = max_shift
        # Gathered pixels, with one always-0 pixel at the end of each row for shifted-in borders.
        self._pixels = np.zeros((batch_size, n_in + 1), np.uint8)
        self._shifted = np.empty((batch_size, n_in), np.uint8)
        if max_shift:
            if image_shape is None or image_shape[0] * image_shape[1] != n_in:
                raise ValueError(f"shift augmentation needs the images' shape, got {image_shape}")
            self.shift_maps = shift_maps(image_shape, max_shift).astype(np.intp)
            self._row_offset = np.arange(batch_size)[:, None] * (n_in + 1)
            self._gather = np.empty((batch_size, n_in), np.intp)

    def load_batch(self, pixels: np.ndarray, index: np.ndarray,
                   shift_ids: np.ndarray | None = None) -> np.ndarray:
        """Gather images ``pixels[index]`` into the input buffer as floats in [0, 1].

        Parameters
        ----------
        pixels : ndarray, shape (n, n_in)
            uint8 pixels (scaled by 1/255), or numbers of the network's dtype (taken as they
            are; never shifted).
        index : ndarray of int, shape (b,)
        shift_ids : ndarray of int, shape (b,), optional
            Which move of :func:`digitnet.augment.shift_offsets` to apply to each image.

        Returns
        -------
        ndarray, shape (b, n_in): a view of the input buffer.
        """
        b = len(index)
        n_in = pixels.shape[1]
        if pixels.dtype != np.uint8:
            return np.take(pixels, index, axis=0, out=self.x[:b])
        raw = np.take(pixels, index, axis=0, out=self._pixels[:b, :n_in])
        if shift_ids is not None:
            # One flat gather moves every image at once: output pixel p of image i is pixel
            # shift_maps[shift_ids[i], p] of row i (or the 0 at the row's end when off the edge).
            gather = np.take(self.shift_maps, shift_ids, axis=0, out=self._gather[:b])
            gather += self._row_offset[:b]
            raw = np.take(self._pixels[:b], gather, out=self._shifted[:b])
        return np.multiply(raw, self._scale, out=self.x[:b])

    def gradient(self, b: int, labels: np.ndarray, rng: np.random.Generator | None = None,
                 targets: np.ndarray | None = None) -> float:
        """Backpropagate the first ``b`` rows of the input buffer with their ``labels``.

        Fills :attr:`grads` (laid out like ``net.params``) with the gradient of the batch-mean
        cost and returns that cost: the mathematics of :meth:`Network.backprop`, in place.
        With dropout, ``rng`` draws which hidden neurons each example drops (kept in
        :attr:`keep`), and the gradient is that of the network with those neurons dropped.
        With a teacher, ``targets`` (b, n_classes) are its soft targets for these examples.
        """
        net = self.net
        last = len(net.weights) - 1
        zs = [z[:b] for z in self.zs]
        acts = [a[:b] for a in self.activations]
        ins = [a[:b] for a in self.inputs]  # each layer's input: acts, or the kept part of them
        deltas = [d[:b] for d in self.deltas]

        for l, (w, bias) in enumerate(zip(net.weights, net.biases)):
            np.matmul(ins[l], w.T, out=zs[l])
            zs[l] += bias
            sigma = net.output_function if l == last else net.activation
            sigma.forward(zs[l], out=acts[l + 1])
            if self.dropout and l < last:
                keep = self.keep[l][:b]
                np.greater_equal(rng.random(keep.shape, dtype=keep.dtype), self.dropout, out=keep)
                keep *= 1 / (1 - self.dropout)
                np.multiply(acts[l + 1], keep, out=ins[l + 1])

        if self.teacher is None:
            net.output_function.delta(zs[last], acts[last + 1], labels, out=deltas[last])
        else:
            self.teacher.delta(zs[last], acts[last + 1], labels, targets, out=deltas[last])
        for l in range(last, -1, -1):
            np.matmul(deltas[l].T, ins[l], out=self.grad_w[l])
            np.sum(deltas[l], axis=0, out=self.grad_b[l])
            if l > 0:
                np.matmul(deltas[l], net.weights[l], out=deltas[l - 1])
                if self.dropout:  # a dropped neuron passes no error back; a kept one, scaled
                    deltas[l - 1] *= self.keep[l - 1][:b]
                net.activation.backward(deltas[l - 1], zs[l - 1], acts[l])
        if self.teacher is None:
            return net.output_function.loss(zs[last], acts[last + 1], labels)
        return self.teacher.loss(zs[last], labels, targets)


class NumpySteps:
    """Training steps with NumPy: gather a batch, backpropagate it, let the optimiser step.

    Parameters
    ----------
    ws : Workspace
        Buffers and the network to train (its parameters change in place).
    optimizer : Optimizer
        Steps ``ws.net.params`` with ``ws.grads``.
    pixels : ndarray, shape (n, sizes[0])
        The training rows (uint8 pixels or numbers), never copied.
    labels : ndarray of int, shape (n,)
    seed : int
        With dropout, the masks of the step that the optimiser counts as step k are drawn from
        ``np.random.default_rng((seed, 4, k))``, so a resumed run drops what an uninterrupted
        one would.
    """

    name = "numpy"

    def __init__(self, ws: Workspace, optimizer: Optimizer, pixels: np.ndarray,
                 labels: np.ndarray, seed: int = 0):
        if pixels.dtype != np.uint8:
            pixels = pixels.astype(ws.net.dtype, copy=False)
        self.ws, self.optimizer, self.pixels, self.labels = ws, optimizer, pixels, labels
        self.seed = seed

    def run(self, order: np.ndarray, shift_ids: np.ndarray | None, start: int, stop: int,
            lrs) -> list[float]:
        """Steps ``start`` to ``stop - 1`` of an epoch; return each step's batch-mean cost.

        Step ``s`` trains on the images ``order[s*batch : (s+1)*batch]`` (shifted by
        ``shift_ids`` of the same positions, when given) with learning rate ``lrs[s - start]``.
        A step whose cost is not finite is not applied, and no step after it is run: its cost
        is the last one returned.
        """
        losses = []
        with one_blas_thread():
            self._run(order, shift_ids, range(start, stop), lrs, losses)
        return losses

    def _run(self, order, shift_ids, steps, lrs, losses: list[float]) -> None:
        """The steps of :meth:`run`, each cost appended to ``losses`` as it is known."""
        ws, batch = self.ws, self.ws.batch_size
        for step, lr in zip(steps, lrs):
            where = slice(step * batch, (step + 1) * batch)
            index = order[where]
            ws.load_batch(self.pixels, index, None if shift_ids is None else shift_ids[where])
            rng = np.random.default_rng((self.seed, 4, self.optimizer.steps)) if ws.dropout else None
            targets = None if ws.teacher is None else ws.teacher.targets[index]
            loss = ws.gradient(len(index), self.labels[index], rng, targets)
            losses.append(loss)
            if not math.isfinite(loss):
                break
            self.optimizer.step(ws.net.params, ws.grads, lr)


class NumpyEngine:
    """Every network, every optimiser, float32 or float64: NumPy's matrix products."""

    name = "numpy"

    def unavailable_reason(self, net: Network, optimizer: Optimizer, pixels: bool = True,
                           features: tuple[str, ...] = ()) -> str | None:
        return None

    def steps(self, net: Network, optimizer: Optimizer, pixels: np.ndarray, labels: np.ndarray,
              *, batch_size: int, image_shape: tuple[int, int] | None = None,
              max_shift: int = 0, dropout: float = 0.0, seed: int = 0,
              teacher: Teacher | None = None) -> NumpySteps:
        ws = Workspace(net, batch_size, image_shape, max_shift, dropout, teacher)
        return NumpySteps(ws, optimizer, pixels, labels, seed)
