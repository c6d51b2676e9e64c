"""A resumed run saves its model where the interrupted run would have: its checkpoint records
the run's --out (as an absolute path, so a resume from another folder finds it), `digitnet
info` names it in the command that resumes, and `digitnet train --resume CKPT` without --out
saves there, its report naming it (an --out given still wins). Before, a resume without --out
saved to ./digitnet-model.safetensors, replacing another model there, and info's command had
no --out (a walker). A checkpoint that records no --out (a run without one, or from before
digitnet recorded it) resumes to the default as before.

--resume given a file that is not a checkpoint says what it is: an ONNX model, another tool's
safetensors file; a checkpoint cut short says that its run cannot go on from it, not that a
"model" should be re-saved (the walker's "header too large" for an ONNX file).

Real runs on 300 real MNIST digits (tests/cli/conftest.py's ``tiny_dir``).
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from stopping import RECIPE, StopAfterAnEpoch, interrupted

import digitnet
from digitnet.errors import TrainingInterrupted
from digitnet.modelfile import load, read_metadata



def _checkpoint_line(run, ckpt) -> str:
    result = run("info", ckpt)
    assert result.exit_code == 0, result.output
    return next(line for line in result.stdout.splitlines() if "checkpoint  " in line)


def test_a_resume_without_out_saves_to_the_out_of_the_interrupted_run(
        run, tiny_dir, straight, trained, tmp_path, monkeypatch):
    """The walker's steps: another model in digitnet-model.safetensors, a run with --out
    interrupted, info's command, then the resume without --out, here from another folder."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    other = shutil.copy(trained[0], work / "digitnet-model.safetensors")
    before = Path(other).read_bytes()
    monkeypatch.chdir(work)
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", "c.ckpt",
                "--out", "my-digits.safetensors")
    mine = work / "my-digits.safetensors"
    assert _checkpoint_line(run, "c.ckpt").endswith(
        f"resume it with digitnet train --data {shlex.quote(str(tiny_dir))} --resume c.ckpt "
        f"--out {shlex.quote(str(mine))}")

    monkeypatch.chdir(elsewhere)
    result = run("train", "--data", tiny_dir, "--resume", "../work/c.ckpt")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == f"Saved the model to {mine}"
    assert load(mine).params.tobytes() == straight
    assert Path(other).read_bytes() == before  # the other model, as it was
    assert list(elsewhere.iterdir()) == []
    assert _checkpoint_line(run, work / "c.ckpt").endswith(
        f"--resume {shlex.quote(str(work / 'c.ckpt'))} --out {shlex.quote(str(mine))} "
        "saves its model")


def test_an_out_given_to_the_resume_wins_and_is_recorded(run, tiny_dir, straight, tmp_path,
                                                          monkeypatch, one_line):
    monkeypatch.chdir(tmp_path)
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", "c.ckpt",
                "--out", "first.safetensors")
    second = interrupted(run, monkeypatch, "--data", tiny_dir, "--resume", "c.ckpt",
                         "--out", "second.safetensors")  # (epoch 2 now)
    assert one_line(second.stderr).endswith(
        f"continue with: digitnet train --data {tiny_dir} --resume c.ckpt "
        "--out second.safetensors")
    assert read_metadata("c.ckpt")["checkpoint"]["out"] == str(tmp_path / "second.safetensors")

    result = run("train", "--resume", "c.ckpt")  # (the data, and the --out, it records)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"resuming c.ckpt on {tiny_dir}, the data it was trained on\n"
    assert result.stdout.splitlines()[-1] == (
        f"Saved the model to {tmp_path / 'second.safetensors'}")
    assert load(tmp_path / "second.safetensors").params.tobytes() == straight
    assert not (tmp_path / "first.safetensors").exists()
    assert not (tmp_path / "digitnet-model.safetensors").exists()


def test_a_checkpoint_that_records_no_out_resumes_to_the_default(run, tiny_dir, straight,
                                                                  tmp_path, monkeypatch):
    """A run of the Python API records no --out (as checkpoints from before digitnet recorded
    one): the resume saves to digitnet-model.safetensors, here, and info's command has no
    --out."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TrainingInterrupted):
        digitnet.train(str(tiny_dir), epochs=3, batch_size=32, checkpoint="c.ckpt",
                       callback=StopAfterAnEpoch(), handle_signals=False)
    assert "out" not in read_metadata("c.ckpt")["checkpoint"]
    assert _checkpoint_line(run, "c.ckpt").endswith(
        f"resume it with digitnet train --data {tiny_dir} --resume c.ckpt")

    result = run("train", "--data", tiny_dir, "--resume", "c.ckpt")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == "Saved the model to digitnet-model.safetensors"
    assert (tmp_path / "digitnet-model.safetensors").is_file()


@pytest.fixture(scope="module")
def not_checkpoints(run, trained, tmp_path_factory):
    """{name: file}: an ONNX export of a real model, another tool's safetensors file, and a
    real checkpoint cut to half its bytes."""
    folder = tmp_path_factory.mktemp("not-checkpoints")
    onnx = folder / "digits.onnx"
    assert run("export", trained[0], "--format", "onnx", "--out", onnx).exit_code == 0
    import numpy as np
    from safetensors.numpy import save_file

    foreign = folder / "weights.safetensors"
    save_file({"fc.weight": np.ones((10, 784), np.float32)}, str(foreign),
              metadata={"format": "np"})
    return {"onnx": onnx, "foreign": foreign}


@pytest.mark.parametrize("data", [True, False])
@pytest.mark.parametrize("kind, said", [
    ("onnx", "is an ONNX model, not a training checkpoint; --resume needs the file written by "
             "--checkpoint"),
    ("foreign", "is a safetensors file digitnet did not write (another tool's model), not a "
                "training checkpoint; --resume needs the file written by --checkpoint"),
])
def test_resume_names_a_model_that_is_not_a_checkpoint(run, one_line, not_checkpoints,
                                                       tiny_dir, tmp_path, kind, said, data):
    given = not_checkpoints[kind]
    out = tmp_path / "m.safetensors"
    result = run("train", *(["--data", tiny_dir] if data else []), "--resume", given,
                 "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {given}: {said}"
    assert not out.exists()


@pytest.mark.parametrize("data", [True, False])
def test_a_checkpoint_cut_short_is_said_to_be_one_its_run_cannot_go_on_from(
        run, one_line, tiny_dir, tmp_path, monkeypatch, data):
    monkeypatch.chdir(tmp_path)
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", "c.ckpt")
    whole = Path("c.ckpt").read_bytes()
    Path("c.ckpt").write_bytes(whole[:len(whole) // 2])
    result = run("train", *(["--data", tiny_dir] if data else []), "--resume", "c.ckpt")
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert line.startswith("digitnet: error: c.ckpt: not a readable training checkpoint (")
    assert line.endswith("); it may be truncated or corrupt, and its run cannot go on from it: "
                         "resume from an earlier copy of it, or start the run again without "
                         "--resume")
    assert not Path("digitnet-model.safetensors").exists()
