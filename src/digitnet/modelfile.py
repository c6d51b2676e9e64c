"""Model and checkpoint files: safetensors arrays with JSON metadata, never pickle.

A model file is a `safetensors <https://huggingface.co/docs/safetensors>`_ file, so any tool that
reads safetensors (PyTorch, JAX, NumPy) can load its arrays without running code from it:

* ``layers.{l}.weight``, shape (n_out, n_in), float32: the video's W for layer l (same layout
  as PyTorch's ``nn.Linear.weight``);
* ``layers.{l}.bias``, shape (n_out,);
* in checkpoints also ``optimizer.*`` (the optimiser's state) and ``state.*``.

The header's metadata holds ``format = "digitnet"``, ``format_version`` and ``digitnet``: one JSON
document with the layer sizes, activation, output and cost, the digitnet version, and whatever
training recorded (the full training configuration with its seed, the per-epoch history,
final metrics and the data fingerprint: dataset name and the SHA-256 of each file read).

Files are written atomically: to a temporary file beside the target, flushed to disk, then
renamed over it, so a crash or Ctrl-C leaves either the old file or the new one, never half.
The new file keeps the old one's permissions (and, where allowed, its owner); a symbolic link
is written through (the file it points to is replaced, the link stays); anything but a regular
file (a folder, a device such as /dev/null, a FIFO) is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import modelcheck
from .audio import AUDIO_EXTENSIONS
from .errors import ConfigError, ModelFileError
from .images import IMAGE_EXTENSIONS
from .network import Network

__all__ = ["save", "load", "to_bytes", "save_checkpoint", "load_checkpoint", "Checkpoint",
           "read_metadata", "atomic_write", "check_writable", "FORMAT_VERSION"]

FORMAT = "digitnet"
FORMAT_VERSION = 1


_NEW_FILE_MODE = 0o666 & ~(_mask := os.umask(0))
os.umask(_mask)  # read by setting it: put it back


def check_writable(path: str | os.PathLike, *, model: bool = True) -> Path:
    """Raise unless :func:`save` (and :func:`save_checkpoint`; with ``model`` False,
    :func:`atomic_write`: a recipe, say) can and may write ``path``: a command that works for
    minutes says so first. A file nobody may write (by its mode, which root's os.access
    ignores) is refused: :func:`atomic_write` would replace it all the same."""
    path = Path(path)
    if model:
        _check_model_name(path)
    target, status = _target(path)
    if status is not None and not (status.st_mode & 0o222 and os.access(target, os.W_OK)):
        raise ModelFileError(f"{path}: is read-only; make it writable (chmod u+w {path}) or "
                             "choose another file")
    fd, tmp = _temporary_beside(path, target)  # made and removed, as atomic_write makes it
    os.close(fd)
    os.unlink(tmp)
    return path


_KINDS = ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"))


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file a write to ``path`` replaces (the one a symbolic link points to) and its status
    (None when it does not exist yet), or ModelFileError when it is not a regular file."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:  # through the link: realpath cannot name a pipe (/dev/stdout -> /proc/PID/fd/1)
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return target, None  # a new file; _temporary_beside says what is wrong with its folder
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write it ({e.strerror or e}); "
                             "choose another place") from None
    if stat.S_ISDIR(status.st_mode):
        raise ModelFileError(f"{path}: is a folder; give a file name such as "
                             f"{path / 'model.safetensors'}")
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "a special file")
        via = f" (it links to {target})" if target != path else ""
        raise ModelFileError(f"{path}: is {kind}{via}, not a regular file; give a file path")
    return target, status


def _temporary_beside(path: Path, target: Path) -> tuple[int, str]:
    """A new private file in ``target``'s folder (its descriptor and name), or ModelFileError
    naming ``path``, the name the user gave."""
    if not (parent := target.parent).exists():
        raise ModelFileError(f"{path}: folder {parent} does not exist; create it first")
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write in folder {parent} ({e.strerror or e}); "
                             "choose another place") from None


def atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    An existing file keeps its permissions (and its owner, where the process may give files
    away); a new one gets those open() would give. A symbolic link is written through. Raises
    ModelFileError, before writing anything, when ``path`` is a folder, a device, a FIFO or
    anything else but a regular file, or its folder cannot be written.
    """
    path = Path(path)
    target, status = _target(path)
    fd, tmp = _temporary_beside(path, target)
    try:
        if status is not None and (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
            try:  # before chmod, which chown could undo (set-user-ID bits)
                os.chown(tmp, status.st_uid, status.st_gid)
            except PermissionError:
                pass  # only root may give a file away: the new file is this user's
        # mkstemp makes the file private (0600): give it the old file's permissions, or those
        # open() would have given a new one.
        os.chmod(tmp, _NEW_FILE_MODE if status is None else stat.S_IMODE(status.st_mode))
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:  # which names no file: name the one being written
            raise _naming(e, path) from e
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def _naming(error: OSError, path: Path) -> OSError:
    """``error``, raised writing ``path``, as an OSError that names it (and, when the disk is
    full, says what to do)."""
    said = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):  # the disk, or the user's quota, is full
        said = f"{said[:1].lower()}{said[1:]}; free some space or save it elsewhere"
    return OSError(error.errno, said, str(path))


