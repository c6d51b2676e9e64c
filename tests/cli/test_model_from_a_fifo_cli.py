"""A FIFO (or a device) given as MODEL is refused at once in one line, as saving to one is:
`digitnet info fifo` once waited for ever inside safetensors for a writer that never came."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PIL import Image

pytestmark = pytest.mark.engine_independent  # (nothing is trained: a model is only read)


@pytest.mark.parametrize("command", [["info"], ["predict", "{png}"], ["evaluate"]])
def test_a_fifo_as_model_is_refused_without_waiting(tmp_path, mnist, command):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    png = tmp_path / "digit.png"
    Image.fromarray(mnist.x[0].reshape(28, 28)).save(png)  # a real MNIST digit
    args = [a.format(png=png) for a in command]
    # A separate process, so that the old behaviour (waiting for a writer) fails the test
    # after the timeout instead of hanging the suite.
    done = subprocess.run([sys.executable, "-m", "digitnet", args[0], str(fifo), *args[1:]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (f"digitnet: error: {fifo}: is a FIFO, not a regular file; "
                                   "give the path of a model file")
    assert done.stdout == ""
