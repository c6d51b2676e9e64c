"""Saving to a disk that fills up: the error names the file and says what to do, the file that
was there is kept and no temporary file is left.

The disk is a real one that fills up: a 256 KiB tmpfs mounted for the test, so the kernel
itself refuses the write with ENOSPC. (/dev/full gives ENOSPC too, but a model is never written
to a device: atomic_write refuses anything but a regular file before writing; and a write
patched to raise would test the patch.) Mounting needs root: elsewhere the test is skipped."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest

from digitnet import load, modelfile

HINT = "no space left on device; free some space or save it elsewhere"


@pytest.fixture
def full_disk(tmp_path, trained):
    """A small tmpfs holding an old model (m.safetensors) and a file that fills all but 16 KiB
    of it, less than a model takes: its folder."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder = tmp_path / "full"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    try:
        shutil.copy(trained[0], folder / "m.safetensors")
        disk = os.statvfs(folder)
        (folder / "filler").write_bytes(b"\0" * (disk.f_bavail * disk.f_frsize - 16 * 1024))
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_train_on_a_full_disk_names_the_file_and_keeps_the_old_one(run, full_disk, trained,
                                                                   train_only_dir, one_line):
    out = full_disk / "m.safetensors"
    before = out.read_bytes()
    result = run("train", "--data", train_only_dir, "--epochs", "1", "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {out}: no space left on device; the trained network was not saved, "
        "and nothing else holds it: free some space (or give --out a place with room) and train "
        "again, adding --checkpoint PATH so that a save that fails can be made again without "
        "training")
    assert out.read_bytes() == before
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "m.safetensors"]


def test_saving_to_a_full_disk_raises_an_os_error_naming_the_file(full_disk, trained):
    out = full_disk / "new.safetensors"
    with pytest.raises(OSError) as e:
        modelfile.save(load(trained[0]), out)
    assert (e.value.errno, e.value.filename, e.value.strerror) == (errno.ENOSPC, str(out), HINT)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "m.safetensors"]
