"""Class folders of pictures read: each picture made MNIST-like, labelled by its folder.

:func:`digitnet.folders.read_folder` finds the class folders and what each holds, and hands those
of pictures here (those of recordings go to :func:`digitnet.recordings.read_class_folders`).
Every picture goes through :func:`digitnet.preprocess.to_mnist`, the way MNIST's digits were
made, and is stored as uint8 28x28, with its file's name (``7/a.png``), so that it can be found
again; read for a model that reads pictures as they are (Fashion-MNIST's: ``pictures``
"frames"), each is read as that model reads one instead (:func:`digitnet.preparation.picture`).
Read for no model (to train one), pictures that are nearly all 28x28 already and, as they are,
do not look like MNIST's digits (Fashion-MNIST's saved as PNG) are read as they are too, as
arrays and IDX files are told apart (:func:`digitnet.preparation.by_look`); each file is decoded
once, and made MNIST-like or kept as it is once that is known (:class:`_Reading`).
A file that is not a picture, or a picture that cannot be decoded or holds no ink, is skipped,
and the note names it.

What a picture is, in a folder, its name says: its ending (:data:`digitnet.images.IMAGE_EXTENSIONS`,
in any case), as it says a recording, as the kind of a folder is told (:mod:`digitnet.folderkinds`)
and as ``digitnet predict FOLDER`` picks the files it reads; a file named otherwise is not read.
One whose bytes are a picture all the same (``1015``, a PNG named without its ending) is said to
be one, with the name to give it (``1015.png``); a link that leads nowhere is said to be one
(:func:`digitnet.folderlinks.dangling`). Names are shown as :func:`digitnet.folderlinks.shown`
shows them (bytes that are not UTF-8 as ``\\xNN``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .audio import AUDIO_EXTENSIONS
from .errors import DataError, ImageError
from .folderlinks import dangling, left_out, shown
from .images import IMAGE_EXTENSIONS
from .inputs import Images
from .sources import sha256

__all__ = ["Pictures", "pictures_in", "read_class_folders", "skipped_note"]

_NAMED = 3  # skipped files named in the note; the rest are counted


@dataclass
class Pictures:
    """What a class folder holds: MNIST-style images with their labels, and what was skipped."""

    x: np.ndarray  # uint8 (n, 28, 28) (a model of frames: its shape), 0 = background, 255 = ink
    labels: np.ndarray  # uint8 (n,), indices into classes
    classes: tuple[str, ...]
    files: dict[str, str]  # "<folder>/" -> SHA-256 over every picture read (name and bytes)
    note: str | None
    skipped: list[str] = field(default_factory=list)  # "name (why)", as the note names them
    strays: list[str] = field(default_factory=list)  # pictures in no class folder, named
    names: tuple[str, ...] | None = None  # each one's file ("7/a.png"), from the folder read
    input: Images | None = None  # how they were read: as digits, or frames (as they are)


def pictures_in(folder: Path) -> list[Path]:
    """The pictures directly in ``folder`` (not in its subfolders: beside the class folders),
    hidden ones left out."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not left_out(p.name)
                  and p.suffix.lower() in IMAGE_EXTENSIONS)


def read_class_folders(part: Path, listing, classes: tuple[str, ...],
                       strays: list[str], pictures=None) -> Pictures:
    """The pictures of ``listing`` (each class folder of ``part`` with its class's name and its
    files), each read as a model of input ``pictures`` reads one (not images: as MNIST's digits
    were made; None, for no model: as :func:`digitnet.preparation.by_look` tells from them,
    which :attr:`Pictures.input` records); ``strays``
    are the pictures in no class folder, which are skipped and noted, as are the files that
    are not pictures (a recording among them is named as one).

    Raises DataError for a class folder without pictures, or when none could be read.
    """
    named = sum(p.suffix.lower() in IMAGE_EXTENSIONS for _, _, files in listing for p in files)
    reading = _Reading(pictures, named)
    read, skipped = [], []  # (the pictures decoded: (file, name, label, reading's entry))
    for folder, name, files in listing:
        found, unnamed = 0, []
        for path in files:
            relative = path.relative_to(part).as_posix()
            if path.suffix.lower() not in IMAGE_EXTENSIONS:
                what, picture = _not_read(path)
                unnamed += [path] if picture else []
                skipped.append((len(read), f"{shown(relative)} ({what})"))
                continue
            found += 1
            try:
                read.append((path, relative, classes.index(name),
                             reading.take(path, shown(relative))))
            except ImageError as e:  # (a link to nothing: said as one)
                why = dangling(path) or _reason(e, shown(relative))
                skipped.append((len(read), f"{shown(relative)} ({why})"))
        if not found:
            raise _no_pictures(folder, name, unnamed)
    return _prepared(part, read, skipped, classes, strays, reading)


