"""Datasets: names, folders and tables -> labelled examples, and the splits made from them.

``load("mnist")`` finds the official MNIST training files, checks their SHA-256 and returns a
:class:`Dataset` of uint8 images (n, 28, 28) and labels (n,). What ``load`` takes:

1. A folder of IDX files (``train-images-idx3-ubyte.gz`` ... or the dotted names Kaggle copies
   use, ``train-images.idx3-ubyte``), raw or gzip.
2. A folder of class folders of pictures (``my-digits/0/a.png``, ...; optionally ``train/`` and
   ``test/`` inside), each picture prepared like MNIST's digits: see :mod:`digitnet.folders`.
3. A table: a ``.csv`` file with a header row (the labels in column ``target``, by default the
   last) or a NumPy ``.npz`` holding ``X`` and ``y``: see :mod:`digitnet.tables`.
4. A known name (``mnist``, ``fashion-mnist``, ``kmnist``): the files in the table of
   :mod:`digitnet.sources`, from the user cache, a system package or a mirror, verified by
   their SHA-256 (see :func:`digitnet.sources.fetch`).
5. Recordings (:mod:`digitnet.recordings`): ``spoken-digits`` (the Free Spoken Digit Dataset's
   archive, from the cache or downloaded and verified), a folder of recordings with its flat
   names (``7_jackson_32.wav``), or class folders of recordings; each becomes the picture of its
   sound (:mod:`digitnet.audio`).
6. MNIST's training split and no network: the 5,000 real MNIST digits shipped inside digitnet,
   named ``mnist-sample``, with :attr:`Dataset.note` saying so.

A table, or a folder of pictures without ``test/``, has one split: "train" (see
:func:`has_test_split`); ``split="all"`` reads every example, the train and test parts as one
(with one note for both: the files of a folder skipped in either, say). :func:`from_arrays`
makes a Dataset of arrays in memory. Other mirrors: ``mirrors=[...]`` or a
:class:`DatasetSpec`. Library code never prints: what the user should know is in
``Dataset.note`` or in the exception.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitnet import arrays, classmatch, folders, recordings, sources, tables, words
from digitnet.audio import AUDIO_EXTENSIONS
from digitnet.errors import ConfigError, DataError
from digitnet.idx import content_sha256, read_images, read_labels
from digitnet.idxfolders import find_files, has_test_files, holds_idx
from digitnet.images import IMAGE_EXTENSIONS
from digitnet.inputs import Audio, Images, Input, Table
from digitnet.sources import DIGITS, KNOWN_NAMES, SPECS, DatasetSpec, FileSpec
from digitnet.splits import stratified_split, train_val_indices, train_val_split

__all__ = ["Dataset", "DatasetSpec", "FileSpec", "SPECS", "KNOWN_NAMES", "DIGITS", "load",
           "from_arrays", "has_test_split", "find_files", "stratified_split", "train_val_indices",
           "train_val_split", "load_sample", "from_recordings", "TABLE_SUFFIXES"]

#: The file kinds read as tables (see :mod:`digitnet.tables`).
TABLE_SUFFIXES = (".csv", ".npz")
_TAKES = ("a folder (of recordings named like 7_jackson_32.wav, of class folders of pictures or "
          "recordings like digits/7/a.png, or of MNIST-style IDX files), or a .csv or .npz table")


@dataclass(eq=False)
class Dataset:
    """Labelled examples with where they came from.

    Attributes
    ----------
    x : np.ndarray
        The examples: images, uint8 of shape (n, h, w) with 0 = background and 255 = ink (MNIST's
        are (n, 28, 28)), or the rows of a table, float of shape (n, columns).
    labels : np.ndarray
        uint8, shape (n,), indices into ``classes``.
    name : str
        "mnist", "fashion-mnist", "kmnist", "mnist-sample", or the folder's or table's path.
    split : str
        "train", "test", "val" or "all" (both the train and the test part).
    source : str
        Where the files were read from, for people.
    files : dict[str, str]
        File basename -> SHA-256 of the bytes read: the data fingerprint.
    classes : tuple[str, ...]
        Class names, ``classes[label]``.
    note : str or None
        A line to show the user (e.g. that this is the 5,000-digit sample), or None.
    input : Input
        How the examples become the input layer's rows (:mod:`digitnet.inputs`); by default
        images of their own shape, or a table's columns x0, x1, ...
    groups : np.ndarray or None
        str, shape (n,): who made each example (a recording's speaker), for holding one out
        (:func:`digitnet.splits.group_split`); None when unknown.
    sounds : tuple of np.ndarray or None
        For recordings, the voice behind each picture (float32 samples at the front end's rate,
        trimmed: :func:`digitnet.audio.voice`), for augmentation; else None.
    declared : tuple[str, ...]
        Classes named by whoever made the data (:func:`from_arrays`'s ``classes``) that may have
        no example in it; fine-tuning refuses any other class of its model without a training
        example (:func:`digitnet.recipes.check_classes_trained`). Empty for data read from
        files.
    names : tuple of str or None
        Each example's file, from the folder given ("7/take3.wav", "train/0/a.png"), as ``x``'s
        rows; None for data without files of its own (IDX files, arrays, tables: a number).
    """

    x: np.ndarray
    labels: np.ndarray
    name: str
    split: str
    source: str
    files: dict[str, str] = field(default_factory=dict)
    classes: tuple[str, ...] = DIGITS
    note: str | None = None
    input: Input | None = None
    groups: np.ndarray | None = None
    sounds: tuple[np.ndarray, ...] | None = None
    declared: tuple[str, ...] = ()
    names: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.x.ndim not in (2, 3) or self.labels.ndim != 1 or len(self.x) != len(self.labels):
            raise DataError(f"{self.name}: expected examples (n, rows, cols) or (n, columns) and "
                            f"labels (n,), got {self.x.shape} and {self.labels.shape}")
        if self.input is None:
            self.input = (Images(self.x.shape[1:]) if self.x.ndim == 3
                          else Table(tuple(f"x{i}" for i in range(self.x.shape[1]))))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, split={self.split!r}, n={len(self)},"
                f" source={self.source!r})")

    def subset(self, index, split: str | None = None) -> Dataset:
        """The examples at ``index`` (int array, boolean mask or slice), same metadata."""
        kept = np.arange(len(self))[index]
        return dataclasses.replace(
            self, x=self.x[kept], labels=self.labels[kept],
            groups=None if self.groups is None else self.groups[kept],
            names=None if self.names is None else tuple(self.names[i] for i in kept),
            sounds=None if self.sounds is None else tuple(self.sounds[i] for i in kept),
            split=self.split if split is None else split)

    def with_classes(self, classes: Sequence[str], what: str = "the model", *,
                     named: bool = True, init: str | None = None) -> Dataset:
        """The same examples with labels that index ``classes`` (a model's; ``named`` False when it
        only numbers them), matched by name, or by position when one side only numbers its classes
        (an IDX file's labels are bare numbers): :func:`digitnet.classmatch.match`. Raises DataError
        for classes unknown to ``what``, none of its classes, or a label out of range."""
        labels, matched = classmatch.match(self.labels, self.classes, classes, self.name, what,
                                           named=named, init=init)
        if labels is self.labels and matched == self.classes:
            return self
        return dataclasses.replace(self, labels=labels, classes=matched)

    @property
    def fingerprint(self) -> dict:
        """{"name", "split", "n", "files"}: enough to tell which data a model was trained on. A
        folder or table named from the working folder is named from the root, so that the model
        finds it again from another one (``digitnet show ablation ../wine.safetensors``)."""
        name = self.name
        if not os.path.isabs(name) and os.path.exists(name):
            name = os.path.abspath(name)  # (not resolved: a link in the path stays)
        return {"name": name, "split": self.split, "n": len(self), "files": dict(self.files)}


def load(name_or_dir: str | os.PathLike | DatasetSpec = "mnist", split: str = "train", *,
         target: str | None = None, cache_dir: str | os.PathLike | None = None,
         progress: bool = False, allow_download: bool = True, allow_sample: bool = True,
         mirrors: Sequence[str] | None = None, audio: Audio | None = None,
         model_classes: Sequence[str] | None = None, pictures: Input | None = None) -> Dataset:
    """Load a dataset by name, folder, table or :class:`DatasetSpec` (see the module docstring).

    Parameters
    ----------
    name_or_dir : str, PathLike or DatasetSpec
        "mnist", "fashion-mnist", "kmnist", a folder of IDX files or of class folders of
        pictures, a .csv or .npz table, or a spec of your own.
    split : {"train", "test", "all"}
        Which part to read; "all": every example, of the train and test parts (just the train
        part where there is no test part). (A validation set comes from :func:`train_val_split`.)
    target : str, optional
        A CSV table's label column; default: :func:`digitnet.tablelabels.label_column`.
    cache_dir : path, optional
        Root of the download cache; files go to ``cache_dir/<name>/``. Default
        ``platformdirs.user_cache_dir("digitnet")``.
    progress : bool
        Show pooch's download progress bar (needs the tqdm package; ignored without it).
    allow_download : bool
        Fetch missing files from the mirrors.
    allow_sample : bool
        If MNIST's training files cannot be had, return the packaged 5,000-digit sample.
    mirrors : sequence of str, optional
        Base URLs to try instead of the spec's.
    audio, pictures : Input, optional
        How recordings become pictures, and picture files are read (a model's front end, its
        input record, to read data as it was trained); default Audio's parameters, MNIST's way.
    model_classes : sequence of str, optional
        The classes of the model the data is for, which tell one class folder holding folders
        from a folder of class folders one folder too deep (see :mod:`digitnet.folders`).

    Raises
    ------
    DataError, IDXFormatError, ChecksumError, ConfigError
    """
    if split not in ("train", "test", "all"):
        raise ConfigError(f"split must be 'train' or 'test' (or 'all': both), got {split!r}; a "
                          "validation set comes from train_val_split")
    path = None if isinstance(name_or_dir, DatasetSpec) else Path(name_or_dir)
    if path is not None and str(name_or_dir) and (path.is_dir() or path.is_file()):
        return _load_path(path, split, target, audio or Audio(), model_classes, pictures)
    if path is not None and path.suffix.lower() in TABLE_SUFFIXES:
        raise DataError(f"{name_or_dir}: no such file")
    if target is not None:
        raise ConfigError(f"--target names the label column of a .csv table; {name_or_dir} is "
                          "not one")
    cache = Path(cache_dir) if cache_dir else sources.default_cache()
    if str(name_or_dir) in recordings.ARCHIVES:
        found = recordings.read_archive(recordings.ARCHIVES[str(name_or_dir)], split,
                                        audio or Audio(), cache, progress=progress,
                                        allow_download=allow_download)
        return from_recordings(found, str(name_or_dir), split, audio or Audio())
    spec = name_or_dir if path is None else SPECS.get(str(name_or_dir))
    if spec is None:
        names = ", ".join((*KNOWN_NAMES, *recordings.ARCHIVES))
        raise DataError(f"{str(name_or_dir)!r} is neither a known dataset nor a folder or table;"
                        f" use one of {names}, {_TAKES}")
    if mirrors is not None:
        spec = dataclasses.replace(spec, mirrors=tuple(mirrors))
    return _load_spec(spec, split, cache, progress, allow_download, allow_sample)


def has_test_split(name_or_dir: str | os.PathLike | DatasetSpec) -> bool:
    """Whether the source has a test part: the known datasets and IDX folders do (or should:
    loading it says what is missing), a table does not, a folder of pictures with ``test/`` does,
    and a folder of FSDD-named recordings does when it holds recordings 0-4 and others."""
    path = None if isinstance(name_or_dir, DatasetSpec) else Path(name_or_dir)
    flat = path is not None and path.is_dir() and recordings.flat_folder(path)
    if flat:
        return recordings.flat_has_test_split(flat)
    if path is not None and (path.is_file() or path.is_dir() and not holds_idx(path)):
        return path.is_dir() and folders.has_test_split(path)
    return True


def from_arrays(X, y, classes: Sequence[str] | None = None, name: str = "arrays", *,
                source: str | None = None, files: dict[str, str] | None = None,
                target: str | None = None, table: bool = False) -> Dataset:
    """A training Dataset from arrays in memory.

    Parameters
    ----------
    X : array or pandas DataFrame
        Images, (n, h, w) of uint8 (0 = background, 255 = ink) or floats in [0, 1]; or the rows
        of a table, (n, columns) of numbers, named x0, x1, ... (a DataFrame's by its columns).
        Rows that look like flattened pictures of MNIST's size or larger (n, 784) are a table's
        all the same, with a note (UserWarning) saying how to give them as pictures
        (:func:`digitnet.arrays.note_flattened`).
    y : array, shape (n,)
        Labels of any kind (numbers, words); the classes are the distinct labels, sorted. With
        ``classes``, ``y`` holds indices into it, or the labels themselves.
    classes : sequence, optional
        The classes, when ``y`` does not say them all: labels of any kind, named as ``y``'s
        would be (:func:`digitnet.arrays.class_name`). A network trained on the Dataset has an
        output for each, also one ``y`` holds no example of (:attr:`Dataset.declared`: a batch
        of scikit-learn's ``partial_fit`` holds only some of the classes it was told of).
    name, source, files
        What to call the data, where it came from, and its files' SHA-256 (for the fingerprint).
    target : None
        Refused (ConfigError): it names a table file's label column; here the labels are ``y``.
    table : bool
        ``X`` is a table whatever its rows look like (scikit-learn's estimators read every X
        so): no note that they look like flattened pictures.

    Raises DataError for no examples, shapes that do not fit, values that are not numbers or
    missing (:func:`digitnet.tables.in_memory`), images out of range, or a single class.
    """
    X, y, columns = tables.in_memory(X, y, name, target)
    labels, names = arrays.encode_labels(y, name, classes=classes)
    x = arrays.pixels(X, name, training=True) if X.ndim == 3 else arrays.feature_rows(X, name)
    if X.ndim == 2 and not table:
        arrays.note_flattened(X, name, frame=columns is not None)
    return Dataset(x, labels, name=name, split="train", source=source or name,
                   files=dict(files or {}), classes=names,
                   input=None if columns is None else Table(columns),
                   declared=names if classes is not None else ())


def _load_path(path: Path, split: str, target, audio: Audio, known, pictures) -> Dataset:
    """A folder (of IDX files, of recordings or of class folders) or a table file."""
    if target is not None and path.suffix.lower() != ".csv":
        raise ConfigError(f"--target names the label column of a .csv table; {path} is not one"
                          + (" (an .npz holds its labels in y)" if path.suffix == ".npz" else ""))
    if path.is_dir():
        if holds_idx(path):
            return _load_folder(path, split)
        flat = recordings.flat_folder(path)
        found = (recordings.read_flat(flat, split, audio, path) if flat
                 else folders.read_folder(path, split, audio, known, pictures))
        return from_recordings(found, str(path), split, audio)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        kind = ("recording" if suffix in AUDIO_EXTENSIONS
                else "picture" if suffix in IMAGE_EXTENSIONS else "")
        raise DataError(f"{path} is a {kind or 'file'}, not a folder or a table; --data takes a "
                        f"dataset name, {_TAKES}" + (kind and f"; to read this one {kind}, use "
                        f"digitnet predict MODEL {words.shell(path)}"))
    if split == "test":
        raise DataError(f"{path}: a table is one set of rows with no {split} split; score all "
                        'its rows (split="all", --split all), or give test rows as another table')
    files = {path.name: sources.sha256(path)}
    if suffix == ".npz":  # (split "all" when all is asked for: every row, as of a .csv)
        return dataclasses.replace(from_arrays(*tables.read_npz(path), name=str(path),
                                               files=files), split=split)
    rows = tables.read_csv(path, target)
    labels, classes = arrays.encode_labels(rows.y, str(path), f"column {rows.target!r}")
    return Dataset(rows.x, labels, name=str(path), split=split, source=str(path), files=files,
                   classes=classes, input=Table(rows.columns))


def from_recordings(found, name: str, split: str, audio: Audio) -> Dataset:
    """A Dataset of what a folder or archive held: pictures, or pictures of recordings."""
    sounds = getattr(found, "sounds", None)
    return Dataset(found.x, found.labels, name=name, split=split, source=name,
                   files=found.files, classes=found.classes, note=found.note,
                   input=audio if sounds is not None else getattr(found, "input", None),
                   groups=getattr(found, "groups", None), sounds=sounds, names=found.names)


def _joined(parts: list[Dataset]) -> Dataset:
    """The images of ``parts`` (a train and a test part) as one Dataset: the split "all"."""
    return dataclasses.replace(
        parts[0], x=np.concatenate([p.x for p in parts]), split="all",
        labels=np.concatenate([p.labels for p in parts]),
        files={k: v for p in parts for k, v in p.files.items()},
        names=None if None in [p.names for p in parts] else sum((p.names for p in parts), ()),
        note="\n".join(p.note for p in parts if p.note) or None)


def _make(images, labels, image_path: Path, label_path: Path, **meta) -> Dataset:
    """A Dataset after checking the files agree and hold 28x28 images with valid labels."""
    if len(images) != len(labels):
        raise DataError(f"{image_path} holds {len(images)} images but {label_path} holds"
                        f" {len(labels)} labels; the two files must hold the same examples")
    if images.shape[1:] != (28, 28):
        raise DataError(f"{image_path}: images are {images.shape[1]}x{images.shape[2]};"
                        " digitnet needs 28x28 (MNIST's size)")
    n_classes = len(meta.get("classes", DIGITS))
    if len(labels) and labels.max() >= n_classes:
        raise DataError(f"{label_path}: label {labels.max()} found; expected 0..{n_classes - 1}")
    return Dataset(images, labels, **meta)


def _load_folder(folder: Path, split: str) -> Dataset:
    if split == "all":  # (the training files alone when there is no t10k file)
        return _joined([_load_folder(folder, s) for s in ("train", "test")
                        if s == "train" or has_test_files(folder)])
    image_path, label_path = find_files(folder, split)
    images, labels = read_images(image_path), read_labels(label_path)
    files = {p.name: sources.sha256(p) for p in (image_path, label_path)}
    # A folder holding a known dataset's official files gets that dataset's class names.
    known = {h: spec for spec in SPECS.values() for f in spec.files.values()
             for h in (f.sha256, f.idx_sha256) if h}
    spec = known.get(files[image_path.name]) or known.get(content_sha256(images))
    return _make(images, labels, image_path, label_path, name=str(folder), split=split,
                 source=str(folder), files=files, classes=spec.classes if spec else DIGITS)


def _load_spec(spec: DatasetSpec, split: str, cache_root: Path, progress: bool,
               allow_download: bool, allow_sample: bool) -> Dataset:
    if split == "all":
        return _joined([_load_spec(spec, s, cache_root, progress, allow_download, allow_sample)
                        for s in ("train", "test") if f"{s}-images" in spec.files])
    notes = []  # (a file in the cache that was not the published one, replaced)
    try:
        found = sources.fetch(spec, split, cache_root, progress=progress,
                              allow_download=allow_download, note=notes.append)
    except sources.NotFound as exc:
        if spec.name == "mnist" and split == "train" and allow_sample:
            return load_sample(reason=exc.reason)
        raise DataError(str(exc)) from None
    (image_path, image_hash, images), (label_path, label_hash, labels) = found.values()
    images = read_images(image_path) if images is None else images
    labels = read_labels(label_path) if labels is None else labels
    return _make(images, labels, image_path, label_path, name=spec.name, split=split,
                 source=str(image_path.parent), classes=spec.classes,
                 files={image_path.name: image_hash, label_path.name: label_hash},
                 note="\n".join(notes) or None)


def load_sample(reason: str | None = None) -> Dataset:
    """The 5,000 real MNIST training digits (500 per class) shipped inside digitnet, their
    SHA-256 checked (:func:`digitnet.sources.sample_files`); ``reason`` (why the full set is not
    used) starts the note."""
    (images, image_hash), (labels, label_hash) = sources.sample_files()
    note = (f"{reason + ': ' if reason else ''}using the 5,000-digit sample of real MNIST shipped"
            " with digitnet, so accuracy will be lower; for the full 60,000 digits connect to the"
            " internet and rerun, or pass --data DIR with the official IDX files (in Python,"
            " digitnet.train(DIR) or digitnet.datasets.load(DIR))")
    return _make(read_images(images), read_labels(labels), images, labels,
                 name=sources.SAMPLE.name, split="train", note=note,
                 source=f"digitnet's packaged sample ({images.parent})",
                 files={images.name: image_hash, labels.name: label_hash})
