"""``digitnet serve`` of a model of recordings, its stderr no terminal (a log file, a service's
journal): one plain line says what it reads before the page is served, where the log stayed
silent for the minute thousands take (the bar shows only on a terminal); the "Serving ..."
lines still follow. A model of pictures reads no recordings: nothing is said."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def serve(model) -> tuple[str, str]:
    """``digitnet serve MODEL --port 0`` with stdout and stderr pipes: its first line on
    stdout, and all it wrote on stderr until Ctrl-C stopped it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (os.environ.get("PYTHONPATH"), str(SRC)) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "serve", str(model), "--port",
                             "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        first = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    return first, err


def test_serving_a_model_of_recordings_says_what_it_reads_first(speech_model):
    first, err = serve(speech_model)
    assert re.match(r"Serving 784-16-16-10 from .* at http://127\.0\.0\.1:\d+ ", first), (
        first, err)
    lines = err.splitlines()
    assert lines and lines[0] == ("Reading 900 recordings (digits/) for the examples the page "
                                  "pokes the network with; the page is served once they are "
                                  "read"), err
    assert "Traceback" not in err


def test_serving_a_model_of_pictures_says_nothing_of_reading(small_model):
    first, err = serve(small_model)
    assert first.startswith("Serving "), (first, err)
    assert "Reading" not in err and "Traceback" not in err
