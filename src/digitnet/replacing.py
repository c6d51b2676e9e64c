"""What a file digitnet writes may replace: one rule for every kind of file it writes, here.

Every file digitnet writes goes atomically over whatever is at its path
(:func:`digitnet.modelfile.atomic_write`), so what was there is gone. Before anything is written
(before a command does its work), :func:`check` refuses to replace anything but nothing, an
empty file, or the kind of file being written, written before:

* ``"model"`` (``train --out``, ``edit --out``, :func:`digitnet.save`): a digitnet model, so
  training again under the same name replaces the last model;
* ``"checkpoint"`` (``train --checkpoint``): the checkpoint the run resumes (``resumed``), or
  the checkpoint of a run that finished (its epochs all done, or stopped early); never another
  run's unfinished checkpoint, which could still be resumed;
* ``"export"`` (``digitnet export``, :func:`digitnet.interop.export.export`): a previous export
  of digitnet's, of either format;
* ``"recipe"`` (``digitnet tune --out``): a recipe, a JSON object of training options;
* ``"picture"`` (``digitnet show ... --out``, :func:`digitnet.viz.save_figure`): a picture
  digitnet drew, a PNG one for a .png name, an SVG one for .svg: every picture it draws says so
  (:func:`picture_metadata`), as do the inputs ``predict --save-input`` saves, so a picture of
  your own (a digit you saved), one another program drew (matplotlib's ``savefig`` outside
  digitnet) or one an older digitnet drew unmarked is not (``--save-input`` then saves beside it).

So never a model under another kind (a picture or an export named as a model is; the name does
not matter), a checkpoint under a model, another program's file (a safetensors file PyTorch
saved, with metadata ``{'format': 'pt'}``; an ONNX graph another exporter wrote; a picture
digitnet did not draw), or any other file (notes): each is refused as a ConfigError of one line
that says what is there and what to do (give the option another file name, or delete that file
first). A folder, a device or a read-only file is left to
:func:`digitnet.modelfile.check_writable`; a symbolic link is written through, so the file it
links to is the one judged.

Files are told by their first bytes, never by their names: a safetensors header's metadata, an
ONNX file's first fields (its ``producer_name``), a PNG's signature and the ``Software`` text of
a tEXt chunk before its first IDAT, an SVG's ``<svg`` and the creator in the ``<metadata>`` at
its top. A file cut short is still told by them.
"""

from __future__ import annotations

import html
import json
import os
import re
import struct
from pathlib import Path

from . import words
from .errors import ConfigError, DigitnetError, one_line

__all__ = ["KINDS", "check", "finished", "picture_metadata", "same_file"]

#: What each kind of file written is, for messages, and what writing it there is doing.
KINDS = {"model": ("a digitnet model", "saving the model there"),
         "checkpoint": ("a training checkpoint", "saving this run's checkpoint there"),
         "export": ("one of digitnet's exports", "exporting"),
         "recipe": ("a recipe of training options", "saving the best recipe there"),
         "picture": ("a picture", "saving the picture there")}

#: What each kind may replace, by what :func:`_found` says a file is.
_REPLACES = {"model": {"model"}, "checkpoint": {"finished"}, "export": {"export"},
             "recipe": {"recipe"}}

#: What a library caller is told to do instead (a command names its option).
_ELSEWHERE = {"export": "write the export under another name"}

#: How much of a file is read to tell what it is (a recipe is read whole, up to a megabyte).
_HEAD, _RECIPE_BYTES = 1 << 16, 1 << 20
_PNG = b"\x89PNG\r\n\x1a\n"
#: What every picture digitnet draws says drew it, first (:func:`picture_metadata`).
_DRAWN_BY = "digitnet"
#: Where an SVG of matplotlib's names what drew it, in its ``<metadata>``.
_SVG_CREATOR = re.compile(rb"<dc:creator>\s*<cc:Agent>\s*<dc:title>([^<]*)</dc:title>")


def picture_metadata(fmt: str) -> dict[str, str]:
    """The metadata that marks a picture as one digitnet drew, for matplotlib's ``savefig`` in
    format ``fmt`` ("png": its ``Software`` text, "svg": its ``Creator``): "digitnet 0.2.0". A
    picture digitnet draws may replace only a picture so marked (:func:`check`)."""
    from ._version import __version__

    return {"Software" if fmt == "png" else "Creator": f"{_DRAWN_BY} {__version__}"}


