"""digitnet.save to a disk that fills up raises a ModelFileError of one line, as every other
failure to save does (it raised a plain OSError), still the OSError it was for code that
catches that (errno ENOSPC, the file as its filename); the file that was there is kept and no
temporary file is left.

The disk is a real one that fills up: a 300 KiB tmpfs mounted for the test (the kernel itself
refuses the write), unmounted after. Mounting needs root and a system that lets it mount (not
every container does): elsewhere the test is skipped, saying which."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import numpy as np
import pytest

from digitnet import Network, load, save
from digitnet.errors import ModelFileError


def _mount_small_tmpfs(folder) -> None:
    """Mount a 300 KiB tmpfs on ``folder``, or skip the test saying why it cannot be."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this system does not let a tmpfs be mounted: {done.stderr.strip()}")


@pytest.fixture
def full_disk(tmp_path):
    """A 300 KiB tmpfs holding a model (m.safetensors) and a file that fills all but 16 KiB of
    it, less than a model of 784-16-10 takes (51 KB): its folder."""
    folder = tmp_path / "full"
    folder.mkdir()
    _mount_small_tmpfs(folder)
    try:
        save(Network((784, 16, 10), seed=1), folder / "m.safetensors")
        disk = os.statvfs(folder)
        (folder / "filler").write_bytes(b"\0" * (disk.f_bavail * disk.f_frsize - 16 * 1024))
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("name", ["m.safetensors", "new.safetensors"])
def test_saving_to_a_full_disk_is_a_model_file_error_of_one_line(full_disk, name):
    out = full_disk / name
    before = {p.name: p.read_bytes() for p in full_disk.iterdir()}
    with pytest.raises(ModelFileError) as e:
        save(Network((784, 16, 10), seed=2), out)
    assert str(e.value) == (f"{out}: no space left on device; free some space or save it "
                            "elsewhere")
    assert isinstance(e.value, OSError)  # (what it raised before: code catching that still does)
    assert (e.value.errno, e.value.filename) == (errno.ENOSPC, str(out))
    assert {p.name: p.read_bytes() for p in full_disk.iterdir()} == before  # kept; no temporary
    np.testing.assert_array_equal(load(full_disk / "m.safetensors").params,
                                  Network((784, 16, 10), seed=1).params)
