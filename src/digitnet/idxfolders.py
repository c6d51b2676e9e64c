"""MNIST-style folders: which of a folder's files hold a split's images and labels as IDX files.

``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz`` (``t10k-`` for the test
split), or the dotted names Kaggle copies use (``train-images.idx3-ubyte``), each raw or gzip.
:func:`digitnet.datasets.load` reads them (:mod:`digitnet.idx`).
"""

from __future__ import annotations

import os
from pathlib import Path

from digitnet.errors import ConfigError, DataError, listed

__all__ = ["find_files", "has_test_files", "holds_idx"]

_PREFIX = {"train": "train", "test": "t10k"}


def find_files(folder: str | os.PathLike, split: str) -> tuple[Path, Path]:
    """(images_path, labels_path) of ``split`` ("train" or "test") in an MNIST-style folder, or
    DataError.

    Accepts ``train-images-idx3-ubyte`` and Kaggle's ``train-images.idx3-ubyte``, each raw or
    ``.gz``; ``t10k-`` for the test split.
    """
    folder = Path(folder)
    if split not in _PREFIX:
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}; the files of one "
                          "split are found at a time (a validation set comes from "
                          "train_val_split)")

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
                        " — evaluate with --split val, or point --data at a folder with the t10k "
                        "files")
    missing = listed(n for n, f in ((f"{p}-images-idx3-ubyte[.gz]", images),
                                    (f"{p}-labels-idx1-ubyte[.gz]", labels)) if f is None)
    raise DataError(f"{folder}: no {missing} for the {split} split; an MNIST-style folder holds"
                    f" {wanted} (dotted names like {p}-images.idx3-ubyte work too)")


def holds_idx(folder: Path) -> bool:
    """Whether ``folder`` holds IDX files (``...-ubyte``, maybe ``.gz``): MNIST's layout."""
    return any(idx_named(p.name) for p in folder.iterdir() if p.is_file())


def idx_named(name: str) -> bool:
    """Whether a file's name is an IDX file's, as MNIST's and Kaggle's copies name them
    (``train-images-idx3-ubyte.gz``, ``t10k-images.idx3-ubyte``)."""
    return "-ubyte" in name or ".idx" in name


def has_test_files(folder: Path) -> bool:
    """Whether ``folder`` holds any test file (``t10k-...``): a test part, or one with a file
    missing, which :func:`find_files` names."""
    return any(folder.glob("t10k-*"))