def check(path: str | os.PathLike, kind: str, *, option: str | None = None,
          resumed: str | os.PathLike | None = None) -> None:
    """Raise ConfigError unless a file of ``kind`` (one of :data:`KINDS`) may be written at
    ``path`` (see the module docstring). ``option``: the command's option that names ``path``
    ("--out"), which the message tells to change; ``resumed``: the checkpoint a run resumes,
    which its checkpoint may replace."""
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        if not target.is_file() or target.stat().st_size == 0:
            return  # nothing to lose (a folder, a FIFO...: check_writable says what it is)
    except OSError:
        return  # (not to be read: check_writable says why it cannot be written either)
    if kind == "checkpoint" and resumed is not None and same_file(target, resumed):
        return
    sort, what = _found(target)
    if kind == "picture":
        allowed = {".png": "drawn png", ".svg": "drawn svg"}.get(path.suffix.lower())
        if sort == allowed:
            return
    elif sort in _REPLACES[kind]:
        return
    raise ConfigError(_refusal(path, target, kind, sort, what, option))


def _refusal(path: Path, target: Path, kind: str, sort: str, what: str | None,
             option: str | None) -> str:
    """The line that refuses to write a file of ``kind`` over ``target``, which is ``what``."""
    thing, doing = KINDS[kind]
    if kind == "picture":
        thing = "an SVG picture" if path.suffix.lower() == ".svg" else "a PNG picture"
    via = f" (it links to {target})" if path.is_symlink() else ""
    instead = (f"give {option} another file name" if option else
               _ELSEWHERE.get(kind, "save it under another name"))
    if sort == "unfinished" and option:
        instead = f"resume it with --resume {words.shell(path)}, {instead}"
    remedy = f"{instead}, or delete that file first"
    if kind == "picture" and sort == path.suffix.lower()[1:]:  # a picture of someone else's
        return (f"{path}: is {what}{via}, not one digitnet drew, and {doing} would replace it; "
                f"{remedy}")
    if sort in ("model", "finished", "unfinished", "digitnet"):  # digitnet's own file
        if kind == "export":
            made = "an ONNX graph" if path.suffix.lower() == ".onnx" else "a PyTorch state dict"
            return (f"{path}: is {what}{via}, which exporting to it would replace with {made} "
                    f"that digitnet cannot load; {remedy}")
        said = what
    else:
        said = f"{what}, not {thing}" if what else f"not {thing}"
    return f"{path}: is {said}{via}, and {doing} would replace it; {remedy}"


