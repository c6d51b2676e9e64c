"""``export(net, path, format)``: a digitnet network as an ONNX file or a PyTorch state dict.

* ``"onnx"``: the graph of :func:`digitnet.interop.onnx.to_onnx` (Gemm layers, the activations,
  a softmax output, class names and the input record in its metadata).
* ``"torch"``: the state dict of :func:`digitnet.interop.torch.to_torch`'s ``nn.Sequential`` as
  a safetensors file (never a pickle), with the class names, the input record and the module's
  Python expression in its metadata (:func:`digitnet.interop.torch.record`, which the module
  also carries as ``module.digitnet``); ``torch.nn.Module.load_state_dict`` takes it as it is,
  and ``digitnet.from_torch(module, input=..., classes=...)`` takes the metadata back. Writing
  it needs no torch.

What both take, float32 rows, one per example (the ONNX file's ``doc_string`` and ``digitnet
export``'s note say it too), is what the network's first layer reads: for an image model, each
picture's pixels row by row as brightness 0..1 (uint8 pixels / 255, never the pixels 0..255),
each picture deskewed first by :func:`digitnet.inputs.deskew` when the input record says
``"deskew": true`` (the default recipe's models). A recording: its log-mel picture
(:func:`digitnet.audio.picture`) / 255. ``digitnet.inputs.of(net).rows`` does both, given the
pictures as brightness (given uint8 pixels, it keeps them uint8 0..255, which the network scales
by 1/255 as it reads them)::

    x = digitnet.inputs.of(net).rows(images / 255).astype(np.float32)

(a photo or drawing is made an MNIST-style picture by :func:`digitnet.preprocess.to_mnist`
first). A table: its raw columns for the ONNX graph, which standardises them;
``digitnet.inputs.of(net).rows(table)``, standardised with the record's mean and std, for the
module.

Files are written atomically (:func:`digitnet.modelfile.atomic_write`), under a name that ends
as the format's files do (:data:`SUFFIXES`), since that ending is how digitnet (``.onnx``) and
the user's own tools tell them apart: an ONNX graph named ``.safetensors``, or safetensors named
``.onnx``, is refused (:func:`check_name`). Without a name, ``digitnet export`` writes to
:func:`default_name`, which is never MODEL itself. An export replaces only a previous export,
told by what :func:`export` writes into it (an ONNX file's ``producer_name``, a safetensors
file's metadata), even cut short (:func:`digitnet.replacing.check`, the rule of every file
digitnet writes): never a digitnet model (or checkpoint), another tool's model (an ONNX graph
PyTorch exported, a state dict it saved), any other file (notes), or a read-only file
(:func:`digitnet.modelfile.check_writable`, as ``train --out`` refuses one).
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import replacing
from ..errors import ConfigError
from ..modelfile import atomic_write, check_writable
from ..network import Network
from .onnx import to_onnx
from .torch import record, state_dict_arrays

__all__ = ["DEFAULT_SUFFIXES", "FORMATS", "SUFFIXES", "check_name", "default_name", "export"]

FORMATS = ("onnx", "torch")
#: The ending each format's file names must have.
SUFFIXES = {"onnx": ".onnx", "torch": ".safetensors"}
#: The ending ``digitnet export`` puts on MODEL's name when no --out is given.
DEFAULT_SUFFIXES = {"onnx": ".onnx", "torch": ".torch.safetensors"}
#: What :func:`default_name` puts before that ending when MODEL's name already ends with it.
_EXPORT_TAG = ".export"
_FILES = {"onnx": "an ONNX file", "torch": "a safetensors file"}


def export(net: Network, path: str | os.PathLike, format: str) -> Path:
    """Write ``net`` to ``path`` in ``format`` ("onnx" or "torch"), atomically; return the path.

    Raises ConfigError for an unknown format, a ``path`` that does not end as the format's
    files do (:func:`check_name`), or one that holds a file other than a previous export
    (:func:`digitnet.replacing.check`); ModelFileError for one that may not be written (read-only, a
    folder: :func:`digitnet.modelfile.check_writable`).
    """
    check_name(path, format)
    replacing.check(path, "export")
    check_writable(path, model=False)
    if format == "onnx":
        data = to_onnx(net).SerializeToString()
    elif format == "torch":
        from safetensors.numpy import save

        data = save(state_dict_arrays(net), metadata={"format": "pt", **record(net)})
    return atomic_write(path, data)


def check_name(path: str | os.PathLike, format: str) -> None:
    """Raise ConfigError unless ``format`` is known and ``path`` ends as its files do
    (:data:`SUFFIXES`, any case)."""
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if path.suffix.lower() == SUFFIXES[format]:
        return
    ending = f"not {path.suffix}" if path.suffix else "and this one has no extension"
    other = [f for f, suffix in SUFFIXES.items() if suffix == path.suffix.lower()]
    instead = f", or use format {other[0]}" if other else ""
    suggested = default_name(path, format)
    raise ConfigError(f"{path}: format {format} writes {_FILES[format]}, whose name must end in "
                      f"{SUFFIXES[format]}, {ending}; name it {suggested}{instead}")


def default_name(model: str | os.PathLike, format: str) -> Path:
    """The file ``digitnet export`` writes ``model`` to in ``format`` when given no --out.

    ``model``'s name with its extension replaced by :data:`DEFAULT_SUFFIXES`'s (``m.safetensors``
    gives ``m.onnx`` and ``m.torch.safetensors``); a name that already ends so (``x.onnx`` for
    onnx, ``m.torch.safetensors`` for torch, any case) would be ``model`` itself, so it gets
    ``.export`` before that ending instead: ``x.export.onnx``, ``m.export.torch.safetensors``.
    """
    path, suffix = Path(model), DEFAULT_SUFFIXES[format]
    if path.name.lower().endswith(suffix):
        return path.with_name(path.name[:-len(suffix)] + _EXPORT_TAG + suffix)
    return path.parent / f"{path.stem}{suffix}"
