"""Stopping a real process the tests started as a terminal's Ctrl-C does."""

from __future__ import annotations

import signal
import subprocess

import pytest


def ctrl_c(proc: subprocess.Popen, what: str = "the server", *,
           buffered: bool = False) -> tuple[int, str, str]:
    """SIGINT to ``proc``, then up to 20 s for it to end (else it is killed and the test fails).

    Returns its exit code and what it printed on stdout and stderr since it was last read.
    ``buffered``: read the pipes through their buffers (``communicate`` reads past them, and
    would leave out what a ``readline`` before already took in), for a process that prints
    little after Ctrl-C.
    """
    proc.send_signal(signal.SIGINT)
    try:
        if buffered:
            proc.wait(timeout=20)
        else:
            out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{what} did not stop within 20 s of Ctrl-C")
    if buffered:
        with proc.stdout, proc.stderr:
            out, err = proc.stdout.read(), proc.stderr.read()
    return proc.returncode, out or "", err or ""
