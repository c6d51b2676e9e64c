"""Reading recordings shows a bar on a terminal, as training does: train, evaluate and serve.

Reading FSDD's 2,500 recordings takes a quarter of a minute (decoding, trimming, a log-mel
picture each; and before the first, librosa's loading and numba compiling its code), and
`digitnet train` and `digitnet serve` said nothing meanwhile. Now, with stderr a terminal, a bar
says what is read and how far it got ("Reading voices/ ... 20/20 recordings"), and it goes once
they are read; serve says first what it reads. Where stderr is not a terminal, nothing is shown,
and stdout stays the command's own (--json's one object).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys

import pytest

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def voices(spoken_digits, tmp_path_factory):
    """40 real FSDD recordings of two speakers, numbered 3-6: 20 of FSDD's test split (0-4) and
    20 of its training split."""
    folder = tmp_path_factory.mktemp("spoken") / "voices"
    folder.mkdir()
    for digit in range(10):
        for speaker in ("george", "jackson"):
            for i in (3, 5) if speaker == "george" else (4, 6):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    return folder


def _on_a_terminal(*args, until: str | None = None) -> tuple[int, str, str]:
    """``digitnet ARGS`` with stderr (and for serve, stdout) a terminal: its exit code, what it
    wrote on stdout (a pipe, but for serve) and what the terminal showed, escapes taken out.
    ``until``: stop it (Ctrl-C) once the terminal shows that."""
    terminal, side = pty.openpty()
    env = {**os.environ, "COLUMNS": "120"}
    out = side if until else subprocess.PIPE
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", *map(str, args)], stdout=out,
                            stderr=side, env=env)
    os.close(side)
    shown = b""
    try:
        while until is None or until not in _ESCAPES.sub("", shown.decode(errors="replace")):
            if not select.select([terminal], [], [], 300)[0]:  # (a guard, not a measure)
                pytest.fail(f"digitnet {args[0]} showed nothing for 300 s: {shown.decode()}")
            try:
                more = os.read(terminal, 4096)
            except OSError:  # (the terminal closed: the process ended)
                break
            if not more:
                break
            shown += more
        if until:
            proc.send_signal(signal.SIGINT)
        stdout = "" if until else proc.communicate(timeout=60)[0].decode()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(terminal)
    return proc.returncode, stdout, _ESCAPES.sub("", shown.decode())


def _read(shown: str, folder: str, n: int) -> None:
    """That the terminal showed the bar of ``n`` recordings of ``folder`` read to the end."""
    assert f"Reading {folder}/" in shown, shown
    assert f"{n}/{n} recordings" in shown, shown


def test_train_shows_the_reading_of_each_split_on_a_terminal(voices, tmp_path):
    code, out, shown = _on_a_terminal("train", "--data", voices, "--epochs", "1",
                                      "--out", tmp_path / "m.safetensors")
    assert code == 0, shown
    _read(shown, "voices", 20)  # (its training split, then its test split)
    assert shown.count("Reading voices/") >= 2, shown
    assert out.startswith("Trained 784-16-16-10"), out


def test_with_json_the_bar_is_on_stderr_and_stdout_is_the_json(voices, tmp_path):
    code, out, shown = _on_a_terminal("train", "--data", voices, "--epochs", "1", "--json",
                                      "--out", tmp_path / "m.safetensors")
    assert code == 0, shown
    _read(shown, "voices", 20)
    assert json.loads(out)["n_train"] == 20


def test_evaluate_shows_the_reading_on_a_terminal(voices, speech_model):
    code, out, shown = _on_a_terminal("evaluate", speech_model, "--data", voices,
                                      "--split", "all")
    assert code == 0, shown
    _read(shown, "voices", 40)
    assert "accuracy" in out.lower(), out


def test_serve_says_what_it_reads_before_it_serves(speech_model):
    """The speech model's own held-out examples are rebuilt from the 900 recordings it was
    trained on: said, a bar while they are read, then the server starts."""
    code, _, shown = _on_a_terminal("serve", speech_model, "--port", "0", until="Serving ")
    assert code == 0, shown
    lines = shown.splitlines()
    assert lines[0] == f"Loading {speech_model} ...", shown
    assert lines[1] == "Reading the held-out examples the page pokes the network with ...", shown
    _read(shown, "digits", 900)
    assert shown.index("900/900 recordings") < shown.index("Serving "), shown


def test_where_stderr_is_no_terminal_nothing_is_shown(voices, tmp_path):
    done = subprocess.run([sys.executable, "-m", "digitnet", "train", "--data", str(voices),
                           "--epochs", "1", "--out", str(tmp_path / "m.safetensors")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
