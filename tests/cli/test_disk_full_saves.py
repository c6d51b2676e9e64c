"""`digitnet train` on a full disk says what was lost and what is kept: a model that cannot be
saved with a checkpoint holding the finished run gives the command that saves it from there
(which works once there is room); with no checkpoint, that the trained network was not saved
and nothing else holds it; a checkpoint that cannot be saved mid-run, what the file still holds
and the command that goes on from it. Before, each said only "no space left on device; free
some space or save it elsewhere", though nothing was left to save elsewhere (a walker).

The disk is a real small file system (tmpfs) mounted for the test, which needs root (or
CAP_SYS_ADMIN): elsewhere the tests are skipped, saying so. Real runs on 300 real MNIST digits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest

from digitnet.modelfile import load, read_metadata

RECIPE = ["--epochs", "3", "--batch-size", "32"]
#: The float32 parameters of the default 784-16-16-10 network: its model file holds them once
#: (52,008 bytes), its checkpoint four times (the weights, Adam's two moments, the weights the
#: epoch began with: 208,032 bytes).
PARAMETERS = 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10
#: A disk where no model fits.
NO_MODEL = 16 * 1024
#: A disk where one checkpoint fits (its header is a few kilobytes) but not a second beside it,
#: as a checkpoint is replaced: written beside the one it replaces, then renamed over it.
ONE_CHECKPOINT = 3 * 4 * 4 * PARAMETERS // 2


@pytest.fixture
def small_disk(tmp_path):
    """mount(name, bytes): a folder of ``tmp_path`` that is a tmpfs of that size (unmounted
    after the test); and grow(folder): the disk given 4 MB, as after freeing space."""
    mounted = []

    def mount(name: str, size: int):
        folder = tmp_path / name
        folder.mkdir()
        if shutil.which("mount") is None:
            pytest.skip("no mount command here, to mount a small tmpfs as a disk to fill")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip("mounting a small tmpfs as a disk to fill needs root or CAP_SYS_ADMIN "
                        f"(uid {os.geteuid()}: {done.stderr.strip()})")
        mounted.append(folder)
        return folder

    def grow(folder):
        subprocess.run(["mount", "-o", "remount,size=4m", str(folder)], check=True)

    mount.grow = grow
    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture(scope="module")
def straight(run, tiny_dir, tmp_path_factory):
    """The RECIPE run on ``tiny_dir``, uninterrupted: what every run saved later must be."""
    out = tmp_path_factory.mktemp("straight") / "straight.safetensors"
    result = run("train", "--data", tiny_dir, *RECIPE, "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).parameter_count == PARAMETERS
    return load(out).params.tobytes()


def test_a_model_that_cannot_be_saved_is_said_lost_without_a_checkpoint(
        run, one_line, tiny_dir, small_disk):
    full = small_disk("full", NO_MODEL)
    result = run("train", "--data", tiny_dir, *RECIPE, "--out", full / "m.safetensors")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {full}/m.safetensors: no space left on device; the trained network "
        "was not saved, and nothing else holds it: free some space (or give --out a place with "
        "room) and train again, adding --checkpoint PATH so that a save that fails can be made "
        "again without training")
    assert list(full.iterdir()) == []


def test_a_model_that_cannot_be_saved_is_saved_from_the_finished_runs_checkpoint(
        run, one_line, tiny_dir, small_disk, straight, tmp_path):
    full, ckpt = small_disk("full", NO_MODEL), tmp_path / "k.ckpt"
    out = full / "my digits.safetensors"
    result = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt, "--out", out)
    assert result.exit_code == 1, result.output
    command = (f"digitnet train --data {tiny_dir} --resume {ckpt} --out {shlex.quote(str(out))}")
    assert one_line(result.stderr) == (
        f"digitnet: error: {out}: no space left on device; the model was not saved, but {ckpt} "
        "holds the finished run: free some space (or give --out a place with room) and save its "
        f"model with: {command}")
    assert list(full.iterdir()) == []
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 3

    small_disk.grow(full)
    again = run(*shlex.split(command)[1:])
    assert again.exit_code == 0, again.output
    assert load(out).params.tobytes() == straight


def test_a_checkpoint_that_cannot_be_saved_mid_run_says_what_the_file_still_holds(
        run, one_line, tiny_dir, small_disk, straight, tmp_path):
    disk, out = small_disk("half", ONE_CHECKPOINT), tmp_path / "m.safetensors"
    ckpt = disk / "k.ckpt"
    result = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt, "--out", out)
    assert result.exit_code == 1, result.output
    assert 2 * ckpt.stat().st_size > ONE_CHECKPOINT  # (no room for a second beside it)
    command = f"digitnet train --data {tiny_dir} --resume {ckpt} --out {out}"
    assert one_line(result.stderr) == (
        f"digitnet: error: {ckpt}: no space left on device; the run stopped, and {ckpt} still "
        "holds the run after epoch 1 of 3: free some space (or give --checkpoint a place with "
        f"room) and continue with: {command}")
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 1
    assert sorted(p.name for p in disk.iterdir()) == ["k.ckpt"] and not out.exists()

    small_disk.grow(disk)
    again = run(*shlex.split(command)[1:])
    assert again.exit_code == 0, again.output
    assert load(out).params.tobytes() == straight


def test_a_first_checkpoint_that_cannot_be_saved_says_nothing_was_saved(
        run, one_line, tiny_dir, small_disk, tmp_path):
    disk, out = small_disk("tiny", NO_MODEL), tmp_path / "m.safetensors"
    result = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", disk / "k.ckpt",
                 "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {disk}/k.ckpt: no space left on device; the run stopped with nothing "
        "saved: free some space (or give --checkpoint a place with room) and train again")
    assert list(disk.iterdir()) == [] and not out.exists()