def _prepared(part: Path, read: list, skipped: list, classes: tuple[str, ...],
              strays: list[str], reading: _Reading) -> Pictures:
    """The pictures ``read`` (decoded, in order) as ``reading`` prepares them, each skipped
    (as those ``skipped`` before, each with the number read before it) if that fails."""
    images, labels, names, digest, said = [], [], [], hashlib.sha256(), []
    before = iter(skipped + [(len(read), None)])  # (said in the order of the files)
    at, why = next(before)
    for i, (path, relative, label, entry) in enumerate(read):
        while at == i:
            said.append(why)
            at, why = next(before)
        try:
            x = reading.prepared(entry, shown(relative))
        except ImageError as e:  # (no ink)
            said.append(f"{shown(relative)} ({_reason(e, shown(relative))})")
            continue
        images.append(x)
        labels.append(label)
        names.append(relative)
        # (the name's bytes as the file system holds them: any name, UTF-8 or not)
        digest.update(f"{relative}\0{sha256(path)}\n".encode("utf-8", "surrogateescape"))
    while why is not None:
        said.append(why)
        at, why = next(before)
    if not images:
        raise DataError(f"{part}: none of its pictures could be read ({_listed(said)}); "
                        "give pictures of one digit (or object) each")
    return Pictures(np.stack(images), np.array(labels, dtype=np.uint8), classes,
                    {f"{part.name}/": digest.hexdigest()},
                    skipped_note(part, len(images), said, strays), said, strays,
                    tuple(names), reading.input)


class _Reading:
    """How the pictures of a folder are prepared, each decoded once (:meth:`take`): as the
    model of input ``pictures`` reads them, or, for no model (None), as they look
    (:func:`digitnet.preparation.by_look`). Those 28x28 already are kept as they are until
    that is told (uint8, as 8-bit files read exactly); of the others, while they may yet be
    few among ``named`` pictures (:func:`~digitnet.preparation.other_sizes_decide`), both
    readings are made (cheap: a resize), and none kept."""

    def __init__(self, pictures, named: int):
        from .preparation import DIGITS, FRAMES

        frames = isinstance(pictures, Images) and pictures.pictures == FRAMES
        self.shape = pictures.shape if frames else (28, 28)
        self.kind = FRAMES if frames else None if pictures is None else DIGITS
        self.named, self.other, self.sized = named, 0, []

    def take(self, path: Path, name: str):
        """The picture file ``path`` decoded, as :meth:`prepared` takes it; ImageError if it
        cannot be."""
        from .images import read_image
        from .preparation import DIGITS, KINDS, other_sizes_decide

        gray, _ = read_image(path, name=name)
        if self.kind is not None:
            return {self.kind: self._made(gray, self.kind, name)}
        if gray.shape == (28, 28):  # (undecided: kept, compactly when exactly so)
            pixels = np.rint(gray * 255).astype(np.uint8)
            kept = pixels if np.array_equal(pixels / np.float32(255), gray) else gray
            self.sized.append(pixels)
            return {None: kept}
        self.other += 1
        if other_sizes_decide(self.other, self.named):  # (photos: digits, the rest too)
            self.kind, self.sized = DIGITS, []
            return {DIGITS: self._made(gray, DIGITS, name)}
        return {kind: self._made(gray, kind, name) for kind in KINDS}

    def prepared(self, entry: dict, name: str) -> np.ndarray:
        """The picture ``entry`` (of :meth:`take`) as the pictures are read, uint8 pixels;
        ImageError if it holds no ink."""
        if self.kind is None:
            from .preparation import by_look

            sized = np.stack(self.sized) if self.sized else np.zeros((0, 28, 28), np.uint8)
            self.kind = by_look(sized, len(sized) + self.other)
            self.sized = []
        made = entry.get(self.kind)
        if made is None:
            kept = entry[None]
            made = self._made(kept / np.float32(255) if kept.dtype == np.uint8 else kept,
                              self.kind, name)
        if isinstance(made, ImageError):
            raise made
        return made

    @property
    def input(self) -> Images:
        """How the pictures were read (once :meth:`prepared` has been)."""
        return Images(self.shape, pictures=self.kind)

    def _made(self, gray: np.ndarray, kind: str, name: str):
        """``gray`` prepared as pictures of ``kind`` are, uint8 (as they are stored), or the
        ImageError saying why not."""
        from .preparation import picture

        try:
            x = picture(gray, Images(self.shape, pictures=kind), name=name)
        except ImageError as e:
            return e
        return np.round(x * 255).astype(np.uint8)


