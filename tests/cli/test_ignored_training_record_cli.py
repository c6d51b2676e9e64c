"""Through the command line, a model whose training record (metadata "config") was edited by
hand into no recipe digitnet can train: ``predict`` and ``info`` read the network as ever and
say, in one note on stderr, which file's record is wrong, how, and that it is ignored; what
needs the record refuses in one line (``evaluate --split val``; ``train --resume``, whose
checkpoint's recipe is the run itself); ``train --init``, which needs only the weights, starts
from them. The model is trained by ``digitnet train`` on real digits; the edits rewrite its
metadata with the safetensors library, and the file is left as it was."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from model_edits import edited
from PIL import Image

from digitnet.optimizers import OPTIMIZERS

FIX = "the file was edited or is corrupt — re-save or retrain it"
IGNORED = ("it is ignored (kept as metadata 'config_ignored'): the network loads and predicts as "
           "saved, without the record of how it was trained")


def rewritten(path, out, **changes):
    """``path`` with its training record's options changed (as a person editing the JSON of
    its metadata would), saved as ``out``."""
    return edited(path, out, merge=("config",), config=changes)


def digitnet(*args) -> subprocess.CompletedProcess:
    """``digitnet ARGS`` in a process of its own, with Python's own warning filters (as a user
    runs it: the suite's turn warnings into errors)."""
    return subprocess.run([sys.executable, "-m", "digitnet", *map(str, args)], check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def digit_png(real_digit_images, tmp_path_factory):
    path = tmp_path_factory.mktemp("png") / "four.png"
    Image.fromarray(real_digit_images[0][4]).save(path)
    return path


EDITS = [  # (the record's change, what the note says is wrong with it)
    ({"lr": -0.5}, "lr must be a positive number, got -0.5"),
    ({"optimizer": "rmsprop"},
     f"unknown optimizer 'rmsprop'; choose one of {', '.join(OPTIMIZERS)}"),
    ({"epochs": "2"}, "epochs must be a whole number, got '2' (a str)"),
]


@pytest.mark.parametrize("changes, said", EDITS, ids=["lr", "optimizer", "type"])
def test_predict_and_info_read_the_network_and_note_the_record_once(trained, digit_png, tmp_path,
                                                                   changes, said):
    bad = rewritten(trained[0], tmp_path / "edited.safetensors", **changes)
    before = hashlib.sha256(bad.read_bytes()).digest()
    note = (f"note: {bad}: its metadata 'config' is not a recipe digitnet can train ({said}); "
            f"{IGNORED}; {FIX}\n")

    predicted = digitnet("predict", bad, digit_png)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stderr == note
    assert predicted.stdout == digitnet("predict", trained[0], digit_png).stdout  # as ever

    info = digitnet("info", bad)
    assert info.returncode == 0, info.stderr
    assert info.stderr == note
    lines = info.stdout.splitlines()
    assert lines[0] == str(bad) and "  network     784-16-16-10: leaky_relu hidden layers, " \
        "softmax output with cross entropy cost" in lines
    assert not any(line.startswith("  training") for line in lines)  # no recipe to show
    assert any(line.startswith("  metrics     ") for line in lines)  # the rest, as ever
    assert hashlib.sha256(bad.read_bytes()).digest() == before  # never rewritten


def test_info_json_shows_the_record_set_aside(trained, tmp_path):
    bad = rewritten(trained[0], tmp_path / "edited.safetensors", lr=-0.5)
    info = digitnet("info", "--json", bad)
    assert info.returncode == 0, info.stderr
    shown = json.loads(info.stdout)
    assert "config" not in shown
    assert shown["config_ignored"] == {**trained[1]["config"], "lr": -0.5}


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_what_needs_the_record_refuses_in_one_line(run, trained, digits_dir, tmp_path):
    bad = rewritten(trained[0], tmp_path / "edited.safetensors", lr=-0.5)
    result = run("evaluate", bad, "--data", digits_dir, "--split", "val")
    assert result.exit_code == 1
    note, error = result.stderr.splitlines()
    assert note.startswith(f"note: {bad}: its metadata 'config' is not a recipe")
    assert error == (f"digitnet: error: {bad}: the model has no training configuration, so its "
                     "validation split (the examples held out when it was trained) is unknown; "
                     "use the test split")
    test = run("evaluate", bad, "--data", digits_dir, "--split", "test", "--json")
    assert test.exit_code == 0, test.output
    assert json.loads(test.stdout)["accuracy"] == json.loads(run(
        "evaluate", trained[0], "--data", digits_dir, "--split", "test", "--json").stdout
    )["accuracy"]


@pytest.mark.filterwarnings("default::UserWarning")
def test_train_init_starts_from_the_weights(run, trained, tiny_dir, tmp_path):
    bad = rewritten(trained[0], tmp_path / "edited.safetensors", lr=-0.5)
    out = tmp_path / "tuned.safetensors"
    result = run("train", "--data", tiny_dir, "--init", bad, "--epochs", "1", "--out", out,
                 "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"note: {bad}: its metadata 'config' is not a recipe")
    assert json.loads(result.stdout)["init"] == str(bad) and out.exists()


def test_resuming_a_checkpoint_whose_recipe_is_invalid_is_refused(run, tiny_dir, tmp_path,
                                                                  one_line):
    ckpt = tmp_path / "run.ckpt"
    made = run("train", "--data", tiny_dir, "--epochs", "2", "--checkpoint", ckpt,
               "--out", tmp_path / "first.safetensors")
    assert made.exit_code == 0, made.output
    bad = rewritten(ckpt, tmp_path / "edited.ckpt", lr=-0.5)
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", tiny_dir, "--resume", bad, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(
        f"digitnet: error: {bad}: its metadata 'config' is not a recipe digitnet can train (lr "
        "must be a positive number, got -0.5); ")
    assert not out.exists()
