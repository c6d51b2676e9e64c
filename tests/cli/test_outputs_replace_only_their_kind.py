"""Every file a command writes replaces only the kind of file it writes (one rule:
:mod:`digitnet.replacing`), also through a symbolic link, each refusal said before any work and
the file left as it was.

Before, a user checking "nothing is lost" found: `show ... --out` wrote a picture over MODEL (a
link named .png), over the input picture, over a model named .png; `train --checkpoint` replaced
a trained model, another run's unfinished checkpoint and another program's safetensors file;
`train --out`, `edit --out` and digitnet.save replaced another program's safetensors file, a
torch export or an unfinished checkpoint; and `export --out notes.onnx` replaced the notes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image
from real_data import write_digit_folder
from safetensors.numpy import save_file
from stopping import interrupted

import digitnet
from digitnet.errors import ConfigError
from digitnet.modelfile import read_metadata

RECIPE = ["--epochs", "3", "--batch-size", "32"]
_AGAIN = "give {option} another file name, or delete that file first"


@pytest.fixture
def model(trained, tmp_path):
    """A copy of the trained model (each test's own: one replaced stays in its test)."""
    return shutil.copy(trained[0], tmp_path / "m3.safetensors")


@pytest.fixture
def digit(real_digit_images, tmp_path):
    path = tmp_path / "f5.png"
    Image.fromarray(real_digit_images[0][5]).save(path)
    return path


def _pytorch_file(path):
    """A safetensors file another program saved (PyTorch's metadata, {'format': 'pt'})."""
    save_file({"0.weight": np.ones((4, 3), np.float32)}, str(path), metadata={"format": "pt"})
    return path


def _kept(*paths):
    """The bytes of each path, to compare after a refusal."""
    return {p: p.read_bytes() for p in paths}


def _unchanged(before):
    for path, data in before.items():
        assert path.read_bytes() == data, path


# -- show --out ------------------------------------------------------------------------------


def test_show_out_through_a_link_to_model_is_refused_before_any_work(run, model, tmp_path,
                                                                      one_line):
    link = tmp_path / "v3.png"
    link.symlink_to(model)
    before = _kept(model)
    result = run("show", "dream", model, "--digit", "5", "--out", link)
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (f"digitnet: error: --out {link}: is MODEL; saving there "
                                       "would replace it: give --out another file name; see "
                                       "digitnet show dream --help")
    _unchanged(before)


@pytest.mark.parametrize("linked", [False, True], ids=["as-given", "link"])
def test_show_out_that_is_the_input_picture_is_refused(run, model, digit, tmp_path, one_line,
                                                       linked):
    out = digit
    if linked:
        out = tmp_path / "f5-link.png"
        out.symlink_to(digit)
    before = _kept(digit)
    result = run("show", "network", model, digit, "--out", out)
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith(
        f"digitnet: error: --out {out}: is the input it draws, PICTURE|RECORDING; saving there "
        "would replace it: give --out another file name")
    _unchanged(before)


def test_show_out_over_a_model_named_as_a_picture_is_refused(run, model, tmp_path, one_line):
    named = tmp_path / "ms.png"
    shutil.copy(model, named)
    other = tmp_path / "other.png"  # a link to another model: the model is what is judged
    other.symlink_to(named)
    before = _kept(named)
    for out, via in ((named, ""), (other, f" (it links to {named})")):
        result = run("show", "weights", model, "--out", out)
        assert result.exit_code == 1, result.output
        assert one_line(result.stderr) == (
            f"digitnet: error: {out}: is a digitnet model{via}, and saving the picture there "
            f"would replace it; {_AGAIN.format(option='--out')}")
        assert result.stdout == ""
    _unchanged(before)


def test_show_out_over_a_picture_of_the_data_folder_is_refused(run, model, real_digit_images,
                                                               tmp_path, one_line):
    folder = tmp_path / "digits"
    images, labels = real_digit_images
    paths = write_digit_folder(folder, images, labels)
    before = _kept(*paths)
    result = run("show", "mistakes", model, "--data", folder, "--out", paths[3])
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith(
        f"digitnet: error: --out {paths[3]}: is one of the files of the --data folder {folder}, "
        "and saving there would replace it")
    _unchanged(before)


def test_show_out_replaces_a_picture_and_a_text_file_named_svg_is_kept(run, model, tmp_path,
                                                                      one_line):
    png, svg = tmp_path / "w.png", tmp_path / "w.svg"
    for out in (png, svg):
        assert run("show", "weights", model, "--out", out).exit_code == 0
        again = run("show", "weights", model, "--out", out)  # drawn again: replaced
        assert again.exit_code == 0, again.output
    svg.write_text("my notes on the weights\n")
    result = run("show", "weights", model, "--out", svg)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {svg}: is not an SVG picture, and saving the picture there would "
        f"replace it; {_AGAIN.format(option='--out')}")
    assert svg.read_text() == "my notes on the weights\n"


# -- train --checkpoint, train --out, edit --out, digitnet.save --------------------------------


