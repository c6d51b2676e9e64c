"""How well a network does on labelled data: accuracy, cost, per-class accuracy, confusion."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from . import inputs
from .arrays import as_rows, encode_labels, number_or_none
from .brightness import check_not_files
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

    #: The network's class names, set by evaluate (not a field: to_dict is the figures alone).
    _classes = None

    @property
    def classes(self) -> list[str]:
        """The name of each class, in the order of ``per_class`` and of ``confusion``'s rows
        and columns: the network's (:func:`digitnet.inputs.classes_of`), else "0", "1", ..."""
        if self._classes and len(self._classes) == len(self.per_class):
            return list(self._classes)
        return [str(i) for i in range(len(self.per_class))]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __repr__(self) -> str:
        """One short line: the figures rounded, the classes' accuracies as their range."""
        k, names = len(self.per_class), self.classes
        low, high = (min(range(k), key=self.per_class.__getitem__),
                     max(range(k), key=self.per_class.__getitem__))
        return (f"Evaluation(accuracy={self.accuracy:.4f}, loss={self.loss:.4f}, n={self.n}, "
                f"per_class=<{k} classes, {self.per_class[low]:.4f} ({names[low]}) to "
                f"{self.per_class[high]:.4f} ({names[high]})>, confusion=<{k}x{k}>)")

    def _repr_html_(self) -> str:
        """A notebook's view: accuracy, loss, each class's accuracy and the confusion matrix,
        with the classes' names."""
        from .notebook.summaries import evaluation_html

        return evaluation_html(self)


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
        Each example's class by its name, as ``digitnet.train(X, y)`` took them (words, or
        numbers: a model trained on labels 1, 2, 3 is scored on 1, 2, 3), or by its place
        among the model's classes (:func:`digitnet.inputs.classes_of`) when they are named by
        words or are 0, 1, 2...
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
    examples = check_not_files(network, examples, "examples")  # (how to read a file, if named)
    if _by_name(labels, classes := inputs.classes_of(network), data_name):
        labels, _ = encode_labels(None if labels is None else np.asarray(labels, dtype=object),
                                  data_name, classes=classes)
    if model_input is None and network.metadata.get("input"):
        model_input = inputs.of(network)
    if model_input is None:
        return score(network, examples, labels, batch_size)
    if isinstance(model_input, inputs.Table):  # small; a DataFrame's columns read by name
        return score(network, model_input.rows(examples), labels, batch_size)
    examples, _ = model_input.batch(np.asarray(examples))
    _check_size(examples, model_input, data_name, model_name)
    return _scored(network, examples, labels, batch_size, model_input.rows)


def evaluate_data(network: Network, data, model_input=None) -> Evaluation:
    """:func:`evaluate` of a :class:`~digitnet.datasets.Dataset` (its labels places among its
    own classes, which the network's must include), its labels given by name."""
    names = np.asarray(data.classes, dtype=object)[data.labels]
    return evaluate(network, data.x, names, model_input=model_input)


def _by_name(labels, classes, data_name: str) -> bool:
    """Whether ``labels`` name the model's ``classes`` rather than give their places: words and
    floats (1.0 is "1"), as ``digitnet.train(X, y)`` read them; whole numbers too where the
    model's classes are numbers other than 0, 1, 2... (wine's cultivars 1, 2, 3) and only names
    fit them. Labels that fit both as names and as places are refused (a DataError): 1 and 2
    could be cultivars 1 and 2, or the second and third."""
    given = np.asarray(labels)
    if given.dtype.kind in "USOf":  # (None too: encode_labels says it is missing)
        return True
    numbered = [float(c) for c in classes if number_or_none(c) is not None]
    if (given.dtype.kind not in "iu" or len(numbered) < len(classes) or not given.size
            or numbered == list(range(len(classes)))):
        return False
    values = np.unique(given)
    places, names = values.min() >= 0 and values.max() < len(classes), np.isin(values, numbered)
    if places and names.all():
        raise DataError(f"{data_name}: labels {', '.join(map(str, values[:4].tolist()))}"
                        f"{'...' if len(values) > 4 else ''} could be the classes of those "
                        f"names or those places among the classes {', '.join(classes)}; give "
                        "names as strings (labels.astype(str)) or places by name "
                        "(np.array(classes)[labels])")
    return bool(names.all())


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
    result = Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        loss=float(total_loss / n),
        n=n,
        per_class=[float(v) for v in accuracy_by_class(confusion)],
        confusion=confusion.tolist(),
    )
    result._classes = inputs.classes_of(network)
    return result


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
