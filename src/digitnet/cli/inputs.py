"""Inputs on the command line -> the 28x28 pixels the network reads (saved back as PNG files
by :class:`digitnet.cli.predict_inputs.InputSaver`); for a model of a table, the rows of
tables; for a model of recordings, the pictures of their sound (:func:`digitnet.audio.picture`,
with the model's front end). A FIFO, a device or a socket is refused unopened
(:func:`digitnet.cli.predict_inputs.not_regular`), a link to a folder read already noted.

Picture files are prepared as the model reads them (:func:`digitnet.preparation.picture`: for a
model of digits by :func:`digitnet.preprocess.to_mnist`, of frames as they are); ``.npy`` holding
(28, 28), (n, 28, 28) or (n, 784) arrays are read as MNIST-style pixels as they are, each image
checked as a picture is (NaN or blank: reported, not guessed at), named or in a folder; folders
are walked as training walks class folders (:func:`digitnet.folders.walk`), in sorted order. A
model of recordings reads no .npy array: a picture of a sound is its own front end's
(``_check_not_an_array``).
A table model reads .csv files (its columns, by name) and .npz archives (their ``X``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import arrays, folders, idxfolders, kinds, soundcheck, tables, words
from ..audio import AUDIO_EXTENSIONS
from ..datasets import TABLE_SUFFIXES
from ..errors import DataError, DigitnetError
from ..images import FORMATS, IMAGE_EXTENSIONS, NotAnImage
from ..inputs import Audio, Table
from .predict_inputs import not_regular, note_read_again


class StackPart(NamedTuple):
    """Images ``start``, ``start + 1``, ... of a .npy stack, some of whose other images could not
    be read (each of those comes as its own error, naming ``file[i]``)."""

    images: np.ndarray
    start: int


def read_inputs(files, reads=None):
    """Yield (name, array or DigitnetError) for each input file, walking folders; a .npy stack
    with unreadable images in it comes as runs of readable ones (:class:`StackPart`) between
    the errors of the others. Pictures are read as a model of input record ``reads`` reads them
    (:func:`digitnet.preparation.picture`; None: as MNIST's digits were made)."""
    from .. import preparation

    for name in files:
        path = Path(name)
        if path.is_dir():
            found, others, neither = _walked(path, "images")
            for item in found:
                if isinstance(item, folders.NotWalked) and item.again:
                    note_read_again(item.error)  # (its pictures are read: a note, no error)
                elif isinstance(item, folders.NotWalked):
                    yield str(path), item.error
                else:
                    yield from read_inputs([str(item)], reads)
            if not found:
                yield name, DataError(_none_of_its_kind(name, "images", len(others), neither))
            else:
                _note_skipped(name, others, neither, "images")
            continue
        if special := not_regular(name, path, "a picture file, or a folder of them"):
            yield name, special  # (a FIFO: opened, even to look at its bytes, it would wait)
            continue
        try:
            if not path.exists():
                raise DataError(f"{name}: no such file or folder")
            if path.suffix.lower() == ".npy":
                yield from _npy_images(_read_npy(path, name), name)
            else:
                yield name, preparation.picture(path, reads, name=name)
        except NotAnImage:  # (of the formats a model of pictures reads here, .npy too)
            yield name, _of_other_kind(name, path, "images") or DataError(
                f"{name}: not an image (or not a format we read: {FORMATS}, or a .npy array of "
                "pixels)")
        except DigitnetError as e:
            yield name, _of_other_kind(name, path, "images") or e


def read_table_rows(files, model_input: Table):
    """Yield (name, rows (n, columns) float64 or DigitnetError) for each table file."""
    for name in files:
        path = Path(name)
        try:
            if special := not_regular(name, path, "a .csv or .npz table"):
                raise special
            if not path.is_file():
                raise DataError(f"{name}: {'is a folder' if path.is_dir() else 'no such file'}; "
                                "this model reads rows of a .csv or .npz table")
            suffix = path.suffix.lower()
            if suffix == ".csv":
                x = tables.read_features(path, model_input.columns)
            elif suffix == ".npz":
                x = np.atleast_2d(tables.read_npz(path, labelled=False)[0])
                x = arrays.feature_rows(x, name)
                if x.ndim != 2 or x.shape[1] != model_input.n_inputs:
                    raise DataError(f"{name}: X has shape {x.shape}; the model reads rows of "
                                    f"{model_input.n_inputs} columns")
            else:
                raise DataError(f"{name}: not a table; this model reads rows of a table: .csv "
                                f"files with the columns {words.listed(model_input.columns)} (or "
                                ".npz archives holding X)")
            yield name, x
        except DigitnetError as e:
            yield name, e


def read_recordings(files, front_end: Audio):
    """Yield (name, picture (bands, frames) uint8 or DigitnetError) for each recording,
    walking folders for the recordings in them."""
    from .. import audio

    for name in files:
        path = Path(name)
        if path.is_dir():
            found, others, neither = _walked(path, "audio")
            if not found:
                yield name, DataError(_none_of_its_kind(name, "audio", len(others), neither))
            else:
                _note_skipped(name, others, neither, "audio")
            for item in found:
                if isinstance(item, folders.NotWalked) and item.again:
                    note_read_again(item.error)
                elif isinstance(item, folders.NotWalked):
                    yield str(path), item.error
                else:
                    yield from read_recordings([str(item)], front_end)
            continue
        if special := not_regular(name, path, "a recording, or a folder of them"):
            yield name, special
            continue
        try:
            _check_not_an_array(name, path)
            yield name, audio.picture(path, front_end, name=name)
        except DigitnetError as e:
            yield name, _of_other_kind(name, path, "audio") or e


def _walked(folder: Path, kind: str) -> tuple[list, list[Path], list[Path]]:
    """The files of ``kind`` under ``folder`` (by their extension), sorted by path, with each
    folder in it that could not be read (:class:`digitnet.folders.NotWalked`) in its place; and
    the files a model of ``kind`` leaves out: those of the other kind, and those of neither."""
    items = sorted(folders.walk(folder),
                   key=lambda item: item.path if isinstance(item, folders.NotWalked) else item)
    mine, theirs = _looked_for(kind), _KIND[_other(kind)][2]
    found = [item for item in items if isinstance(item, folders.NotWalked)
             or item.suffix.lower() in mine]
    rest = [p for p in items if isinstance(p, Path) and p.suffix.lower() not in mine]
    return (found, [p for p in rest if p.suffix.lower() in theirs],
            [p for p in rest if p.suffix.lower() not in theirs])


#: For each kind of model: one example it reads, what it does with them, and their files.
_KIND = {"images": ("picture", "reads pictures", IMAGE_EXTENSIONS),
         "audio": ("recording", "hears recordings", AUDIO_EXTENSIONS)}


def _looked_for(kind: str) -> tuple[str, ...]:
    """The endings of the files a model of ``kind`` reads in a folder: its kind's, and for a
    model of pictures .npy arrays of pixels too, read as a .npy file named is."""
    return (*_KIND[kind][2], ".npy") if kind == "images" else _KIND[kind][2]


#: The endings of every file :func:`read_inputs` and its kin read, for one kind of model or
#: another: pictures and .npy arrays of them, recordings, and tables (.csv, .npz).
READ = (*_looked_for("images"), *_looked_for("audio"), ".csv", ".npz")


def _files_of(kind: str) -> str:
    """The files a model of ``kind`` reads: "recordings (.wav, .flac, ...)"."""
    return f"{kinds.WORDS[kind]} ({', '.join(_looked_for(kind))})"


def _other(kind: str) -> str:
    return "audio" if kind == "images" else "images"


def _none_of_its_kind(name: str, kind: str, others: int, neither: list[Path]) -> str:
    """Why folder ``name``, holding ``others`` files of the other kind and the files
    ``neither`` of either, gives a model of ``kind`` nothing to read, and what to do."""
    if not others:
        held = (f", only {words.counted(len(neither), 'other file')}, such as {neither[0].name}"
                if neither else "")
        return (f"{name}: no {kinds.WORDS[kind]} in this folder (looked for "
                f"{', '.join(_looked_for(kind))}){held}; give a folder with {kinds.WORDS[kind]} "
                "in it")
    other = _other(kind)
    return (f"{name}: holds {words.counted(others, _KIND[other][0])} and no {kinds.WORDS[kind]}, "
            f"and this model {_KIND[kind][1]}; give it {_files_of(kind)}, or use a model "
            f"trained on {kinds.WORDS[other]}")


def _note_skipped(name: str, skipped: list[Path], neither: list[Path], kind: str) -> None:
    """Notes that folder ``name``'s files of the other kind than the model reads are left out,
    and its files of neither kind (named, up to three), so that none goes unread unsaid."""
    if skipped:
        noun = _KIND[_other(kind)][0]
        warnings.warn(f"{name}: {words.counted(len(skipped), noun)} left out (such as "
                      f"{skipped[0].name}): this model {_KIND[kind][1]}", UserWarning,
                      stacklevel=2)
    if neither:
        shown = ", ".join(p.name for p in neither[:3])
        more = f" and {len(neither) - 3} more" if len(neither) > 3 else ""
        warnings.warn(f"{name}: {words.counted(len(neither), 'other file')} left out ({shown}"
                      f"{more}): this model {_KIND[kind][1].split()[0]} {_files_of(kind)}",
                      UserWarning, stacklevel=2)


def _of_other_kind(name: str, path: Path, kind: str) -> DataError | None:
    """The error for file ``name`` that could not be read as an example of ``kind``, when its
    bytes say it is of the other kind (a picture given to a model of recordings, say); else
    None. A file named as one of the model's kind (a PNG named ``seven.wav``) is said to be
    what its bytes are, as the API says it (for a model of recordings, read_sound's own
    error stands). An IDX file (MNIST's many digits in one file) is said to be data to score,
    and a table (.csv, .npz, by its name) to be one."""
    if idxfolders.idx_named(path.name):
        return DataError(f"{name}: MNIST-style IDX data (many digits, or their labels, in one "
                         f"file), not one {_KIND[kind][0]}; score a model of pictures on its "
                         f"folder: digitnet evaluate MODEL --data {words.shell(path.parent)}")
    if path.suffix.lower() in TABLE_SUFFIXES:  # (its rows are read by a model of a table)
        return DataError(f"{name}: a table, and this model {_KIND[kind][1]}; give it "
                         f"{_files_of(kind)}, or use a model trained on {kinds.WORDS['table']}")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return None
    found = kinds.kind_of_bytes(head)
    if found != _other(kind):
        return None
    if path.suffix.lower() in _KIND[kind][2]:  # named as one of the model's: say what it is
        if kind == "audio":
            return None  # (read_sound's words: "is a picture (PNG), not a recording; ...")
        return DataError(f"{name}: is a recording ({soundcheck.format_of_bytes(head)}), not a "
                         f"picture; this model {_KIND[kind][1]}: give it {_files_of(kind)}, or "
                         f"use a model trained on {kinds.WORDS[found]}")
    return DataError(f"{name}: a {_KIND[found][0]}, and this model {_KIND[kind][1]}; give it "
                     f"{_files_of(kind)}, or use a model trained on {kinds.WORDS[found]}")


def _check_not_an_array(name: str, path: Path) -> None:
    """A DataError for a .npy array given to a model of recordings (by its name, or its bytes
    beginning as an array's do). It is not read as the picture of a sound: that picture is made
    by the model's own front end (its bands, hop and sample rate, :func:`digitnet.audio.picture`),
    which an array does not record, so nothing here could check that it is this model's; a .npy
    of pixels is the same to every model of pictures (:func:`digitnet.preprocess.to_mnist`'s
    28x28). Python reads one the user knows to be this model's: ``net.predict(array)``."""
    try:
        with open(path, "rb") as f:
            array = f.read(6) == b"\x93NUMPY"
    except OSError:
        array = False
    if array or path.suffix.lower() == ".npy":
        raise DataError(f"{name}: a .npy array: arrays of pixels are read by models of pictures, "
                        f"and this model hears recordings; give it {_files_of('audio')}; a "
                        "picture of a sound that its own front end made is read in Python: "
                        f"digitnet.load(MODEL).predict(numpy.load({name!r}))")


def _read_npy(path: Path, name: str) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            if f.read(6) != b"\x93NUMPY":  # (np.load would offer to unpickle it)
                raise DataError(f"{name}: not a .npy array (it does not start as one does); "
                                "save the pixels with numpy.save")
        x = np.load(path, allow_pickle=False)
    except DataError:
        raise
    except ValueError as e:
        if "pickle" in str(e):
            raise DataError(f"{name}: holds Python objects, which digitnet never unpickles; "
                            "save a numeric array of pixels with numpy.save") from None
        raise DataError(f"{name}: not a readable .npy array ({e})") from None
    except OSError as e:
        raise DataError(f"{name}: not a readable .npy array ({e.strerror or e})") from None
    if x.shape not in ((28, 28), (784,)) and x.shape[1:] not in ((784,), (28, 28)):
        raise DataError(f"{name}: array of shape {x.shape}; expected one 28x28 image (28, 28) "
                        "or a stack of them, (n, 28, 28) or (n, 784)")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{name}: holds {x.dtype} values; save the pixels as numbers: "
                        "brightness in [0, 1] or uint8 pixels")
    if not x.size:
        raise DataError(f"{name}: an empty stack, shape {x.shape}; save at least one image")
    if x.dtype.kind in "iu" and x.dtype != np.uint8:  # as arrays.pixel_values reads them
        if x.min() < 0 or x.max() > 255:
            raise DataError(f"{name}: pixels run from {x.min()} to {x.max()}; expected 0..255 "
                            "(or brightness in [0, 1] as floats)")
        return x.astype(np.uint8)
    if x.dtype.kind == "b":
        return x.astype(np.float32)  # ink or not
    if x.dtype != np.uint8:
        values = x[np.isfinite(x)]  # (NaN: each image's error)
        if values.size and (values.max() > 1 or values.min() < 0):
            raise DataError(f"{name}: values from {values.min()} to {values.max()}; "
                            "expected brightness in [0, 1] or uint8 pixels")
    return x


