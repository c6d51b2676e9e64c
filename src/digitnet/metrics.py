"""How well a network does on labelled data: accuracy, cost, per-class accuracy, confusion."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .errors import DataError
from .network import Network

__all__ = ["Evaluation", "evaluate"]


@dataclass
class Evaluation:
    """Accuracy, loss and confusion of a network on labelled data."""

    accuracy: float
    loss: float
    n: int
    per_class: list[float]  # accuracy on the examples of each class
    confusion: list[list[int]]  # confusion[true][predicted]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def evaluate(network: Network, images: np.ndarray, labels: np.ndarray,
             batch_size: int = 2048) -> Evaluation:
    """Accuracy, mean cost, per-class accuracy and confusion matrix over labelled images.

    Parameters
    ----------
    images : ndarray, shape (n, sizes[0]) or (n, h, w)
        uint8 pixels, or floats in [0, 1].
    labels : ndarray of int, shape (n,)
    """
    n = len(labels)
    if n == 0:
        raise DataError("nothing to evaluate: the data set is empty")
    k = network.sizes[-1]
    labels = np.asarray(labels).astype(np.intp)
    flat = images.reshape(n, -1)
    predicted = np.empty(n, np.intp)
    total_loss = 0.0
    for start in range(0, n, batch_size):
        t = network.trace(flat[start : start + batch_size])
        y = labels[start : start + batch_size]
        total_loss += network.output_function.loss(t.zs[-1], t.output, y) * len(y)
        predicted[start : start + batch_size] = np.argmax(t.output, axis=1)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    support = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), support, out=np.zeros(k), where=support > 0)
    return Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        loss=float(total_loss / n),
        n=n,
        per_class=[float(v) for v in per_class],
        confusion=confusion.tolist(),
    )
