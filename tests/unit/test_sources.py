"""Where data comes from: the table of official files, downloads from a local HTTP server
(mirrors, hashes, the cache), the packaged sample when no mirror answers, and Debian's
Fashion-MNIST when it is installed."""

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

from digitnet import datasets, sources
from digitnet.datasets import Dataset
from digitnet.errors import ChecksumError, DataError
from digitnet.idx import write_idx
from digitnet.sources import DatasetSpec, FileSpec

# <repo root>/../shared/data, as CI lays it out (tests/unit/this_file -> parents[2] is the root).
PREFIX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-train-prefix"
FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def prefix() -> Dataset:
    return datasets.load(str(PREFIX), split="train")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    images = write_idx(root / "train-images-idx3-ubyte.gz", prefix.x[:2000])
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
    np.testing.assert_array_equal(data.x, prefix.x[:2000])
    np.testing.assert_array_equal(data.labels, prefix.labels[:2000])
    landed = sorted(p.name for p in (cache / "mnist").iterdir())
    assert landed == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]  # no .part left
    assert data.source == str(cache / "mnist")
    assert data.files == {f.filename: f.sha256 for f in spec.files.values()}
    assert data.files == {n: sha256(cache / "mnist" / n) for n in landed}
    assert capfd.readouterr() == ("", "")  # library code prints nothing

    stop()  # the second load must come from the cache
    again = datasets.load(spec, cache_dir=cache)
    np.testing.assert_array_equal(again.x, data.x)
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


def test_no_mirror_answers_falls_back_to_the_packaged_sample(tmp_path):
    data = datasets.load("mnist", cache_dir=tmp_path, mirrors=[dead_url(), dead_url()])
    assert data.name == "mnist-sample" and data.split == "train"
    assert data.x.shape == (5000, 28, 28) and data.x.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.note.startswith("could not download train-images-idx3-ubyte.gz (http://127.0.0.1:")
    assert "cannot connect" in data.note
    for words in ("5,000-digit sample of real MNIST", "shipped with digitnet",
                  "accuracy will be lower", "connect to the internet", "--data DIR"):
        assert words in data.note
    assert "digitnet's packaged sample" in data.source
    assert list(data.files) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


def test_fetch_says_which_files_are_missing_where_and_why(tmp_path):
    with pytest.raises(sources.NotFound) as info:
        sources.fetch(sources.SPECS["kmnist"], "test", tmp_path, allow_download=False)
    assert info.value.reason == "downloads are turned off"
    assert str(info.value) == (
        f"kmnist test files not found in {tmp_path / 'kmnist'} and downloads are turned off; get"
        " http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-images-idx3-ubyte.gz,"
        " http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-labels-idx1-ubyte.gz (or from any"
        " mirror) into that folder, or pass --data DIR with a folder of MNIST-style IDX files")
    assert not (tmp_path / "kmnist").exists()  # nothing created when nothing is fetched


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


# --- the table of official files -------------------------------------------------------------

def test_table_is_complete():
    for spec in sources.SPECS.values():
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
    fs = sources.SPECS["fashion-mnist"].files[key]
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
    assert data.x.shape == (n, 28, 28) and data.name == "fashion-mnist"
    assert np.bincount(data.labels).tolist() == [n // 10] * 10
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    assert data.source == str(FASHION)
    assert data.files == {p: sha256(FASHION / p) for p in data.files}
    assert not (tmp_path / "fashion-mnist").exists()  # nothing copied or downloaded
