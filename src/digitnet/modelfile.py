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
final metrics and the data fingerprint: dataset name and the SHA-256 of each file read); and
``digitnet_sha256``, the SHA-256 of the arrays, by which :func:`load` refuses weights damaged
after saving (:func:`digitnet.modelcheck.checksum`; a file without it, older, loads as ever).
:mod:`digitnet.modelread` reads it back and checks it; a model one of whose records that do
not change what it computes (how it was trained, its figures, where it came from) was edited
into one not valid still loads, with that record set aside and a warning.

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

from . import modelcheck, modelread, replacing, words
from .errors import ConfigError, ModelFileError, WriteInterrupted
from .modelread import FORMAT, FORMAT_VERSION
from .network import Network

__all__ = ["save", "load", "to_bytes", "save_checkpoint", "load_checkpoint", "Checkpoint",
           "read_metadata", "as_network", "atomic_write", "check_writable", "NotSaved",
           "FORMAT_VERSION"]

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


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file a write to ``path`` replaces (the one a symbolic link points to) and its status
    (None when it does not exist yet), or ModelFileError when it is not a regular file."""
    _check_name_length(path)
    link, status = False, None
    try:  # through the link: realpath cannot name a pipe (/dev/stdout -> /proc/PID/fd/1)
        link = path.is_symlink()
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new file; _temporary_beside says what is wrong with its folder
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write it ({e.strerror or e}); "
                             "choose another place") from None
    target = Path(os.path.realpath(path)) if link else path
    if status is None:
        return target, None
    if stat.S_ISDIR(status.st_mode):
        raise ModelFileError(f"{path}: is a folder; give a file name such as "
                             f"{path / 'model.safetensors'}")
    if not stat.S_ISREG(status.st_mode):
        kind = modelread.special_kind(status.st_mode)
        via = f" (it links to {target})" if target != path else ""
        raise ModelFileError(f"{path}: is {kind}{via}, not a regular file; give a file path")
    return target, status


def _check_name_length(path: Path) -> None:
    """Refuse a file name longer than its folder's file system takes (255 bytes, mostly)."""
    size, most = len(os.fsencode(path.name)), 255
    with contextlib.suppress(OSError, ValueError):  # (a folder not there: the usual most)
        most = os.pathconf(path.parent, "PC_NAME_MAX")
    if size > most:
        raise ModelFileError(f"{path}: its name is too long ({size} bytes, at most {most}); "
                             "choose a shorter name")


def _temporary_beside(path: Path, target: Path) -> tuple[int, str]:
    """A new private file in ``target``'s folder, ".NAME.digitnet-XXXXXXXX.tmp" (NAME: the first
    100 bytes of its name; a whole one of 255, the most, would leave no room): its descriptor
    and name; or ModelFileError naming ``path``, the name the user gave."""
    if not (parent := target.parent).exists():
        raise ModelFileError(f"{path}: folder {parent} does not exist; create it first")
    try:
        kept = os.fsencode(target.name)[:100].decode("utf-8", "ignore")  # (at a character)
        return tempfile.mkstemp(prefix=f".{kept}.digitnet-", suffix=".tmp", dir=parent)
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
    except BaseException as e:
        written = not os.path.lexists(tmp)  # (renamed into place: an interrupt after it)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, KeyboardInterrupt) and not isinstance(e, WriteInterrupted):
            raise WriteInterrupted(path, written, status is not None) from e
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
    """Save ``network`` (parameters and metadata) to a safetensors file, atomically.

    A file there is replaced only when it is a digitnet model: anything else (a training
    checkpoint, another program's safetensors file, a torch export, notes) is refused, as a
    ConfigError saying what it is (:func:`digitnet.replacing.check`); a read-only one, or a
    folder, as a ModelFileError (:func:`check_writable`, as ``train --out``); a write the
    system refuses (the disk full) as :class:`NotSaved`, a ModelFileError and an OSError."""
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

    Warns
    -----
    UserWarning
        A model's record that does not change what it computes is not valid (its training
        record, ``config``, no recipe digitnet can train; its ``history`` or ``metrics`` of
        the wrong type...): the network loads without it, the record kept as
        ``metadata["config_ignored"]`` (``"history_ignored"``...), one warning a record
        (:mod:`digitnet.modelread`).
    """
    if not isinstance(path, (str, os.PathLike)):
        got = "None" if path is None else words.a(_type_name(path))
        raise ConfigError(f"load takes the path of a model file, not {got}; give one such as "
                          "'digitnet-model.safetensors'")
    if _is_onnx(path):
        from .interop.convert import from_onnx

        return from_onnx(path)
    network, _ = modelread.read_network(path)
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
    network, (header, arrays) = modelread.read_network(path, kind="checkpoint")
    optimizer_state = {k.removeprefix("optimizer."): v for k, v in arrays.items()
                       if k.startswith("optimizer.")}
    rest = {k: v for k, v in arrays.items() if k.startswith("state.")}
    return Checkpoint(network, header["checkpoint"], optimizer_state, rest)


def read_metadata(path, *, kind: str | None = None) -> dict:
    """The JSON metadata of a model file, without building the network.

    ``kind="checkpoint"`` refuses, as :func:`load_checkpoint` does, a file that is not a
    training checkpoint: a resumed run checks its checkpoint this way before reading any data.
    A record set aside as :func:`load` sets it aside (with its warning) is under
    ``"config_ignored"`` (``"history_ignored"``...), not ``"config"``.
    """
    header, _ = modelread.read(path, arrays=False, kind=kind)
    return header


# -- internals --------------------------------------------------------------------------------


def to_bytes(network: Network) -> bytes:
    """The bytes :func:`save` writes: a model file to send elsewhere (the page's download)."""
    as_network(network, "to_bytes")
    modelcheck.check_finite(network, "to_bytes", "written")
    return _encode(network, kind="model")


def _write(network: Network, path, *, kind: str, progress: dict | None = None,
           arrays: dict[str, np.ndarray] | None = None) -> Path:
    function = "save" if kind == "model" else "save_checkpoint"
    as_network(network, function, second=path)
    _check_path(path, function)
    _check_model_name(Path(path))
    modelcheck.check_finite(network, str(path), "saved")
    if kind == "model":  # (a run's checkpoint is checked before the run: digitnet train)
        replacing.check(path, "model")
    check_writable(path, model=False)  # (its name checked above): read-only, as --out refuses
    try:
        return atomic_write(path, _encode(network, kind=kind, progress=progress, arrays=arrays))
    except OSError as e:  # (the disk full, say): one line, as every other failure to save
        said = e.strerror or str(e)
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):  # (_naming says what to do of those)
            said = f"cannot write it ({said}); choose another place"
        raise NotSaved(e.errno, said, str(path)) from e