def save(network: Network, path: str | os.PathLike) -> Path:
    """Save ``network`` (parameters and metadata) to a safetensors file, atomically."""
    return _write(network, path, kind="model")


def load(path: str | os.PathLike) -> Network:
    """Load a network saved by :func:`save` (or the network inside a checkpoint), or the fully
    connected network in an ``.onnx`` file (:func:`digitnet.interop.convert.from_onnx`).

    Raises
    ------
    ModelFileError
        The file is missing, truncated, not safetensors, or not digitnet's, or its metadata or
        arrays are not consistent (a field edited by hand, say: :mod:`digitnet.modelcheck`).
    ShapeMismatchError
        An array's shape disagrees with the stored layer sizes (every mismatch is listed).
    UnsupportedModelError
        An ONNX graph holds an operator digitnet's networks have no place for.
    """
    if _is_onnx(path):
        from .interop.convert import from_onnx

        return from_onnx(path)
    network, _ = _read(path)
    return network


@dataclass
class Checkpoint:
    """A training run's full state: network, optimiser state and position in the run."""

    network: Network
    progress: dict  # epoch, step, optimizer_steps, ...
    optimizer_state: dict[str, np.ndarray]
    arrays: dict[str, np.ndarray]  # other run state (best weights so far, ...)


def save_checkpoint(network: Network, path, *, progress: dict,
                    arrays: dict[str, np.ndarray]) -> Path:
    """Save a resumable checkpoint: the network plus ``arrays`` and ``progress``, atomically."""
    return _write(network, path, kind="checkpoint", progress=progress, arrays=arrays)


def load_checkpoint(path) -> Checkpoint:
    """Load a checkpoint written by :func:`save_checkpoint`."""
    network, (header, arrays) = _read(path, kind="checkpoint")
    optimizer_state = {k.removeprefix("optimizer."): v for k, v in arrays.items()
                       if k.startswith("optimizer.")}
    rest = {k: v for k, v in arrays.items() if k.startswith("state.")}
    return Checkpoint(network, header["checkpoint"], optimizer_state, rest)


def read_metadata(path, *, kind: str | None = None) -> dict:
    """The JSON metadata of a model file, without building the network.

    ``kind="checkpoint"`` refuses, as :func:`load_checkpoint` does, a file that is not a
    training checkpoint: a resumed run checks its checkpoint this way before reading any data.
    """
    header, _ = _read_raw(path, arrays=False, kind=kind)
    return header


# -- internals --------------------------------------------------------------------------------


def to_bytes(network: Network) -> bytes:
    """The bytes :func:`save` writes: a model file to send elsewhere (the page's download)."""
    _check_network(network, "to_bytes")
    return _encode(network, kind="model")


def _write(network: Network, path, *, kind: str, progress: dict | None = None,
           arrays: dict[str, np.ndarray] | None = None) -> Path:
    _check_network(network, "save" if kind == "model" else "save_checkpoint", path)
    _check_model_name(Path(path))
    return atomic_write(path, _encode(network, kind=kind, progress=progress, arrays=arrays))


def _is_onnx(path) -> bool:
    """Whether ``path`` names an ONNX file: how :func:`load` and ``digitnet export`` tell them."""
    return Path(path).suffix.lower() == ".onnx"


def _check_model_name(path: Path) -> None:
    """Refuse a model file named .onnx (load reads it as ONNX; worded as
    :func:`digitnet.interop.export.check_name`) or as another kind (``.pkl``: tools unpickle)."""
    if _is_onnx(path):
        raise ConfigError(f"{path}: saving writes a safetensors file, whose name must not end in "
                          f".onnx; name it {path.with_suffix('.safetensors')}, or export it to "
                          "ONNX with `digitnet export MODEL --format onnx` or "
                          "digitnet.interop.export.export")
    what = _OTHER_KINDS.get(path.suffix.lower())
    if what is not None:
        raise ConfigError(f"{path}: saving writes a safetensors model file, but {path.suffix} "
                          f"names {what.removesuffix(' (never loaded)')}; name it "
                          f"{path.with_suffix('.safetensors')}")


