"""A file in digitnet's cache whose SHA-256 is not the published one is never lost: it is moved
aside (NAME.bad-sha256 beside it, never over another file), the published file is fetched in
its place, and when that cannot be done the error says what the file there is, where it went and
what to get. Real files: an archive of real FSDD recordings packed by hand, MNIST's real digits
(../shared/data) as IDX files. No network: the mirrors are local (a port nothing listens on, or
a server on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import socket
import tarfile
import threading
from pathlib import Path

import pytest

from digitnet import datasets, recordings, sources
from digitnet.errors import ChecksumError
from digitnet.inputs import Audio
from digitnet.sources import DatasetSpec, FileSpec

FSDD = recordings.ARCHIVES["spoken-digits"]
MNIST_IMAGES = sources.SPECS["mnist"].files["train-images"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dead_url() -> str:
    """A URL on a local port that nothing listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


@pytest.fixture
def own_archive(spoken_digits, tmp_path) -> Path:
    """An archive a user packed of real recordings, laid out as FSDD's (not its bytes)."""
    path = tmp_path / "packed.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name in ("7_lucas_12.wav", "3_george_40.wav"):
            tar.add(spoken_digits / name, arcname=FSDD.folder + name)
    return path


def test_a_wrong_archive_in_the_cache_is_moved_aside_and_said(own_archive, tmp_path):
    cache = tmp_path / "cache"
    (cache / "spoken-digits").mkdir(parents=True)
    placed = cache / "spoken-digits" / FSDD.file.filename
    placed.write_bytes(own_archive.read_bytes())
    offline = dataclasses.replace(FSDD, mirrors=(dead_url(),))
    with pytest.raises(ChecksumError) as info:
        recordings.read_archive(offline, "train", Audio(), cache)
    message = str(info.value)
    aside = placed.with_name(FSDD.file.filename + ".bad-sha256")
    assert aside.read_bytes() == own_archive.read_bytes()  # nothing lost
    assert not placed.exists()  # (so that the published file can take its place)
    assert "\n" not in message and "not found" not in message
    assert message.startswith(f"spoken-digits: {placed} has SHA-256 {sha256(own_archive)[:12]}…,"
                              f" not the expected {FSDD.file.sha256[:12]}…")
    assert f"moved to {aside.name} beside it (not deleted)" in message
    assert f"could not download {FSDD.file.filename} ({offline.mirrors[0]}" in message
    assert f"get {offline.mirrors[0]}{FSDD.file.filename} (SHA-256 {FSDD.file.sha256})" in message

    placed.write_bytes(b"another try")  # a second wrong file: the first one set aside stays
    with pytest.raises(ChecksumError, match=r"moved to v1\.0\.10\.tar\.gz\.bad-sha256\.2 beside"):
        sources.fetch_file("spoken-digits", FSDD.file, (), cache, allow_download=False)
    assert aside.read_bytes() == own_archive.read_bytes()
    assert aside.with_name(aside.name + ".2").read_bytes() == b"another try"


def test_wrong_mnist_files_in_the_cache_are_said_not_swapped_for_the_sample(mnist_dir, tmp_path):
    """MNIST's own digits, but not its published file (the first 24,345 of them): set aside and
    named, rather than deleted and training quietly falling back to the 5,000-digit sample."""
    (tmp_path / "mnist").mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / "mnist" / name).write_bytes((mnist_dir / name).read_bytes())
    placed = tmp_path / "mnist" / MNIST_IMAGES.filename
    with pytest.raises(ChecksumError) as info:
        datasets.load("mnist", cache_dir=tmp_path, mirrors=[dead_url()])
    message = str(info.value)
    aside = placed.with_name(placed.name + ".bad-sha256")
    assert aside.read_bytes() == (mnist_dir / MNIST_IMAGES.filename).read_bytes()
    assert message.startswith(f"mnist: {placed} has SHA-256 "
                              f"{sha256(mnist_dir / MNIST_IMAGES.filename)[:12]}…, not the expected"
                              f" {MNIST_IMAGES.sha256[:12]}…")
    assert "could not download" in message and f"SHA-256 {MNIST_IMAGES.sha256})" in message
    assert "--data DIR" in message and "\n" not in message


# --- a mirror that answers: the published file takes the place of the one set aside ----------

@pytest.fixture
def mirror(tmp_path, mnist):
    """A server on 127.0.0.1 serving 1,000 real MNIST digits as IDX files: (URL, their spec)."""
    root = tmp_path / "served"
    root.mkdir()
    from digitnet.idx import write_idx

    images = write_idx(root / "train-images-idx3-ubyte.gz", mnist.x[:1000])
    labels = write_idx(root / "train-labels-idx1-ubyte.gz", mnist.labels[:1000])
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                 {"log_message": lambda *args: None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield url, DatasetSpec(name="mnist", mirrors=(url,), files={
        "train-images": FileSpec(images.name, sha256(images)),
        "train-labels": FileSpec(labels.name, sha256(labels))})
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_the_published_file_replaces_one_set_aside(mirror, mnist_dir, tmp_path):
    _, spec = mirror
    (tmp_path / "mnist").mkdir()
    placed = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    placed.write_bytes((mnist_dir / placed.name).read_bytes())  # 24,345 labels, not 1,000
    data = datasets.load(spec, cache_dir=tmp_path)
    assert len(data) == 1000 and sha256(placed) == spec.files["train-labels"].sha256
    assert placed.with_name(placed.name + ".bad-sha256").read_bytes() == (
        mnist_dir / placed.name).read_bytes()


def test_a_wrong_download_after_a_wrong_cached_file_says_both(mirror, mnist_dir, tmp_path):
    url, spec = mirror
    wanted = FileSpec("train-images-idx3-ubyte.gz", "ab" * 32)  # what the mirror does not serve
    bad = dataclasses.replace(spec, files={**spec.files, "train-images": wanted})
    (tmp_path / "mnist").mkdir()
    placed = tmp_path / "mnist" / wanted.filename
    placed.write_bytes((mnist_dir / wanted.filename).read_bytes())
    with pytest.raises(ChecksumError) as info:
        datasets.load(bad, cache_dir=tmp_path)
    message = str(info.value)
    assert message.startswith(f"{placed} has SHA-256 ")
    assert f"moved to {wanted.filename}.bad-sha256 beside it (not deleted), and {wanted.filename}"\
           f" from {url}{wanted.filename}: SHA-256" in message
    assert placed.with_name(placed.name + ".bad-sha256").exists() and not placed.exists()
