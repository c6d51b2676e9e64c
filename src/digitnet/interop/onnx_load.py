"""An ONNX file read from disk, with the weights it keeps beside it, or one line saying why not.

ONNX keeps a graph and its constants in one protobuf file, except where they would pass 2 GiB or
the exporter chooses so: PyTorch's ``torch.onnx.export`` (``dynamo=True``, its default since
PyTorch 2.9) writes the larger weights to a second file, ``model.onnx.data``, and the graph
names it, relative to the ``.onnx`` file's folder (``external_data``'s ``location``). A copy of
the ``.onnx`` file alone loses them: :func:`load` names the missing file and says what to do,
where ONNX's own loader says only that some tensor's data "is not regular file".
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelFileError
from . import require

__all__ = ["load"]

_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


def load(path):
    """The ``onnx.ModelProto`` in the file at ``path``, its external weights read in.

    Raises
    ------
    ModelFileError
        The file is missing, a folder, empty or not an ONNX model, or a file of weights it names
        is not beside it.
    """
    onnx = require("onnx", "onnx", "reading ONNX models")
    name = str(path)
    if not Path(path).is_file():
        what = "is a folder" if Path(path).is_dir() else "no such file"
        raise ModelFileError(f"{name}: {what}; give an .onnx model file")
    if Path(path).stat().st_size == 0:  # (which ONNX reads as a model without a graph)
        raise ModelFileError(f"{name}: is empty (0 bytes), an ONNX file without a graph; it was "
                             "cut short or never written — export or copy it again")
    try:
        model = onnx.load(name, load_external_data=False)
    except Exception as e:  # protobuf's DecodeError and onnx's own errors
        raise _unreadable(name, e) from None
    missing = _missing_data(model, Path(path).parent)
    if missing:
        shown = missing[0] if len(missing) == 1 else f"{missing[0]} (and {len(missing) - 1} more)"
        raise ModelFileError(
            f"{name}: its weights are kept in a separate file, {shown}, which is not beside it; "
            f"copy that file into the same folder as {Path(name).name} (the exporter wrote "
            "both), or export the model again as one file (torch.onnx.export(..., "
            "external_data=False))")
    try:
        onnx.external_data_helper.load_external_data_for_model(model, str(Path(path).parent))
    except Exception as e:  # a data file cut short, or a location outside the folder
        raise _unreadable(name, e) from None
    return model


def _missing_data(model, folder: Path) -> list[str]:
    """The files of external data the graph's constants name that are not in ``folder``, each
    once, in the order first named."""
    tensors = list(model.graph.initializer) + [a.t for node in model.graph.node
                                               for a in node.attribute if a.HasField("t")]
    missing = []
    for tensor in tensors:
        if tensor.data_location != _EXTERNAL:
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        if location and location not in missing and not (folder / location).is_file():
            missing.append(location)
    return missing


def _unreadable(name: str, error: Exception) -> ModelFileError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return ModelFileError(f"{name}: not a readable ONNX model ({reason}); it may be truncated "
                          "or corrupt — export or copy it again")