def _npy_images(x: np.ndarray, name: str):
    """Yield (name, images or DigitnetError) for the images of a checked .npy array: all of it
    at once if every image is readable, else the readable runs and each other image's error."""
    from .. import preprocess

    flat = x.reshape(-1, 784)
    preprocess.warn_if_inverted(flat.reshape(-1, 28, 28), name)
    errors = {}
    for i, image in enumerate(flat):
        label = name if len(flat) == 1 else f"{name}[{i}]"
        try:
            if image.dtype.kind == "f" and not np.isfinite(image).all():
                bad = np.count_nonzero(~np.isfinite(image))
                raise DataError(f"{label}: {bad} of its {image.size} pixels "
                                f"{'is' if bad == 1 else 'are'} NaN or infinite; pixels must be "
                                "numbers, brightness in [0, 1]: fix or leave out this image")
            preprocess.require_ink(image / 255 if image.dtype == np.uint8 else image, label)
        except DigitnetError as e:
            errors[i] = e
    if not errors:
        yield name, x
        return
    start = 0
    for i in [*sorted(errors), len(flat)]:
        if i > start:
            yield name, StackPart(x[start:i], start)
        if i < len(flat):
            yield name if len(flat) == 1 else f"{name}[{i}]", errors[i]  # (as its answer)
        start = i + 1


def one_input(net, image: str) -> np.ndarray:
    """The 28x28 picture ``net`` reads for IMAGE: a recording's picture of its sound for a
    model of recordings, else :func:`one_image`'s."""
    from .. import audio, inputs

    front_end = inputs.of(net)
    if isinstance(front_end, Audio):
        _check_not_an_array(image, Path(image))
        return audio.picture(image, front_end) / np.float32(255)
    return one_image(image, front_end)


def one_image(image: str, reads=None) -> np.ndarray:
    """The 28x28 image the network sees for IMAGE (a picture file, read as a model of input
    ``reads`` reads one, or a .npy array)."""
    for name, x in read_inputs([image], reads):
        if isinstance(x, DigitnetError):
            raise x
        if isinstance(x, StackPart):
            raise DataError(f"{name}: holds a stack of images; give one")
        if np.asarray(x).size != 784:
            raise DataError(f"{name}: holds {np.asarray(x).size // 784} images; give one")
        return np.asarray(x)
    raise DataError(f"{image}: no image found in this folder")
