"""Data sets of recordings: spoken digits in, pictures of their sound out.

Three ways in, each read by :func:`digitnet.datasets.load`:

* ``spoken-digits``: the Free Spoken Digit Dataset (FSDD; Jakobovski and contributors, CC BY-SA
  4.0), its published archive (:data:`ARCHIVES`) found in the cache or downloaded and checked
  against its SHA-256, then read without unpacking (:func:`read_archive`). Five of its six
  speakers: the sixth (``theo``) is left out on purpose, so that a voice the network has never
  heard stays at hand to measure how it does on one (give ``--data DIR`` with a folder of his
  recordings to score it);
* a folder of recordings named as FSDD names them, ``{digit}_{speaker}_{index}.wav``, or a
  folder holding such a ``recordings/`` folder, FSDD's own layout (:func:`read_flat`);
* class folders of recordings (``my-voice/7/a.wav``), as class folders of pictures are read
  (:mod:`digitnet.folders`, which calls :func:`read_class_folders`); there, ``train/`` and
  ``test/`` may each hold FSDD-named recordings instead (``george/test/7_george_32.wav``), each
  read whole as a folder of them (:func:`read_flat`, split "all").

FSDD's own split: recordings 0-4 of each speaker and digit are the test split, 5-49 the
training split; a folder whose recordings all fall on one side of it is one set, all training.
Every recording becomes the picture of its sound (:func:`digitnet.audio.picture`, with the
front end given), and its voice is kept for augmentation; the speaker named in an FSDD
file name is kept as the recording's group, so that one speaker can be held out for validation
(:func:`digitnet.splits.group_split`), and each recording's file name, so that it can be found
again (``Dataset.names``: which recordings a model misread, say). A recording that cannot be
read does not stop the others: it is skipped and the data set's note names it. Reading
thousands takes seconds (decoding, trimming, and at first librosa's loading and compiling); what
:func:`progress_shown_by` names (the command line's bar) is told how it goes.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tarfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import audio, sources
from .errors import AudioError, DataError
from .images import IMAGE_EXTENSIONS
from .inputs import Audio
from .sources import DIGITS, FileSpec

__all__ = ["Archive", "ARCHIVES", "Recordings", "flat_folder", "read_flat", "read_archive",
           "read_class_folders", "read_items", "skipped_note", "fsdd_name",
           "flat_has_test_split", "progress_shown_by", "TEST_INDICES"]

#: FSDD's test split: recordings 0-4 of each speaker and digit.
TEST_INDICES = range(5)
_FSDD = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)$")
_NAMED = 3  # skipped files named in the note
# Why a recording in a folder of FSDD-named ones is skipped when its name is not one of them
_MISNAMED = "not named digit_speaker_index"
#: What shows how reading goes (:func:`progress_shown_by`), or None
_shown: Callable | None = None


@dataclass(frozen=True)
class Archive:
    """A published archive of recordings named as FSDD names them: the file, where it is
    served, the folder inside it that holds the recordings, and the speakers read."""

    name: str
    file: FileSpec
    mirrors: tuple[str, ...]
    folder: str
    speakers: tuple[str, ...]


# The SHA-256 is that of GitHub's archive of the tag, which is `git archive` of the tag piped
# through `gzip -n`: made that way, the archive of v1.0.9 has the SHA-256 and size that
# TensorFlow Datasets' checksums give for it (8bc44cde..., 11,975,353 bytes).
ARCHIVES = {
    "spoken-digits": Archive(
        name="spoken-digits",
        file=FileSpec("v1.0.10.tar.gz",
                      "feb479fad3a37883c3d21ed7f982281c2dd1c18d5aefd7e8a5d50f58023392aa"),
        mirrors=("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/",),
        folder="free-spoken-digit-dataset-1.0.10/recordings/",
        speakers=("george", "jackson", "lucas", "nicolas", "yweweler"),
    ),
}


@dataclass
class Recordings:
    """Recordings read as pictures, with their labels, speakers and voices."""

    x: np.ndarray  # uint8 (n, bands, frames)
    labels: np.ndarray  # uint8 (n,), indices into classes
    classes: tuple[str, ...]
    files: dict[str, str]  # "<folder>/" -> SHA-256 over every recording read (name and bytes)
    note: str | None
    groups: np.ndarray | None  # str (n,): the speakers, when the file names give them
    sounds: tuple[np.ndarray, ...]  # each recording's voice (digitnet.audio.voice)
    skipped: list[str] = field(default_factory=list)  # "name (why)", as the note names them
    names: tuple[str, ...] | None = None  # each one's file ("7/a.wav"), from the folder read


def fsdd_name(name: str) -> tuple[int, str, int] | None:
    """(digit, speaker, index) of an FSDD file name such as ``7_jackson_32.wav``, else None."""
    match = _FSDD.match(Path(name).stem)
    return (int(match[1]), match[2], int(match[3])) if match else None


def flat_folder(path: Path) -> Path | None:
    """The folder of FSDD-named recordings that ``path`` is (or holds as ``recordings/``)."""
    for folder in (path, path / "recordings"):
        try:
            files = [p for p in folder.iterdir() if p.suffix.lower() in audio.AUDIO_EXTENSIONS]
        except OSError:
            continue
        if any(fsdd_name(p.name) for p in files):  # (however many others there are)
            return folder
    return None


def read_flat(folder: Path, split: str, front_end: Audio,
              given: Path | None = None) -> Recordings:
    """``split`` ("train": recordings 5-49, "test": 0-4, "all": every one) of a folder of
    FSDD-named recordings, named from the folder ``given`` (the folder itself, or one holding
    it as ``recordings/``: "recordings/7_jackson_32.wav").

    A folder whose recordings all fall on one side of FSDD's split (a learner's 5 recordings
    of each digit, numbered 0-4, say) is one set: its "train" part is all of them, and it has
    no test part (:func:`flat_has_test_split`). Of a folder in two parts, each part's note
    counts all the folder's recordings, and those whose names do not say their digit (in
    neither part) are noted once, with the "train" part (a run that reads both said them
    twice, "skipped 2 of 902 files" and "skipped 2 of 102 files").

    Raises DataError for the test part of a folder that has none.
    """
    named = _fsdd_files(folder)
    sides = _sides(named)
    split_in_two = len(sides) == 2 and split != "all"
    if split == "test" and not split_in_two:
        raise DataError(f"{folder}: every recording here is numbered "
                        f"{'0-4' if sides == {True} else '5 or more'}, and a folder whose "
                        "recordings all fall on one side of FSDD's split is read as one set, to "
                        "train on or to score whole with --split all (it is parted into FSDD's "
                        "test split, recordings 0-4, and its training split, 5 and over, only "
                        "when it holds both); score them with --split all")
    items = []
    for path, parts in named:
        if parts is None:
            if not (split_in_two and split == "test"):
                items.append((path.name, None, 0, ""))  # (noted as skipped by read_items)
        elif not split_in_two or (parts[2] in TEST_INDICES) == (split == "test"):
            items.append((path.name, path, parts[0], parts[1]))
    found = read_items(items, DIGITS, front_end, f"{folder.name}/", folder,
                       total=len(named) if split_in_two else None)
    within = folder.relative_to(given or folder).as_posix()
    if within != ".":
        found.names = tuple(f"{within}/{name}" for name in found.names)
    return found


def flat_has_test_split(folder: Path) -> bool:
    """Whether a folder of FSDD-named recordings holds some of FSDD's test split (0-4) and
    some of its training split, as FSDD itself does."""
    return len(_sides(_fsdd_files(folder))) == 2


def _fsdd_files(folder: Path) -> list[tuple[Path, tuple[int, str, int] | None]]:
    """The folder's audio files, sorted, each with its FSDD name's parts (None if not one)."""
    paths = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in audio.AUDIO_EXTENSIONS)
    return [(path, fsdd_name(path.name)) for path in paths]


def _sides(named) -> set[bool]:
    """Which sides of FSDD's split the named recordings fall on (True: the test split)."""
    return {parts[2] in TEST_INDICES for _, parts in named if parts is not None}