def test_train_checkpoint_never_replaces_a_model_or_another_programs_file(
        run, tiny_dir, model, tmp_path, one_line):
    kept = shutil.copy(model, tmp_path / "kept.safetensors")
    theirs = _pytorch_file(tmp_path / "theirs.safetensors")
    before = _kept(kept, theirs)
    for target, what, thing in ((kept, "a digitnet model", ""),
                                (theirs, "a safetensors file", ", not a training checkpoint")):
        result = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", target,
                     "--out", tmp_path / "new.safetensors")
        assert result.exit_code == 1, result.output
        assert one_line(result.stderr) == (
            f"digitnet: error: {target}: is {what}{thing}, and saving this run's checkpoint "
            f"there would replace it; {_AGAIN.format(option='--checkpoint')}")
    _unchanged(before)
    assert not (tmp_path / "new.safetensors").exists()


def test_another_runs_unfinished_checkpoint_is_kept_the_resumed_one_goes_on(
        run, tiny_dir, tmp_path, monkeypatch, one_line):
    ckpt, other = tmp_path / "run.ckpt", tmp_path / "other.ckpt"
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt,
                "--out", tmp_path / "m.safetensors")
    shutil.copy(ckpt, other)
    before = _kept(ckpt, other)
    said = (f"is the checkpoint of an unfinished run (1 of 3 epochs done), and saving this "
            "run's checkpoint there would replace it; resume it with --resume {path}, "
            f"{_AGAIN.format(option='--checkpoint')}")
    for args in ([], ["--resume", ckpt]):  # a new run; a run resumed from another checkpoint
        result = run("train", "--data", tiny_dir, *RECIPE, *args, "--checkpoint", other,
                     "--out", tmp_path / "new.safetensors")
        assert result.exit_code == 1, result.output
        assert one_line(result.stderr) == f"digitnet: error: {other}: " + said.format(path=other)
    _unchanged(before)
    for out in (ckpt, other):  # nor is a model saved over one
        result = run("train", "--data", tiny_dir, *RECIPE, "--out", other)
        assert result.exit_code == 1, result.output
        assert f"{other}: is the checkpoint of an unfinished run" in one_line(result.stderr)
    _unchanged(before)
    resumed = run("train", "--resume", ckpt, "--out", tmp_path / "m.safetensors")
    assert resumed.exit_code == 0, resumed.output  # its own checkpoint, written again
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 3
    # a finished run's checkpoint may be replaced: a new run under the same name
    again = run("train", "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt,
                "--out", tmp_path / "m.safetensors")
    assert again.exit_code == 0, again.output


def test_train_out_and_edit_out_replace_only_a_digitnet_model(run, tiny_dir, model, tmp_path,
                                                              one_line):
    theirs = _pytorch_file(tmp_path / "theirs.safetensors")
    exported = tmp_path / "m.torch.safetensors"
    assert run("export", model, "--format", "torch", "--out", exported).exit_code == 0
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps({"off": [[1, 3]]}))
    before = _kept(theirs, exported)
    for target, what in ((theirs, "a safetensors file"),
                         (exported, "a digitnet export for PyTorch")):
        for args in (["train", "--data", tiny_dir, *RECIPE], ["edit", model, edits]):
            result = run(*args, "--out", target)
            assert result.exit_code == 1, (args, result.output)
            assert one_line(result.stderr) == (
                f"digitnet: error: {target}: is {what}, not a digitnet model, and saving the "
                f"model there would replace it; {_AGAIN.format(option='--out')}")
    _unchanged(before)
    mine = shutil.copy(model, tmp_path / "mine.safetensors")  # a model: replaced, as ever
    assert run("edit", model, edits, "--out", mine).exit_code == 0
    assert read_metadata(mine)["changes"]


def test_save_in_python_replaces_only_a_digitnet_model(model, tmp_path):
    net = digitnet.load(model)
    theirs = _pytorch_file(tmp_path / "theirs.safetensors")
    notes = tmp_path / "notes"
    notes.write_text("important notes\n")
    before = _kept(theirs, notes)
    for path, what in ((theirs, "a safetensors file, not a digitnet model"),
                       (notes, "not a digitnet model")):
        with pytest.raises(ConfigError) as caught:
            digitnet.save(net, path)
        assert str(caught.value) == (f"{path}: is {what}, and saving the model there would "
                                     "replace it; save it under another name, or delete that "
                                     "file first")
    _unchanged(before)
    mine = shutil.copy(model, tmp_path / "mine.safetensors")
    digitnet.save(net, mine)  # a model there: replaced
    (tmp_path / "empty").write_bytes(b"")
    digitnet.save(net, tmp_path / "empty")  # nothing to lose
    assert digitnet.load(tmp_path / "empty").sizes == net.sizes


# -- export --out ------------------------------------------------------------------------------


@pytest.mark.parametrize("format_, name", [("onnx", "notes.onnx"),
                                           ("torch", "notes.safetensors")])
def test_export_keeps_notes_under_an_exports_name(run, model, tmp_path, one_line, format_,
                                                  name):
    pytest.importorskip("onnx")
    notes = tmp_path / name
    notes.write_text("important notes\n")
    result = run("export", model, "--format", format_, "--out", notes)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {notes}: is not one of digitnet's exports, and exporting would "
        "replace it; write the export under another name, or delete that file first")
    assert notes.read_text() == "important notes\n"
