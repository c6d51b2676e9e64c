"""Datasets on real data: the MNIST prefix folder, Dataset and its splits, and the packaged
sample (where files come from and downloads are in test_sources.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from digitnet import datasets
from digitnet.datasets import Dataset
from digitnet.errors import ConfigError, DataError
from digitnet.idx import write_idx

# <repo root>/../shared/data, as CI lays it out (tests/unit/this_file -> parents[2] is the root).
PREFIX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-train-prefix"
PREFIX_COUNTS = [2406, 2770, 2381, 2524, 2386, 2181, 2401, 2524, 2328, 2444]


@pytest.fixture(scope="module")
def prefix() -> Dataset:
    return datasets.load(str(PREFIX), split="train")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a folder of IDX files -------------------------------------------------------------------

def test_loads_the_real_prefix_folder(prefix):
    assert len(prefix) == 24345
    assert prefix.x.shape == (24345, 28, 28) and prefix.x.dtype == np.uint8
    assert prefix.labels.shape == (24345,) and prefix.labels.dtype == np.uint8
    assert np.bincount(prefix.labels).tolist() == PREFIX_COUNTS
    assert prefix.x.max() == 255 and prefix.x.min() == 0
    assert (prefix.name, prefix.split, prefix.source) == (str(PREFIX), "train", str(PREFIX))
    assert prefix.classes == tuple("0123456789") and prefix.note is None
    # The hashes published in shared/data/README.md.
    assert prefix.fingerprint == {"name": str(PREFIX), "split": "train", "n": 24345, "files": {
        "train-images-idx3-ubyte.gz": "37c6828b0d6ff21b672a1e640333b90c82f0b7be46154790a9c9427a282b24a7",
        "train-labels-idx1-ubyte.gz": "395dc3abb8de524376095d61c1ca3a2890cacee73f0f4e6db6303db5d8b9a5ed"}}


def test_test_split_of_a_train_only_folder():
    with pytest.raises(DataError) as info:
        datasets.load(str(PREFIX), split="test")
    assert str(info.value) == (
        f"{PREFIX}: no test files (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]);"
        " this folder holds only training data — evaluate with --split val, or point --data at a"
        " folder with the t10k files")


def test_kaggle_dotted_raw_names(tmp_path, prefix):
    write_idx(tmp_path / "t10k-images.idx3-ubyte", prefix.x[:300])
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", prefix.labels[:300])
    assert datasets.find_files(tmp_path, "test") == (tmp_path / "t10k-images.idx3-ubyte",
                                                     tmp_path / "t10k-labels.idx1-ubyte")
    data = datasets.load(tmp_path, split="test")
    np.testing.assert_array_equal(data.x, prefix.x[:300])
    np.testing.assert_array_equal(data.labels, prefix.labels[:300])
    assert data.files == {"t10k-images.idx3-ubyte": sha256(tmp_path / "t10k-images.idx3-ubyte"),
                          "t10k-labels.idx1-ubyte": sha256(tmp_path / "t10k-labels.idx1-ubyte")}
    with pytest.raises(DataError, match=r"no train-images-idx3-ubyte\[\.gz\] and train-labels"):
        datasets.load(tmp_path, split="train")


def test_missing_labels_file_is_named(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", prefix.x[:10])
    with pytest.raises(DataError, match=r"no train-labels-idx1-ubyte\[\.gz\] for the train split"):
        datasets.find_files(tmp_path, "train")


def test_image_and_label_counts_must_agree(tmp_path, prefix):
    images = write_idx(tmp_path / "train-images-idx3-ubyte.gz", prefix.x[:100])
    labels = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", prefix.labels[:90])
    with pytest.raises(DataError) as info:
        datasets.load(tmp_path)
    assert str(info.value) == (f"{images} holds 100 images but {labels} holds 90 labels;"
                               " the two files must hold the same examples")


def test_images_must_be_28x28(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte", prefix.x[:5, 4:24, 4:24])
    write_idx(tmp_path / "train-labels-idx1-ubyte", prefix.labels[:5])
    with pytest.raises(DataError, match="images are 20x20; digitnet needs 28x28"):
        datasets.load(tmp_path)


def test_labels_must_name_a_class(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte", prefix.x[:5])
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 2, 3, 10, 4], dtype=np.uint8))
    with pytest.raises(DataError, match=r"label 10 found; expected 0\.\.9"):
        datasets.load(tmp_path)


def test_unknown_name():
    with pytest.raises(DataError) as info:
        datasets.load("mnits")
    message = str(info.value)
    assert "'mnits' is neither a known dataset nor a folder" in message
    assert "mnist, fashion-mnist, kmnist" in message and "folder" in message


def test_a_file_is_not_a_folder():
    with pytest.raises(DataError, match="is a file, not a folder"):
        datasets.load(str(PREFIX / "train-images-idx3-ubyte.gz"))


@pytest.mark.parametrize("split", ["val", "validation", ""])
def test_load_split_must_be_train_or_test(split):
    with pytest.raises(ConfigError, match="split must be 'train' or 'test'"):
        datasets.load(str(PREFIX), split=split)


# --- Dataset and splits ----------------------------------------------------------------------

def test_subset_keeps_metadata(prefix):
    part = prefix.subset(prefix.labels == 3, split="val")
    assert len(part) == PREFIX_COUNTS[3] and set(part.labels.tolist()) == {3}
    assert (part.name, part.split, part.files) == (prefix.name, "val", prefix.files)
    assert prefix.subset(slice(0, 5)).split == "train"
    assert repr(part) == f"Dataset(name={str(PREFIX)!r}, split='val', n=2524, source={str(PREFIX)!r})"


def test_dataset_rejects_mismatched_arrays():
    with pytest.raises(DataError, match="expected examples"):
        Dataset(np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), "x", "train", "here")


def test_stratified_split_keeps_class_proportions(prefix):
    train, val = datasets.stratified_split(prefix.labels, 0.1, seed=0)
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    assert np.intersect1d(train, val).size == 0
    assert np.array_equal(np.union1d(train, val), np.arange(len(prefix)))
    val_counts = np.bincount(prefix.labels[val], minlength=10)
    assert val_counts.tolist() == [round(0.1 * n) for n in PREFIX_COUNTS]
    assert np.bincount(prefix.labels[train]).tolist() == (np.array(PREFIX_COUNTS) - val_counts).tolist()


def test_stratified_split_is_deterministic(prefix):
    first = datasets.stratified_split(prefix.labels, 0.2, seed=42)
    again = datasets.stratified_split(prefix.labels, 0.2, seed=42)
    other = datasets.stratified_split(prefix.labels, 0.2, seed=43)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert len(other[1]) == len(first[1]) and not np.array_equal(other[1], first[1])


def test_stratified_split_fraction_zero_and_bounds(prefix):
    train, val = datasets.stratified_split(prefix.labels, 0.0, seed=1)
    assert val.size == 0 and np.array_equal(train, np.arange(len(prefix)))
    for bad in (1.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ConfigError, match=r"must be in \[0, 1\)"):
            datasets.stratified_split(prefix.labels, bad, seed=1)


def test_train_val_split(prefix):
    train, val = datasets.train_val_split(prefix, 0.25, seed=3)
    assert (train.split, val.split) == ("train", "val")
    assert len(train) + len(val) == len(prefix)
    _, val_index = datasets.stratified_split(prefix.labels, 0.25, seed=3)
    np.testing.assert_array_equal(val.x, prefix.x[val_index])
    np.testing.assert_array_equal(val.labels, prefix.labels[val_index])
    assert val.fingerprint["n"] == len(val_index) and val.fingerprint["files"] == prefix.files
    with pytest.raises(ConfigError, match="only a training set"):
        datasets.train_val_split(val, 0.1, seed=3)


# --- the packaged sample ---------------------------------------------------------------------

def test_the_sample_is_real_mnist(prefix):
    # The 5,000 digits shipped with digitnet are the first 500 of each digit in the official
    # training files, in order: compare them with the prefix folder, pixel for pixel.
    sample = datasets.load_sample()
    picks = np.sort(np.concatenate([np.flatnonzero(prefix.labels == d)[:500] for d in range(10)]))
    np.testing.assert_array_equal(sample.x, prefix.x[picks])
    np.testing.assert_array_equal(sample.labels, prefix.labels[picks])
    assert sample.note.startswith("using the 5,000-digit sample")
    # said to people at the command line and in Python alike: both ways to give the real files
    assert "--data DIR" in sample.note and "digitnet.datasets.load(DIR)" in sample.note
    assert sample.files == {fs.filename: fs.sha256 for fs in datasets.sources.SAMPLE.files.values()}


def test_a_damaged_sample_is_refused(tmp_path, monkeypatch):
    import shutil

    from digitnet.errors import ChecksumError

    copy = tmp_path / "mnist_sample"
    shutil.copytree(datasets.sources.SAMPLE_DIR, copy)
    labels = copy / "train-labels-idx1-ubyte.gz"
    content = bytearray(labels.read_bytes())
    content[100] ^= 1  # one bit of one label
    labels.write_bytes(bytes(content))
    monkeypatch.setattr(datasets.sources, "SAMPLE_DIR", copy)
    with pytest.raises(ChecksumError, match="SHA-256 .* differs .* reinstall digitnet"):
        datasets.load_sample()
    labels.unlink()
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.gz: missing"):
        datasets.load_sample()
