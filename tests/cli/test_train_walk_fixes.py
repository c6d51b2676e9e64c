"""What a new user of `digitnet train` met, on real digits: a resumed run finds its own data, and
each refusal names the option to change in the CLI's words (--val-fraction, --lr, --hidden),
saying what was saved when a run diverged."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from stopping import interrupted

import digitnet
from digitnet import sources
from digitnet.errors import ConfigError, DivergenceError
from digitnet.modelfile import load, read_metadata

pytestmark = pytest.mark.engine_independent
# refusals and what was saved; the divergence test names both engines

RECIPE = ["--epochs", "3", "--batch-size", "32"]


def test_a_resume_without_data_goes_on_with_the_data_its_checkpoint_records(
        run, tiny_dir, tmp_path, monkeypatch, offline, one_line):
    """It reached for MNIST (with no connection, the packaged sample and its long note), then
    refused the sample as other data; now it resumes on the folder the checkpoint records,
    saying so, and ends where the uninterrupted run ends. Nothing is downloaded."""
    straight = tmp_path / "straight.safetensors"
    assert run("train", "--data", tiny_dir, *RECIPE, "--out", straight).exit_code == 0
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    interrupted(run, monkeypatch, "--data", tiny_dir, *RECIPE, "--checkpoint", ckpt,
                 "--out", out)
    assert read_metadata(ckpt)["checkpoint"]["epoch"] == 1

    result = run("train", "--resume", ckpt, "--out", out)
    assert result.exit_code == 0, result.output
    assert one_line(result.stderr) == f"resuming {ckpt} on {tiny_dir}, the data it was trained on"
    assert f" on {tiny_dir} for 3 epochs " in result.stdout
    assert load(out).params.tobytes() == load(straight).params.tobytes()
    assert not sources.default_cache().exists()


def test_a_resume_whose_data_is_gone_names_the_data_to_give_before_any_download(
        run, tiny_dir, tmp_path, monkeypatch, offline, one_line):
    data = shutil.copytree(tiny_dir, tmp_path / "digits")
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "m.safetensors"
    interrupted(run, monkeypatch, "--data", data, *RECIPE, "--checkpoint", ckpt, "--out", out)
    moved = data.rename(tmp_path / "moved")
    before = ckpt.read_bytes()

    result = run("train", "--resume", ckpt, "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {ckpt}: its run was trained on {data}, which is no longer there; "
        "give --data with those files (wherever they are now) to resume it")
    assert not sources.default_cache().exists()  # no download was tried
    assert ckpt.read_bytes() == before and not out.exists()
    # As it says: the same files, where they are now.
    result = run("train", "--data", moved, "--resume", ckpt, "--out", out)
    assert result.exit_code == 0, result.output


def test_an_output_layer_short_of_a_class_says_how_many_neurons_to_give(run, train_only_dir,
                                                                        tmp_path, one_line):
    result = run("train", "--data", train_only_dir, "--layers", "784,16,9", "--epochs", "1",
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "digitnet: error: labels go up to 9 but the output layer has only 9 neurons; give the "
        "output layer one neuron per class (--layers ...,10)")
    assert not (tmp_path / "m.safetensors").exists()


@pytest.fixture(scope="module")
def one_hidden_layer(run, tiny_dir, tmp_path_factory):
    """A tanh model of one hidden layer, 784-16-10, trained an epoch on real digits."""
    model = tmp_path_factory.mktemp("tanh") / "tanh.safetensors"
    made = run("train", "--data", tiny_dir, "--hidden", "16", "--activation", "tanh",
               "--epochs", "1", "--out", model)
    assert made.exit_code == 0, made.output
    return model


@pytest.mark.parametrize("option, value", [("--hidden", "16,16"),
                                           ("--layers", "784,16,16,10"),
                                           ("--config", '{"sizes": [784, 16, 16, 10]}')])
def test_init_with_other_layers_says_to_drop_the_option(run, tiny_dir, one_hidden_layer,
                                                        tmp_path, one_line, option, value):
    """It said "(1 hidden layers, not 2); train on data of the model's shape, or without
    --init": the data had the model's shape, and the option asking for other layers was the
    thing to drop."""
    model, out = one_hidden_layer, tmp_path / "m.safetensors"
    if option == "--config":
        (tmp_path / "recipe.json").write_text(value)
        value = tmp_path / "recipe.json"
    result = run("train", "--data", tiny_dir, "--init", model, option, value, "--epochs", "1",
                 "--out", out)
    assert result.exit_code == 1
    given, drop = ((f"--config {value} sizes 784,16,16,10", f"sizes from --config {value}")
                   if option == "--config" else (f"{option} {value}", option))
    assert one_line(result.stderr) == (
        f"digitnet: error: {given}: --init {model} has the layers 784-16-10 (1 hidden layer), "
        f"and a fine-tuned model keeps the layers of the model it starts from; drop {drop}")
    assert not out.exists()


def test_init_with_its_own_layers_given_again_trains(run, tiny_dir, one_hidden_layer, tmp_path):
    result = run("train", "--data", tiny_dir, "--init", one_hidden_layer, "--hidden", "16",
                 "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Trained 784-16-10 (tanh hidden")


def test_python_init_with_other_hidden_layers_counts_them_in_good_english(tiny_dir,
                                                                          one_hidden_layer):
    with pytest.raises(ConfigError, match=r"the run's 784-16-16-10 \(1 hidden layer, not 2\)"):
        digitnet.train(str(tiny_dir), init=str(one_hidden_layer), hidden=(16, 16), epochs=1)


def test_early_stopping_with_nothing_held_out_names_the_options(run, tiny_dir, tmp_path,
                                                                one_line):
    result = run("train", "--data", tiny_dir, "--early-stopping", "--val-fraction", "0",
                 "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "digitnet: error: early stopping needs a validation split, and val_fraction=0 "
        "(--val-fraction 0) holds out none; hold some out (val_fraction=0.1, --val-fraction "
        "0.1) or train without early stopping (early_stopping=False, --no-early-stopping)")


@pytest.mark.parametrize("options", [["--optimizer", "sgd", "--lr", "1e4"],
                                     ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "1"]])
def test_a_run_diverging_in_its_first_epoch_says_nothing_was_learned_nor_saved(
        run, train_only_dir, tmp_path, one_line, options):
    """It said "the weights of the last good epoch are kept": there was none, and no file."""
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", train_only_dir, *options, "--epochs", "2", "--out", out)
    assert result.exit_code == 1
    lr = {"1e4": "10000", "1": "1"}[options[-1]]
    assert one_line(result.stderr) == (
        "digitnet: error: training diverged in epoch 1 (loss became nan); nothing was learned "
        f"and nothing was saved: try a lower --lr than {lr}")
    assert not out.exists()


#: SGD with momentum 0.9 at a constant rate: on the 300 digits, 0.6 diverges in epoch 3, and
#: 0.4 in epoch 5 after its best validation loss in epoch 1.
DIVERGING = ["--optimizer", "sgd", "--momentum", "0.9", "--schedule", "constant"]


@pytest.mark.parametrize("lr, epochs, early, kept, which", [
    ("0.6", 4, [], 2, "the last before it"),
    ("0.4", 6, ["--early-stopping"], 1, "the best before it (early stopping)"),
])
def test_a_run_diverging_later_says_which_weights_it_saved_where(
        run, tiny_dir, tmp_path, one_line, lr, epochs, early, kept, which):
    """The file --out names holds the weights of the epoch it says: those a run of that many
    epochs ends with (the schedule is constant, so the first epochs are the same)."""
    out, short = tmp_path / "m.safetensors", tmp_path / "short.safetensors"
    result = run("train", "--data", tiny_dir, *DIVERGING, "--lr", lr, *early,
                 "--epochs", epochs, "--out", out)
    assert result.exit_code == 1
    diverged = 3 if lr == "0.6" else 5
    assert one_line(result.stderr) == (
        f"digitnet: error: training diverged in epoch {diverged} (loss became nan); saved the "
        f"weights of epoch {kept}, {which}, to {out}: try a lower --lr than {lr}")
    assert run("train", "--data", tiny_dir, *DIVERGING, "--lr", lr, *early, "--epochs", kept,
               "--out", short).exit_code == 0
    saved = load(out)
    assert saved.params.tobytes() == load(short).params.tobytes()
    assert len(saved.metadata["history"]) == diverged - 1
    assert saved.metadata["metrics"]["val_loss"] == saved.metadata["history"][kept - 1]["val_loss"]


def test_python_divergence_says_which_weights_the_error_holds(mnist):
    data = mnist.subset(np.arange(300))
    config = digitnet.TrainConfig(optimizer="sgd", momentum=0.9, schedule="constant", lr=0.6,
                                  epochs=4)
    with pytest.raises(DivergenceError) as caught:
        digitnet.training.train(data, config, handle_signals=False)
    assert str(caught.value) == (
        "training diverged in epoch 3 (loss became nan); the error's network holds the weights "
        "of epoch 2, the last before it: try a lower learning rate than 0.6")
    two = digitnet.training.train(data, config.replace(epochs=2), handle_signals=False)
    assert caught.value.network.params.tobytes() == two.network.params.tobytes()