def _check_network(network, function: str, path=None) -> None:
    """Raise ConfigError, saying what it got, unless ``network`` is a Network."""
    if isinstance(network, Network):
        return
    if isinstance(path, Network) and isinstance(network, (str, os.PathLike)):
        raise ConfigError(f"{function} takes the Network first, then the path: "
                          f"{function}(network, {str(network)!r})")
    got = "None" if network is None else f"a {_type_name(network)}"
    for attribute in ("network", "network_"):  # TrainResult, Checkpoint; the sklearn estimator
        if isinstance(getattr(network, attribute, None), Network):
            if type(network).__name__ == "TrainResult":  # not imported: training imports us
                raise ConfigError(f"{function} takes a Network; digitnet.train returns a "
                                  f"TrainResult: {function} result.{attribute}")
            raise ConfigError(f"{function} takes a Network, not {got}: {function} its "
                              f".{attribute}")
    raise ConfigError(f"{function} takes a Network, not {got}; make one with digitnet.train(...)"
                      ".network, digitnet.load(path) or digitnet.Network(sizes)")


def _type_name(obj) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else \
        f"{kind.__module__.partition('.')[0]}.{kind.__qualname__}"


def _encode(network: Network, *, kind: str, progress: dict | None = None,
            arrays: dict[str, np.ndarray] | None = None) -> bytes:
    from safetensors.numpy import save as st_save

    from ._version import __version__

    tensors = {}
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        tensors[f"layers.{l}.weight"] = np.ascontiguousarray(w)
        tensors[f"layers.{l}.bias"] = np.ascontiguousarray(b)
    for name, value in (arrays or {}).items():
        tensors[name] = np.ascontiguousarray(value)
    header = {
        "kind": kind,
        "sizes": list(network.sizes),
        "activation": network.activation.name,
        "output": network.output_function.name,
        "cost": network.output_function.cost,
        **network.metadata,
        # This file's own: a loaded network's metadata carries the stamp of the file it came from.
        "digitnet_version": __version__,
        "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if progress is not None:
        header["checkpoint"] = progress
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
                "digitnet": json.dumps(header, allow_nan=False, default=_jsonable)}
    return st_save(tensors, metadata=metadata)


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in a model file's metadata")


def _read_raw(path, *, arrays: bool = True,
              kind: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
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
    modelcheck.check_header(header, name)
    return header, tensors


#: What a file given where a model goes most often is instead, by its name's ending (as
#: ``predict`` tells its inputs apart: :data:`digitnet.audio.AUDIO_EXTENSIONS`, ...).
_OTHER_KINDS = {**dict.fromkeys(AUDIO_EXTENSIONS, "a recording"),
                **dict.fromkeys(IMAGE_EXTENSIONS, "a picture"),
                ".npy": "a NumPy array", ".npz": "a table", ".csv": "a table",
                ".zip": "a zip archive", ".txt": "a text file", ".json": "a JSON file",
                **dict.fromkeys((".pkl", ".pickle", ".joblib"), "a Python pickle (never loaded)"),
                ".pt": "a PyTorch file", ".pth": "a PyTorch file"}


def _unreadable(path: Path, error: Exception, kind: str | None) -> ModelFileError:
    """The error for a file safetensors cannot read: what it is instead when its name says so
    (a recording or picture given where the model goes), else damaged."""
    what = _OTHER_KINDS.get(path.suffix.lower())
    if what is not None and kind == "checkpoint":
        return ModelFileError(f"{path}: {what}, not a training checkpoint; --resume needs the "
                              "file written by --checkpoint")
    if what is not None:
        return ModelFileError(f"{path}: {what}, not a model file; give a model saved by "
                              "`digitnet train` (MODEL comes before the files)")
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return ModelFileError(f"{path}: not a readable safetensors model file ({reason}); "
                          "it may be truncated or corrupt — re-save or retrain it")


def _read(path, kind: str | None = None) -> tuple[Network, tuple[dict, dict[str, np.ndarray]]]:
    header, tensors = _read_raw(path, kind=kind)
    name = str(path)
    try:
        net = Network(header["sizes"], header["activation"], header["output"], seed=0,
                      dtype=_stored_dtype(tensors))
    except KeyError as e:
        raise ModelFileError(f"{name}: metadata lacks {e.args[0]!r}") from None
    except Exception as e:
        raise ModelFileError(f"{name}: metadata describes no valid network ({e})") from None

    modelcheck.fill_layers(net, tensors, name)
    net.metadata = {k: v for k, v in header.items()
                    if k not in ("kind", "sizes", "activation", "output", "cost", "checkpoint")}
    return net, (header, tensors)


def _stored_dtype(tensors: dict[str, np.ndarray]):
    w = tensors.get("layers.0.weight")
    return np.float64 if w is not None and w.dtype == np.float64 else np.float32
