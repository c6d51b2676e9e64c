"""Reading a model file: its safetensors header and arrays, and its metadata checked.

:func:`read` opens the file (saying what it is instead when it is a picture, a recording, a
pickle, a study database or a recipe of ``digitnet tune`` given where a model goes:
:func:`what_instead`; or damaged when safetensors cannot read it), checks that
digitnet wrote it in a format version this digitnet reads, parses the JSON metadata (the
header, :mod:`digitnet.modelfile` says what it holds) and hands it to
:func:`digitnet.modelcheck.check_header`, which refuses a field edited by hand or damaged.

The records that do not change what the network computes (:data:`OPTIONAL`: how it was
trained, ``config``; its figures, ``history`` and ``metrics``; where it came from, ``data``,
``init`` and ``imported``; the ``changes`` made to it by hand; the ``estimator`` that fitted
it, :mod:`digitnet.sklearn_record`) are set aside rather than refused when one is not valid
(edited by hand into the wrong type, a negative epoch, a NaN, a recipe digitnet cannot train,
unknown options of a newer digitnet's...). The network is
described by ``sizes``, ``activation``, ``output``, ``input`` and ``classes`` and its weights
are sound, so it loads and predicts; each record set aside is kept, as it was (a NaN as the
text "NaN"), under :func:`ignored` of its name (``config_ignored``...), where nothing reads
it, and one UserWarning a record (a note on the command line) names the file, the record,
what is wrong and that the network was read without it. What needs a record then does
without or refuses in one line (the validation split of ``evaluate --split val`` needs
``config``; without ``estimator``, ``DigitnetClassifier.from_network`` gives the classes as
their names, text). What does change the network's answers (those five records, the weights)
is refused as ever: a silent wrong answer is worse than none. So is a valid recipe that
contradicts the network (either may be the field edited), and any record of a training
checkpoint, whose records are the run it goes on with. The file itself is never rewritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import struct
import warnings
from pathlib import Path

import numpy as np

from . import modelcheck, words
from .audio import AUDIO_EXTENSIONS
from .config import TrainConfig
from .errors import ModelFileError
from .images import IMAGE_EXTENSIONS
from .network import Network

__all__ = ["FORMAT", "FORMAT_VERSION", "OPTIONAL", "OTHER_KINDS", "checked", "ignored",
           "is_model_file", "jsonable", "read", "read_network", "special_kind", "what_instead"]

FORMAT = "digitnet"
FORMAT_VERSION = 1

#: The records of a model that do not change what its network computes, each with what the
#: network is read without when it is set aside (:func:`ignored`).
OPTIONAL = {"config": "the record of how it was trained",
            "history": "the record of its training's epochs",
            "metrics": "its training's final figures",
            "data": "the record of the data it was trained on",
            "init": "the record of the model its training started from",
            "imported": "the record of where it was imported from",
            "changes": "the record of the changes made to it by hand",
            "estimator": "the record of the scikit-learn estimator that fitted it"}

#: What a file given where a model goes most often is instead, by its name's ending (as
#: ``predict`` tells its inputs apart: :data:`digitnet.audio.AUDIO_EXTENSIONS`, ...).
OTHER_KINDS = {**dict.fromkeys(AUDIO_EXTENSIONS, "a recording"),
               **dict.fromkeys(IMAGE_EXTENSIONS, "a picture"),
               ".npy": "a NumPy array", ".npz": "a table", ".csv": "a table",
               ".zip": "a zip archive", ".txt": "a text file", ".json": "a JSON file",
               **dict.fromkeys((".pkl", ".pickle", ".joblib"), "a Python pickle (never loaded)"),
               ".pt": "a PyTorch file", ".pth": "a PyTorch file"}


_SPECIAL = ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISFIFO, "a FIFO"),
            (stat.S_ISSOCK, "a socket"))


def special_kind(mode: int) -> str:
    """What a file that is not a regular one is, by its ``st_mode``: "a FIFO", "a device"..."""
    return next((name for test, name in _SPECIAL if test(mode)), "a special file")


def read(path, *, arrays: bool = True,
         kind: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """A model file's metadata (its header, checked) and its arrays (none unless ``arrays``).

    ``kind="checkpoint"`` refuses a file that is not a training checkpoint. Raises
    ModelFileError naming the file: missing, a folder, empty, not safetensors (or its header
    damaged), not digitnet's, of another format version, its arrays not those it was saved with
    (:func:`digitnet.modelcheck.check_checksum`), or its metadata not valid or not consistent.
    """
    from safetensors import safe_open

    path = Path(path)
    name = str(path)
    if not path.exists():
        if kind == "checkpoint":
            raise ModelFileError(f"{name}: no such file; a run writes its checkpoint with "
                                 f"`digitnet train --checkpoint {words.shell(name)}`")
        raise ModelFileError(f"{name}: no such file; train one with "
                             f"`digitnet train --out {words.shell(name)}`")
    if path.is_dir():
        raise ModelFileError(f"{name}: is a folder, not a model file")
    if not path.is_file():  # (a FIFO with no writer would keep safetensors waiting)
        raise ModelFileError(f"{name}: is {special_kind(path.stat().st_mode)}, not a regular "
                             "file; give the path of a model file")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()} if arrays else {}
    except Exception as e:  # safetensors raises its own error types and OSError
        raise _unreadable(path, e, kind) from None
    if meta.get("format") != FORMAT or "digitnet" not in meta:
        from .interop.torch import is_export

        if is_export(meta):
            raise ModelFileError(
                f"{name}: a digitnet torch export (a state dict for PyTorch), not a digitnet "
                "model; give the model it was exported from, or load it into its nn.Sequential "
                "(metadata 'module'), read that with digitnet.from_torch(module, "
                "input=meta['input'], classes=meta['classes']) and digitnet.save the network")
        if meta.get("format") == "pt":  # (what safetensors.torch.save_file writes)
            raise ModelFileError(
                f"{name}: a safetensors file, but not one digitnet wrote: a PyTorch state dict "
                "(metadata format 'pt'), weights without the layers they belong to; load it into "
                "the nn.Sequential it came from (model.load_state_dict(safetensors.torch."
                f"load_file({name!r}))), then digitnet.save(digitnet.from_torch(model), "
                "'model.safetensors'); or export that module with torch.onnx.export to an .onnx "
                "file, which digitnet loads as it is")
        raise ModelFileError(f"{name}: a safetensors file, but not one digitnet wrote (no digitnet "
                             "metadata); digitnet loads models saved by digitnet, and .onnx files")
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        version = -1
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{name}: model file format version {meta.get('format_version')!r}; "
                             f"this digitnet reads version {FORMAT_VERSION}; upgrade digitnet")
    if arrays:  # (the header alone is read for its records: nothing to check them by)
        modelcheck.check_checksum(meta, tensors, name)
    try:
        header = json.loads(meta["digitnet"])
        if not isinstance(header, dict):
            raise ValueError("not an object")
    except ValueError as e:
        raise ModelFileError(f"{name}: its digitnet metadata is not valid JSON ({e})") from None
    if kind == "checkpoint" and header.get("kind") != "checkpoint":
        raise ModelFileError(f"{name}: is a finished model, not a training checkpoint; "
                             "--resume needs the file written by --checkpoint")
    return checked(header, name), tensors


def read_network(path, kind: str | None = None) -> tuple[Network, tuple[dict, dict]]:
    """The network in a model file (or checkpoint: ``kind``), and what :func:`read` read: its
    header, checked, and the arrays not the network's (a checkpoint's optimiser state...)."""
    header, tensors = read(path, kind=kind)
    name = str(path)
    w = tensors.get("layers.0.weight")
    dtype = np.float64 if w is not None and w.dtype == np.float64 else np.float32
    try:
        net = Network(header["sizes"], header["activation"], header["output"], seed=0,
                      dtype=dtype)
    except KeyError as e:
        raise ModelFileError(f"{name}: metadata lacks {e.args[0]!r}") from None
    except Exception as e:
        raise ModelFileError(f"{name}: metadata describes no valid network ({e})") from None
    modelcheck.fill_layers(net, tensors, name)
    net.metadata = {k: v for k, v in header.items()
                    if k not in ("kind", "sizes", "activation", "output", "cost", "checkpoint")}
    return net, (header, tensors)


def is_model_file(path) -> bool:
    """Whether ``path`` is a file that reads as a model by its name or header alone, unchecked:
    an .onnx file, or a safetensors file with digitnet's metadata (how ``predict`` tells a model
    given after the files it reads, in the wrong place)."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():  # (not a FIFO, which would wait for a writer)
        return False
    if path.suffix.lower() == ".onnx":
        return True
    try:
        with safe_open(str(path), framework="numpy") as f:
            return (f.metadata() or {}).get("format") == FORMAT
    except Exception:  # safetensors raises its own error types and OSError
        return False


