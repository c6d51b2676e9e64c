"""The fast path: backpropagation into preallocated buffers.

:meth:`Network.backprop` allocates every array it needs, which is clear but costs time at small
batch sizes, where a training step is dominated by overhead rather than arithmetic. A
:class:`Workspace` computes exactly the same thing into buffers allocated once per training run
(one set of z, a and δ arrays sized for the largest batch, and one flat gradient buffer laid out
like the network's parameters), using ``out=`` arguments and in-place operations.

Pixels stay uint8 in memory; :meth:`Workspace.load_batch` gathers one batch of them and scales it
to float in [0, 1] into the input buffer, optionally shifting each image by a few pixels
(augmentation). The dataset is never copied whole.

Tests check :meth:`Workspace.gradient` against :meth:`Network.backprop` to float tolerance.
"""

from __future__ import annotations

import numpy as np

from .network import Network

__all__ = ["Workspace"]


class Workspace:
    """Buffers for computing the gradient of batches of up to ``batch_size`` examples.

    Parameters
    ----------
    net : Network
        The network whose parameters are read (not copied: later changes are seen).
    batch_size : int
        Largest batch that will be passed.
    image_shape : tuple of int, optional
        (height, width) of the images, needed for shift augmentation.
    """

    def __init__(self, net: Network, batch_size: int, image_shape: tuple[int, int] | None = None):
        self.net = net
        self.batch_size = batch_size
        dtype = net.dtype
        n_in = net.sizes[0]
        self.x = np.empty((batch_size, n_in), dtype)
        self.zs = [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.activations = [self.x] + [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.deltas = [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]
        self.grads = np.zeros(net.parameter_count, dtype)
        self.grad_w, self.grad_b = net.unflatten(self.grads)
        self._pixels = np.empty((batch_size, n_in), np.uint8)
        self._scale = dtype.type(1 / 255)
        self.image_shape = image_shape

    # -- input -------------------------------------------------------------------------------

    def load_batch(self, pixels: np.ndarray, index: np.ndarray,
                   shifts: np.ndarray | None = None) -> np.ndarray:
        """Gather images ``pixels[index]`` into the input buffer as floats in [0, 1].

        Parameters
        ----------
        pixels : ndarray of uint8, shape (n, n_in)
        index : ndarray of int, shape (b,)
        shifts : ndarray of int, shape (b, 2), optional
            (dy, dx) to move each image by, in pixels; uncovered pixels become 0.

        Returns
        -------
        ndarray, shape (b, n_in): a view of the input buffer.
        """
        b = len(index)
        raw = np.take(pixels, index, axis=0, out=self._pixels[:b])
        if shifts is not None and shifts.any():
            raw = shift_images(raw, shifts, self.image_shape)
        return np.multiply(raw, self._scale, out=self.x[:b])

    # -- gradient ----------------------------------------------------------------------------

    def gradient(self, b: int, labels: np.ndarray) -> float:
        """Backpropagate the first ``b`` rows of the input buffer with their ``labels``.

        Fills :attr:`grads` (laid out like ``net.params``) with the gradient of the batch-mean
        cost and returns that cost. Same mathematics as :meth:`Network.backprop`.
        """
        net = self.net
        last = len(net.weights) - 1
        zs = [z[:b] for z in self.zs]
        acts = [a[:b] for a in self.activations]
        deltas = [d[:b] for d in self.deltas]

        for l, (w, bias) in enumerate(zip(net.weights, net.biases)):
            np.matmul(acts[l], w.T, out=zs[l])
            zs[l] += bias
            net._sigma(l, zs[l], out=acts[l + 1])

        net.output.delta(zs[last], acts[last + 1], labels, out=deltas[last])
        for l in range(last, -1, -1):
            np.matmul(deltas[l].T, acts[l], out=self.grad_w[l])
            np.sum(deltas[l], axis=0, out=self.grad_b[l])
            if l > 0:
                np.matmul(deltas[l], net.weights[l], out=deltas[l - 1])
                net.activation.backward(deltas[l - 1], zs[l - 1], acts[l])
        return net.output.loss(zs[last], acts[last + 1], labels)


def shift_images(raw: np.ndarray, shifts: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Move each flattened image by its own (dy, dx), filling with 0; returns a new array.

    ``raw`` has shape (b, h*w); ``shifts`` has shape (b, 2) with |dy|, |dx| at most a few pixels.
    """
    if image_shape is None:
        raise ValueError("shift augmentation needs the image shape")
    h, w = image_shape
    b = len(raw)
    s = int(np.abs(shifts).max())
    padded = np.zeros((b, h + 2 * s, w + 2 * s), raw.dtype)
    padded[:, s : s + h, s : s + w] = raw.reshape(b, h, w)
    # Output pixel (r, c) of image i comes from (r - dy_i, c - dx_i) of the original.
    rows = np.arange(h)[None, :, None] + (s - shifts[:, 0])[:, None, None]
    cols = np.arange(w)[None, None, :] + (s - shifts[:, 1])[:, None, None]
    return padded[np.arange(b)[:, None, None], rows, cols].reshape(b, h * w)
