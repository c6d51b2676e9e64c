"""A plain vectorised NumPy training loop: what a competent person writes without a framework.

The yardstick digitnet's fast path is measured against in bench/speed.py. It trains the same
fully connected network (softmax + cross-entropy output) with mini-batch SGD, momentum or Adam,
one batch at a time, using whole-batch matrix products and NumPy's broadcasting. It makes none
of digitnet's choices for speed (no preallocated buffers, no uint8 pixels, no compiled kernel):
the images are converted to float32 in [0, 1] once, up front, as tutorials do.
"""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    """Layers ``sizes``; ``weights[l]`` has shape (n_out, n_in) like digitnet's."""

    def __init__(self, weights, biases, activation="relu", optimizer="sgd", lr=0.1,
                 momentum=0.0, beta1=0.9, beta2=0.999, eps=1e-8):
        self.weights = [np.array(w, np.float32) for w in weights]
        self.biases = [np.array(b, np.float32) for b in biases]
        self.activation, self.optimizer, self.lr = activation, optimizer, lr
        self.momentum, self.beta1, self.beta2, self.eps = momentum, beta1, beta2, eps
        params = self.weights + self.biases
        self.velocity = [np.zeros_like(p) for p in params]
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def _act(self, z):
        if self.activation == "relu":
            return np.maximum(z, 0)
        return 1 / (1 + np.exp(-z))

    def _act_grad(self, z, a):
        if self.activation == "relu":
            return (z > 0).astype(np.float32)
        return a * (1 - a)

    def forward(self, x):
        """Output probabilities for rows of x, and every layer's z and activation."""
        zs, acts = [], [x]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = acts[-1] @ w.T + b
            zs.append(z)
            if l < len(self.weights) - 1:
                acts.append(self._act(z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                acts.append(e / e.sum(axis=1, keepdims=True))
        return zs, acts

    def train_step(self, x, y):
        """One step on a batch; returns the batch's mean cross-entropy."""
        zs, acts = self.forward(x)
        p = acts[-1]
        n = len(y)
        loss = -np.log(p[np.arange(n), y] + 1e-12).mean()
        delta = p.copy()
        delta[np.arange(n), y] -= 1
        delta /= n
        grads_w, grads_b = [None] * len(self.weights), [None] * len(self.weights)
        for l in range(len(self.weights) - 1, -1, -1):
            grads_w[l] = delta.T @ acts[l]
            grads_b[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.weights[l]) * self._act_grad(zs[l - 1], acts[l])
        self._update(self.weights + self.biases, grads_w + grads_b)
        return float(loss)

    def _update(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.optimizer == "adam":
                self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
                self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
                m_hat = self.m[i] / (1 - self.beta1 ** self.t)
                v_hat = self.v[i] / (1 - self.beta2 ** self.t)
                p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            elif self.momentum:
                self.velocity[i] = self.momentum * self.velocity[i] + g
                p -= self.lr * self.velocity[i]
            else:
                p -= self.lr * g

    def train_epoch(self, x, y, order, batch_size):
        """One pass over the rows of x in ``order``; returns the mean batch loss."""
        losses = []
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            losses.append(self.train_step(x[index], y[index]))
        return float(np.mean(losses))

    def predict(self, x):
        return np.argmax(self.forward(x)[1][-1], axis=1)