def ignored(record: str) -> str:
    """Where a model's ``record`` (one of :data:`OPTIONAL`) that is not valid is kept, as it was:
    ``config_ignored`` for ``config``."""
    return f"{record}_ignored"


def checked(header: dict, name: str) -> dict:
    """``header`` checked (:func:`digitnet.modelcheck.check_header`); each of a model's
    :data:`OPTIONAL` records that is not valid moved to :func:`ignored` of its name, with a
    UserWarning."""
    try:
        modelcheck.check_header(header, name)
        return header
    except ModelFileError:
        if header.get("kind", "model") != "model":
            raise  # a checkpoint's records are the run resuming it goes on with
    network = {k: v for k, v in header.items() if k not in OPTIONAL}
    modelcheck.check_header(network, name)  # what the network computes: refused as ever
    problems = {}
    for record in (r for r in OPTIONAL if r in header):
        try:
            modelcheck.check_header({**network, record: header[record]}, name)
        except ModelFileError as e:
            if record == "config" and _trainable(header["config"]):
                raise  # a recipe that contradicts the network: either may be the field edited
            problems[record] = str(e)
    kept = {k: v for k, v in header.items() if k not in problems}
    modelcheck.check_header(kept, name)  # (each record was checked alone: now together)
    for record, problem in problems.items():
        what, _, remedy = problem.rpartition("; ")  # (check_header's: "NAME: WHAT; REMEDY")
        # Not pointed at the caller: a command reading the file twice (its header, then its
        # network) notes it once, as Python shows a warning once from one place.
        warnings.warn(f"{what or problem}; it is ignored (kept as metadata "
                      f"{ignored(record)!r}): the network loads and predicts as saved, without "
                      f"{OPTIONAL[record]}" + (f"; {remedy}" if what else ""), UserWarning,
                      stacklevel=1)
        kept[ignored(record)] = _storable(header[record])
    return kept


