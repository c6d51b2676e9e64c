"""`digitnet evaluate MODEL` without --data, for a model of pictures: the data it was trained on
when that has a test part (a folder's test/, t10k files, a dataset by name), said on stderr;
else mnist only for a model of 28x28 pictures of the digits 0-9 (saying why), and for any other
one line saying to pass --data. It took mnist for every picture model: a model of class folders
three/ and seven/, or of Fashion-MNIST, was scored on MNIST's digits (a score near 10%, exit 0,
or a refusal about labels and mnist's files), and a folder's own test/ part was passed over.
Real MNIST digits and Fashion-MNIST; models trained by `digitnet train`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from real_data import write_digit_folder

import digitnet
from digitnet import Network
from digitnet.inputs import Images

FASHION = Path("/usr/share/datasets/fashion-mnist")
WORDS = {3: "three", 7: "seven"}


@pytest.fixture(scope="module")
def word_models(run, mnist, tmp_path_factory):
    """Real MNIST 3s and 7s in class folders three/ and seven/: with train/ and test/ parts
    ("split", 100 test pictures), without ("whole"), and a copy of "whole" that is then deleted
    ("gone"); a model trained for one epoch on each: {name: (folder, model)}."""
    root = tmp_path_factory.mktemp("words")
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))
    train, test = index[:400], index[400:500]
    write_digit_folder(root / "split" / "train", mnist.x[train], mnist.labels[train],
                       photo_every=0, names=WORDS)
    write_digit_folder(root / "split" / "test", mnist.x[test], mnist.labels[test],
                       photo_every=0, names=WORDS)
    write_digit_folder(root / "whole", mnist.x[train], mnist.labels[train], photo_every=0,
                       names=WORDS)
    shutil.copytree(root / "whole", root / "gone")
    models = {}
    for name in ("split", "whole", "gone"):
        model = root / f"{name}.safetensors"
        result = run("train", "--data", root / name, "--epochs", "1", "--out", model)
        assert result.exit_code == 0, result.output
        models[name] = (root / name, model)
    shutil.rmtree(root / "gone")
    return models


def test_a_folder_with_a_test_part_is_scored_on_it(run, word_models, tmp_path):
    folder, model = word_models["split"]
    default = run("evaluate", model, "--json")
    assert default.exit_code == 0, default.output
    scored = json.loads(default.stdout)
    assert scored["split"] == "test" and scored["n"] == 100
    assert scored == json.loads(run("evaluate", model, "--data", folder, "--json").stdout)
    assert f"using {folder}, the data {model} was trained on (--data picks other data)" in (
        default.stderr)
    out = tmp_path / "confusion.png"
    shown = run("show", "confusion", model, "--out", out)
    assert shown.exit_code == 0, shown.output
    assert f"using {folder}" in shown.stderr and out.exists()


def test_a_folder_without_a_test_part_of_other_classes_says_to_pass_data(run, word_models,
                                                                        one_line):
    folder, model = word_models["whole"]
    result = run("evaluate", model)
    assert result.exit_code == 1 and "Accuracy" not in result.stdout
    assert one_line(result.stderr) == (
        f"digitnet: error: {model}: the pictures it was trained on, {folder}, have no test part, "
        "and its classes (seven and three) are not mnist's digits 0-9; pass --data with labelled "
        f"pictures of its classes to measure it on, or --split val for those held out from "
        f"{folder}")
    val = run("evaluate", model, "--split", "val", "--json")  # (which it points to, and works)
    assert val.exit_code == 0 and json.loads(val.stdout)["split"] == "val"


def test_a_folder_that_is_gone_of_other_classes_says_to_pass_data(run, word_models, one_line,
                                                                  tmp_path):
    """Also for the examples held out (show ablation's), which fall back to a test part."""
    folder, model = word_models["gone"]
    out = tmp_path / "ablation.png"
    for args in (("evaluate", model), ("evaluate", model, "--split", "all"),
                 ("show", "ablation", model, "--out", out)):
        result = run(*args)
        assert result.exit_code == 1 and "ccuracy" not in result.stdout and not out.exists()
        assert one_line(result.stderr) == (
            f"digitnet: error: {model}: the pictures it was trained on, {folder}, are no longer "
            "there, and its classes (seven and three) are not mnist's digits 0-9; pass --data "
            "with labelled pictures of its classes to measure it on")


def test_a_digit_model_is_scored_on_the_test_files_of_its_folder(run, trained, digits_dir):
    """t10k files beside the training files are its test part, on which `train` reported."""
    path, report = trained
    result = run("evaluate", path, "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["split"] == "test" and scored["n"] == 1000
    assert scored["accuracy"] == pytest.approx(report["test_accuracy"])
    assert f"using {digits_dir}, the data {path} was trained on" in result.stderr


def test_a_digit_model_of_training_files_alone_is_scored_on_mnist_saying_why(
        run, train_only_dir, tmp_path):
    """28x28 pictures of the digits 0-9: mnist's test digits stand in, and stderr says why
    first (whether this machine has them, which the lines after say, is not this test's: with
    none, and none to download, its own validation split is scored)."""
    model = tmp_path / "m.safetensors"
    trained = run("train", "--data", train_only_dir, "--epochs", "1", "--out", model)
    assert trained.exit_code == 0, trained.output
    result = run("evaluate", model)
    assert result.stderr.splitlines()[0] == (
        f"using mnist: the pictures {model} was trained on, {train_only_dir}, have no test part "
        "(--data picks other data)")
    assert result.exit_code == 0, result.output  # (offline: its own validation split)
    assert f"{model.name} on mnist (test, " in result.stdout or (
        "scoring instead the validation split" in result.stderr and "(val, " in result.stdout)


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist "
                    "(apt-get install dataset-fashion-mnist), which the README's test command "
                    "installs")
def test_a_model_of_a_dataset_by_name_is_scored_on_that_dataset(run, tmp_path):
    model = tmp_path / "clothes.safetensors"
    trained = run("train", "--data", "fashion-mnist", "--no-deskew", "--epochs", "1", "--out",
                  model, "--json")
    assert trained.exit_code == 0, trained.output
    result = run("evaluate", model, "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["n"] == 10_000 and "paired by position" not in result.stderr
    assert scored["accuracy"] == pytest.approx(json.loads(trained.stdout)["test_accuracy"])
    assert f"using fashion-mnist, the data {model} was trained on" in result.stderr


def test_a_model_of_other_sizes_recording_no_data_says_to_pass_data(run, tmp_path, one_line):
    """A hand-built network of 10x10 pictures records no data: mnist's 28x28 cannot stand in."""
    net = Network((100, 16, 10), activation="relu", seed=2)
    net.metadata["input"] = Images((10, 10)).to_dict()
    model = tmp_path / "in100.safetensors"
    digitnet.save(net, model)
    result = run("evaluate", model)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {model}: its file does not record the pictures it was trained on, "
        "and it reads 10x10 pictures, not mnist's 28x28; pass --data with labelled pictures of "
        "its classes to measure it on")


@pytest.mark.parametrize("command", [("evaluate",), ("show", "confusion"), ("show", "mistakes"),
                                     ("show", "ablation")])
def test_data_help_says_the_default_for_models_of_pictures(run, command):
    help_text = " ".join(run(*command, "--help").stdout.split())
    assert ("[default: the data MODEL was trained on, if it is still there (for a model of "
            "pictures and --split test, if it has a test part); else mnist, for a model of "
            "28x28 pictures of the digits 0-9]") in help_text


def test_serve_pokes_no_mnist_digits_with_a_model_of_other_classes(word_models):
    """`digitnet serve` takes the same default: a model of three/ and seven/ whose folder is gone
    is served, its poking saying why there are no held-out examples (it refused to start:
    "mnist-sample: labels go up to 9 but ... has 2 classes")."""
    import httpx
    from serve_process import no_bug, start
    from ctrl_c import ctrl_c

    folder, model = word_models["gone"]
    proc, line, url = start([model, "--port", "0"])
    try:
        poked = httpx.post(f"{url}/api/ablate", json={"off": [[1, 0]]}, timeout=60)
    finally:
        code, out, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    assert line.startswith(f"Serving 784-16-16-2 from {model} at ")
    why = f"the pictures it was trained on, {folder}, are no longer there"
    assert f"No held-out digits to poke the network with ({why}; --data names some)" in out
    assert poked.status_code == 409 and why in poked.json()["error"]