def _found(path: Path) -> tuple[str, str | None]:
    """What the file at ``path`` is, told by its bytes: a sort :data:`_REPLACES` names (or
    "other", "digitnet", "drawn png", "drawn svg": a picture digitnet drew, "png", "svg": any
    other, "unknown") and what it is in words (None: unknown)."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD)
    except OSError:
        return "unknown", None
    meta = _safetensors_metadata(path, head)
    if meta is not None:
        return _safetensors_sort(meta)
    producer = _onnx_producer(head)
    if producer is not None:
        from .interop.onnx import PRODUCER

        if producer == PRODUCER:
            return "export", "a digitnet ONNX export"
        return "other", f"an ONNX model written by {one_line(producer) or 'an unnamed exporter'}"
    if head.startswith(_PNG):
        return _picture("png", "a PNG picture", _png_software(head))
    if (head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg"))
            and b"<svg" in head[:4096]):
        creator = _SVG_CREATOR.search(head[:4096].partition(b"</metadata>")[0])
        return _picture("svg", "an SVG picture", creator and html.unescape(
            creator[1].decode("utf-8", "replace")))
    if head.startswith(b"SQLite format 3\x00"):
        return "other", "a SQLite database"
    if _is_recipe(path):
        return "recipe", "a recipe of training options"
    return "unknown", None


def _picture(sort: str, what: str, drawn_by: str | None) -> tuple[str, str]:
    """What a picture (``sort``: "png" or "svg") is whose file says it was drawn by
    ``drawn_by`` (None: it does not say), as :func:`_found` says it."""
    if drawn_by is not None and drawn_by.split(" ")[0] == _DRAWN_BY:
        return f"drawn {sort}", f"{what} digitnet drew"
    if not drawn_by:
        return sort, what
    drawn_by = one_line(drawn_by if len(drawn_by) <= 80 else drawn_by[:77] + "...")
    return sort, f"{what} made by {json.dumps(drawn_by, ensure_ascii=False)}"


def _png_software(head: bytes) -> str | None:
    """The ``Software`` text of the PNG whose first bytes are ``head``, from a tEXt chunk before
    its first IDAT (where digitnet and matplotlib write it); None when there is none there."""
    at = len(_PNG)
    while at + 8 <= len(head):
        (size,), kind = struct.unpack(">I", head[at:at + 4]), head[at + 4:at + 8]
        if kind in (b"IDAT", b"IEND") or at + 8 + size > len(head):
            return None
        keyword, _, text = head[at + 8:at + 8 + size].partition(b"\0")
        if kind == b"tEXt" and keyword == b"Software":
            return text.decode("latin-1")
        at += 12 + size  # (length, type, data, CRC)
    return None


def _safetensors_sort(meta: dict) -> tuple[str, str]:
    """What a safetensors file whose metadata is ``meta`` is (as :func:`_found` says it)."""
    from .interop.torch import is_export
    from .modelread import FORMAT

    if meta.get("format") == FORMAT and "digitnet" in meta:
        try:
            header = json.loads(meta["digitnet"])
            kind = header.get("kind", "model")
        except (ValueError, AttributeError, TypeError):
            return "digitnet", "a digitnet file whose record cannot be read"
        if kind == "model":
            return "model", "a digitnet model"
        if kind != "checkpoint":
            return "digitnet", f"a digitnet file of kind {kind!r}"
        progress = header.get("checkpoint")
        if finished(header, progress):
            return "finished", "the checkpoint of a finished run"
        return "unfinished", f"the checkpoint of an unfinished run{_done(header, progress)}"
    if is_export(meta):
        return "export", "a digitnet export for PyTorch"
    return "other", "a safetensors file"


def finished(meta: dict, progress) -> bool:
    """Whether the run of a checkpoint whose record is ``meta`` (its ``config``) and whose
    progress is ``progress`` finished: its epochs all done, or stopped early. A record that
    does not say (edited) is of a run not finished."""
    try:
        epochs = (meta.get("config") or {}).get("epochs")
        return bool(progress.get("stopped_early")) or (
            epochs is not None and progress["epoch"] >= epochs)
    except (AttributeError, KeyError, TypeError):
        return False


def _done(header: dict, progress) -> str:
    """" (1 of 3 epochs done)", or nothing when the record does not say."""
    try:
        epoch, epochs = int(progress["epoch"]), int(header["config"]["epochs"])
    except (KeyError, TypeError, ValueError):
        return ""
    return f" ({epoch} of {epochs} epochs done)"


def _safetensors_metadata(path: Path, head: bytes) -> dict | None:
    """The metadata of a safetensors file (``{}`` when it has none), read from its header
    alone (so of a file cut short after it too); None when ``head`` begins no safetensors
    header."""
    if len(head) < 9 or head[8:9] != b"{":
        return None
    (size,) = struct.unpack("<Q", head[:8])
    if size > 100 << 20:
        return None
    try:
        with open(path, "rb") as f:
            f.seek(8)
            header = json.loads(f.read(size).decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict):
        return None
    meta = header.get("__metadata__") or {}
    return meta if isinstance(meta, dict) else {}


def _onnx_producer(head: bytes) -> str | None:
    """The ``producer_name`` of the ONNX model (a ModelProto) whose first bytes are ``head`` (""
    when it has none), or None when they do not begin one: its first field, ir_version, then
    (protobuf writes fields in order) the producer's name, or a later field of a ModelProto."""
    if head[:1] != b"\x08":  # field 1, ir_version, a varint
        return None
    _, at = _varint(head, 1)
    tag, at = _varint(head, at)
    if tag is None:
        return None
    field, wire = tag >> 3, tag & 7
    if (field, wire) == (2, 2):
        size, at = _varint(head, at)
        try:
            return None if size is None or at + size > len(head) else (
                head[at:at + size].decode("utf-8"))
        except UnicodeDecodeError:
            return None
    return "" if _LATER.get(field) == wire else None


#: The fields of an ONNX ModelProto after its producer's name, with their wire types.
_LATER = {3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2}


def _varint(data: bytes, at: int) -> tuple[int | None, int]:
    """The varint at ``data[at:]`` and where the next field begins (None: not one)."""
    value, shift = 0, 0
    while at < len(data) and shift < 64:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at
    return None, at


def _is_recipe(path: Path) -> bool:
    """Whether ``path`` holds a JSON object of training options, each with a value it takes
    (as ``digitnet train --config`` reads it)."""
    from .config import checked_option

    if path.stat().st_size > _RECIPE_BYTES:
        return False
    try:
        fields = json.loads(path.read_bytes().decode("utf-8-sig"))
        if not isinstance(fields, dict):
            return False
        for name, value in fields.items():
            checked_option(name, value)
    except (ValueError, DigitnetError, OSError, TypeError, RecursionError):
        return False
    return True


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file: the same file (through links, or another spelling of
    the path), or, when one is not there yet, the same place."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
