"""`digitnet show mistakes --split val` (and train) numbers each IDX digit it lists by its place in
the training files the user has, not by its place in the part training set aside: the number,
used as an index into the arrays read from those files, is a digit of that part which MODEL
indeed takes for what it said, with the true label listed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from digitnet import idx, inputs, modelfile, splits
from digitnet.cli.labelled import labelled_split

pytestmark = pytest.mark.engine_independent  # (numbers of examples, nothing trained here)


def _listed(stdout: str) -> list[tuple[int, int, int, int]]:
    """(number, true, said, percent) of each mistake listed after the "Saved" line."""
    _, *lines = stdout.splitlines()
    found = [re.fullmatch(r"#([\d,]+): true (\d), said (\d) \((\d+)%\)", line) for line in lines]
    assert lines and all(found), lines
    return [(int(m[1].replace(",", "")), int(m[2]), int(m[3]), int(m[4])) for m in found]


def _parts(model, digits_dir) -> dict[str, np.ndarray]:
    """The training files' indices of the train and val parts, as the model's recipe drew them."""
    config = modelfile.load(model).metadata["config"]
    labels = idx.read_labels(digits_dir / "train-labels-idx1-ubyte.gz")
    train, val = splits.stratified_split(labels, config["val_fraction"], config["seed"])
    return {"train": train, "val": val}


@pytest.mark.parametrize("split", ["val", "train"])
def test_a_mistake_s_number_indexes_the_training_files(trained, digits_dir, run, tmp_path, split):
    model, _ = trained
    out = tmp_path / "mistakes.svg"
    r = run("show", "mistakes", model, "--data", digits_dir, "--split", split, "--count", "12",
            "--out", out)
    assert r.exit_code == 0, r.output
    listed = _listed(r.stdout)
    assert len(listed) == 12
    words = re.findall(r"<!-- (.*?) -->", out.read_text())  # (each tile titled by the same)
    assert all(f"#{number:,}" in words for number, *_ in listed), words
    # The files as the user has them, read with numpy, indexed by the numbers printed.
    images = idx.read_images(digits_dir / "train-images-idx3-ubyte.gz")
    labels = idx.read_labels(digits_dir / "train-labels-idx1-ubyte.gz")
    assert len(images) == len(labels) > 2000  # (the 2,999 digits digits_dir holds)
    net = modelfile.load(model)
    part = set(_parts(model, digits_dir)[split].tolist())
    for number, true, said, percent in listed:
        assert number in part, f"#{number:,} is not in the {split} part"
        p = net.probabilities(inputs.of(net).rows(images[number]))
        assert labels[number] == true
        assert int(np.argmax(p)) == said != true
        assert f"{p.max():.0%}" == f"{percent}%"
    # The numbers of the val part reach past its own length (300): they are not places in it.
    assert max(number for number, *_ in listed) >= len(_parts(model, digits_dir)["val"])


def test_the_parts_examples_are_named_by_their_numbers_in_the_training_data(trained, digits_dir):
    model, _ = trained
    net, parts = modelfile.load(model), _parts(model, digits_dir)
    for split in ("val", "train", "held-out"):
        subset, name = labelled_split(net, str(digits_dir), split, str(model))
        want = parts["val" if split == "held-out" else split]
        assert name == ("val" if split == "held-out" else split)
        assert subset.names == tuple(f"#{i:,}" for i in want)
    # The test part and "all" are numbered by place, as before: no names of their own.
    for split in ("test", "all"):
        assert labelled_split(net, str(digits_dir), split, str(model))[0].names is None


def test_the_help_says_what_a_number_counts_in_one_line_a_split(run):
    """The rule for each split on a line of its own, within 80 columns (click's \\b block)."""
    help_text = run("show", "mistakes", "--help").stdout
    lines = help_text[:help_text.index("\nOptions:")].splitlines()
    rules = {line.split()[1]: line for line in lines if line.lstrip().startswith("--split ")}
    assert set(rules) == {"train,", "test", "all"}, lines
    assert "in the training data, not in the part" in rules["train,"]
    assert "in the training data, then on in the test files" in rules["all"]
    assert max(map(len, lines)) <= 80, lines
