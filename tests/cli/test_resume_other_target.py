"""`digitnet train --resume` (and ``digitnet.train(..., resume=...)``) on a table with another
label column (``--target``) than the checkpoint's run learned: refused in one line naming the
checkpoint, both columns and what to do, with exit code 1 as resuming on other data is. (Before,
only the file's contents and row count were compared, and the run went on silently, training
the network towards the other column's labels.) The columns a checkpoint's network reads (its
input record: every column but the label column) tell the column it learned; one whose columns
are not known (no input record, or columns never named: a run from a model trained on an array)
resumes as before. With its own column, a run ends as an uninterrupted one. ``--init`` from a
model of one label column on the same table with another is refused by the columns it reads.

Real runs on scikit-learn's wine table with two columns that can be the labels.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from model_edits import edited
from real_data import two_label_wine_csv
from stopping import StopAfterAnEpoch

import digitnet
from digitnet.errors import ConfigError, TrainingInterrupted
from digitnet.modelfile import load, read_metadata

RECIPE = ["--epochs", "3", "--batch-size", "32"]


@pytest.fixture(scope="module")
def wines(run, tmp_path_factory):
    """(table, checkpoint of a run on --target cultivar interrupted after an epoch, the model
    of that run uninterrupted)."""
    from digitnet.cli import train_cmd

    folder = tmp_path_factory.mktemp("wines")
    table = two_label_wine_csv(folder / "wines.csv")
    given = ["train", "--data", table, "--target", "cultivar", *RECIPE]
    straight = folder / "straight.safetensors"
    result = run(*given, "--out", straight)
    assert result.exit_code == 0, result.output
    ckpt = folder / "run.ckpt"
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(train_cmd, "Callback", StopAfterAnEpoch)
        result = run(*given, "--checkpoint", ckpt, "--out", folder / "stopped.safetensors")
    assert result.exit_code == 130, result.output
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 1
    return table, ckpt, straight


def test_resuming_with_another_label_column_is_refused(run, one_line, wines, tmp_path):
    """--target strength, or no --target (the last column, strength): refused, nothing saved."""
    table, saved, _ = wines
    ckpt, out = Path(shutil.copy(saved, tmp_path / "run.ckpt")), tmp_path / "m.safetensors"
    before = ckpt.read_bytes()
    for target in (["--target", "strength"], []):
        result = run("train", "--data", table, *target, "--resume", ckpt, "--out", out)
        assert result.exit_code == 1, result.output
        assert one_line(result.stderr) == (
            f"digitnet: error: {ckpt}: this checkpoint was trained on the labels in column "
            "'cultivar', and this run's are in column 'strength'; resume with --target "
            "cultivar, or start a new run without --resume")
        assert ckpt.read_bytes() == before and not out.exists()


def test_python_resume_with_another_label_column_is_refused(wines, tmp_path):
    table, saved, _ = wines
    ckpt = Path(shutil.copy(saved, tmp_path / "run.ckpt"))
    with pytest.raises(ConfigError) as refused:
        digitnet.train(str(table), target="strength", resume=str(ckpt), handle_signals=False)
    assert str(refused.value) == (
        f"{ckpt}: this checkpoint was trained on the labels in column 'cultivar', and this "
        "run's are in column 'strength'; resume with --target cultivar, or start a new run "
        "without --resume")


def test_resuming_with_the_same_label_column_ends_as_an_uninterrupted_run(run, wines,
                                                                          tmp_path):
    table, saved, straight = wines
    ckpt, out = Path(shutil.copy(saved, tmp_path / "run.ckpt")), tmp_path / "m.safetensors"
    result = run("train", "--data", table, "--target", "cultivar", "--resume", ckpt,
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).params.tobytes() == load(straight).params.tobytes()
    assert read_metadata(out)["classes"] == ["0", "1", "2"]


def test_a_checkpoint_that_recorded_no_columns_resumes_as_before(run, wines, tmp_path):
    """A table checkpoint without the record of its input (the columns it reads, all but the
    label column) cannot tell its label column: it resumes as before, refitted on the data
    (with its own column, to the uninterrupted run's weights)."""
    table, saved, straight = wines
    assert read_metadata(saved)["input"]["columns"][-1] == "strength"  # the labels: cultivar
    old = edited(saved, tmp_path / "old.ckpt", input=None)
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", table, "--target", "cultivar", "--resume", old,
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).params.tobytes() == load(straight).params.tobytes()


def test_a_run_from_a_model_of_unnamed_columns_resumes(wines, tmp_path):
    """A run fine-tuning a model trained on an array (columns never named: x0, x1, ...) reads
    the table in order, and its checkpoint records the model's unnamed columns: it resumes."""
    table, _, _ = wines
    data = digitnet.datasets.load(str(table), target="cultivar")
    array_model = digitnet.train(data.x, data.labels, epochs=1).network
    assert array_model.metadata["input"]["columns"] == [f"x{i}" for i in range(14)]
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted):
        digitnet.train(str(table), target="cultivar", init=array_model, epochs=2,
                       checkpoint=str(ckpt), callback=StopAfterAnEpoch(), handle_signals=False)
    assert read_metadata(ckpt)["input"]["columns"] == [f"x{i}" for i in range(14)]
    result = digitnet.train(str(table), target="cultivar", resume=str(ckpt),
                            handle_signals=False)
    assert len(result.history) == 2


def test_init_from_a_model_of_another_label_column_is_refused(run, one_line, wines, tmp_path):
    """Fine-tuning the cultivar model on the same table's strength: the model reads 'strength'
    as a feature where the data has 'cultivar', and the command says so, training nothing."""
    table, _, model = wines
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", table, "--target", "strength", "--init", model,
                 "--epochs", "1", "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: --init {model}: column 14 is 'strength' for the model and "
        "'cultivar' in the data; give the columns the model was trained on, in its order")
    assert not out.exists()
