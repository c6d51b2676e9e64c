"""Folders of pictures in: one folder per class, the convention torchvision's ImageFolder made
familiar. ::

    my-digits/                    or   my-digits/
        0/a.png  0/b.jpg ...              train/0/a.png ... train/9/z.png
        1/c.png ...                       test/0/k.png ...  test/9/q.png
        ...

Every picture goes through :func:`digitnet.preprocess.to_mnist`, the way MNIST's digits were
made (cropped to the ink, fitted into 20x20, centred by mass in 28x28, white on black), so a
stack of photos of your own handwriting becomes a data set like MNIST, stored as uint8 28x28
(:mod:`digitnet.picturefolders`); but pictures nearly all 28x28 already that do not look like
MNIST's digits (Fashion-MNIST's saved as PNG) are read as they are, as arrays are
(:func:`digitnet.preparation.by_look`), and a note says so (of the split "all", told from
``train/``, for ``test/`` too; a model's data is read as the model reads pictures).
The class names are the folder names, sorted, each in Unicode's composed form (NFC): a folder
named "é" on macOS (e and a combining accent) is the class "é" a model trained elsewhere has.
When every class folder is named by one digit, the classes are the ten digits 0-9 (label 7 is
the folder ``7``, whichever folders exist), so a network trained on MNIST and one trained on the
folder agree on what each output means.

With ``train/`` (and ``test/``) inside, those are the splits; otherwise the whole folder is one
split, the training data; split "all" is every example, of both. Pictures inside the class
folders are found at any depth, through symbolic links to folders too (each folder read once),
but for a link back into the data folder (``9/up`` to ``..``: each file is read once, as the
class of its own folder; noted); hidden files and folders (``.name``) and a zip's ``__MACOSX/``
are left out: :func:`walk` (:mod:`digitnet.folderlinks`) finds them, as it finds the files
``digitnet predict FOLDER`` reads. A class folder's name that is not UTF-8 is its class as
:func:`_class_name` says.

Class folders of recordings (``my-voice/7/a.wav``: soundcheck.FORMATS) are read the same way,
each recording turned into the picture of its sound (:mod:`digitnet.recordings`). ``train/`` and
``test/`` may instead each hold recordings named as FSDD names them (digit, speaker, number:
``george/test/7_george_32.wav``), each read whole, as a folder of them is read. Class folders
holding both are read as the kind of at least twice as many of their files as the other
(:mod:`digitnet.folderkinds`; Hugging Face's ``load_dataset`` reads a folder as its most common
kind of file, however slight the majority), and the other kind's files are skipped and noted,
as a stray ``cover.png`` among recordings is; when neither is twice the other, the folder is
refused, naming how many of each it holds and one of each.

A folder that cannot be a data set is one line naming it and what to do: no class folders, a
class folder with no pictures, recordings and pictures too mixed to tell which are the data
set, a folder of data sets (which to give), a folder holding one folder of class folders (as
unzipping often leaves it: where to point instead), folders named as splits that are not digitnet's
(``val/`` beside ``train/``: digitnet holds out its own validation examples; ``training/``;
``test/`` without ``train/``; ``train/`` beside class folders), or a named class that only
``test/`` holds, which the network could never learn. A bad file inside an otherwise good
folder (a file that is not a picture, a picture that cannot be decoded or holds no ink, a
picture beside the class folders, in none) does not stop the others: it is skipped, and the
data set's note names it, so you can fix it or leave it out (one note for the folder named,
whichever of its splits the file is in).

A single class folder is read: a model that knows its class is scored on it (``digitnet
evaluate MODEL --data sevens/``), as on a folder of FSDD-named recordings of one digit; training
refuses it (a classifier needs two classes; :func:`digitnet.recipes.check_classes_trained`).
Holding folders (``sevens/7/take1/a.wav``), it is one class, its files at any depth, when the
model it is for has a class 7 and none named as those; else a data set one folder too deep
(:func:`_reading`), or, when that cannot be told, refused naming both readings.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .arrays import MAX_CLASSES
from .errors import DataError, listed
from .folderkinds import (by_kind, check_not_datasets, joined, majority, no_class_folders,
                          too_mixed)
from .folderlinks import NotWalked, Tree, left_out, shown, walk
from .inputs import Audio, Input
from .picturefolders import Pictures, pictures_in, read_class_folders
from .preparation import FRAMES, frames_note
from .sources import DIGITS

__all__ = ["SPLIT_FOLDERS", "NotWalked", "Pictures", "has_test_split", "kind_held", "read_folder",
           "walk"]

SPLIT_FOLDERS = ("train", "test")
#: Folder names (lower-cased) that name a split, with the split digitnet reads them as (None:
#: a validation set, which digitnet holds out of train/ itself).
_SPLIT_NAMES = {"train": "train", "training": "train", "test": "test", "testing": "test",
                "val": None, "valid": None, "validation": None}


def has_test_split(root: str | os.PathLike) -> bool:
    """Whether a class folder has a ``test/`` part beside ``train/``."""
    return _splits(Path(root)) == set(SPLIT_FOLDERS)


def read_folder(root: str | os.PathLike, split: str = "train", audio: Audio | None = None,
                model_classes: Sequence[str] | None = None, pictures: Input | None = None):
    """Read ``split`` of a folder of class folders (see the module docstring): its
    :class:`Pictures`, or its :class:`~digitnet.recordings.Recordings` made with the front end
    ``audio`` (default :class:`~digitnet.inputs.Audio`'s parameters). Split "all" is every
    example, of ``train/`` and ``test/`` (or of the one set of class folders), with one note
    naming the files of either that were skipped, from ``root``. Each example keeps its file's
    name from ``root`` (``names``: "7/a.png", "test/7/a.png"). ``model_classes``: those of the
    model the data is for, to tell one class folder from a data set too deep (:func:`_reading`);
    ``pictures``, its input record, to read pictures as it reads them (default: as they look,
    :func:`digitnet.preparation.by_look`, recorded in the result's ``input``).

    Raises
    ------
    DataError
        No class folders; a class folder without pictures; one folder holding class folders
        (a data set one folder too deep); split folders digitnet does not read as splits; a
        named class only ``test/`` holds; no ``test/`` folder for the test split; no picture
        at all could be read; train/ and test/ of different kinds (pictures, recordings) for
        the split "all".
    """
    root = Path(root)
    splits = _splits(root)
    if splits:
        if split not in (*splits, "all"):
            raise DataError(f"{root}: no {split}/ folder beside {'/, '.join(sorted(splits))}/; "
                            f"put the {split} pictures in {root / split}/<class>/")
        classes = _class_names(*(root / s for s in sorted(splits)))
    else:
        _check_layout(root)
        classes = _class_names(root)  # (none at all is said first, whichever split)
        if split not in ("train", "all"):
            raise DataError(f"{root}: holds one set of class folders, no {split}/ folder; to "
                            f"keep {split} pictures apart, put them in {root / split}/<class>/ "
                            f"and the others in {root / 'train'}/<class>/")
    parts = [root / s for s in SPLIT_FOLDERS if s in splits] if splits else [root]
    if not any(_fsdd_named(p) for p in parts):
        _check_classes(parts, top=not splits, known=model_classes)
    audio, tree = audio or Audio(), _tree(root, parts)
    if not splits:
        read = _read_split(root, classes, audio, split, tree, reads=pictures)
    elif split == "all":  # (and pictures beside train/ and test/, in neither)
        found = [_read_split(parts[0], classes, audio, "all", tree, reads=pictures)]
        reads = pictures or getattr(found[0], "input", None)  # (test/ read as train/ was)
        found += [_read_split(part, classes, audio, "all", tree, reads=reads)
                  for part in parts[1:]]
        read = joined(root, parts, found, [p.name for p in pictures_in(root)])
        if isinstance(read, Pictures):
            read.input = found[0].input
    else:
        beside = [str(p) for p in pictures_in(root)] if split == "train" else []
        read = _read_split(root / split, classes, audio, "all", tree, beside, pictures)
        read.names = tuple(f"{split}/{name}" for name in read.names)  # (named from root)
    frames = (pictures is None and split != "test"  # (said of the training pictures, once)
              and getattr(getattr(read, "input", None), "pictures", "") == FRAMES)
    notes = (frames_note(shown(root)) if frames else None, read.note, tree.note())
    read.note = "\n".join(n for n in notes if n) or None  # (links left out)
    return read


def _read_split(part: Path, classes: tuple[str, ...], front_end: Audio, flat: str, tree: Tree,
                beside: list[str] | None = None, reads: Input | None = None):
    """The examples of ``part`` (the folder, or its train/ or test/): FSDD-named recordings (the
    split ``flat`` of them), class folders of recordings, or class folders of pictures, noting
    those in no class folder, with the pictures ``beside`` the part, read as a model of input
    ``reads`` reads them; the links in them walked as links in the data folder ``tree``."""
    if _fsdd_named(part):
        from .recordings import read_flat

        return read_flat(part, flat, front_end)
    listing = [(folder, _class_name(folder), _files(folder, tree)) for folder in _folders(part)]
    if not listing:  # (a split without class folders beside one with them)
        raise no_class_folders(part)
    sounds, pictures = by_kind([p for _, _, files in listing for p in files])
    kind = majority(len(sounds), len(pictures))
    if kind is None:
        raise too_mixed(part, sounds, pictures)
    check_not_datasets(part, listing, kind)  # (mnist/ beside free-spoken-digits/: one too high)
    if kind == "audio":
        from . import recordings

        return recordings.read_class_folders(part, listing, classes, front_end)
    strays = [p.name for p in pictures_in(part)] + (beside or [])
    return read_class_folders(part, listing, classes, strays, reads)


def kind_held(root: str | os.PathLike) -> str | None:
    """"audio" or "images": the kind of examples :func:`read_folder` reads from ``root``'s
    class folders (or from each of its train/ and test/), told from their files' names; None
    when they hold neither, or train/ and test/ differ, or they are too mixed to tell
    (:data:`digitnet.folderkinds.CLEAR_MAJORITY`): what :func:`digitnet.kinds.kind_of` says of
    a folder."""
    root = Path(root)
    splits = _splits(root)
    found, parts = set(), [root / s for s in sorted(splits)] if splits else [root]
    tree = _tree(root, parts)
    for part in parts:
        if _fsdd_named(part):
            found.add("audio")
            continue
        sounds, pictures = by_kind([p for d in _folders(part) for p in _files(d, tree)])
        found.add(majority(len(sounds), len(pictures)) if sounds or pictures else None)
    return found.pop() if len(found) == 1 else None


def _splits(root: Path) -> set[str]:
    """{"train"} or {"train", "test"} when ``root`` is split that way, else empty."""
    names = {d.name for d in _folders(root)}
    return names if names and "train" in names and names <= set(SPLIT_FOLDERS) else set()


def _check_layout(root: Path) -> None:
    """Refuse folders named as splits in a layout digitnet does not read as splits, rather than
    read them as classes: val/ beside train/, training/ for train/, test/ without train/, a split
    folder beside class folders, or a split folder holding pictures and no class folders."""
    names = [d.name for d in _folders(root)]
    odd = [n for n in names if n.lower() in _SPLIT_NAMES]
    if not odd:
        return
    for name in (n for n in odd if _SPLIT_NAMES[n.lower()] == n):  # (val/, Train/: below)
        if not _folders(root / name) and not _fsdd_named(root / name):
            raise no_class_folders(root / name)
    others = [n for n in names if n not in odd]
    if others:
        raise DataError(f"{root}: holds {_slashed(odd)} beside class folders ({_span(others)}); "
                        f"put the class folders inside {root / 'train'}/ (or test/), or rename "
                        f"{_slashed(odd)} if it is a class")
    renames = [(n, _SPLIT_NAMES[n.lower()]) for n in odd
               if _SPLIT_NAMES[n.lower()] not in (None, n)]
    if renames:
        raise DataError(f"{root}: holds {_slashed(n for n, _ in renames)}; digitnet reads the "
                        "splits from folders named train/ and test/: rename "
                        + listed(f"{n}/ to {to}/" for n, to in renames))
    held = [n for n in odd if _SPLIT_NAMES[n.lower()] is None]
    if "train" not in odd:
        raise DataError(f"{root}: holds {_slashed(odd)} but no train/; put the training "
                        f"pictures in {root / 'train'}/<class>/")
    raise DataError(f"{root}: holds {held[0]}/ beside {_slashed(n for n in odd if n != held[0])}; "
                    "digitnet reads train/ and test/, and holds out part of train/ for "
                    f"validation itself (--val-fraction): put the pictures of {held[0]}/ in "
                    f"train/'s class folders, or move {held[0]}/ out of {root}")


def _check_classes(parts: list[Path], top: bool, known: Sequence[str] | None) -> None:
    """Refuse a single class folder that holds a data set itself (one folder too deep), and a
    class that test/ holds and train/ does not (a digit too: a digit model has ten outputs,
    whichever digits train/ holds, but learns none of the others). ``top``: ``parts`` is the
    folder given. (One class is read: scored, not trained on; see the module.)"""
    subfolders = {part: _folders(part) for part in parts}
    held = {part: [_class_name(d) for d in subfolders[part]] for part in parts}
    found = sorted({name for names in held.values() for name in names})
    if len(found) == 1:
        part = next(p for p in parts if held[p])
        _check_not_too_deep(part, subfolders[part][0].name, top, known)
    if len(parts) < 2:
        return
    train, test = parts
    missing = sorted(set(held[test]) - set(held[train]))
    if missing:
        one = len(missing) == 1
        raise DataError(f"{test}: class{'' if one else 'es'} {listed(missing)} "
                        f"{'has' if one else 'have'} no folder in {train}, so the network could "
                        f"not learn {'it' if one else 'them'}; put training pictures in "
                        f"{train / missing[0]}/, or take {'it' if one else 'them'} out of test/")


def _check_not_too_deep(part: Path, name: str, top: bool, known) -> None:
    """Refuse ``part`` holding the one class folder ``name`` when that holds folders and is not
    one class (:func:`_reading`): where to point instead, or both readings when unclear."""
    inner = part / name
    subfolders = _folders(inner)
    while len(subfolders) == 1 and len(inner.relative_to(part).parts) < 8:  # (symlink loops)
        inner, subfolders = subfolders[0], _folders(subfolders[0])
    names = [_class_name(d) for d in subfolders]
    reading = len(names) > 1 and _reading(_class_name(part / name), names, known)
    if not reading or reading == "class":
        return
    what = (_slashed(names) if any(n.lower() in _SPLIT_NAMES for n in names)
            else f"{'class ' * (reading == 'deeper')}folders {_span(names)}")
    todo = f"point --data at {inner}" if top else f"move those folders up into {part}"
    held = f"{part}: holds one folder, {inner.relative_to(part).as_posix()}, which holds {what}"
    model = "" if known is None else f"the model's classes ({_span(list(known))})"
    if reading == "neither":
        raise DataError(f"{held}; neither {name} nor those folders are among {model}: name the "
                        "class folders as the model names its classes")
    one = (f"rename those folders, so that none is named as one of {model}" if model else
           "add a folder of another class beside it (a network learns two classes or more)")
    raise DataError(f"{held}: " + (todo if reading == "deeper" else f"if {name} is a class, "
                                   f"{one}; if those folders are the classes, {todo}"))


def _reading(name: str, inside: list[str], known) -> str:
    """How a folder holding one folder, ``name``, which holds the folders ``inside`` (the first
    of its folders holding several) is read: "class", one class, its files at any depth
    (``7/take1/a.wav``), when ``known`` (the classes of the model the data is for) holds
    ``name`` and none of ``inside``; "deeper" (a data set one folder too deep, as unzipping
    leaves it) when ``inside`` has split folders (train/, val/ ...), or the model's classes and
    ``name`` is not one, or, without a model, is digits; else "either" or "neither" is a class."""
    if any(n.lower() in _SPLIT_NAMES for n in inside):
        return "deeper"
    if known is None:
        return "deeper" if all(n in DIGITS for n in inside) else "either"
    in_model = bool(set(inside) & set(known))
    if name in known:
        return "either" if in_model else "class"
    return "deeper" if in_model else "neither"


def _slashed(names) -> str:
    return listed(f"{n}/" for n in names)


def _span(names: list[str]) -> str:
    """Folder names as a message lists them: "0..9" for a run of digits, else the first few."""
    if len(names) > 2 and all(n in DIGITS for n in names) and (
            int(names[-1]) - int(names[0]) == len(names) - 1):
        return f"{names[0]}..{names[-1]}"
    return listed(names) if len(names) <= 4 else f"{', '.join(names[:3])}, ... ({len(names)})"


def _folders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not left_out(p.name))
    except OSError as e:
        raise DataError(f"{folder}: cannot read this folder ({e.strerror or e})") from None


def _class_names(*parts: Path) -> tuple[str, ...]:
    """The sorted class folder names of ``parts``; the ten digits when each is one digit, or
    when a part holds FSDD-named recordings instead of class folders."""
    names = sorted({_class_name(d) for part in parts for d in _folders(part)})
    flat = [part for part in parts if _fsdd_named(part)]
    if flat and not all(n in DIGITS for n in names):
        odd = ", ".join(n for n in names if n not in DIGITS)
        raise DataError(f"{flat[0]}: holds recordings named as FSDD names them, of the digits "
                        f"0-9, beside class folders that are not digits ({odd}); put these "
                        "recordings in class folders too, or name each class folder after its "
                        "digit")
    if flat:
        return DIGITS
    if not names:
        raise no_class_folders(parts[0])
    if all(n in DIGITS for n in names):
        return DIGITS
    if len(names) > MAX_CLASSES:
        raise DataError(f"{parts[0]}: {len(names):,} class folders; digitnet learns up to "
                        f"{MAX_CLASSES} classes")
    return tuple(names)


def _class_name(folder: Path) -> str:
    """The class a class folder holds: its name, in NFC (one class, however it was typed). A
    name that is not UTF-8 (b"\\xe9t\\xe9", Latin-1's "été") cannot be kept as it is in a model
    file, whose metadata is JSON text: its class is the name with each such byte written as
    ``\\xNN`` text (:func:`digitnet.folderlinks.shown`), "\\xe9t\\xe9", what messages show, the
    same each time the folder is read (a folder named so in UTF-8 would be the same class)."""
    return unicodedata.normalize("NFC", shown(folder.name))


def _fsdd_named(part: Path) -> bool:
    """Whether ``part`` holds recordings named as FSDD names them, and no class folders."""
    from .recordings import flat_folder

    return not _folders(part) and flat_folder(part) == part


def _files(folder: Path, tree: Tree) -> list[Path]:
    """Every file under ``folder`` (:func:`walk`, in the data folder ``tree``); a folder in it
    that cannot be read is refused, and a link left out (one to a folder read already, or to a
    folder of the data folder: :mod:`digitnet.folderlinks`) is not read (its files are read
    once, by their own path)."""
    found = []
    for item in walk(folder, tree):
        if isinstance(item, NotWalked):
            if not item.again:
                raise item.error
        else:
            found.append(item)
    return found


def _tree(root: Path, parts: list[Path]) -> Tree:
    """The folders the data folder ``root`` reads by their own paths: its class folders (those
    of each part: ``root``, or its train/ and test/), for the links met in them."""
    return Tree(root, [folder for part in parts for folder in _folders(part)])