def read_archive(archive: Archive, split: str, front_end: Audio, cache_root: Path, *,
                 progress: bool = False, allow_download: bool = True) -> Recordings:
    """``split`` ("train", "test" or "all": both) of an :class:`Archive`'s recordings of its
    speakers (FSDD's split: :data:`TEST_INDICES`): the archive from
    ``cache_root/<name>/``, or downloaded there and verified
    (:func:`digitnet.sources.fetch_file`)."""
    notes = []  # (an archive in the cache that was not the published one, replaced)
    path = sources.fetch_file(archive.name, archive.file, archive.mirrors, cache_root,
                              progress=progress, allow_download=allow_download, note=notes.append)
    items = []
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name.removeprefix(archive.folder)
                parts = fsdd_name(name)
                if (not member.isfile() or name == member.name or parts is None
                        or parts[1] not in archive.speakers
                        or split != "all" and (parts[2] in TEST_INDICES) != (split == "test")):
                    continue
                items.append((name, tar.extractfile(member).read(), parts[0], parts[1]))
    except (tarfile.TarError, OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read the archive ({e}); delete it and run again to "
                        "download it anew") from None
    found = read_items(items, DIGITS, front_end, "recordings/", path)
    found.files = {archive.file.filename: archive.file.sha256, **found.files}
    found.note = "\n".join(n for n in (*notes, found.note) if n) or None
    return found


