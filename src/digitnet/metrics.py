"""How well a network does on labelled data: accuracy, cost, per-class accuracy, confusion."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from . import inputs
from .arrays import as_rows, encode_labels
from .errors import DataError
from .modelfile import as_network
from .network import Network

__all__ = ["Evaluation", "evaluate", "score", "confusion_matrix", "accuracy_by_class",
           "confidently_wrong"]


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


def evaluate(network: Network, examples, labels, batch_size: int = 512,
             model_input=None, *, data_name: str = "the data",
             model_name: str = "the network") -> Evaluation:
    """Accuracy, mean cost, per-class accuracy and confusion matrix over labelled examples.

    Parameters
    ----------
    examples : array_like
        Examples as the model's data holds them, read as :meth:`Network.predict` reads them:
        the transformation the model records (deskewing, a table's standardisation) is applied
        a batch at a time, so the rows of all of them are never held at once.
    labels : array_like, shape (n,)
        Each example's class: an index into the model's classes, or the class's name (words,
        as ``digitnet.train(X, y)`` took them: :func:`digitnet.inputs.classes_of`).
    model_input : digitnet.inputs.Input, optional
        Reads the examples instead of the model's own record (:func:`digitnet.inputs.of`).
    data_name, model_name : str
        The examples and the network, as a message names them (a file, say).

    Raises
    ------
    ConfigError
        ``network`` is not a Network (a scikit-learn estimator, a TrainResult: the message
        names the attribute that holds it).
    DataError
        Pictures of another size than the model reads (said before any batch is read), or
        examples or labels that do not fit it.
    """
    network = as_network(network, "evaluate")  # (a scikit-learn estimator: its .network_)
    if np.asarray(labels).dtype.kind in "USO":  # names: numbered as the model numbers them
        labels, _ = encode_labels(labels, data_name, classes=inputs.classes_of(network))
    if model_input is None and network.metadata.get("input"):
        model_input = inputs.of(network)
    if model_input is None:
        return score(network, examples, labels, batch_size)
    if isinstance(model_input, inputs.Table):  # small; a DataFrame's columns read by name
        return score(network, model_input.rows(examples), labels, batch_size)
    examples, _ = model_input.batch(np.asarray(examples))
    _check_size(examples, model_input, data_name, model_name)
    return _scored(network, examples, labels, batch_size, model_input.rows)


def _check_size(examples: np.ndarray, model_input, data_name: str, model_name: str) -> None:
    """A DataError unless pictures ``examples`` (n, h, w) or their rows (n, h*w) are of the size
    ``model_input`` reads: checked for the whole data, not batch by batch."""
    shape = model_input.image_shape
    if shape is None or (examples.ndim in (2, 3) and
                         math.prod(examples.shape[1:]) == math.prod(shape)):
        return
    noun = "images" if isinstance(model_input, inputs.Images) else "pictures"
    held = (f"{examples.shape[1]}x{examples.shape[2]} {noun}" if examples.ndim == 3
            else f"rows of {examples.shape[1]} values" if examples.ndim == 2
            else f"an array of shape {examples.shape}")
    raise DataError(f"{data_name} holds {held} and {model_name} reads {model_input.describe()}; "
                    "give data of the size it was trained on")


def score(network: Network, rows, labels, batch_size: int = 512) -> Evaluation:
    """:func:`evaluate` for rows the input layer reads as they are (:meth:`Network.forward`'s
    ``x``), such as training's validation rows."""
    rows, _ = as_rows(rows, network.sizes[0])
    return _scored(network, rows, labels, batch_size, None)


def _scored(network: Network, examples: np.ndarray, labels, batch_size: int,
            read) -> Evaluation:
    n = len(examples)
    if n == 0:
        raise DataError("nothing to evaluate: the data set is empty")
    labels = network._check_labels(labels, n).astype(np.intp)
    predicted = np.empty(n, np.intp)
    total_loss = 0.0
    for start in range(0, n, batch_size):
        batch = examples[start : start + batch_size]
        t = network.trace(batch if read is None else read(batch))
        y = labels[start : start + batch_size]
        total_loss += network.output_function.loss(t.zs[-1], t.output, y) * len(y)
        predicted[start : start + batch_size] = np.argmax(t.output, axis=1)
    confusion = confusion_matrix(labels, predicted, network.sizes[-1])
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


def confidently_wrong(history: list[dict], network: Network) -> tuple[float, float] | None:
    """``(final training loss, ln K)`` when a run ended confidently wrong, its cross entropy
    over ten times a guess's; else None (also for a network trained on another cost).

    Guessing evenly among K classes costs ln K. A mean above ten times that puts the right
    class's probability below e^-23 on average: no learning rate too small gets there from a
    fresh network (which starts near ln K), one too large does, and the run still ends.
    """
    if not history or network.output_function.cost != "cross_entropy":
        return None
    last, guess = history[-1]["train_loss"], math.log(network.sizes[-1])
    return (last, guess) if last > 10 * guess else None