def _storable(value):
    """``value``, a record as the file's JSON holds it, with each NaN or infinity (which Python
    reads in JSON, though JSON has no such numbers) as its text, ``"NaN"``: so that the record
    set aside is written again when the network is saved, and shown as JSON (``info --json``,
    the web API)."""
    return json.loads(json.dumps(value), parse_constant=str)


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
    """The error for a file safetensors cannot read: what it is instead when its contents or
    its name say so (:func:`what_instead`: a recording or picture given where the model goes, a
    study database of ``digitnet tune``...), else damaged."""
    instead = what_instead(path)
    if instead is not None and kind == "checkpoint":
        return ModelFileError(f"{path}: {instead[0]}, not a training checkpoint; --resume needs "
                              "the file written by --checkpoint")
    if instead is not None:
        return ModelFileError(f"{path}: {instead[0]}, not a model file; {instead[1]}")
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            what = "a training checkpoint" if kind == "checkpoint" else "a model file"
            return ModelFileError(f"{path}: is empty (0 bytes), not {what}; it was cut short or "
                                  "never written — re-save or retrain it")
    damage = _header_damage(path) or reason.partition("invalid JSON in header: ")[2]
    if damage:
        return ModelFileError(f"{path}: its safetensors header is damaged ({damage}); restore a "
                              "copy or retrain")
    return ModelFileError(f"{path}: not a readable safetensors model file ({reason}); "
                          "it may be truncated or corrupt — re-save or retrain it")


