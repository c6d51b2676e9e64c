"""`digitnet evaluate --split`: every example of a folder with no test files, what train and val
mean (in --help and in errors), and --data's default for them, and for every split of a model of
recordings or of a table: the data the model was trained on, which the model file records."""

from __future__ import annotations

import json
import re
import shutil

import pytest


def test_all_scores_every_example_of_a_folder_without_test_files(run, trained, train_only_dir):
    from digitnet import datasets, metrics, modelfile

    result = run("evaluate", trained[0], "--data", train_only_dir, "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    every = datasets.load(train_only_dir, "train")
    net = modelfile.load(trained[0])
    expected = metrics.evaluate(net, every.x, every.labels)
    assert scored["split"] == "all" and scored["n"] == len(every) == 2000
    assert scored["confusion"] == expected.to_dict()["confusion"]
    assert "no test files" in result.stderr and "--split val" in result.stderr


def test_a_folder_without_test_files_points_its_own_model_to_its_validation_split(
        run, train_only_dir, tmp_path, one_line):
    """The model trained on these very files: --split val scores those it held out."""
    model = tmp_path / "m.safetensors"
    made = run("train", "--data", train_only_dir, "--epochs", "1", "--out", model)
    assert made.exit_code == 0, made.output
    result = run("evaluate", model, "--data", train_only_dir)
    assert result.exit_code == 1
    val = json.loads(run("evaluate", model, "--data", train_only_dir, "--split", "val",
                         "--json").stdout)["n"]
    assert one_line(result.stderr) == (
        f"digitnet: error: {train_only_dir}: no test files (t10k); this folder holds only "
        f"training data: --split val scores the {val:,} examples {model} held out when it "
        "learned from them, or point --data at a folder with the t10k files")


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
    assert message.endswith(f"the data it was trained on, {digits_dir}; --split all scores "
                            f"every example of {train_only_dir}")


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


def test_without_data_a_model_of_recordings_is_measured_on_the_recordings_it_learned_from(
        run, speech_model, tmp_path):
    """Any split, not only those drawn from the model's data: mnist holds no recordings. The
    speech model's folder (class folders, no test/) is scored whole, as `--data` gives it."""
    folder = speech_model.parent / "digits"  # (tests/conftest.py's speech_model)
    default = run("evaluate", speech_model, "--json")
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout) == json.loads(
        run("evaluate", speech_model, "--data", folder, "--json").stdout)
    assert json.loads(default.stdout)["n"] == 900
    assert f"using {folder}, the data {speech_model} was trained on" in default.stderr
    for command in ("confusion", "mistakes"):
        out = tmp_path / f"{command}.png"
        shown = run("show", command, speech_model, "--out", out)
        assert shown.exit_code == 0, shown.output
        assert f"using {folder}" in shown.stderr and out.exists()


def test_without_data_a_model_of_recordings_that_are_gone_says_to_give_them(
        run, spoken_digits, tmp_path, one_line):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for digit in range(10):
        for i in range(5, 10):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", folder)
    model = tmp_path / "speech.safetensors"
    assert run("train", "--data", folder, "--epochs", "1", "--out", model).exit_code == 0
    shutil.rmtree(folder)
    for args in (("evaluate", model), ("evaluate", model, "--split", "val"),
                 ("show", "confusion", model, "--out", tmp_path / "c.png"),
                 ("show", "mistakes", model, "--out", tmp_path / "m.png")):
        refused = run(*args)
        assert refused.exit_code == 1, refused.output
        message = one_line(refused.stderr)
        assert f"the recordings it was trained on, {folder}, are no longer there" in message
        assert message.endswith("pass --data with the recordings to measure it on")
        assert "mnist" not in message.lower()


def test_without_data_a_model_of_a_table_is_measured_on_its_table(run, tmp_path, one_line):
    """The table it learned from, scored whole and counted in rows; once gone, what to give."""
    from real_data import wine_csv

    csv = wine_csv(tmp_path / "wine.csv")
    model = tmp_path / "wine.safetensors"
    assert run("train", "--data", csv, "--epochs", "5", "--out", model).exit_code == 0
    scored = run("evaluate", model)
    assert scored.exit_code == 0, scored.output
    assert "(all, 178 examples)" in scored.stdout and f"using {csv}" in scored.stderr
    out = tmp_path / "confusion.svg"
    assert run("show", "confusion", model, "--out", out).exit_code == 0
    words = " ".join(re.findall(r"<!-- (.*?) -->", out.read_text()))
    assert " 178 rows" in words and "images" not in words, words
    csv.unlink()
    message = one_line(run("evaluate", model).stderr)
    assert f"the table it was trained on, {csv}, is no longer there" in message
    assert message.endswith("pass --data with a table (.csv or .npz) of its columns to measure "
                            "it on")
