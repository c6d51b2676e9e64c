"""The one walk through a folder's files, for training's class folders and ``digitnet predict
FOLDER`` alike (:func:`walk`), and what it leaves out: hidden files and folders, symbolic links
that lead back into the folder read, and links that lead nowhere.

What a folder's walk leaves out, one rule (:func:`left_out`): a hidden name (``.name``: also the
``._name`` files macOS writes beside each file on disks it does not own) and ``__MACOSX/``, the
folder of those ``._`` files that macOS's Archive Utility puts in every zip it makes.

Symbolic links to folders are followed, unless they lead to the data folder read or to a folder
of it (:class:`Tree`): the folder itself, a folder above it, or any folder it reads by its own
path, in whichever order the walk meets the link and the folder. A link ``9/up`` to ``..``
would otherwise read every other class's pictures again as 9s. Such a link is left out, and
named in a note with where it leads (:attr:`Tree.notes`), unless it leads within its own class
folder (``7/again`` to ``.``), where its files are read as that class all the same. A folder
outside reached by two links is read once, through the first. A link that leads nowhere (to
nothing, or round in a loop) is a file that cannot be read (:func:`dangling` says which).

Names that are not UTF-8 (bytes a Linux file system holds as they were written: ``caf\\xe9``
from Latin-1) are read as Python reads them (surrogate escapes) and shown, in the messages and
notes written here and in class names, as ``\\xNN`` text (:func:`shown`).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import DataError

__all__ = ["NotWalked", "Tree", "dangling", "left_out", "shown", "walk"]

#: The folder of ``._`` files macOS's Archive Utility adds to every zip it makes.
MACOS_ZIP_FOLDER = "__MACOSX"


def left_out(name: str) -> bool:
    """Whether a file or folder named ``name`` is left out of every folder read: hidden ones
    (``.name``; the ``._name`` files of macOS among them) and ``__MACOSX/``, where a zip made on
    macOS keeps those ``._`` files."""
    return name.startswith(".") or name == MACOS_ZIP_FOLDER


def shown(name: str | os.PathLike) -> str:
    """``name`` as messages show it: its bytes that are not UTF-8 (held by Python as surrogate
    escapes) written as ``\\xNN``, as Python shows such bytes; a UTF-8 name as it is."""
    text = os.fspath(name)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def dangling(path: Path) -> str | None:
    """Why ``path``, a symbolic link that leads nowhere, cannot be read ("a link that leads
    nowhere (a loop)", or to a file that is not there); None for any other path."""
    try:
        os.stat(path)
        return None
    except OSError as e:
        if not os.path.islink(path):
            return None
        if e.errno == errno.ELOOP:
            return "a link that leads nowhere: it leads round in a loop"
        return f"a link that leads nowhere: to {shown(os.readlink(path))}, which is not there"


class NotWalked(NamedTuple):
    """A folder :func:`walk` did not read, with the one-line error saying why; ``again``: it is
    a link to a folder read already or read by its own path (:class:`Tree`), whose files are
    read once, there."""

    path: Path
    error: DataError
    again: bool = False


class Tree:
    """The folders a data folder ``root`` reads by their own paths, for the links met in it:
    ``root``, its ``class_folders`` (any of which may be a link to a folder elsewhere) and every
    folder in those but hidden ones. A link to one of those, or to a folder above one, is left
    out (:func:`walk`); those that lead out of their own class folder are noted (:attr:`notes`,
    one line each, naming the link and where it leads)."""

    def __init__(self, root: str | os.PathLike, class_folders=()):
        self.root = Path(root)
        self.anchors: dict = {}  # identity -> the folder, read by its own path
        self.holding: dict = {}  # identity of a folder above one of those -> that one
        for folder in (self.root, *class_folders):
            try:
                self.anchors.setdefault(_identity(folder), Path(folder))
            except OSError:
                continue
            for above in Path(os.path.realpath(folder)).parents:
                try:
                    self.holding.setdefault(_identity(above), Path(folder))
                except OSError:
                    continue
        self.seen: dict = {}  # identity -> (identity of the class folder, the path read by)
        self.notes: list[str] = []

    def note(self) -> str | None:
        """The notes on the links left out, one a line; None when there were none."""
        return "\n".join(self.notes) or None

    def named(self, folder: Path) -> str:
        """``folder`` as a note names it: from the data folder when in it ("8/sub/")."""
        if folder == self.root:
            return f"{shown(self.root)} itself"
        try:
            return shown(folder.relative_to(self.root).as_posix()) + "/"
        except ValueError:
            return shown(folder)

    def leads(self, link: Path, identity) -> tuple[str, object] | None:
        """Where ``link``, a link to the folder ``identity``, leads when that is read by its own
        path or holds one that is (said as a note says it, with the identity of the folder
        read whose part it is, or None); None when it leads elsewhere, or into a hidden folder
        (read only through the link)."""
        if identity in self.anchors:
            return self.named(self.anchors[identity]), identity
        real = Path(os.path.realpath(link))
        if identity in self.holding:
            return f"{shown(real)}, which holds {self.named(self.holding[identity])}", None
        for above in real.parents:
            try:
                found = _identity(above)
            except OSError:
                return None
            if found in self.anchors:
                inside = real.relative_to(above)
                if any(left_out(part) for part in inside.parts):
                    return None
                return self.named(self.anchors[found] / inside), found
        return None

    def left(self, path: Path, what: str, whose, mine) -> None:
        """Note ``path``, left out: ``what`` it is ("a link to 8/"), part of the folder read
        ``whose``; unless that is the class folder walked, ``mine`` (its files are read as that
        class's all the same)."""
        if whose == mine:
            return
        self.notes.append(f"{shown(self.root)}: left out {self.named(path).rstrip('/')}, {what}: "
                          "no file is read twice, or as a class other than that of the folder "
                          "holding it")


def walk(folder: str | os.PathLike, tree: Tree | None = None) -> Iterator[Path | NotWalked]:
    """Every file under ``folder``, at any depth: a folder's files sorted by name, then its
    folders' files, folder by folder, sorted; hidden files and folders, and ``__MACOSX/``, left
    out (:func:`left_out`). Symbolic links to folders are followed, unless they lead to the
    folder read (``tree``, a :class:`Tree`: that of ``folder`` when None), a folder above it or
    a folder of it, or to a folder read already (each folder is read once, however many links
    lead to it); a link that leads nowhere is a file that cannot be read (:func:`dangling`).
    What class folders hold and what ``digitnet predict FOLDER`` reads are both found here.

    Yields ``Path`` objects, and a :class:`NotWalked` for each folder that cannot be read or is
    left out, so that a caller can report it and go on, or stop.
    """
    folder = Path(folder)
    tree = tree or Tree(folder, [folder])
    waiting, mine = [(folder, False)], None  # (mine: the folder's identity, once read)
    while waiting:  # (a list, not recursion: folders may nest deeper than Python recurses)
        current, linked = waiting.pop()
        try:
            identity = _identity(current)
            with os.scandir(current) as found:
                entries = sorted((e for e in found if not left_out(e.name)), key=lambda e: e.name)
        except OSError as e:
            why = "permission denied" if isinstance(e, PermissionError) else e.strerror or e
            yield NotWalked(current, DataError(f"{shown(current)}: cannot read this folder "
                                               f"({why})"))
            continue
        mine = identity if current == folder else mine
        if current != folder and (skipped := _left_out(tree, current, identity, linked, mine)):
            yield skipped
            continue
        tree.seen.setdefault(identity, (mine, current))
        files, subfolders = [], []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:  # a link to itself, say: a file that cannot be read
                is_folder = False
            if is_folder:
                subfolders.append((Path(entry.path), entry.is_symlink()))
            else:
                files.append(Path(entry.path))
        yield from files
        waiting += reversed(subfolders)


def _left_out(tree: Tree, current: Path, identity, linked: bool, mine) -> NotWalked | None:
    """The folder ``current`` left out, reached again or through a link that leads into the
    folder read (noted in ``tree`` unless within the class folder walked, ``mine``)."""
    if identity in tree.seen:
        whose, first = tree.seen[identity]
        through = f"read already through {tree.named(first).rstrip('/')}"
        tree.left(current, f"a link to {shown(os.path.realpath(current))}, {through}" if linked
                  else f"a folder {through}", whose, mine)
        return NotWalked(current, DataError(f"{shown(current)}: links to a folder read already; "
                                            "skipped, not read again"), again=True)
    leads = linked and tree.leads(current, identity)
    if not leads:
        return None
    where, whose = leads
    tree.left(current, f"a link to {where}", whose, mine)
    return NotWalked(current, DataError(f"{shown(current)}: links to {where}, which is read by "
                                        "its own path; skipped, not read twice"), again=True)


def _identity(folder) -> tuple[int, int]:
    """What tells a folder from every other, however it is reached: its device and inode."""
    info = os.stat(folder)
    return info.st_dev, info.st_ino
