"""`digitnet evaluate` of a Fashion-MNIST model on real MNIST digits (IDX files, whose labels
are bare numbers) scores digit 0 as 'T-shirt/top': it says so in one note on stderr, with the
pairing and what to do (before: a meaningless accuracy and not a word). Fine-tuning such a model
on digits notes it once, though the training and the test data are both matched. A digit model
on digits, and a Fashion-MNIST model on Fashion-MNIST, say nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from digitnet import datasets, modelfile
from digitnet.inputs import Images
from digitnet.network import Network

FASHION = Path("/usr/share/datasets/fashion-mnist")
CLOTHES = datasets.SPECS["fashion-mnist"].classes


@pytest.fixture(scope="module")
def fashion_model(tmp_path_factory) -> Path:
    """An untrained 784-16-10 network whose file names Fashion-MNIST's classes, as training on
    fashion-mnist records them."""
    net = Network((784, 16, 10), seed=0)
    net.metadata = {"input": Images((28, 28)).to_dict(), "classes": list(CLOTHES)}
    return modelfile.save(net, tmp_path_factory.mktemp("clothes") / "fashion.safetensors")


def note(data) -> str:
    return (f"note: {data}: its classes are numbers and the model's are names, so they are "
            "paired by position: 0 is read as 'T-shirt/top', 1 as 'Trouser', 2 as 'Pullover', "
            "..., 9 as 'Ankle boot'; if that is wrong, give data that names its classes as the "
            "model does (class folders, a table's labels), or use a model trained on these "
            "classes\n")


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
@pytest.mark.parametrize("split", ["test", "all"])  # all: the train and test parts, noted once
def test_evaluate_notes_digits_read_as_clothes(run, fashion_model, digits_dir, split):
    result = run("evaluate", fashion_model, "--data", digits_dir, "--split", split)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{fashion_model} on {digits_dir} ({split}, ")
    assert result.stderr == note(digits_dir)


@pytest.mark.filterwarnings("default::UserWarning")
def test_fine_tuning_on_digits_notes_it_once(run, fashion_model, digits_dir, tmp_path):
    """The training data is matched to --init MODEL's classes, the test data to the run's: one
    note for both."""
    out = tmp_path / "tuned.safetensors"
    result = run("train", "--init", fashion_model, "--data", digits_dir, "--epochs", "1",
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert [line + "\n" for line in result.stderr.splitlines()
            if line.startswith("note:")] == [note(digits_dir)]
    assert "Test accuracy" in result.stdout


def test_a_digit_model_on_digits_says_nothing(run, trained, digits_dir):
    """(Any warning here is an error: the suite's filterwarnings.) All of the data it was
    trained on holds the examples it learned from, which is said (and nothing else)."""
    model, _ = trained
    for split in ("test", "all"):
        result = run("evaluate", model, "--data", digits_dir, "--split", split)
        assert result.exit_code == 0, result.output
        assert [line for line in result.stderr.splitlines()
                if not line.startswith(f"note: {model} learned from ")] == []
        assert (result.stderr == "") is (split == "test")


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_a_fashion_model_on_fashion_mnist_says_nothing(run, fashion_model):
    result = run("evaluate", fashion_model, "--data", FASHION)
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and "Ankle boot" in result.stdout