def _header_damage(path: Path) -> str | None:
    """What is wrong with the safetensors header ``path`` begins with (its 8-byte length, then
    that many bytes of a JSON object) when it is there but not JSON: "not valid JSON: ..."; None
    when it is JSON, or no header is there (the file too short for the length it gives)."""
    try:
        with open(path, "rb") as f:
            (size,) = struct.unpack("<Q", f.read(8).ljust(8, b"\xff"))
            if not 2 <= size <= min(os.fstat(f.fileno()).st_size - 8, 100 << 20):
                return None
            text = f.read(size)
    except OSError:
        return None
    if text[:1] != b"{":
        return None
    try:
        json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as e:
        return f"not UTF-8 text at byte {8 + e.start}"
    except ValueError as e:
        return f"not valid JSON: {e}"
    return None


#: The first 16 bytes of every SQLite database: how ``digitnet tune``'s study database
#: (``tune.db``) is told from a model file, whatever its name.
SQLITE_HEADER = b"SQLite format 3\x00"

_RECIPE_MOST = 1 << 20  # (bytes: a JSON file larger than this is not read to see if a recipe)


def what_instead(path) -> tuple[str, str] | None:
    """What the file at ``path``, which is not a model file, is, and what to do with it: by its
    contents, a study database of ``digitnet tune`` (SQLite with Optuna's tables: see it with
    ``digitnet show search``) or a training recipe (a JSON object of training options, as
    ``digitnet tune`` saves: ``digitnet train --config``); else by its name's ending
    (:data:`OTHER_KINDS`); None when neither says."""
    path, head = Path(path), b""
    try:
        if path.is_file():  # (not a FIFO, which would wait for a writer)
            with open(path, "rb") as f:
                head = f.read(_RECIPE_MOST + 1)
    except OSError:
        pass
    shown = words.shell(path)
    if head.startswith(SQLITE_HEADER):
        if _is_study(path):
            return ("a study database of digitnet tune (SQLite)",
                    f"see how its search went with `digitnet show search {shown}`")
        return "a SQLite database", "give a model saved by `digitnet train`"
    if _is_recipe(head):
        return ("a training recipe (a JSON object of training options, as digitnet tune saves)",
                f"train a model with it: `digitnet train --config {shown} --data DATA`")
    what = OTHER_KINDS.get(path.suffix.lower())
    if what == "a PyTorch file":  # (a module or a state dict, pickled: digitnet loads neither)
        return what, ("give a model saved by `digitnet train`, or bring its network in from "
                      "Python, digitnet.save(digitnet.from_torch(torch.load("
                      f"{str(path)!r}, weights_only=False)), 'model.safetensors'), or export it "
                      "with torch.onnx.export to an .onnx file, which digitnet reads as it is")
    return None if what is None else (what, "give a model saved by `digitnet train`")


def _is_study(path: Path) -> bool:
    """Whether the SQLite database at ``path`` holds Optuna's studies (as ``digitnet tune``
    writes them), read without changing it or leaving a file beside it: while its write-ahead
    log is there (Optuna's database is in WAL mode; a tune still has it open), read with the log;
    else as a file that cannot change (a read-only connection would leave -wal and -shm files
    beside a database closed cleanly)."""
    live = Path(f"{path}-wal").exists()
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if live else 'immutable=1'}"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return False
    return {"studies", "trials"} <= tables


def _is_recipe(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, is a whole JSON object of training options only
    (a TrainConfig's, as ``digitnet tune`` saves its best recipe)."""
    if len(head) > _RECIPE_MOST or head.lstrip()[:1] != b"{":
        return False
    try:
        fields = json.loads(head)
    except ValueError:  # (UnicodeDecodeError too)
        return False
    return (isinstance(fields, dict) and bool(fields)
            and set(fields) <= set(TrainConfig.fields()))


def jsonable(obj):
    """A NumPy number or array in a record as JSON takes it (``json.dumps``'s ``default``), as
    every file digitnet writes stores its records: a model file's header, an ONNX export's
    ``metadata_props``."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in a model file's metadata")
