"""modelfile.check_writable, what `digitnet train` asks before it trains: a file nobody may
write is refused (os.access lets root write anything; the mode says nobody should), and a link
to a pipe (/dev/stdout read by another program) is named as not a regular file."""

from __future__ import annotations

import os

import pytest

from digitnet import modelfile
from digitnet.errors import ModelFileError
from digitnet.network import Network


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000], ids=oct)
def test_a_file_nobody_may_write_is_refused(tmp_path, mode):
    path = modelfile.save(Network(seed=1), tmp_path / "m.safetensors")
    path.chmod(mode)
    with pytest.raises(ModelFileError) as e:
        modelfile.check_writable(path)
    assert str(e.value) == (f"{path}: is read-only; make it writable (chmod u+w {path}) or "
                            "choose another file")
    path.chmod(0o644)
    assert modelfile.check_writable(path) == path  # writable again: accepted
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_a_link_through_proc_to_a_pipe_is_not_a_regular_file():
    """/dev/fd/N of a pipe links to /proc/PID/fd/N, whose target pipe:[...] is no path: it was
    taken for a new file in /proc/PID/fd ("cannot write in folder")."""
    read, write = os.pipe()
    try:
        with pytest.raises(ModelFileError) as e:
            modelfile.check_writable(f"/dev/fd/{write}")
    finally:
        os.close(read)
        os.close(write)
    said = str(e.value)
    assert said.startswith(f"/dev/fd/{write}: is a FIFO (it links to /proc/"), said
    assert said.endswith("), not a regular file; give a file path")
