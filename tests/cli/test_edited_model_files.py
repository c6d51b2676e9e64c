"""Model files and checkpoints edited by hand, through the command line: one line naming the
file and the field, exit code 1, no traceback and nothing written; and what ``info``,
``predict`` and ``evaluate`` say of a checkpoint (where its run was, and that it is unfinished).
The models and checkpoints are trained for real on real digits."""

from __future__ import annotations

import json
import math
import shlex
import shutil

import pytest
from model_edits import edited
from PIL import Image
from stopping import StopAt

from digitnet import PRESETS, datasets
from digitnet.errors import TrainingInterrupted
from digitnet.training import train

RECIPE = PRESETS["default"].replace(epochs=2)
FIX = "the file was edited or is corrupt — re-save or retrain it"
FIX_CHECKPOINT = ("the file was edited or is corrupt — resume another checkpoint or start a new "
                  "run")


def _edited(path, out, **changes):
    """``path`` with fields of its metadata changed as a person would (``checkpoint`` updates
    the record of where the run was), saved as ``out``."""
    return edited(path, out, merge=("checkpoint",), **changes)


@pytest.fixture(scope="module")
def stopped(train_only_dir, tmp_path_factory):
    """Checkpoints of RECIPE's run on 2,000 real digits, stopped in its first epoch and in its
    second (at step 10 of each), as Ctrl-C stops it: {epoch: path}."""
    folder = tmp_path_factory.mktemp("stopped")
    data = datasets.load(str(train_only_dir))
    found = {}
    for epoch in (1, 2):
        path = folder / f"epoch{epoch}.ckpt"
        with pytest.raises(TrainingInterrupted, match=f"interrupted in epoch {epoch}, step 10 "):
            train(data, RECIPE, callback=StopAt(epoch, 10), checkpoint=str(path),
                  handle_signals=False)
        found[epoch] = path
    return found


@pytest.fixture(scope="module")
def steps_per_epoch(train_only_dir) -> int:
    """The steps an epoch of RECIPE's run takes: its training examples (the data less the
    validation split, drawn as training draws it) in batches."""
    data = datasets.load(str(train_only_dir))
    train_index, _ = datasets.stratified_split(data.labels, RECIPE.val_fraction, RECIPE.seed)
    return math.ceil(len(train_index) / RECIPE.batch_size)


@pytest.fixture(scope="module")
def digit_png(real_digit_images, tmp_path_factory):
    path = tmp_path_factory.mktemp("png") / "seven.png"
    Image.fromarray(real_digit_images[0][7]).save(path)
    return path


def _one_error(result, one_line) -> str:
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert line.startswith("digitnet: error: ")
    return line.removeprefix("digitnet: error: ")


@pytest.mark.parametrize("classes, said", [
    (["a", "b", "c"], "names 3 classes for 10 output neurons"),
    ([*"012345678", "8"], "names class '8' twice"),
])
def test_predict_and_evaluate_refuse_class_names_that_do_not_fit(run, trained, digits_dir,
                                                                 digit_png, tmp_path, one_line,
                                                                 classes, said):
    path = _edited(trained[0], tmp_path / "classes.safetensors", classes=classes)
    for args in (("predict", path, digit_png), ("evaluate", path, "--data", digits_dir),
                 ("info", path)):
        result = run(*args)
        assert _one_error(result, one_line) == f"{path}: its metadata 'classes' {said}; {FIX}"
        assert result.stdout == ""


def test_an_output_changed_without_its_cost_is_refused(run, trained, digit_png, tmp_path,
                                                       one_line):
    path = _edited(trained[0], tmp_path / "sigmoid.safetensors", output="sigmoid")
    result = run("predict", path, digit_png)
    assert _one_error(result, one_line) == (
        f"{path}: its metadata 'output' is 'sigmoid', which goes with cost 'squared_error', but "
        f"its 'cost' is 'cross_entropy'; {FIX}")


def test_edit_refuses_a_model_whose_input_record_is_garbled_and_saves_nothing(run, trained,
                                                                              tmp_path, one_line):
    path = _edited(trained[0], tmp_path / "input.safetensors", input="garbage")
    (tmp_path / "changes.json").write_text(json.dumps({"off": [[1, 2]]}))
    out = tmp_path / "out.safetensors"
    result = run("edit", path, tmp_path / "changes.json", "--out", out)
    assert _one_error(result, one_line) == (
        f"{path}: the model's input record 'garbage' is not one digitnet knows (not an object "
        "with a 'kind'); retrain the model")
    assert not out.exists()


def test_resuming_a_model_marked_as_a_checkpoint_is_refused(run, trained, train_only_dir,
                                                            tmp_path, one_line):
    path = _edited(trained[0], tmp_path / "kind.safetensors", kind="checkpoint")
    out = tmp_path / "out.safetensors"
    result = run("train", "--data", train_only_dir, "--resume", path, "--out", out)
    assert _one_error(result, one_line) == (
        f"{path}: says it is a training checkpoint but holds no record of where its run was "
        f"('checkpoint'); {FIX_CHECKPOINT}")
    assert not out.exists()


