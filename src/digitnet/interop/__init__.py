"""The network anywhere: digitnet's networks out to ONNX and PyTorch, networks made elsewhere in.

A digitnet network is a stack of fully connected layers, a' = σ(W a + b), with one activation for
the hidden layers and a softmax (or sigmoid) output. Other tools write the same network their
own way; this package translates, one module per direction of travel:

===================  ==========================================================================
``dense.py``         :class:`Dense`, the plain description every reader produces: weights,
                     biases, activation, output, classes, input; checked once, in one place
``convert.py``       ``Dense`` -> :class:`~digitnet.Network`, and the front doors built on it:
                     ``from_onnx(path)``, ``from_torch(module)``, ``from_sklearn(estimator)``
``onnx.py``          ONNX graphs: ``to_onnx(net)`` builds one, ``read_onnx(path)`` reads one
``onnx_load.py``     an ONNX file loaded, its external weights file (``.onnx.data``) named when
                     it is missing
``onnx_inputs.py``   what an ONNX graph does to its input before the first layer (scaling,
                     flattening), and the input record that makes of it
``onnx_outputs.py``  which output of an ONNX graph is the network; a graph of several
                     heads refused, nodes that feed no output left out
``torch.py``         PyTorch: ``to_torch(net)`` builds an ``nn.Sequential``, ``read_torch``
                     reads one; the names of the layers' arrays in a state dict
``sklearn.py``       scikit-learn: ``read_sklearn`` reads a fitted ``MLPClassifier``
``export.py``        ``export(net, path, format)``: an ONNX or PyTorch file, written atomically
===================  ==========================================================================

(The scikit-learn *estimator*, a digitnet network trained through scikit-learn's API, is
:mod:`digitnet.sklearn`.)

onnx, onnxruntime, torch and scikit-learn are optional extras, imported only when a function
that needs one runs; :func:`require` imports them, or says in one line which extra to install.
"""

from __future__ import annotations

import importlib

from ..errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str, purpose: str):
    """Import ``module`` (e.g. "onnx") or raise a :class:`MissingDependencyError` saying that
    ``purpose`` (e.g. "the ONNX export") needs digitnet's ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(f"{purpose} needs the {extra} extra: "
                                     f"pip install 'digitnet[{extra}]'") from None
