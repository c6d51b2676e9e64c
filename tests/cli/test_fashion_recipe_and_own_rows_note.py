"""Fashion-MNIST trains without deskewing unless asked (a shirt's slant is not a writer's), in
``digitnet train``, ``digitnet tune`` (and the recipe it writes) and ``digitnet.train``; and
``digitnet evaluate`` says how many of the examples it scores the model learned from, when the
data scored holds the data it was trained on, and how to score only those it held out.

Real data: Fashion-MNIST's files as Debian's dataset-fashion-mnist package installs them (no
copy of them means a failure naming the package), scikit-learn's wine table and the session's
MNIST digits (tests/cli/conftest.py).
"""

from __future__ import annotations

import json
import shutil

import pytest
from real_data import fashion_mnist, wine_csv

import digitnet
from digitnet import datasets, modelfile, recipes
from digitnet.config import PRESETS

NOTE = "learned from {} of the {} examples scored (its training split), so this accuracy "


@pytest.fixture(scope="module")
def fashion():
    """Fashion-MNIST's 60,000 training pictures, read as ``--data fashion-mnist`` reads them."""
    return fashion_mnist("train")


def _deskews(model) -> bool:
    return bool(modelfile.read_metadata(model)["input"].get("deskew", False))


# -- the recipe for Fashion-MNIST ---------------------------------------------------------------


def test_the_recipe_for_fashion_mnist_does_not_deskew_unless_asked(fashion, mnist, tmp_path):
    default = PRESETS["default"]
    assert default.deskew  # (digits are deskewed)
    assert recipes.for_data(default, fashion).deskew is False
    assert recipes.for_data(default, fashion.subset(range(500))).deskew is False
    assert recipes.for_data(PRESETS["large"], fashion).deskew is False
    asked = recipes.for_data(default.replace(deskew=True), fashion, ["deskew"])
    assert asked.deskew is True
    assert recipes.for_data(default, mnist).deskew is True  # handwriting still is
    # a folder of its files is Fashion-MNIST too (known by their SHA-256), not by its name
    folder = tmp_path / "clothes"
    folder.mkdir()
    for name in fashion.files:
        shutil.copy(fashion.source + "/" + name, folder / name)
    copied = datasets.load(folder)
    assert copied.name == str(folder)
    assert recipes.for_data(default, copied).deskew is False


def test_digitnet_train_on_fashion_mnist_does_not_deskew_unless_asked(run, fashion, tmp_path):
    for args, deskews in (((), False), (("--deskew",), True)):
        model = tmp_path / f"clothes{len(args)}.safetensors"
        result = run("train", "--data", "fashion-mnist", "--epochs", "1", *args, "--out", model)
        assert result.exit_code == 0, result.output
        assert _deskews(model) is deskews, args


def test_digitnet_tune_on_fashion_mnist_writes_a_recipe_without_deskewing(run, fashion,
                                                                          tmp_path):
    for args, deskews in (((), False), (("--deskew",), True)):
        (tmp_path / str(len(args))).mkdir()  # (a study of its own: tune.db beside it)
        best = tmp_path / str(len(args)) / "best.json"
        result = run("tune", "--data", "fashion-mnist", "--trials", "1", "--epochs", "1",
                     *args, "--out", best)
        assert result.exit_code == 0, result.output
        assert json.loads(best.read_text())["deskew"] is deskews, args


def test_python_train_on_fashion_mnist_does_not_deskew_unless_asked(fashion):
    small = fashion.subset(range(2000))
    plain = digitnet.train(small, epochs=1)
    assert plain.config.deskew is False
    assert not getattr(digitnet.inputs.of(plain.network), "deskew", False)
    asked = digitnet.train(small, epochs=1, deskew=True)
    assert asked.config.deskew is True and digitnet.inputs.of(asked.network).deskew


# -- evaluate on the data the model learned from ----------------------------------------------


@pytest.fixture(scope="module")
def wine_model(run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wine")
    csv = wine_csv(folder / "wine.csv")
    model = folder / "wine.safetensors"
    result = run("train", "--data", csv, "--epochs", "5", "--out", model)
    assert result.exit_code == 0, result.output
    return model, csv


def test_evaluate_on_its_own_table_says_how_many_rows_it_learned_from(run, wine_model):
    model, csv = wine_model
    for args in (("--data", csv), ()):  # (the table given, or the one it records)
        result = run("evaluate", model, *args)
        assert result.exit_code == 0, result.output
        assert "(all, 178 examples)" in result.stdout
        notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
        assert notes == [f"note: {model} {NOTE.format(160, 178)}flatters it; --split val "
                         "scores only the 18 it held out"], result.stderr
    scored = json.loads(run("evaluate", model, "--data", csv, "--json").stdout)
    assert scored["n"] == 178 and NOTE.format(160, 178) in scored["note"]
    for split in ("val", "train"):  # what they score is said by their names
        result = run("evaluate", model, "--data", csv, "--split", split)
        assert result.exit_code == 0, result.output
        assert "learned from" not in result.stderr
    held = json.loads(run("evaluate", model, "--data", csv, "--split", "val", "--json").stdout)
    assert held["n"] == 18 and held["note"] is None


def test_a_copy_of_its_table_under_another_name_is_its_table_too(run, wine_model, tmp_path):
    model, csv = wine_model
    copy = tmp_path / "renamed.csv"
    shutil.copy(csv, copy)
    result = run("evaluate", model, "--data", copy)
    assert result.exit_code == 0, result.output
    assert (f"{NOTE.format(160, 178)}flatters it; --split val --data {csv} scores only the 18 "
            "it held out") in result.stderr


def test_evaluate_all_of_its_data_with_a_test_part_counts_the_rows_it_learned_from(
        run, trained, digits_dir):
    model = trained[0]  # (about 3,000 training digits, a tenth held out, and 1,000 test digits)
    n = {split: json.loads(run("evaluate", model, "--data", digits_dir, "--split", split,
                               "--json").stdout)["n"] for split in ("train", "val", "test")}
    assert n["val"] > 250 and n["test"] == 1000
    result = run("evaluate", model, "--data", digits_dir, "--split", "all")
    assert result.exit_code == 0, result.output
    learned, scored = f"{n['train']:,}", f"{sum(n.values()):,}"
    assert (f"{NOTE.format(learned, scored)}flatters it; --split val scores only the "
            f"{n['val']:,} it held out, --split test scores its test part") in result.stderr
    tested = run("evaluate", model, "--data", digits_dir)  # the test part: nothing to say
    assert tested.exit_code == 0 and "learned from" not in tested.stderr


def test_a_model_trained_without_a_validation_split_learned_from_every_row(run, tmp_path):
    csv = wine_csv(tmp_path / "wine.csv")
    model = tmp_path / "all.safetensors"
    trained = run("train", "--data", csv, "--epochs", "3", "--val-fraction", "0", "--out", model)
    assert trained.exit_code == 0, trained.output
    result = run("evaluate", model, "--data", csv)
    assert result.exit_code == 0, result.output
    assert (f"note: {model} learned from all 178 examples scored (it held none of them out "
            "for validation), so this accuracy flatters it; score data it never saw (--data)"
            ) in result.stderr
