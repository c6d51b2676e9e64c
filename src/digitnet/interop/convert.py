"""Networks made elsewhere as digitnet networks: one builder, and a front door per format.

Every reader (:mod:`~digitnet.interop.onnx`, :mod:`~digitnet.interop.torch`,
:mod:`~digitnet.interop.sklearn`) describes what it found as a
:class:`~digitnet.interop.dense.Dense`; :func:`network_of` checks it and builds the
:class:`~digitnet.Network`, so every imported network is held, checked and described alike:
its ``metadata`` has the input record (``"input"``), the class names (``"classes"``, when the
source names them) and where it came from (``"imported"``), and the records of how it was made
that the source carries (:attr:`Dense.records <digitnet.interop.dense.Dense>`: an ONNX file
digitnet wrote keeps the ``changes`` made to it by hand).
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from .dense import Dense, default_input
from .onnx import read_onnx
from .sklearn import read_sklearn
from .torch import read_torch

__all__ = ["network_of", "from_onnx", "from_torch", "from_sklearn"]


def network_of(dense: Dense) -> Network:
    """The digitnet network that computes what ``dense`` computes.

    float64 arrays make a float64 network, anything else float32.
    """
    dense = dense.check()
    dtype = np.float64 if all(w.dtype == np.float64 for w in dense.weights) else np.float32
    net = Network(dense.sizes, dense.activation, dense.output, seed=0, dtype=dtype)
    for target, value in zip(net.weights + net.biases, dense.weights + dense.biases):
        target[...] = value
    model_input = dense.input or default_input(net.sizes[0])
    metadata = {"input": model_input.to_dict(), "imported": {"from": dense.source, **dense.notes}}
    if dense.classes and len(dense.classes) == net.sizes[-1]:
        metadata["classes"] = list(dense.classes)
    net.metadata = {**metadata, **dense.records}
    return net


def from_onnx(path) -> Network:
    """The fully connected network in an ONNX file (see :mod:`digitnet.interop.onnx`)."""
    return network_of(read_onnx(path))


def from_torch(module, *, input=None, classes=None) -> Network:
    """A digitnet network with the outputs of a PyTorch ``nn.Sequential`` of Linear layers and
    activations.

    A module that ends in a Linear layer (logits) or a LogSoftmax gets a softmax output: the same
    answers, and ``predict_proba`` gives the softmax of the logits. One that ends in one neuron,
    with a Sigmoid or as a logit (``BCEWithLogitsLoss``'s), is a two-class model: ``predict_proba``
    gives (1 - σ(z), σ(z)), as scikit-learn's binary ``MLPClassifier`` does.

    A model trained on standardised pictures, PyTorch's usual MNIST recipe
    (``transforms.Normalize((0.1307,), (0.3081,))``: it reads (brightness - 0.1307) / 0.3081,
    brightness 0..1), says so in ``input``, and the scaling is folded into the first layer (as
    for an ONNX graph that holds it), so the network reads the pictures themselves::

        net = digitnet.from_torch(model, input={"kind": "images", "shape": [28, 28],
                                                "mean": 0.1307, "std": 0.3081})
        net.predict(images)  # uint8 pixels, or brightness 0..1

    (``"mean"`` and ``"std"``: a number each, or one per input value; a model fed pixels 0..255
    as they are: mean 0, std 1/255.) Read without it, such a model is given pictures it was not
    trained on, and answers worse.

    What the network reads, and its class names: a module made by ``net.to_torch()`` carries
    ``net``'s (its attribute ``digitnet``), so ``from_torch(net.to_torch())`` reads examples as
    ``net`` does (deskewing them, or standardising a table's columns with the training split's
    mean and std) and names the classes as ``net`` does. A module loaded from the file
    ``digitnet export --format torch`` wrote has lost that attribute: give the file's metadata,
    ``input`` and ``classes``::

        from safetensors import safe_open
        with safe_open("model.torch.safetensors", "pt") as f:
            meta = f.metadata()
        net = digitnet.from_torch(model, input=meta["input"], classes=meta["classes"])

    Parameters
    ----------
    module : torch.nn.Sequential
    input : str, dict or digitnet.inputs.Input, optional
        The input record: the metadata's JSON text, its dict, or an ``Input``; a dict of
        pictures may add ``"mean"`` and ``"std"`` (above;
        :func:`~digitnet.interop.dense.given_input`). Without it (and without
        ``module.digitnet``), a module of 784 inputs reads MNIST's 28x28 digits (brightness
        0..1, not standardised), any other a table of columns x0, x1, ... as they are
        (:func:`~digitnet.interop.dense.default_input`).
    classes : str or list of str, optional
        The class names, one per output neuron: the metadata's JSON text, or a list.

    Raises
    ------
    UnsupportedModelError
        A module digitnet cannot hold (see :func:`~digitnet.interop.torch.read_torch`).
    ConfigError
        An ``input`` or ``classes`` that is not one, or does not fit the module's layers.
    """
    return network_of(read_torch(module, input=input, classes=classes))


def from_sklearn(estimator, *, input=None) -> Network:
    """A digitnet network with the outputs of a fitted scikit-learn ``MLPClassifier`` (alone or
    after a ``StandardScaler`` in a Pipeline): ``net.predict_proba(X)``
    equals the estimator's ``predict_proba(X)`` to float rounding, and ``metadata["classes"]``
    holds its ``classes_``.

    The network reads what the estimator read: a table of its ``n_features_in_`` columns, by
    name when it was fitted on a DataFrame (its ``feature_names_in_``), else in order; the values
    as they are (or through the scaler), never as pictures, whatever their number, unless
    ``input`` says what they are, as :func:`from_torch`'s does (the same record, the same
    checks)::

        net = digitnet.from_sklearn(clf, input={"kind": "images", "shape": [28, 28]})

    for an estimator fitted on MNIST's pixels / 255 (brightness 0..1); add ``"mean": 0, "std":
    1/255`` for one fitted on the pixels 0..255 as they are. The network then reads pictures,
    uint8 or brightness, files too, as digitnet's own MNIST models do; a ``StandardScaler``'s
    scaling is folded into the first layer with the record's.

    Raises
    ------
    UnsupportedModelError
        An estimator digitnet cannot hold (see :func:`~digitnet.interop.sklearn.read_sklearn`).
    ConfigError
        An ``input`` that is not one, or does not fit the estimator's columns.
    """
    return network_of(read_sklearn(estimator, input=input))
