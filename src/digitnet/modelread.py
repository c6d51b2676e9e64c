"""Reading a model file: its safetensors header and arrays, and its metadata checked.

:func:`read` opens the file (saying what it is instead when it is a picture, a recording or a
pickle given where a model goes, or damaged when safetensors cannot read it), checks that
digitnet wrote it in a format version this digitnet reads, parses the JSON metadata (the
header, :mod:`digitnet.modelfile` says what it holds) and hands it to
:func:`digitnet.modelcheck.check_header`, which refuses a field edited by hand or damaged.

One field is set aside rather than refused: a model's training record, ``config``, when it is
no recipe digitnet can train (an option out of range, of the wrong type, or unknown to this
digitnet, a newer one's, say). The network is described by ``sizes``, ``activation`` and
``output`` and its weights are sound, so it loads and predicts; the record is kept, as it
was, under ``config_ignored`` (:data:`IGNORED`), where nothing reads it as a recipe, and a
UserWarning (a note on the command line) names the file, what is wrong and that it is
ignored. What needs the recipe then does without or refuses in one line (the validation split
of ``evaluate --split val``). A training checkpoint's ``config`` is the run it goes on with,
so a checkpoint's is never set aside, nor a valid recipe that contradicts the network (either
may be the field edited). The file itself is never rewritten.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from . import modelcheck
from .audio import AUDIO_EXTENSIONS
from .config import TrainConfig
from .errors import ModelFileError
from .images import IMAGE_EXTENSIONS

__all__ = ["FORMAT", "FORMAT_VERSION", "IGNORED", "OTHER_KINDS", "read"]

FORMAT = "digitnet"
FORMAT_VERSION = 1

#: Where a model's training record that is no recipe digitnet can train is kept, as it was.
IGNORED = "config_ignored"

#: What a file given where a model goes most often is instead, by its name's ending (as
#: ``predict`` tells its inputs apart: :data:`digitnet.audio.AUDIO_EXTENSIONS`, ...).
OTHER_KINDS = {**dict.fromkeys(AUDIO_EXTENSIONS, "a recording"),
               **dict.fromkeys(IMAGE_EXTENSIONS, "a picture"),
               ".npy": "a NumPy array", ".npz": "a table", ".csv": "a table",
               ".zip": "a zip archive", ".txt": "a text file", ".json": "a JSON file",
               **dict.fromkeys((".pkl", ".pickle", ".joblib"), "a Python pickle (never loaded)"),
               ".pt": "a PyTorch file", ".pth": "a PyTorch file"}


def read(path, *, arrays: bool = True,
         kind: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """A model file's metadata (its header, checked) and its arrays (none unless ``arrays``).

    ``kind="checkpoint"`` refuses a file that is not a training checkpoint. Raises
    ModelFileError naming the file: missing, a folder, not safetensors, not digitnet's, of
    another format version, or its metadata not valid or not consistent.
    """
    from safetensors import safe_open

    path = Path(path)
    name = str(path)
    if not path.exists():
        if kind == "checkpoint":
            raise ModelFileError(f"{name}: no such file; a run writes its checkpoint with "
                                 f"`digitnet train --checkpoint {name}`")
        raise ModelFileError(f"{name}: no such file; train one with `digitnet train --out {name}`")
    if path.is_dir():
        raise ModelFileError(f"{name}: is a folder, not a model file")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()} if arrays else {}
    except Exception as e:  # safetensors raises its own error types and OSError
        raise _unreadable(path, e, kind) from None
    if meta.get("format") != FORMAT or "digitnet" not in meta:
        raise ModelFileError(f"{name}: a safetensors file, but not one digitnet wrote (no digitnet "
                             "metadata); digitnet loads models saved by digitnet, and .onnx files")
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        version = -1
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{name}: model file format version {meta.get('format_version')!r}; "
                             f"this digitnet reads version {FORMAT_VERSION}; upgrade digitnet")
    try:
        header = json.loads(meta["digitnet"])
        if not isinstance(header, dict):
            raise ValueError("not an object")
    except ValueError as e:
        raise ModelFileError(f"{name}: its digitnet metadata is not valid JSON ({e})") from None
    if kind == "checkpoint" and header.get("kind") != "checkpoint":
        raise ModelFileError(f"{name}: is a finished model, not a training checkpoint; "
                             "--resume needs the file written by --checkpoint")
    return _checked(header, name), tensors


def _checked(header: dict, name: str) -> dict:
    """``header`` checked (:func:`digitnet.modelcheck.check_header`); a model's training record
    that is no recipe digitnet can train moved to :data:`IGNORED`, with a UserWarning."""
    try:
        modelcheck.check_header(header, name)
        return header
    except ModelFileError as refused:
        if header.get("kind", "model") != "model" or _trainable(header.get("config")):
            raise  # a checkpoint's run, or a recipe that contradicts the network
        problem = str(refused)
    rest = {k: v for k, v in header.items() if k != "config"}
    modelcheck.check_header(rest, name)  # anything else wrong with the file is refused as ever
    what, _, remedy = problem.rpartition("; ")  # (check_header's: "NAME: WHAT; REMEDY")
    # Not pointed at the caller: a command reading the file twice (its header, then its
    # network) notes it once, as Python shows a warning once from one place.
    warnings.warn(f"{what or problem}; it is ignored (kept as metadata {IGNORED!r}): the network "
                  "loads and predicts as saved, without the record of how it was trained"
                  + (f"; {remedy}" if what else ""), UserWarning, stacklevel=1)
    return {**rest, IGNORED: header["config"]}


def _trainable(saved) -> bool:
    """Whether ``saved``, a file's training record, is absent or a recipe TrainConfig takes."""
    if saved is None:
        return True
    if not isinstance(saved, dict):
        return False
    try:
        TrainConfig.from_dict(saved)
    except ValueError:  # ConfigError: an option unknown, out of range or of the wrong type
        return False
    return True


def _unreadable(path: Path, error: Exception, kind: str | None) -> ModelFileError:
    """The error for a file safetensors cannot read: what it is instead when its name says so
    (a recording or picture given where the model goes), else damaged."""
    what = OTHER_KINDS.get(path.suffix.lower())
    if what is not None and kind == "checkpoint":
        return ModelFileError(f"{path}: {what}, not a training checkpoint; --resume needs the "
                              "file written by --checkpoint")
    if what is not None:
        return ModelFileError(f"{path}: {what}, not a model file; give a model saved by "
                              "`digitnet train` (MODEL comes before the files)")
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return ModelFileError(f"{path}: not a readable safetensors model file ({reason}); "
                          "it may be truncated or corrupt — re-save or retrain it")
