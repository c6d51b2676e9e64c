"""Data whose classes are not the model's, or of another kind, is refused in one line, not
scored: a digit model on class folders named in words or on Fashion-MNIST's clothes, a wine
model on a table whose labels are other words (each an accuracy near 0 or 10%, exit code 0,
before); pictures for a table model are named as pictures, not as labels past its classes,
when evaluating, fine-tuning (--init) or resuming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv, write_digit_folder

FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def folders(mnist, tmp_path_factory):
    """Real MNIST 3s and 7s in class folders three/ and seven/, and in 3/ and 7/; and 300 real
    digits in class folders 0/ ... 9/."""
    root = tmp_path_factory.mktemp("classes")
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))[:300]
    write_digit_folder(root / "words", mnist.x[index], mnist.labels[index], photo_every=0,
                       names={3: "three", 7: "seven"})
    write_digit_folder(root / "nums", mnist.x[index], mnist.labels[index], photo_every=0)
    write_digit_folder(root / "digits", mnist.x[:300], mnist.labels[:300], photo_every=0)
    return root


@pytest.fixture(scope="module")
def wine(run, tmp_path_factory):
    """A model of scikit-learn's wine table (classes class_0, class_1, class_2), its
    checkpoint, and the table with its cultivars' names as labels instead."""
    root = tmp_path_factory.mktemp("wine")
    model, ckpt = root / "wine.safetensors", root / "wine.ckpt"
    result = run("train", "--data", wine_csv(root / "wine.csv"), "--epochs", "5",
                 "--checkpoint", ckpt, "--out", model)
    assert result.exit_code == 0, result.output
    table = sklearn_table("wine")
    names = np.array(["barolo", "grignolino", "barbera"])
    named = write_csv(root / "named.csv", table.data, names[table.target], table.feature_names)
    return model, ckpt, named


def test_a_digit_model_refuses_class_folders_named_in_words(run, trained, folders, one_line):
    model, _ = trained
    result = run("evaluate", model, "--data", folders / "words")
    assert result.exit_code == 1 and "Accuracy" not in result.stdout
    assert one_line(result.stderr) == (
        f"digitnet: error: {folders / 'words'}: classes 'seven' and 'three' are none of the "
        f"classes of {model} (0, 1, 2, ..., 9); name the data's classes (class folders, a "
        "table's labels) as it names them, or use a model trained on these classes")


def test_a_digit_model_scores_class_folders_named_as_digits(run, trained, folders):
    model, _ = trained
    result = run("evaluate", model, "--data", folders / "nums", "--json")
    assert result.exit_code == 0, result.output
    assert '"n": 300' in result.stdout and '"accuracy": 0.' in result.stdout


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_a_digit_model_refuses_fashion_mnist_to_evaluate_and_to_fine_tune(run, trained,
                                                                         one_line):
    model, _ = trained
    for args in (("evaluate", model), ("train", "--init", model, "--epochs", "1")):
        result = run(*args, "--data", "fashion-mnist")
        assert result.exit_code == 1 and "Before training" not in result.output
        assert one_line(result.stderr).startswith(
            "digitnet: error: fashion-mnist: classes 'T-shirt/top', 'Trouser', 'Pullover', ..., "
            "'Ankle boot' are none of the classes of ")


def test_a_wine_model_refuses_a_table_of_other_class_names(run, wine, one_line):
    model, _, named = wine
    result = run("evaluate", model, "--data", named)
    assert result.exit_code == 1 and "Accuracy" not in result.stdout
    assert (f"{named}: classes 'barbera', 'barolo' and 'grignolino' are none of the classes of "
            f"{model} (class_0, class_1 and class_2)") in one_line(result.stderr)


def test_pictures_for_a_table_model_are_refused_for_their_kind(run, wine, folders, one_line):
    """Ten classes of pictures and three of wine: the kind (for --resume, that the data is not
    the run's) is named, not the labels."""
    model, ckpt, _ = wine
    data = folders / "digits"
    said = {
        "evaluate": f"{data} holds pictures, and {model} reads a table; give data of the kind it "
                    "was trained on",
        "--init": f"{data} holds pictures, and --init {model} reads a table; give data of the "
                  "kind it was trained on",
        "--resume": f"{ckpt}: this checkpoint was trained on other data",
    }
    for what, args in (("evaluate", ("evaluate", model)),
                       ("--init", ("train", "--init", model, "--epochs", "1")),
                       ("--resume", ("train", "--resume", ckpt))):
        result = run(*args, "--data", data)
        assert result.exit_code != 0
        line = one_line(result.stderr)
        assert said[what] in line and "labels go up to" not in line, (what, line)
