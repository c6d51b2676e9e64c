"""`digitnet train` refuses, before reading any data or training, what cannot work: each
refusal one line naming the thing and what to do, exit 1, nothing written."""

from __future__ import annotations

import pytest


def test_an_out_that_cannot_be_written_is_refused_before_the_data_is_read(run, tmp_path,
                                                                         one_line):
    """A folder that is a file: the save would fail after the training; it is said first (the
    data named is missing too, and would be said first otherwise)."""
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    out = tmp_path / "notes.txt" / "model.safetensors"
    result = run("train", "--data", tmp_path / "missing", "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {out}: cannot write in folder {out.parent} (Not a directory); "
        "choose another place")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_checkpoint_that_cannot_be_written_is_refused_before_the_data_is_read(
        run, tmp_path, one_line):
    ckpt = tmp_path / "no-such-folder" / "run.ckpt"
    result = run("train", "--data", tmp_path / "missing", "--checkpoint", ckpt,
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {ckpt}: folder {ckpt.parent} does not "
                                       "exist; create it first")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("layers, line", [
    ("784,16", "the output layer has 16 neurons and {data} has 10 classes; give the output layer "
               "one neuron per class (--layers ...,10)"),
    ("784,16,5", "labels go up to 9 but the output layer has only 5 neurons; give the output "
                 "layer one neuron per class (--layers ...,10)"),
])
def test_an_output_layer_that_is_not_one_neuron_per_class_is_refused(
        run, train_only_dir, tmp_path, one_line, layers, line):
    """784,16 once trained, 6 of its output neurons for no class, and `info` showed 16 classes."""
    result = run("train", "--data", train_only_dir, "--layers", layers, "--epochs", "1",
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "digitnet: error: " + line.format(data=train_only_dir)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_network_without_hidden_layers_is_reported_as_such(run, train_only_dir, tmp_path):
    result = run("train", "--data", train_only_dir, "--layers", "784,10", "--epochs", "1",
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Trained 784-10 (no hidden layers, softmax + cross entropy, "
                                    "7,850 parameters)")


@pytest.mark.parametrize("options, line", [
    (["--preset", "speech"],
     "--preset speech is the recipe for recordings, and {data} holds none; drop --preset speech "
     "to train it with the default recipe"),
    (["--copies", "2", "--warp", "0.1", "--noise", "0.1"],
     "copies, noise and warp augment recordings, and {data} holds none; train it without them: "
     "copies=0, noise=0, warp=0 (--copies 0 --noise 0 --warp 0)"),
    (["--copies", "2"],
     "copies augment recordings, and {data} holds none; train it without them: copies=0 "
     "(--copies 0)"),
])
def test_the_options_for_recordings_are_refused_for_pictures_in_one_go(
        run, train_only_dir, tmp_path, one_line, options, line):
    """Following the advice trains: once it named only copies, then the alterations after it."""
    result = run("train", "--data", train_only_dir, *options, "--epochs", "1",
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "digitnet: error: " + line.format(data=train_only_dir)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_test_part_that_cannot_be_read_is_said_before_training(run, digits_dir, tmp_path,
                                                                 one_line):
    # It was passed over in silence: the run trained and reported no test accuracy.
    import shutil

    folder = tmp_path / "digits"
    shutil.copytree(digits_dir, folder)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:40])  # cut short
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", folder, "--epochs", "1", "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "t10k-labels-idx1-ubyte.gz" in one_line(result.stderr)
