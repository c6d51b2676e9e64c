"""Pictures or recordings: which kind of examples class folders hold, and what was read of
a folder's ``train/`` and ``test/`` as one (:func:`digitnet.folders.read_folder` finds them).

Class folders holding both are read as the kind of at least twice as many of their files as the
other (:data:`CLEAR_MAJORITY`), the other kind's files skipped and noted; nearer than that, they
are refused, naming how many of each they hold and one of each. A folder without class folders
is refused saying how to lay out the kind of files it holds (:func:`no_class_folders`), and a
folder of data sets (one folder too high: ``data/mnist/`` of IDX files beside
``data/free-spoken-digits/``) saying to give one of them (:func:`check_not_datasets`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import words
from .audio import AUDIO_EXTENSIONS
from .errors import DataError, listed
from .idxfolders import holds_idx
from .images import IMAGE_EXTENSIONS
from .picturefolders import Pictures, skipped_note

__all__ = ["CLEAR_MAJORITY", "by_kind", "check_not_datasets", "joined", "majority",
           "no_class_folders", "too_mixed"]

#: Class folders holding recordings and pictures both are read as the kind of at least this many
#: times as many files as the other, whose files are skipped and noted (a cover.png among
#: recordings); nearer than that, they are refused: two data sets in one folder, perhaps.
CLEAR_MAJORITY = 2


def by_kind(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The recordings and the pictures among ``files``, told by their names' endings."""
    suffixes = [p.suffix.lower() for p in files]
    return ([p for p, s in zip(files, suffixes) if s in AUDIO_EXTENSIONS],
            [p for p, s in zip(files, suffixes) if s in IMAGE_EXTENSIONS])


def majority(sounds: int, pictures: int) -> str | None:
    """The kind read of class folders holding ``sounds`` recordings and ``pictures`` pictures
    (:data:`CLEAR_MAJORITY`): pictures when they hold neither (the error then says so)."""
    if pictures >= CLEAR_MAJORITY * sounds:
        return "images"
    return "audio" if sounds >= CLEAR_MAJORITY * pictures else None


def too_mixed(part: Path, sounds: list[Path], pictures: list[Path]) -> DataError:
    """The error for class folders of ``part`` holding recordings and pictures in numbers too
    near to tell which are the data set: how many of each, and one of each."""
    def such(files: list[Path], noun: str) -> str:
        return (f"{len(files)} {noun}{'s' * (len(files) != 1)} (such as "
                f"{files[0].relative_to(part).as_posix()})")
    return DataError(f"{part}: its class folders hold {such(sounds, 'recording')} and "
                     f"{such(pictures, 'picture')}, neither twice as many as the other; the "
                     "examples of a data set are of one kind: move the pictures or the "
                     "recordings out of the class folders")


def no_class_folders(part: Path) -> DataError:
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


def check_not_datasets(part: Path, listing: list, kind: str) -> None:
    """Refuse ``part`` as a folder of data sets rather than of class folders: when a class
    folder of ``listing`` (each ``(folder, class, files)``) holds none of the examples read,
    ``kind`` ("audio" or "images"), and is a data set itself (:func:`_dataset`), as a folder
    holding ``mnist/`` (IDX files) beside ``free-spoken-digits/`` is; naming those of its
    folders that are data sets, to give one of them (not "remove the folder")."""
    wanted = AUDIO_EXTENSIONS if kind == "audio" else IMAGE_EXTENSIONS
    empty = [folder for folder, _, files in listing
             if not any(p.suffix.lower() in wanted for p in files)]
    if not any(_dataset(folder, files) for folder, _, files in listing if folder in empty):
        return
    found = [folder for folder, _, files in listing if _dataset(folder, files)]
    named = listed(f"{folder.name}/" for folder in found)
    held = (f"holds a data set, {named}," if len(found) == 1 else
            f"looks like a folder of data sets ({named}),")
    raise DataError(f"{part}: {held} not class folders of one data set; give "
                    f"{'it' if len(found) == 1 else 'one of them'} with --data, such as "
                    f"--data {words.shell(found[0])}")


def _dataset(folder: Path, files: list[Path]) -> bool:
    """Whether ``folder``, holding ``files`` (at any depth), is a data set of its own, as
    ``--data`` reads one: MNIST-style IDX files, recordings named as FSDD names them (there or
    in ``recordings/``), or class folders (folders holding pictures or recordings)."""
    from .recordings import flat_folder

    if holds_idx(folder) or flat_folder(folder) is not None:
        return True
    sounds, pictures = by_kind([p for p in files if p.parent != folder])
    return bool(sounds or pictures)


def joined(root: Path, parts: list[Path], found: list, beside: list[str]):
    """What was read of ``parts`` (train/, and test/) as one, with one note from ``root`` for
    the files skipped in either and the pictures in no class folder (``beside`` the parts),
    each example named from ``root`` ("test/7/a.png")."""
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
        read = recordings.Recordings(
            x, labels, found[0].classes, files, recordings.skipped_note(root, len(x), skipped),
            None if any(g is None for g in groups) else np.concatenate(groups),
            tuple(s for f in found for s in f.sounds), skipped)
    else:
        strays = [f"{p.name}/{s}" for p, f in zip(parts, found) for s in f.strays] + beside
        note = skipped_note(root, len(x), skipped, strays)
        read = Pictures(x, labels, found[0].classes, files, note, skipped, strays)
    read.names = tuple(f"{p.name}/{n}" for p, f in zip(parts, found) for n in f.names)
    return read