class NotSaved(ModelFileError, OSError):
    """A file the system did not let :func:`save` write (the disk full): a ModelFileError of
    one line, "PATH: what; what to do", and the OSError it was (errno, strerror, filename)."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _check_path(path, function: str) -> None:
    """Refuse, as :func:`load` does, a ``path`` that is no path (None, a stream, a number)."""
    if not isinstance(path, (str, os.PathLike)):
        got = "None" if path is None else words.a(_type_name(path))
        stream = " (for a stream: stream.write(digitnet.modelfile.to_bytes(network)))" * (
            function == "save" and hasattr(path, "write"))
        raise ConfigError(f"{function} takes the path of the file to write, not {got}; give one "
                          f"such as 'digitnet-model.safetensors'{stream}")


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
    what = modelread.OTHER_KINDS.get(path.suffix.lower())
    if what is not None:
        raise ConfigError(f"{path}: saving writes a safetensors model file, but {path.suffix} "
                          f"names {what.removesuffix(' (never loaded)')}; name it "
                          f"{path.with_suffix('.safetensors')}")


def as_network(value, function: str, *, paths: bool = False, second=None) -> Network:
    """``value`` as a Network: a Network as it is, or, where ``paths`` are taken too, the
    network in the model file a ``str`` or path names (:func:`load`); else a ConfigError of one
    line saying what was given and what to pass (its ``.network`` where it holds one).

    ``function`` is what takes ``value``, as the message names it: a function ("save": "save
    takes a Network, not a numpy.ndarray; make one with ..."), or, with ``paths``, the words
    the message begins with ("the widget shows": "the widget shows a Network or the model file
    at a path, not a value of type int; pass ..."). ``second`` is the argument given after
    ``value``: a Network there, with a path in ``value``, is the two swapped.
    """
    if isinstance(value, Network):
        return value
    if paths and isinstance(value, (str, os.PathLike)):
        return load(value)
    if isinstance(second, Network) and isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{function} takes the Network first, then the path: "
                          f"{function}(network, {str(value)!r})")
    takes, verb = ((f"{function} a Network or the model file at a path", "pass") if paths else
                   (f"{function} takes a Network",  # ("save result.network"; "pass" for a method)
                    function if function.isidentifier() else "pass"))
    got = ("None" if value is None else f"a value of type {type(value).__name__}" if paths
           else words.a(_type_name(value)))
    for attribute in ("network", "network_"):  # TrainResult, Checkpoint; the sklearn estimator
        if isinstance(getattr(value, attribute, None), Network):
            if type(value).__name__ == "TrainResult":  # not imported: training imports us
                raise ConfigError(f"{takes}; digitnet.train returns a TrainResult: {verb} "
                                  f"result.{attribute}")
            raise ConfigError(f"{takes}, not {got}: {verb} its .{attribute}")
    remedy = ("pass digitnet.train(...).network, digitnet.load(path) or a path such as "
              "'model.safetensors'" if paths else "make one with digitnet.train(...).network, "
              "digitnet.load(path) or digitnet.Network(sizes)")
    raise ConfigError(f"{takes}, not {got}; {remedy}")


def _type_name(obj) -> str:
    """``obj``'s type as :func:`as_network`'s message names it: a builtin's bare name ("dict");
    digitnet's own by the path it is imported by ("digitnet.Network", the package's own;
    "digitnet.inputs.Images"); another package's by the package and the class,
    short ("numpy.ndarray", "torch.Sequential")."""
    import sys

    kind = type(obj)
    name, module = kind.__qualname__, kind.__module__
    if module == "builtins":
        return name
    if module.partition(".")[0] != __package__:
        return f"{module.partition('.')[0]}.{name}"
    return (f"{__package__}.{name}" if getattr(sys.modules[__package__], name, None) is kind
            else f"{module}.{name}")


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
                "digitnet": json.dumps(header, allow_nan=False, default=modelread.jsonable),
                modelcheck.CHECKSUM: modelcheck.checksum(tensors)}  # (load verifies it)
    return st_save(tensors, metadata=metadata)
