"""Interrupting `digitnet train` and going on: a resumed run keeps saving its checkpoint, finds its
data by the files' contents whatever path reaches them, and Ctrl-C or SIGTERM at any point says
what was saved and how to continue. A library warning reads as one note."""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ctrl_c import ctrl_c
from stopping import RECIPE, interrupted

from digitnet import idx
from digitnet.modelfile import load, read_metadata



def test_a_resumed_run_interrupted_again_has_saved_its_checkpoint(run, tiny_dir, straight,
                                                                  tmp_path, monkeypatch,
                                                                  one_line):
    """The command printed after Ctrl-C has no --checkpoint: resuming goes on saving to the
    checkpoint resumed, so a second Ctrl-C loses nothing (it said "nothing was saved")."""
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    first = interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt,
                         "--out", out)
    printed = one_line(first.stderr).split("; continue with: ")[1]
    assert printed == f"digitnet train --data {tiny_dir} --resume {ckpt} --out {out}"
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 1

    second = interrupted(run, monkeypatch, *shlex.split(printed)[2:])
    line = one_line(second.stderr)
    assert line.startswith("digitnet: training interrupted in epoch 3, step ")
    assert line.endswith(f"; checkpoint saved to {ckpt}; continue with: {printed}")
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 2

    third = run(*shlex.split(printed)[1:])
    assert third.exit_code == 0, third.output
    assert load(out).params.tobytes() == straight


@pytest.mark.parametrize("spelling", ["dot-dot", "relative-elsewhere", "copy"])
def test_resume_takes_the_same_data_by_another_path(run, tiny_dir, straight, tmp_path,
                                                    monkeypatch, spelling):
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt,
                 "--out", out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = {"dot-dot": f"{tiny_dir}/../{tiny_dir.name}",
            "relative-elsewhere": os.path.relpath(tiny_dir),
            "copy": shutil.copytree(tiny_dir, tmp_path / "copy")}[spelling]
    result = run("train", "--data", data, "--resume", ckpt, "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).params.tobytes() == straight


def test_resume_refuses_other_data_saying_which(run, tiny_dir, mnist, tmp_path, monkeypatch,
                                                one_line):
    """Other digits under another name, or the same folder whose files changed."""
    data = shutil.copytree(tiny_dir, tmp_path / "digits")
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    interrupted(run, monkeypatch, "--data", data, *RECIPE, "--checkpoint", ckpt, "--out", out)
    other = tmp_path / "other"
    other.mkdir()
    idx.write_idx(other / "train-images-idx3-ubyte.gz", mnist.x[300:600])
    idx.write_idx(other / "train-labels-idx1-ubyte.gz", mnist.labels[300:600])
    before = ckpt.read_bytes()
    result = run("train", "--data", other, "--resume", ckpt, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {ckpt}: this checkpoint was trained on "
                                       f"other data ({data}); resume with the same --data")
    shutil.copy(other / "train-labels-idx1-ubyte.gz", data)  # the same folder, other labels
    result = run("train", "--data", data, "--resume", ckpt, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {ckpt}: {data} holds other examples than when this checkpoint was "
        "trained on it (its files changed); resume with the data as it was, or start a new run")
    assert ckpt.read_bytes() == before and not out.exists()


def test_ctrl_c_while_the_model_is_saved_says_it_was_not(run, tiny_dir, straight, tmp_path,
                                                         monkeypatch, one_line):
    """Ctrl-C (a real SIGINT) as the model's bytes go to disk: the file there stays as it was,
    the line says so and how to save it, from the checkpoint of the finished run."""
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    assert run("train", "--data", tiny_dir, "--epochs", "1", "--out", out).exit_code == 0
    before = out.read_bytes()
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(f"{tmp_path}/.m.safetensors."):
            signal.raise_signal(signal.SIGINT)
        return real_fsync(fd)

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", fsync)
        result = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt, "--out", out)
    assert result.exit_code == 130
    printed = f"digitnet train --data {tiny_dir} --resume {ckpt} --out {out}"
    assert one_line(result.stderr) == (
        f"digitnet: interrupted while saving the model: {out} was not written (the file there is "
        f"as it was); continue with: {printed}")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "run.ckpt"]
    result = run(*shlex.split(printed)[1:])
    assert result.exit_code == 0, result.output
    assert load(out).params.tobytes() == straight


def _reading(fifo, proc) -> int:
    """Wait until ``proc`` opens the FIFO and is blocked in reading it; the writing end.

    Blocked in the read itself, not about to begin it: a signal that comes between Python's check
    for signals and the read system call only ends the read when bytes come (the test's 20 s ran
    out once so), where a signal during the read interrupts it at once."""
    deadline = time.monotonic() + 60
    writer = None
    while time.monotonic() < deadline and proc.poll() is None:
        if writer is None:
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:  # (no reader yet)
                    raise
        elif "pipe_read" in Path(f"/proc/{proc.pid}/wchan").read_text():
            return writer
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"digitnet train never blocked reading {fifo}: {proc.communicate()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("resuming", [False, True], ids=["new-run", "resumed"])
def test_a_signal_before_training_begins_says_so(run, tiny_dir, tmp_path, sig, resuming):
    """Stopped while it reads what it trains with (here its --config file, a FIFO that nothing
    writes yet): SIGTERM as Ctrl-C, exit 130 and a line saying so (SIGTERM ended it with 143 and
    no word); a resumed run points back to its checkpoint, left as it was."""
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    resume = []
    if resuming:
        made = run("train", "--data", tiny_dir, "--epochs", "1", "--checkpoint", ckpt,
                   "--out", tmp_path / "first.safetensors")
        assert made.exit_code == 0, made.output
        resume = ["--resume", ckpt]
    before = ckpt.read_bytes() if resuming else None
    fifo = tmp_path / "recipe.json"
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "train", "--data", str(tiny_dir),
                             "--config", str(fifo), *map(str, resume), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer = _reading(fifo, proc)
    try:
        if sig == signal.SIGINT:
            code, _, err = ctrl_c(proc, "digitnet train")
        else:
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=20)
            code = proc.returncode
    finally:
        os.close(writer)
    said = (f"continue with: digitnet train --data {tiny_dir} --resume {ckpt} --out {out}"
            if resuming else "nothing was saved")
    assert (code, err) == (130, f"digitnet: interrupted before training began; {said}\n")
    assert not out.exists()
    if resuming:
        assert ckpt.read_bytes() == before


def test_switching_engines_on_resuming_is_one_note(run, tiny_dir, tmp_path):
    """The warning that the result will differ by rounding: one line as the other notes, not
    Python's two with a source path."""
    from digitnet.engines import compiled

    if not compiled.available():
        pytest.skip("the compiled engine was not built here")
    ckpt = tmp_path / "run.ckpt"
    made = run("train", "--data", tiny_dir, "--epochs", "1", "--engine", "compiled",
               "--checkpoint", ckpt, "--out", tmp_path / "first.safetensors")
    assert made.exit_code == 0, made.output
    done = subprocess.run([sys.executable, "-m", "digitnet", "train", "--data", str(tiny_dir),
                           "--resume", str(ckpt), "--engine", "numpy",
                           "--out", str(tmp_path / "m.safetensors")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"note: {ckpt} was trained with the compiled engine and is resumed "
                           "with the numpy engine: the result will differ from an uninterrupted "
                           "run by float rounding\n")
