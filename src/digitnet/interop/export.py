"""``export(net, path, format)``: a digitnet network as an ONNX file or a PyTorch state dict.

* ``"onnx"``: the graph of :func:`digitnet.interop.onnx.to_onnx` (Gemm layers, the activations,
  a softmax output, class names and the input record in its metadata).
* ``"torch"``: the state dict of :func:`digitnet.interop.torch.to_torch`'s ``nn.Sequential`` as
  a safetensors file (never a pickle), with the class names, the input record and the module's
  Python expression in its metadata; ``torch.nn.Module.load_state_dict`` takes it as it is.
  Writing it needs no torch.

Files are written atomically (:func:`digitnet.modelfile.atomic_write`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ConfigError
from ..inputs import classes_of
from ..inputs import of as input_of
from ..modelfile import atomic_write
from ..network import Network
from .onnx import to_onnx
from .torch import python_lines, state_dict_arrays

__all__ = ["FORMATS", "export"]

FORMATS = ("onnx", "torch")


def export(net: Network, path: str | os.PathLike, format: str) -> Path:
    """Write ``net`` to ``path`` in ``format`` ("onnx" or "torch"), atomically; return the path."""
    if format == "onnx":
        data = to_onnx(net).SerializeToString()
    elif format == "torch":
        from safetensors.numpy import save

        metadata = {"format": "pt", "classes": json.dumps(classes_of(net)),
                    "input": json.dumps(input_of(net).to_dict()), "module": python_lines(net)}
        data = save(state_dict_arrays(net), metadata=metadata)
    else:
        raise ConfigError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    return atomic_write(path, data)
