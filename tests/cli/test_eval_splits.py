"""`digitnet evaluate --split`: every example of a folder with no test files, what train and val
mean (in --help and in errors), and --data's default for them: the data the model was trained
on, which the model file records."""

from __future__ import annotations

import json
import shutil

import pytest


def test_all_scores_every_example_of_a_folder_without_test_files(run, trained, train_only_dir):
    from digitnet import datasets, inputs, metrics, modelfile

    result = run("evaluate", trained[0], "--data", train_only_dir, "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    every = datasets.load(train_only_dir, "train")
    net = modelfile.load(trained[0])
    expected = metrics.evaluate(net, inputs.of(net).rows(every.x), every.labels)
    assert scored["split"] == "all" and scored["n"] == len(every) == 2000
    assert scored["confusion"] == expected.to_dict()["confusion"]
    assert "no test files" in result.stderr and "--split val" in result.stderr


def test_all_with_one_test_file_of_two_names_the_one_missing(run, trained, train_only_dir,
                                                            tmp_path, one_line):
    """t10k images without their labels are a test part with a file missing, not no test part:
    --split all says which file, rather than scoring the training files alone."""
    folder = shutil.copytree(train_only_dir, tmp_path / "digits")
    shutil.copy(folder / "train-images-idx3-ubyte", folder / "t10k-images-idx3-ubyte")
    result = run("evaluate", trained[0], "--data", folder, "--split", "all")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(
        f"digitnet: error: {folder}: no t10k-labels-idx1-ubyte[.gz] for the test split")


def test_split_help_says_what_each_choice_means(run):
    help_text = " ".join(run("evaluate", "--help").stdout.split())
    for choice in ("test", "train", "val", "all"):
        assert f"{choice}: " in help_text
    assert "train: the examples MODEL learned from" in help_text


def test_train_split_of_other_data_names_the_split_and_the_data_it_comes_from(
        run, trained, train_only_dir, digits_dir, one_line):
    result = run("evaluate", trained[0], "--data", train_only_dir, "--split", "train")
    assert result.exit_code == 1
    message = one_line(result.stderr)
    assert "training split" in message and "validation" not in message
    assert message.endswith(f"the data it was trained on, {digits_dir}")


def test_val_and_train_without_data_use_the_data_the_model_was_trained_on(run, trained,
                                                                           digits_dir):
    from digitnet import datasets

    path, report = trained
    val = run("evaluate", path, "--split", "val", "--json")
    assert val.exit_code == 0, val.output
    scored = json.loads(val.stdout)
    assert scored["n"] == report["n_val"]
    assert scored["accuracy"] == pytest.approx(report["val_accuracy"])
    assert f"using {digits_dir}, the data {path} was trained on" in val.stderr
    train = json.loads(run("evaluate", path, "--split", "train", "--json").stdout)
    assert train["n"] + scored["n"] == len(datasets.load(digits_dir, "train"))


def test_poking_without_data_scores_the_models_own_validation_split(run, trained, tmp_path):
    path, report = trained
    result = run("show", "ablation", path, "--out", tmp_path / "ablation.png")
    assert result.exit_code == 0, result.output
    assert f"accuracy {report['val_accuracy']:.1%} -> " in result.stdout


def test_val_without_data_names_the_recorded_folder_when_it_is_gone(run, train_only_dir,
                                                                    tmp_path, one_line):
    folder = tmp_path / "digits"
    shutil.copytree(train_only_dir, folder)
    model = tmp_path / "m.safetensors"
    assert run("train", "--data", folder, "--epochs", "1", "--out", model).exit_code == 0
    shutil.rmtree(folder)
    result = run("evaluate", model, "--split", "val")
    assert result.exit_code == 1
    message = one_line(result.stderr)
    assert "validation split" in message and message.endswith(f"trained on, {folder}")