@pytest.mark.parametrize("changes, said", [
    ({"step": -3}, "its metadata 'checkpoint' holds step -3, not a whole number of steps"),
    ({"loss_sum": None}, ("its metadata 'checkpoint' holds loss_sum null, not a sum of losses, a "
                         "number from 0")),
    ({"optimizer_steps": "x"}, ("its metadata 'checkpoint' holds optimizer_steps 'x', not a "
                               "whole number of steps")),
    ({"step": 5000}, ("its metadata 'checkpoint', where the run was, does not add up: "
                     "optimizer_steps STEPS cannot be 1 epoch done and 5000 steps into epoch 2")),
    ({"epoch": 99}, ("its metadata 'checkpoint', where the run was, does not add up: 99 epochs "
                    "done, of a run of 2")),
])
def test_resuming_a_checkpoint_whose_record_was_edited_is_refused(run, stopped, train_only_dir,
                                                                  steps_per_epoch, tmp_path,
                                                                  one_line, changes, said):
    path = _edited(stopped[2], tmp_path / "edited.ckpt", checkpoint=changes)
    out = tmp_path / "out.safetensors"
    result = run("train", "--data", train_only_dir, "--resume", path, "--out", out)
    said = said.replace("STEPS", str(steps_per_epoch + 10))
    assert _one_error(result, one_line) == f"{path}: {said}; {FIX_CHECKPOINT}"
    assert not out.exists()


def test_info_says_where_a_checkpoints_run_was_and_how_to_go_on(run, stopped, train_only_dir,
                                                                steps_per_epoch):
    resume = f"digitnet train --data {shlex.quote(str(train_only_dir))} --resume"
    lines = run("info", stopped[2]).stdout.splitlines()
    assert (f"  checkpoint  epoch 2 of 2, step 10 of {steps_per_epoch}; resume it with {resume} "
            f"{stopped[2]}") in lines
    # In the first epoch, how many steps an epoch takes is known to the split's rounding.
    first = next(line for line in run("info", stopped[1]).stdout.splitlines()
                 if line.startswith("  checkpoint  "))
    about = int(first.split(" of about ")[1].split(";")[0])
    assert first == (f"  checkpoint  epoch 1 of 2, step 10 of about {about}; resume it with "
                     f"{resume} {stopped[1]}")
    assert abs(about - steps_per_epoch) <= 1


def test_info_json_gives_a_checkpoints_kind_and_progress(run, stopped, trained, steps_per_epoch):
    later = json.loads(run("info", "--json", stopped[2]).stdout)
    assert later["kind"] == "checkpoint"
    assert {k: later["checkpoint"][k] for k in ("epoch", "step", "optimizer_steps",
                                                 "steps_per_epoch")} == {
        "epoch": 1, "step": 10, "optimizer_steps": steps_per_epoch + 10,
        "steps_per_epoch": steps_per_epoch}
    first = json.loads(run("info", "--json", stopped[1]).stdout)["checkpoint"]
    assert (first["epoch"], first["step"], first["steps_per_epoch"]) == (0, 10, None)
    model = json.loads(run("info", "--json", trained[0]).stdout)
    assert model["kind"] == "model" and "checkpoint" not in model


def test_predict_and_evaluate_note_a_checkpoint_of_an_unfinished_run(run, stopped, trained,
                                                                     train_only_dir, digit_png,
                                                                     steps_per_epoch, tmp_path):
    note = (f"note: {stopped[2]} is the checkpoint of an unfinished run (epoch 2 of 2, step 10 "
            f"of {steps_per_epoch}): a network still in training")
    for args in (("predict", stopped[2], digit_png), ("predict", "--json", stopped[2], digit_png),
                 ("evaluate", stopped[2], "--data", train_only_dir, "--split", "val")):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert note in result.stderr.splitlines()
        if "--json" in args:  # the answers stay JSON: the note is on stderr
            assert json.loads(result.stdout)["file"] == str(digit_png)
    finished = run("predict", trained[0], digit_png)
    assert finished.exit_code == 0 and "note:" not in finished.stderr
    # Resumed to its end, the same run's checkpoint is finished, and says so.
    ckpt = shutil.copy(stopped[2], tmp_path / "run.ckpt")
    done = run("train", "--data", train_only_dir, "--checkpoint", ckpt, "--resume", ckpt,
               "--out", tmp_path / "m.safetensors")
    assert done.exit_code == 0, done.output
    assert "note:" not in run("predict", ckpt, digit_png).stderr
    assert (f"  checkpoint  the run finished (2 of 2 epochs done); digitnet train --data "
            f"{shlex.quote(str(train_only_dir))} --resume {ckpt} "
            f"--out {shlex.quote(str(tmp_path / 'm.safetensors'))} saves its model"
            ) in run("info", ckpt).stdout.splitlines()
