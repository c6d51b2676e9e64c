"""Ctrl-C while recordings are read leaves digitnet's one line, exit code 130, and stops.

Two ways a Ctrl-C went wrong there, each reproduced here where it lands, a real SIGINT the
process sends itself (``signal.raise_signal``) at a chosen point of a real library's work on real
FSDD recordings, the rest what the ``digitnet`` console script runs:

* in one of soundfile's callbacks, which libsndfile calls to read a recording's bytes: Python
  printed "Exception ignored from cffi callback ... KeyboardInterrupt" and dropped it, and the
  command went on (a training run trained and saved its model, the recording that was being
  read skipped as damaged);
* as llvmlite made one of its objects, when numba compiles librosa's code for the first
  recording: the half-made object failed in its finalizer as the command ended ("Exception
  ignored in: <function ObjectRef.__del__> ... AttributeError: '...' object has no attribute
  '_as_parameter_'"), after digitnet's line.

And a real Ctrl-C from outside, sent as the reading reaches a chosen recording, stops it as well.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

#: soundfile's callbacks (cffi), each made by ``_ffi.callback(KIND)``: the SIGINT is raised in
#: the NTH call of the callbacks of that kind, inside it.
IN_A_CALLBACK = """
import os, signal, sys
import soundfile

kind, nth, calls = sys.argv[1], int(sys.argv[2]), [0]
real = soundfile._ffi

class Ffi:
    def __getattr__(self, name):
        return getattr(real, name)

    def callback(self, of, *args, **kwargs):
        make = real.callback(of, *args, **kwargs)
        if of != kind:
            return make
        def wrap(function):
            def called(*args):
                calls[0] += 1
                if calls[0] == nth:
                    signal.raise_signal(signal.SIGINT)
                return function(*args)
            return make(called)
        return wrap

soundfile._ffi = Ffi()
sys.argv = ["digitnet", *sys.argv[3:]]
from digitnet.cli import main
sys.exit(main())
"""

#: llvmlite's objects (``ObjectRef``), made as numba compiles: the SIGINT is raised as the NTH
#: is made, between its two first assignments, as a Ctrl-C then would.
AS_LLVMLITE_MAKES = """
import signal, sys
from llvmlite.binding import ffi

nth, made = int(sys.argv[1]), [0]

def setattr_(self, name, value):
    if name == "_as_parameter_":
        made[0] += 1
        if made[0] == nth:
            signal.raise_signal(signal.SIGINT)
    object.__setattr__(self, name, value)

ffi.ObjectRef.__setattr__ = setattr_
sys.argv = ["digitnet", *sys.argv[2:]]
from digitnet.cli import main
sys.exit(main())
"""

#: The reading as it goes: a byte on file descriptor FD as each recording begins to be decoded,
#: so that the test can send a real SIGINT from outside when the reading reaches one.
TELLING = """
import os, sys
from digitnet import audio

fd, read_sound = int(sys.argv[1]), audio.read_sound

def told(*args, **kwargs):
    os.write(fd, b".")
    return read_sound(*args, **kwargs)

audio.read_sound = told
sys.argv = ["digitnet", *sys.argv[2:]]
from digitnet.cli import main
sys.exit(main())
"""

TRAIN_INTERRUPTED = "digitnet: interrupted before training began; nothing was saved\n"


@pytest.fixture(scope="module")
def voices(spoken_digits, tmp_path_factory):
    """40 real FSDD recordings of two speakers, numbered 3-6: 20 of FSDD's test split (0-4) and
    20 of its training split."""
    folder = tmp_path_factory.mktemp("voices")
    for digit in range(10):
        for speaker in ("george", "jackson"):
            for i in (3, 5) if speaker == "george" else (4, 6):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    return folder


def _run(script: str, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True,
                          text=True, timeout=300, check=False, **kwargs)


@pytest.mark.parametrize(("callback", "nth"), [
    ("sf_vio_get_filelen", 1), ("sf_vio_seek", 1), ("sf_vio_read", 1), ("sf_vio_tell", 1),
    ("sf_vio_read", 30),  # (a later recording: librosa loaded, numba's compiling done)
])
def test_ctrl_c_in_the_decoders_callback_stops_training_in_one_line(voices, tmp_path, callback,
                                                                    nth):
    out = tmp_path / "m.safetensors"
    done = _run(IN_A_CALLBACK, callback, nth, "train", "--data", voices, "--epochs", "1",
                "--out", out)
    assert (done.returncode, done.stderr) == (130, TRAIN_INTERRUPTED), done.stderr
    assert done.stdout == "" and not out.exists()


def test_ctrl_c_in_the_decoders_callback_stops_evaluate_in_one_line(voices, speech_model):
    done = _run(IN_A_CALLBACK, "sf_vio_read", 7, "evaluate", speech_model, "--data", voices,
                "--split", "all")
    assert (done.returncode, done.stderr) == (130, "digitnet: interrupted\n"), done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("nth", [1, 40])
def test_ctrl_c_as_numba_compiles_leaves_no_finalizers_noise(voices, tmp_path, nth):
    out = tmp_path / "m.safetensors"
    done = _run(AS_LLVMLITE_MAKES, nth, "train", "--data", voices, "--epochs", "1", "--out", out)
    assert (done.returncode, done.stderr) == (130, TRAIN_INTERRUPTED), done.stderr
    assert not out.exists()


def test_ctrl_c_as_numba_compiles_in_evaluate_is_one_line(voices, speech_model):
    done = _run(AS_LLVMLITE_MAKES, 5, "evaluate", speech_model, "--data", voices,
                "--split", "all")
    assert (done.returncode, done.stderr) == (130, "digitnet: interrupted\n"), done.stderr


def test_with_debug_the_dropped_ctrl_c_is_a_traceback_that_still_stops(voices, tmp_path):
    """--debug shows what happened in full; the Ctrl-C still stops the command."""
    out = tmp_path / "m.safetensors"
    done = _run(IN_A_CALLBACK, "sf_vio_read", 1, "--debug", "train", "--data", voices,
                "--epochs", "1", "--out", out)
    assert done.returncode != 0 and not out.exists()
    assert "Traceback" in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.rstrip().endswith(TRAIN_INTERRUPTED.removeprefix("digitnet: ").strip())


@pytest.mark.parametrize("recording", [1, 2, 9])
def test_a_real_ctrl_c_as_the_reading_reaches_a_recording_is_one_line(voices, tmp_path,
                                                                      recording):
    """SIGINT from outside, as a terminal's Ctrl-C comes, once the recording has begun to be
    read: wherever it lands (decoding, trimming, librosa loading or compiling), one line."""
    out = tmp_path / "m.safetensors"
    reading, told = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", TELLING, str(told), "train", "--data",
                             str(voices), "--epochs", "1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            pass_fds=(told,))
    os.close(told)
    try:
        begun = b""
        while len(begun) < recording:
            more = os.read(reading, 1)
            assert more, f"the run ended before recording {recording}: {proc.communicate()}"
            begun += more
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        os.close(reading)
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (130, TRAIN_INTERRUPTED), err
    assert not out.exists()