def read_class_folders(part: Path, listing, classes: tuple[str, ...],
                       front_end: Audio) -> Recordings:
    """The recordings in class folders: ``listing`` is each class folder of ``part`` with its
    class's name and the files in it (:func:`digitnet.folders.read_folder` finds them); a file
    that is not a recording is skipped and noted (a picture among them is named as one).

    Raises DataError for a class folder without recordings, or when none could be read.
    """
    items, skipped = [], []
    for folder, name, files in listing:
        found = 0
        for path in files:
            relative = path.relative_to(part).as_posix()
            if path.suffix.lower() not in audio.AUDIO_EXTENSIONS:
                what = "a picture" if path.suffix.lower() in IMAGE_EXTENSIONS else "not a recording"
                skipped.append(f"{relative} ({what})")
                continue
            found += 1
            speaker = (fsdd_name(path.name) or (None, ""))[1]
            items.append((relative, path, classes.index(name), speaker))
        if not found:
            raise DataError(f"{folder}: class {name!r} has no recordings ("
                            f"{', '.join(audio.AUDIO_EXTENSIONS)}); add some or remove the folder")
    return read_items(items, classes, front_end, f"{part.name}/", part, skipped)


def read_items(items: Iterable[tuple[str, object, int, str]], classes: tuple[str, ...],
               front_end: Audio, key: str, where: Path,
               skipped: list[str] | None = None, total: int | None = None) -> Recordings:
    """Read recordings: ``items`` are (name, path or bytes, label, speaker); a None source is
    a file that is not named as a recording should be, noted as skipped, as are ``skipped``
    ("name (why)"), among ``total`` files (default: those read and skipped). ``key`` names the
    recordings in :attr:`Recordings.files`; ``where`` names the folder or archive in errors.
    Each recording read keeps its name (:attr:`Recordings.names`), in the order read.

    Raises DataError when none of them could be read.
    """
    pictures, labels, speakers, sounds, names = [], [], [], [], []
    skipped = list(skipped or [])
    digest = hashlib.sha256()
    items = list(items)
    with _progress(key, sum(source is not None for _, source, _, _ in items)) as one_more:
        for name, source, label, speaker in items:
            if source is None:
                skipped.append(f"{name} ({_MISNAMED})")
                continue
            data = source if isinstance(source, bytes) else _read(source)
            try:
                samples, rate = audio.read_sound(data, name=name, front_end=front_end)
                spoken = audio.voice(samples, rate, front_end, name=name)
            except AudioError as e:
                skipped.append(f"{name} ({str(e).removeprefix(name + ': ').split(';')[0]})")
                continue
            finally:
                one_more()
            pictures.append(audio.voice_picture(spoken, front_end))
            sounds.append(spoken)
            labels.append(label)
            speakers.append(speaker)
            names.append(name)
            entry = f"{name}\0{hashlib.sha256(data).hexdigest()}\n"  # (a name of any bytes)
            digest.update(entry.encode("utf-8", "surrogateescape"))
    if not pictures:
        what = f" ({_listed(skipped)})" if skipped else ""
        raise DataError(f"{where}: no recording could be read{what}; give recordings of one "
                        f"spoken digit each ({', '.join(audio.AUDIO_EXTENSIONS)})")
    groups = np.array(speakers) if all(speakers) else None
    return Recordings(np.stack(pictures), np.array(labels, dtype=np.uint8), classes,
                      {key: digest.hexdigest()}, skipped_note(where, len(pictures), skipped, total),
                      groups, tuple(sounds), skipped, tuple(names))


