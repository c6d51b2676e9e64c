"""`digitnet train` on real digits: its report, its options, checkpoints and resuming."""

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from digitnet import PRESETS, datasets, load
from digitnet.errors import TrainingInterrupted
from digitnet.training import Callback, train


def test_train_json_reports_one_object(trained):
    out, report = trained
    assert report["model"] == str(out) and out.exists()
    assert report["epochs"] == 2 and len(report["history"]) == 2
    assert 0.5 < report["val_accuracy"] <= 1
    assert 0.5 < report["test_accuracy"] <= 1  # the folder has t10k files
    assert report["seconds"] == pytest.approx(sum(h["seconds"] for h in report["history"]))
    assert report["n_train"] + report["n_val"] == 2999  # the digits in the folder
    assert report["n_val"] == pytest.approx(300, abs=5)  # 10%, stratified
    assert report["config"]["sizes"] == [784, 16, 16, 10]


def test_train_plain_output(run, train_only_dir, tmp_path):
    result = run("train", "--data", train_only_dir, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 0
    assert "Validation accuracy:" in result.stdout and "Saved the model to" in result.stdout
    assert "Test accuracy" not in result.stdout  # no t10k files there
    assert "note:" not in result.stderr


@pytest.mark.parametrize("lr, noted", [(1e6, True), (1e-9, False)])
def test_a_run_ending_confidently_wrong_says_the_learning_rate_is_too_high(
        run, train_only_dir, tmp_path, lr, noted):
    # Adam at 1e6 leaves a network that still ranks digits (it saves) with a loss near 1e20;
    # at 1e-9 the network stays as it started, near ln 10, too slow but not wrong.
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", train_only_dir, "--epochs", "1", "--lr", lr, "--out", out)
    assert result.exit_code == 0 and out.exists()
    notes = [line for line in result.stderr.splitlines() if "note: the training loss" in line]
    if noted:
        assert len(notes) == 1 and "learning rate 1e+06 is likely too high" in notes[0]
        assert "guessing evenly among 10 classes" in notes[0]
    else:
        assert notes == []


def test_video_preset_and_options(run, train_only_dir, tmp_path):
    out = tmp_path / "v.safetensors"
    result = run("train", "--data", train_only_dir, "--preset", "video", "--epochs", "1",
                 "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.1", "--batch-size", "64",
                 "--out", out)
    assert result.exit_code == 0, result.output
    net = load(out)
    assert net.activation.name == "sigmoid"
    assert net.metadata["config"]["optimizer"] == "sgd" and net.metadata["config"]["batch_size"] == 64


def test_custom_layers(run, train_only_dir, tmp_path):
    out = tmp_path / "w.safetensors"
    result = run("train", "--data", train_only_dir, "--layers", "784,32,10", "--activation", "tanh",
                 "--output", "sigmoid", "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).sizes == (784, 32, 10)


@pytest.mark.parametrize("args, code, line", [
    (["--epochs", "0"], 2, "Invalid value for '--epochs': must be >= 1, got 0"),
    (["--lr", "-0.1"], 2, "Invalid value for '--lr': must be a positive number, got -0.1"),
    (["--lr", "nan"], 2, "Invalid value for '--lr': must be a finite number, got nan"),
    (["--val-fraction", "1.5"], 2, "Invalid value for '--val-fraction': must be in [0, 1), got 1.5"),
    (["--batch-size", "abc"], 2, "Invalid value for '--batch-size': 'abc' is not a valid integer"),
    (["--preset", "fast"], 2, "Invalid value for '--preset': 'fast' is not one of 'default', "
                              "'large', 'speech', 'video'"),
])
def test_bad_training_options_are_one_line_naming_the_option(run, args, code, line, one_line,
                                                             tmp_path):
    """Out of range as the recipe checks it, or not of the option's type as click checks it:
    a usage error (exit 2) naming the option as typed, on one line with where to read more."""
    result = run("train", *args, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == code
    assert one_line(result.stderr) == f"digitnet: error: {line}; see digitnet train --help"
    assert not (tmp_path / "m.safetensors").exists()


def test_unknown_data_is_one_line(run, one_line):
    result = run("train", "--data", "no-such-dataset")
    assert result.exit_code == 1
    assert "no-such-dataset" in one_line(result.stderr)


# -- resuming with the options repeated ------------------------------------------------------

# The command a user ran, to which they add --resume: the video recipe with options of their own.
RECIPE = ["--preset", "video", "--epochs", "3", "--lr", "0.1", "--batch-size", "64"]


class _StopInEpochTwo(Callback):
    """Interrupts training at the first progress report after epoch 1, as Ctrl-C would."""

    finished = 0

    def on_epoch_end(self, epoch, record, network):
        self.finished = epoch

    def should_stop(self):
        return self.finished >= 1


@pytest.fixture(scope="module")
def interrupted(run, train_only_dir, tmp_path_factory):
    """The RECIPE run on 2,000 real digits: a checkpoint saved mid-way through epoch 2, and the
    model of the same run left uninterrupted, trained by the CLI."""
    folder = tmp_path_factory.mktemp("resume")
    straight = folder / "straight.safetensors"
    result = run("train", "--data", train_only_dir, *RECIPE, "--out", straight)
    assert result.exit_code == 0, result.output

    ckpt = folder / "run.ckpt"
    config = PRESETS["video"].replace(epochs=3, lr=0.1, batch_size=64)
    with pytest.raises(TrainingInterrupted, match="interrupted in epoch 2, step "):
        train(datasets.load(str(train_only_dir)), config, callback=_StopInEpochTwo(),
              checkpoint=str(ckpt), handle_signals=False)
    return ckpt, straight


def test_resume_accepts_the_options_of_the_run_repeated(run, interrupted, train_only_dir, tmp_path):
    ckpt = shutil.copy(interrupted[0], tmp_path / "run.ckpt")  # the resumed run writes to it
    resumed = tmp_path / "resumed.safetensors"
    result = run("train", "--data", train_only_dir, *RECIPE, "--checkpoint", ckpt,
                 "--resume", ckpt, "--out", resumed)
    assert result.exit_code == 0, result.output
    assert len(load(resumed).metadata["history"]) == 3
    assert load(resumed).params.tobytes() == load(interrupted[1]).params.tobytes()


@pytest.mark.parametrize("changed, message", [
    (["--lr", "0.01"],
     "--lr: the checkpoint was trained with 0.1, the command gives 0.01; drop --lr or start a "
     "new run"),
    (["--layers", "784,32,10"],
     "--layers: the checkpoint was trained with 784,16,16,10, the command gives 784,32,10; "
     "drop --layers or start a new run"),
    (["--early-stopping"],
     "--early-stopping: the checkpoint was trained with --no-early-stopping, the command gives "
     "--early-stopping; drop --early-stopping or start a new run"),
    (["--seed", "1", "--epochs", "5"],
     "--epochs: the checkpoint was trained with 3, the command gives 5; --seed: the checkpoint "
     "was trained with 0, the command gives 1; drop --epochs and --seed or start a new run"),
    (["--preset", "default"],  # the preset's fields, but for the ones given beside it
     "activation (from --preset default): the checkpoint was trained with sigmoid, the command "
     "gives leaky_relu; optimizer (from --preset default): the checkpoint was trained with sgd, "
     "the command gives adam; momentum (from --preset default): the checkpoint was trained with "
     "0.9, the command gives 0.0; weight_decay (from --preset default): the checkpoint was "
     "trained with 1e-05, the command gives 0.0003; drop --preset or start a new run"),
], ids=["lr", "layers", "flag", "two", "preset"])
def test_resume_refuses_a_changed_option_naming_both_values(run, interrupted, train_only_dir,
                                                            tmp_path, changed, message, one_line):
    ckpt, _ = interrupted
    before = ckpt.read_bytes()
    out = tmp_path / "never.safetensors"
    result = run("train", "--data", train_only_dir, *RECIPE, *changed, "--resume", ckpt, "--out", out)
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"digitnet: error: {message}; see digitnet train --help"
    assert not out.exists() and ckpt.read_bytes() == before


def test_resume_with_only_the_preset_counts_every_field_it_sets(run, interrupted, train_only_dir,
                                                               tmp_path, one_line):
    result = run("train", "--data", train_only_dir, "--preset", "video", "--resume", interrupted[0],
                 "--out", tmp_path / "never.safetensors")
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        "digitnet: error: lr (from --preset video): the checkpoint was trained with 0.1, the "
        "command gives 0.023; batch_size (from --preset video): the checkpoint was trained with "
        "64, the command gives 32; epochs (from --preset video): the checkpoint was trained with "
        "3, the command gives 150; drop --preset or start a new run; see digitnet train --help")


def test_resume_counts_the_fields_of_a_config_file(run, interrupted, train_only_dir, tmp_path,
                                                  one_line):
    recipe = tmp_path / "recipe.json"
    recipe.write_text('{"lr": 0.1, "momentum": 0.5}')  # lr as the checkpoint's; momentum not
    result = run("train", "--data", train_only_dir, *RECIPE, "--config", recipe,
                 "--resume", interrupted[0], "--out", tmp_path / "never.safetensors")
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"digitnet: error: momentum (from --config {recipe}): the checkpoint was trained with "
        "0.9, the command gives 0.5; drop --config or start a new run; see digitnet train --help")


def test_resume_of_a_missing_checkpoint_names_it(run, train_only_dir, tmp_path, one_line):
    result = run("train", "--data", train_only_dir, "--epochs", "5", "--resume", tmp_path / "c.ckpt",
                 "--out", tmp_path / "never.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {tmp_path / 'c.ckpt'}: no such file; a run writes its checkpoint with "
        f"`digitnet train --checkpoint {tmp_path / 'c.ckpt'}`")
    assert not (tmp_path / "never.safetensors").exists()


@pytest.mark.parametrize("data", [None, "missing-folder"])
def test_the_checkpoint_is_checked_before_any_data_is_read(run, tmp_path, data, one_line):
    """Without --data the command would reach for MNIST (a download, or a note that it fell back
    to the sample) and with a wrong --data it would name the data: the checkpoint comes first."""
    chosen = [] if data is None else ["--data", tmp_path / data]
    result = run("train", *chosen, "--resume", tmp_path / "c.ckpt",
                 "--out", tmp_path / "never.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(f"digitnet: error: {tmp_path / 'c.ckpt'}: no such")


def test_resume_of_a_finished_model_is_refused_before_reading_data(run, tmp_path, one_line,
                                                                   trained):
    model = trained[0]
    result = run("train", "--data", tmp_path / "missing-folder", "--resume", model,
                 "--out", tmp_path / "never.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {model}: is a finished model, not a training checkpoint; "
        "--resume needs the file written by --checkpoint")


@pytest.mark.parametrize("saving", [True, False], ids=["with-checkpoint", "without"])
def test_an_interrupted_run_says_how_to_continue_it(run, interrupted, train_only_dir, tmp_path,
                                                    monkeypatch, one_line, saving):
    """The line after Ctrl-C ends with the command that continues the run, and that command,
    run as printed, ends where the run left alone does; without a checkpoint it says that
    nothing was saved. (The run is stopped by its callback after the first epoch: the way a
    signal stops it, see training.train; the signal itself is the slow test below.)"""
    from digitnet.cli import train_cmd

    monkeypatch.setattr(train_cmd, "Callback", _StopInEpochTwo)
    out, ckpt = tmp_path / "model.safetensors", tmp_path / "run.ckpt"
    saved = ["--checkpoint", ckpt] if saving else []
    result = run("train", "--data", train_only_dir, *RECIPE, *saved, "--out", out)
    assert result.exit_code == 130
    line = one_line(result.stderr)
    assert line.startswith("digitnet: training interrupted in epoch 2, step ")
    assert not out.exists()
    if not saving:
        assert line.endswith("; nothing was saved; train with --checkpoint PATH to be able to "
                             "resume")
        return
    printed = line.split("; continue with: ")[1]
    assert printed == (f"digitnet train --data {train_only_dir} --resume {ckpt} --out {out}")
    monkeypatch.undo()
    result = run(*shlex.split(printed)[1:])
    assert result.exit_code == 0, result.output
    assert load(out).params.tobytes() == load(interrupted[1]).params.tobytes()


# -- interrupted by a signal, resumed ---------------------------------------------------------

# Many short epochs: however fast training is, the signal lands long before the end.
LONG = ["--epochs", "300", "--shift", "1"]


def _train_process(args, **kw):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "digitnet", "train", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def straight_long_run(digits_dir, tmp_path_factory):
    """The LONG run, uninterrupted, as a separate process."""
    straight = tmp_path_factory.mktemp("straight") / "straight.safetensors"
    done = _train_process(["--data", digits_dir, *LONG, "--out", straight])
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    return straight


@pytest.mark.slow
@pytest.mark.parametrize("sig, repeated", [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["SIGINT-command-repeated", "SIGTERM-resume-alone"])
def test_signal_saves_checkpoint_and_resume_is_bit_identical(digits_dir, straight_long_run,
                                                             tmp_path, sig, repeated):
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "model.safetensors"
    command = ["--data", digits_dir, *LONG, "--checkpoint", ckpt]
    proc = _train_process([*command, "--out", out])
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:  # first epoch finished
        time.sleep(0.05)
    assert ckpt.exists()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "training interrupted in epoch" in err
    assert "epoch 300," not in err  # it stopped where it was told to, not at the end
    assert "Traceback" not in err
    assert not out.exists()

    printed = err.split("; continue with: ")[1].strip()
    assert printed == f"digitnet train --data {digits_dir} --resume {ckpt} --out {out}"
    # the command repeated with --resume added, or the one printed, as a user would paste it
    again = [*command, "--resume", ckpt, "--out", out] if repeated else shlex.split(printed)[2:]
    proc = _train_process(again)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert load(out).params.tobytes() == load(straight_long_run).params.tobytes()


def test_the_model_trained_is_remembered_in_the_suites_state_folder(run, train_only_dir, tmp_path,
                                                                   own_state_folder):
    from digitnet.cli.recent import last_model

    out = tmp_path / "m.safetensors"
    assert run("train", "--data", train_only_dir, "--epochs", "1", "--out", out).exit_code == 0
    assert (own_state_folder / "digitnet" / "last-model").read_text() == str(out.resolve())
    assert last_model() == out.resolve()
