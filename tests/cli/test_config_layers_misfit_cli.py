"""A recipe file (``--config``) whose layer sizes are those of other data (tuned on the wine
table: 13-16-16-3) given for a folder of pictures: the refusal names the file its layers came
from and the ways out (drop "sizes" from it, --hidden, --layers). It said "the examples have 784
pixels but the network's input layer has 13 neurons; give it 784 inputs (--layers 784,...)",
without a word of the file. --hidden now gives the hidden layers over the file's, as the other
options given beside --config override it; layers given with --layers are refused as before.
Real MNIST digits written as PNG files and scikit-learn's wine table."""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_data import wine_csv, write_digit_folder


@pytest.fixture(scope="module")
def files(mnist, tmp_path_factory):
    """A folder of 60 real digits, the wine table, and a recipe tuned on the table."""
    folder = tmp_path_factory.mktemp("config-layers")
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[:6] for d in range(10)])
    write_digit_folder(folder / "pics", mnist.x[picks], mnist.labels[picks])
    best = folder / "best.json"
    best.write_text(json.dumps({"sizes": [13, 16, 16, 3], "lr": 0.02, "epochs": 1}))
    return folder / "pics", wine_csv(folder / "wine.csv"), best


def test_layers_from_a_config_file_that_do_not_fit_name_the_file(run, files, one_line,
                                                                  tmp_path):
    pics, _, best = files
    out = tmp_path / "m.safetensors"
    result = run("train", "--config", best, "--data", pics, "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: --config {best}: its layers 13-16-16-3 are for 13 inputs and 3 "
        f"classes, and {pics} has 784 pixels and 10 classes; drop \"sizes\" from {best} (the "
        "layers then fit the data), or give them with --hidden or --layers 784,...,10")
    assert not out.exists()


def test_the_ways_it_names_train(run, files, tmp_path):
    pics, wine, best = files
    out = tmp_path / "m.safetensors"
    hidden = run("train", "--config", best, "--data", pics, "--hidden", "8", "--out", out)
    assert hidden.exit_code == 0, hidden.output
    assert hidden.stdout.startswith("Trained 784-8-10 ")
    layers = run("train", "--config", best, "--data", pics, "--layers", "784,8,10", "--out", out)
    assert layers.exit_code == 0, layers.output
    table = run("train", "--config", best, "--data", wine, "--out", out)  # the data it fits
    assert table.exit_code == 0 and table.stdout.startswith("Trained 13-16-16-3 ")


def test_layers_given_with_layers_are_refused_as_before(run, files, one_line, tmp_path):
    pics, _, _ = files
    result = run("train", "--data", pics, "--layers", "13,4,10", "--out",
                 tmp_path / "m.safetensors")
    assert one_line(result.stderr) == (
        "digitnet: error: the examples have 784 pixels but the network's input layer has 13 "
        "neurons; give it 784 inputs (--layers 784,...; in Python, sizes=(784, ...))")


def test_tune_names_the_config_file_and_its_own_ways(run, files, one_line, tmp_path):
    """tune has no --hidden, and can search the layers instead; refused before any trial."""
    pics, _, best = files
    result = run("tune", "--config", best, "--data", pics, "--trials", "1",
                 "--out", tmp_path / "b.json")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: --config {best}: its layers 13-16-16-3 are for 13 inputs and 3 "
        f"classes, and {pics} has 784 pixels and 10 classes; drop \"sizes\" from {best} (the "
        "layers then fit the data), or give them with --layers 784,...,10 (or search them: "
        "--search-layers)")
    assert list(tmp_path.iterdir()) == []


def test_tune_searching_the_layers_leaves_the_config_files_aside(run, files, tmp_path):
    """--search-layers: the searched layers fit the data, whatever layers the file had (it
    said the examples have 784 pixels but the input layer has 13 neurons)."""
    pics, _, best = files
    out = tmp_path / "b.json"
    result = run("tune", "--config", best, "--data", pics, "--trials", "1", "--search-layers",
                 "--out", out)
    assert result.exit_code == 0, result.output
    sizes = json.loads(out.read_text())["sizes"]
    assert sizes[0] == 784 and sizes[-1] == 10
