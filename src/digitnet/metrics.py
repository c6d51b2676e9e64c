"""How well a network does on labelled data: accuracy, cost, per-class accuracy, confusion."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .errors import DataError
from .network import Network

__all__ = ["Evaluation", "evaluate", "confusion_matrix", "accuracy_by_class"]


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
    confusion = confusion_matrix(labels, predicted, k)
    return Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        loss=float(total_loss / n),
        n=n,
        per_class=[float(v) for v in accuracy_by_class(confusion)],
        confusion=confusion.tolist(),
    )


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """``confusion[true, predicted]``: how many examples of each class were read as each, shape
    (k, k), int64."""
    flat = np.bincount(np.asarray(labels, np.intp) * k + np.asarray(predicted, np.intp),
                       minlength=k * k)
    return flat.reshape(k, k)


def accuracy_by_class(confusion: np.ndarray) -> np.ndarray:
    """The share of each class's examples read right, from a confusion matrix: shape (k,),
    0 for a class with no examples."""
    support = confusion.sum(axis=1)
    return np.divide(np.diag(confusion), support, out=np.zeros(len(confusion)),
                     where=support > 0)
