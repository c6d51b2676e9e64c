"""A file in digitnet's cache that is not the published one (a download cut short) is moved aside
as NAME.bad-sha256 and the published file fetched in its place; when that works, the data's note
says so, in one line: what was wrong, where the file went, and that a good copy took its place
(it said nothing). Real files: MNIST's first 24,345 training digits (../shared/data) and an
archive of real FSDD recordings. No network: the mirror is a server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import shutil
import tarfile
import threading
from pathlib import Path

import pytest

from digitnet import datasets, recordings
from digitnet.inputs import Audio
from digitnet.sources import DatasetSpec, FileSpec

FSDD = recordings.ARCHIVES["spoken-digits"]
IMAGES, LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path, mnist_dir, spoken_digits):
    """A server on 127.0.0.1 of MNIST's real training files (as ../shared/data has them) and an
    archive of 20 real recordings laid out as FSDD's: its URL and the folder it serves."""
    root = tmp_path / "served"
    root.mkdir()
    for name in (IMAGES, LABELS):
        shutil.copy(mnist_dir / name, root / name)
    with tarfile.open(root / FSDD.file.filename, "w:gz") as tar:
        for digit in range(10):
            for name in (f"{digit}_lucas_3.wav", f"{digit}_george_12.wav"):
                tar.add(spoken_digits / name, arcname=FSDD.folder + name)
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                 {"log_message": lambda *args: None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def mnist_spec(url: str, root: Path, **kw) -> DatasetSpec:
    return DatasetSpec(name="mnist", mirrors=(url,), files={
        "train-images": FileSpec(IMAGES, sha256(root / IMAGES)),
        "train-labels": FileSpec(LABELS, sha256(root / LABELS))}, **kw)


def cut_short(source: Path, to: Path) -> bytes:
    """A copy of ``source`` at ``to`` with its second half missing, as a cut download leaves it."""
    to.parent.mkdir(parents=True, exist_ok=True)
    damaged = source.read_bytes()[:source.stat().st_size // 2]
    to.write_bytes(damaged)
    return damaged


def test_a_damaged_mnist_file_replaced_by_a_download_is_said_in_one_note(served, tmp_path):
    url, root = served
    placed = tmp_path / "cache" / "mnist" / LABELS
    damaged = cut_short(root / LABELS, placed)
    data = datasets.load(mnist_spec(url, root), cache_dir=tmp_path / "cache")
    aside = placed.with_name(LABELS + ".bad-sha256")
    assert len(data) == 24345 and sha256(placed) == sha256(root / LABELS)
    assert aside.read_bytes() == damaged  # nothing lost
    assert data.note is not None and "\n" not in data.note
    assert data.note.startswith(f"mnist: {placed} has SHA-256 "
                                f"{hashlib.sha256(damaged).hexdigest()[:12]}…, not the expected "
                                f"{sha256(root / LABELS)[:12]}…, so it is not the published file")
    assert data.note.endswith(f"it was moved to {aside.name} beside it (not deleted), and the "
                              "published file was downloaded in its place")
    again = datasets.load(mnist_spec(url, root), cache_dir=tmp_path / "cache")
    assert again.note is None  # the good copy in the cache: nothing to say


def test_both_files_replaced_are_one_note(served, tmp_path):
    url, root = served
    cache = tmp_path / "cache" / "mnist"
    for name in (IMAGES, LABELS):
        cut_short(root / name, cache / name)
    note = datasets.load(mnist_spec(url, root), cache_dir=tmp_path / "cache").note
    assert note.count("\n") == 0 and note.startswith("mnist: ") and note.count("mnist: ") == 1
    for name in (IMAGES, LABELS):
        assert f"{cache / name} has SHA-256" in note and f"moved to {name}.bad-sha256" in note
    assert note.count("downloaded in its place") == 2


def test_a_good_copy_in_a_system_folder_is_said_to_be_read_instead(served, tmp_path):
    url, root = served
    placed = tmp_path / "cache" / "mnist" / IMAGES
    cut_short(root / IMAGES, placed)
    spec = dataclasses.replace(mnist_spec(url, root), mirrors=(), system_dirs=(str(root),))
    data = datasets.load(spec, cache_dir=tmp_path / "cache", allow_download=False)
    assert len(data) == 24345 and not placed.exists()
    assert data.note.startswith(f"mnist: {placed} has SHA-256 ")
    assert data.note.endswith(f"it was moved to {IMAGES}.bad-sha256 beside it (not deleted), "
                              f"and the published file in {root} is read instead")


def test_a_damaged_archive_replaced_by_a_download_is_said(served, tmp_path):
    url, root = served
    archive = dataclasses.replace(FSDD, mirrors=(url,), file=FileSpec(
        FSDD.file.filename, sha256(root / FSDD.file.filename)))
    placed = tmp_path / "cache" / "spoken-digits" / FSDD.file.filename
    damaged = cut_short(root / FSDD.file.filename, placed)
    found = recordings.read_archive(archive, "train", Audio(), tmp_path / "cache")
    aside = placed.with_name(placed.name + ".bad-sha256")
    assert len(found.labels) == 10 and aside.read_bytes() == damaged  # george's 12s: train
    assert found.note == (
        f"spoken-digits: {placed} has SHA-256 {hashlib.sha256(damaged).hexdigest()[:12]}…, not "
        f"the expected {archive.file.sha256[:12]}…, so it is not the published file; it was "
        f"moved to {aside.name} beside it (not deleted), and the published file was downloaded "
        "in its place")
