"""``digitnet serve`` in a process of its own, as a user starts it: what the tests of serving
start their real servers with."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def start(args, env=None, *, options=(), launcher=("-m", "digitnet")
          ) -> tuple[subprocess.Popen, str, str]:
    """``digitnet [OPTIONS] serve ARGS`` started (give ``--port 0`` for a free port): the
    process, the first line it printed, and the page's URL from that line. ``launcher``: how
    Python runs digitnet (``("-c", SCRIPT)`` for a script that calls its main)."""
    env = {**os.environ, **(env or {}),
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, *launcher, *map(str, options), "serve",
                             *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r" at (http://[^ ]+)", line)
    if not match:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the server did not start: {line}{out}{err}")
    return proc, line, match.group(1)


def no_bug(log: str) -> bool:
    """Whether a server's stderr tells of no bug: neither a traceback nor the line digitnet
    logs for each request that met one ("...: a bug in digitnet (...)")."""
    return "Traceback" not in log and "a bug in digitnet" not in log