@contextlib.contextmanager
def progress_shown_by(show: Callable | None):
    """While active, :func:`read_items` shows how its reading goes with ``show``, in the main
    thread (a server's threads read recordings sent to it: they show nothing). ``show(what,
    total)`` is called as ``total`` recordings of ``what`` (``"recordings/"``: the folder's
    name) begin to be read, and returns a context manager, active while they are read, that
    gives the function to call after each one. None: nothing is shown (the library's
    default)."""
    global _shown
    before, _shown = _shown, show
    try:
        yield
    finally:
        _shown = before


@contextlib.contextmanager
def _progress(what: str, total: int):
    """The function :func:`read_items` calls after each recording: it tells the ``show`` of
    :func:`progress_shown_by`, if any (in the main thread only)."""
    if _shown is None or not total or threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    with _shown(what, total) as one_more:
        yield one_more


def skipped_note(where: Path, read: int, skipped: list[str],
                 total: int | None = None) -> str | None:
    """The note on the files of ``where`` that were ``skipped`` ("name (why)") beside the
    ``read`` recordings read, of ``total`` (default: both); None when none were. Those skipped
    for their names alone, in a folder of FSDD-named recordings, are recordings still: the
    note says how to name them."""
    if not skipped:
        return None
    misnamed = [s.removesuffix(f" ({_MISNAMED})") for s in skipped if s.endswith(f"({_MISNAMED})")]
    bad = [s for s in skipped if not s.endswith(f"({_MISNAMED})")]
    head = f"{where}: skipped {len(skipped)} of {total or read + len(skipped)} files"
    some = len(misnamed) != 1
    named = (f"{'recordings whose names do' if some else 'a recording whose name does'} not say "
             f"{'their' if some else 'its'} digit (FSDD names them digit_speaker_index.wav, "
             "as 7_lucas_0.wav)")
    if not bad:
        return (f"{head}, {named}: {_listed(misnamed)}; rename {'them' if some else 'it'} so, or "
                "use class folders (7/a.wav)")
    if not misnamed:
        return (f"{head}, which are not recordings of one spoken digit: {_listed(bad)}; fix or "
                "remove them")
    return (f"{head}: {len(bad)} not {'recordings' if len(bad) > 1 else 'a recording'} of one "
            f"spoken digit, to fix or remove ({_listed(bad)}); and {len(misnamed)} "
            f"{named.removeprefix('a ')}, to rename so or put in class folders "
            f"({_listed(misnamed)})")


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror or e})") from None


def _listed(skipped: list[str]) -> str:
    named = ", ".join(skipped[:_NAMED])
    return named + (f" and {len(skipped) - _NAMED} more" if len(skipped) > _NAMED else "")