def _not_read(path: Path) -> tuple[str, bool]:
    """Why ``path``, in a class folder and not named as a picture, is not read: a link that
    leads nowhere, a recording, a picture named without its ending (Pillow tells it, as
    ``digitnet predict FILE`` reads a file named so), or not a picture; and whether it is such
    a picture."""
    if why := dangling(path):
        return why, False
    if path.suffix.lower() in AUDIO_EXTENSIONS:
        return "a recording", False
    ending = _picture_ending(path)
    if ending is None:
        return "not a picture", False
    return (f"a {ending[1:].upper()} picture named without a picture's ending: rename it "
            f"{shown(_renamed(path, ending).name)}"), True


#: The ending to give a picture file of each format Pillow tells (those digitnet reads).
_ENDINGS = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "BMP": ".bmp", "DIB": ".bmp",
            "GIF": ".gif", "WEBP": ".webp", "TIFF": ".tif"}


def _picture_ending(path: Path) -> str | None:
    """The ending of the picture ``path`` holds, as its first bytes tell (".png"), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return _ENDINGS.get(im.format or "")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def _renamed(path: Path, ending: str) -> Path:
    """``path`` with the picture's ``ending`` in place of what ends its name (or added)."""
    return path.with_name(path.name + ending) if not path.suffix else path.with_suffix(ending)


def _no_pictures(folder: Path, name: str, unnamed: list[Path]) -> DataError:
    """The error for class folder ``folder`` (class ``name``) without pictures: what to add,
    or, when it holds pictures named without their ending (``unnamed``), how to name them."""
    if unnamed:
        first = unnamed[0]
        return DataError(f"{shown(folder)}: class {name!r} has no files named as pictures, but "
                         f"{len(unnamed)} pictures named without a picture's ending, such as "
                         f"{shown(first.name)}; rename them so ({shown(first.name)} to "
                         f"{shown(_renamed(first, _picture_ending(first) or '.png').name)})")
    return DataError(f"{shown(folder)}: class {name!r} has no pictures "
                     f"({', '.join(IMAGE_EXTENSIONS)}); add some or remove the folder")


def skipped_note(part: Path, read: int, skipped: list[str], strays: list[str]) -> str | None:
    """The note naming the files ``skipped`` ("name (why)") and the pictures in no class folder,
    ``strays``, beside the ``read`` pictures read; None when there are none."""
    which, todo = "are not pictures of a digit (or object)", "fix or remove them"
    if strays and not skipped:
        which, todo = "lie in no class folder", "move each into its class's folder, or remove it"
    elif strays:
        which += " in a class folder"
        todo = "move those in no class folder into their class's, fix or remove the others"
        strays = [f"{name} (in no class folder)" for name in strays]
    if not (skipped := strays + skipped):
        return None
    return (f"{part}: skipped {len(skipped)} of {read + len(skipped)} files, which {which}: "
            f"{_listed(skipped)}; {todo}")


def _reason(error: ImageError, name: str) -> str:
    """The gist of an error about one picture: "no digit found: the image is blank", its
    asides in brackets left out, however deep they go (Pillow's "image file is truncated (0
    bytes not processed)" within digitnet's "truncated or corrupt (...)")."""
    reason, before = str(error).removeprefix(f"{name}: "), None
    while reason != before:  # the innermost aside each time, until none is left
        reason, before = re.sub(r" \([^()]*\)", "", reason), reason
    return reason.split(";")[0]


def _listed(skipped: list[str]) -> str:
    named = ", ".join(skipped[:_NAMED])
    return named + (f" and {len(skipped) - _NAMED} more" if len(skipped) > _NAMED else "")
