"""Folders of pictures in: one folder per class, the convention torchvision's ImageFolder made
familiar. ::

    my-digits/                    or   my-digits/
        0/a.png  0/b.jpg ...              train/0/a.png ... train/9/z.png
        1/c.png ...                       test/0/k.png ...  test/9/q.png
        ...

Every picture goes through :func:`digitnet.preprocess.to_mnist`, the way MNIST's digits were
made (cropped to the ink, fitted into 20x20, centred by mass in 28x28, white on black), so a
stack of photos of your own handwriting becomes a data set like MNIST, stored as uint8 28x28
(:mod:`digitnet.picturefolders`).
The class names are the folder names, sorted; when every class folder is named by one digit,
the classes are the ten digits 0-9 (label 7 is the folder ``7``, whichever folders exist), so a
network trained on MNIST and one trained on the folder agree on what each output means.

With ``train/`` (and ``test/``) inside, those are the splits; otherwise the whole folder is one
split, the training data; split "all" is every example, of both. Pictures inside the class
folders are found at any depth; hidden files and folders (``.name``) are left out, as ``digitnet
predict`` leaves them out (:func:`digitnet.images.image_files`).

Class folders of recordings (``my-voice/7/a.wav``: WAV, FLAC, OGG, MP3) are read the same way,
each recording turned into the picture of its sound (:mod:`digitnet.recordings`). ``train/`` and
``test/`` may instead each hold recordings named as FSDD names them (digit, speaker, number:
``george/test/7_george_32.wav``), each read whole, as a folder of them is read. Class folders
holding both are read as the kind of at least twice as many of their files as the other
(:data:`CLEAR_MAJORITY`; Hugging Face's ``load_dataset`` reads a folder as its most common
kind of file, however slight the majority), and the other kind's files are skipped and noted,
as a stray ``cover.png`` among recordings is; when neither is twice the other, the folder is
refused, naming how many of each it holds and one of each.

A folder that cannot be a data set is one line naming it and what to do: no class folders, a
class folder with no pictures, recordings and pictures too mixed to tell which are the data
set, fewer than two classes (a folder holding one folder of class folders, as unzipping often
leaves it, says where to point instead), folders named as splits that are not digitnet's
(``val/`` beside ``train/``: digitnet holds out its own validation examples; ``training/``;
``test/`` without ``train/``; ``train/`` beside class folders), or a named class that only
``test/`` holds, which the network could never learn. A bad file inside an otherwise good
folder (a file that is not a picture, a picture that cannot be decoded or holds no ink, a
picture beside the class folders, in none) does not stop the others: it is skipped, and the
data set's note names it, so you can fix it or leave it out (one note for the folder named,
whichever of its splits the file is in).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .arrays import MAX_CLASSES
from .audio import AUDIO_EXTENSIONS
from .errors import DataError, listed
from .images import IMAGE_EXTENSIONS
from .inputs import Audio
from .picturefolders import Pictures, read_class_folders, skipped_note
from .sources import DIGITS

__all__ = ["SPLIT_FOLDERS", "Pictures", "has_test_split", "kind_held", "read_folder"]

SPLIT_FOLDERS = ("train", "test")
#: Folder names (lower-cased) that name a split, with the split digitnet reads them as (None:
#: a validation set, which digitnet holds out of train/ itself).
_SPLIT_NAMES = {"train": "train", "training": "train", "test": "test", "testing": "test",
                "val": None, "valid": None, "validation": None}
#: Class folders holding recordings and pictures both are read as the kind of at least this many
#: times as many files as the other, whose files are skipped and noted (a cover.png among
#: recordings); nearer than that, they are refused: two data sets in one folder, perhaps.
CLEAR_MAJORITY = 2


def has_test_split(root: str | os.PathLike) -> bool:
    """Whether a class folder has a ``test/`` part beside ``train/``."""
    return _splits(Path(root)) == set(SPLIT_FOLDERS)


def read_folder(root: str | os.PathLike, split: str = "train", audio: Audio | None = None):
    """Read ``split`` of a folder of class folders (see the module docstring): its
    :class:`Pictures`, or its :class:`~digitnet.recordings.Recordings` made with the front end
    ``audio`` (default :class:`~digitnet.inputs.Audio`'s parameters). Split "all" is every
    example, of ``train/`` and ``test/`` (or of the one set of class folders), with one note
    naming the files of either that were skipped, from ``root``.

    Raises
    ------
    DataError
        No class folders; a class folder without pictures; fewer than two classes; split folders
        digitnet does not read as splits; a named class only ``test/`` holds; no ``test/``
        folder for the test split; no picture at all could be read; train/ and test/ of
        different kinds (pictures, recordings) for the split "all".
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
        if split not in ("train", "all"):
            raise DataError(f"{root}: holds one set of class folders, no {split}/ folder; to "
                            f"keep {split} pictures apart, put them in {root / split}/<class>/ "
                            f"and the others in {root / 'train'}/<class>/")
        classes = _class_names(root)
    parts = [root / s for s in SPLIT_FOLDERS if s in splits] if splits else [root]
    if not any(_fsdd_named(p) for p in parts):
        _check_classes(parts, top=not splits)
    audio = audio or Audio()
    if not splits:
        return _read_split(root, classes, audio, split)
    if split == "all":  # (and pictures beside train/ and test/, in neither)
        found = [_read_split(part, classes, audio, "all") for part in parts]
        return _joined(root, parts, found, [p.name for p in _pictures_in(root)])
    beside = [str(p) for p in _pictures_in(root)] if split == "train" else []
    return _read_split(root / split, classes, audio, "all", beside)


def _read_split(part: Path, classes: tuple[str, ...], front_end: Audio, flat: str,
                beside: list[str] | None = None):
    """The examples of ``part`` (the folder, or its train/ or test/): FSDD-named recordings (the
    split ``flat`` of them), class folders of recordings, or class folders of pictures, noting
    those in no class folder, with the pictures ``beside`` the part."""
    if _fsdd_named(part):
        from .recordings import read_flat

        return read_flat(part, flat, front_end)
    listing = [(folder, _files(folder)) for folder in _folders(part)]
    if not listing:  # (a split without class folders beside one with them)
        raise _no_class_folders(part)
    sounds, pictures = _by_kind([p for _, files in listing for p in files])
    kind = _majority(len(sounds), len(pictures))
    if kind is None:
        raise _too_mixed(part, sounds, pictures)
    if kind == "audio":
        from . import recordings

        return recordings.read_class_folders(part, listing, classes, front_end)
    strays = [p.name for p in _pictures_in(part)] + (beside or [])
    return read_class_folders(part, listing, classes, strays)


def kind_held(root: str | os.PathLike) -> str | None:
    """"audio" or "images": the kind of examples :func:`read_folder` reads from ``root``'s
    class folders (or from each of its train/ and test/), told from their files' names; None
    when they hold neither, or train/ and test/ differ, or they are too mixed to tell
    (:data:`CLEAR_MAJORITY`): what :func:`digitnet.kinds.kind_of` says of a folder."""
    root = Path(root)
    splits = _splits(root)
    found = set()
    for part in [root / s for s in sorted(splits)] if splits else [root]:
        if _fsdd_named(part):
            found.add("audio")
            continue
        sounds, pictures = _by_kind([p for d in _folders(part) for p in _files(d)])
        found.add(_majority(len(sounds), len(pictures)) if sounds or pictures else None)
    return found.pop() if len(found) == 1 else None


def _by_kind(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The recordings and the pictures among ``files``, told by their names' endings."""
    suffixes = [p.suffix.lower() for p in files]
    return ([p for p, s in zip(files, suffixes) if s in AUDIO_EXTENSIONS],
            [p for p, s in zip(files, suffixes) if s in IMAGE_EXTENSIONS])


def _majority(sounds: int, pictures: int) -> str | None:
    """The kind read of class folders holding ``sounds`` recordings and ``pictures`` pictures
    (:data:`CLEAR_MAJORITY`): pictures when they hold neither (the error then says so)."""
    if pictures >= CLEAR_MAJORITY * sounds:
        return "images"
    return "audio" if sounds >= CLEAR_MAJORITY * pictures else None


def _too_mixed(part: Path, sounds: list[Path], pictures: list[Path]) -> DataError:
    """The error for class folders of ``part`` holding recordings and pictures in numbers too
    near to tell which are the data set: how many of each, and one of each."""
    def such(files: list[Path], noun: str) -> str:
        return (f"{len(files)} {noun}{'s' * (len(files) != 1)} (such as "
                f"{files[0].relative_to(part).as_posix()})")
    return DataError(f"{part}: its class folders hold {such(sounds, 'recording')} and "
                     f"{such(pictures, 'picture')}, neither twice as many as the other; the "
                     "examples of a data set are of one kind: move the pictures or the "
                     "recordings out of the class folders")


def _joined(root: Path, parts: list[Path], found: list, beside: list[str]):
    """What was read of ``parts`` (train/, and test/) as one, with one note from ``root`` for
    the files skipped in either and the pictures in no class folder (``beside`` the parts)."""
    from . import recordings

    kinds = ["recordings" if isinstance(f, recordings.Recordings) else "pictures" for f in found]
    if len(set(kinds)) > 1:
        raise DataError(f"{root}: train/ holds {kinds[0]} and test/ {kinds[1]}; the examples of "
                        f"a data set are of one kind: give test/ {kinds[0]} too")
    skipped = [f"{p.name}/{s}" for p, f in zip(parts, found) for s in f.skipped]
    x, labels = np.concatenate([f.x for f in found]), np.concatenate([f.labels for f in found])
    files = {k: v for f in found for k, v in f.files.items()}
    if kinds[0] == "recordings":
        groups = [f.groups for f in found]
        return recordings.Recordings(
            x, labels, found[0].classes, files, recordings.skipped_note(root, len(x), skipped),
            None if any(g is None for g in groups) else np.concatenate(groups),
            tuple(s for f in found for s in f.sounds), skipped)
    strays = [f"{p.name}/{s}" for p, f in zip(parts, found) for s in f.strays] + beside
    note = skipped_note(root, len(x), skipped, strays)
    return Pictures(x, labels, found[0].classes, files, note, skipped, strays)


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
    for name in odd:
        if not _folders(root / name) and not _fsdd_named(root / name):
            raise _no_class_folders(root / name)
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


def _check_classes(parts: list[Path], top: bool) -> None:
    """Refuse fewer than two classes among ``parts`` (the folder, or train/ and test/), and a
    class that test/ holds and train/ does not (a digit too: a digit model has ten outputs,
    whichever digits train/ holds, but learns none of the others). ``top``: ``parts`` is the
    folder given."""
    held = {part: [d.name for d in _folders(part)] for part in parts}
    found = sorted({name for names in held.values() for name in names})
    if len(found) == 1:
        raise _one_class(next(p for p in parts if held[p]), found[0], top)
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


def _one_class(part: Path, name: str, top: bool) -> DataError:
    """The error for ``part`` holding the one class folder ``name``: when that holds folders
    itself (a data set one folder too deep, as unzipping leaves it), where to point instead."""
    inner = part / name
    subfolders = _folders(inner)
    while len(subfolders) == 1 and len(inner.relative_to(part).parts) < 8:  # (symlink loops)
        inner, subfolders = subfolders[0], _folders(subfolders[0])
    if len(subfolders) > 1:
        names = [d.name for d in subfolders]
        what = (_slashed(names) if any(n.lower() in _SPLIT_NAMES for n in names)
                else f"class folders {_span(names)}")
        todo = f"point --data at {inner}" if top else f"move those folders up into {part}"
        return DataError(f"{part}: holds one folder, {inner.relative_to(part).as_posix()}, which "
                         f"holds {what}: {todo}")
    look = f" (to see how a model reads these, digitnet predict MODEL {part})" if top else ""
    return DataError(f"{part}: holds one class folder, {name}; a classifier needs at least two "
                     f"classes: add a folder of pictures for each other class{look}")


def _slashed(names) -> str:
    return listed(f"{n}/" for n in names)


def _span(names: list[str]) -> str:
    """Folder names as a message lists them: "0..9" for a run of digits, else the first few."""
    if len(names) > 2 and all(n in DIGITS for n in names) and (
            int(names[-1]) - int(names[0]) == len(names) - 1):
        return f"{names[0]}..{names[-1]}"
    return listed(names) if len(names) <= 4 else f"{', '.join(names[:3])}, ... ({len(names)})"


def _pictures_in(folder: Path) -> list[Path]:
    """The pictures directly in ``folder`` (not in its subfolders), hidden ones left out."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in IMAGE_EXTENSIONS)


def _folders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as e:
        raise DataError(f"{folder}: cannot read this folder ({e.strerror or e})") from None


def _class_names(*parts: Path) -> tuple[str, ...]:
    """The sorted class folder names of ``parts``; the ten digits when each is one digit, or
    when a part holds FSDD-named recordings instead of class folders."""
    names = sorted({d.name for part in parts for d in _folders(part)})
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
        raise _no_class_folders(parts[0])
    if all(n in DIGITS for n in names):
        return DIGITS
    if len(names) > MAX_CLASSES:
        raise DataError(f"{parts[0]}: {len(names):,} class folders; digitnet learns up to "
                        f"{MAX_CLASSES} classes")
    return tuple(names)


def _no_class_folders(part: Path) -> DataError:
    """The error for a folder (or split) with no class folders in it: what to do instead."""
    files = [p for p in part.iterdir() if p.is_file()]
    pictures = [p.name for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    sounds = [p.suffix for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
    if sounds and not pictures:  # recordings: the two layouts that work for them
        count, suffix = f"{len(sounds)} recording{'s' * (len(sounds) != 1)}", sounds[0]
        return DataError(f"{part}: holds {count} but no class folders; name each recording "
                         f"as FSDD does ({part / ('7_jackson_32' + suffix)}: digit, speaker, "
                         "number), or put each class's recordings in a folder named after the "
                         f"class ({part / '7' / ('a' + suffix)}, ...)")
    held = f"holds {len(pictures)} pictures but" if pictures else "holds"
    return DataError(f"{part}: {held} no class folders; put each class's pictures in a folder "
                     f"named after the class ({part / '0' / 'a.png'}, {part / '1' / 'b.png'}, "
                     "...), or give a folder of MNIST-style IDX files")


def _fsdd_named(part: Path) -> bool:
    """Whether ``part`` holds recordings named as FSDD names them, and no class folders."""
    from .recordings import flat_folder

    return not _folders(part) and flat_folder(part) == part


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder``, at any depth, sorted, hidden ones left out."""
    found = []
    for directory, subdirs, names in os.walk(folder, onerror=_unreadable):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        found += [Path(directory) / n for n in sorted(names) if not n.startswith(".")]
    return found


def _unreadable(error: OSError) -> None:
    raise DataError(f"{error.filename}: cannot read this folder ({error.strerror or error})")
