"""Tables on the command line, as a new user met them, with scikit-learn's real wine and 8x8
digits tables written as CSV.

* Scoring is not training: a model is evaluated on rows of one class (one cultivar's wines, a
  single row), where loading refused them ("a classifier needs at least two classes");
  training on them is still refused.
* A table with its labels first (``digit``, then 64 pixel columns) trained on its last pixel
  column, a 64-16-16-17 network; it now learns the digits from ``digit``, saying so, and
  evaluate and predict read that model's table as it was trained.
* A model of the digits' English names scored on the digits as numbers was paired by position
  in alphabetical order (0 read as 'eight'), for an accuracy near chance; now by meaning.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv

DIGITS = sklearn_table("digits")


@pytest.fixture(scope="module")
def wine_model(run, tmp_path_factory):
    """A wine model trained on three wines in four: (model, folder)."""
    folder = tmp_path_factory.mktemp("wine_one_class")
    rows = wine_csv(folder / "wine.csv").read_text().splitlines()
    (folder / "train.csv").write_text("\n".join([rows[0], *[r for i, r in enumerate(rows[1:])
                                                            if i % 4]]) + "\n")
    model = folder / "wine.safetensors"
    r = run("train", "--data", folder / "train.csv", "--epochs", "40", "--out", model)
    assert r.exit_code == 0, r.output
    return model, folder


def test_rows_of_one_class_are_scored_and_not_trained_on(run, one_line, wine_model):
    model, folder = wine_model
    rows = (folder / "wine.csv").read_text().splitlines()
    class_0 = [r for r in rows[1:] if r.endswith(",class_0")]
    for name, some in (("c0.csv", class_0[::4]), ("one-row.csv", class_0[:1])):
        (folder / name).write_text("\n".join([rows[0], *some]) + "\n")
        r = run("evaluate", model, "--data", folder / name, "--json")
        assert r.exit_code == 0, r.output
        scored = json.loads(r.stdout)
        assert scored["n"] == len(some) and 0 <= scored["accuracy"] <= 1
        said = run("evaluate", model, "--data", folder / name).stdout.splitlines()[0]
        assert said.endswith("(all, 1 example)" if len(some) == 1 else
                             f"(all, {len(some)} examples)")  # (it said "1 examples")
    r = run("train", "--data", folder / "c0.csv", "--epochs", "1",
            "--out", folder / "one.safetensors")
    assert r.exit_code == 1 and not (folder / "one.safetensors").exists()
    assert one_line(r.stderr) == (
        f"digitnet: error: {folder / 'c0.csv'}: holds training rows of one class only, class_0; "
        "a classifier needs at least two classes: add rows of another")


@pytest.mark.filterwarnings("default::UserWarning")
def test_a_table_with_its_labels_first_learns_them(run, tmp_path):
    path = write_csv(tmp_path / "digits.csv", DIGITS.data, DIGITS.target, DIGITS.feature_names,
                     target="digit", first=True)
    model = tmp_path / "digits.safetensors"
    r = run("train", "--data", path, "--epochs", "30", "--out", model, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["classes"] == [str(i) for i in range(10)]
    assert (f"note: {path}: labels from column 'digit' (by its name; the last column, "
            "'pixel_7_7', is read as a feature); --target NAME chooses another") in r.stderr
    scored = run("evaluate", model, "--data", path, "--json")
    assert scored.exit_code == 0 and json.loads(scored.stdout)["accuracy"] > 0.9, scored.output
    answers = run("predict", model, path)
    assert answers.exit_code == 0 and answers.stdout.startswith(f"{path}[0]: 0 "), answers.output


def test_a_model_of_number_words_scores_the_digits_as_numbers(run, tmp_path):
    words = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine"])
    train = np.arange(len(DIGITS.target)) % 4 != 0
    named = write_csv(tmp_path / "words.csv", DIGITS.data[train], words[DIGITS.target[train]],
                      DIGITS.feature_names, target="digit")
    numbers = write_csv(tmp_path / "numbers.csv", DIGITS.data[~train], DIGITS.target[~train],
                        DIGITS.feature_names, target="digit")
    model = tmp_path / "words.safetensors"
    r = run("train", "--data", named, "--epochs", "30", "--out", model)
    assert r.exit_code == 0, r.output
    by_words = run("evaluate", model, "--data", numbers, "--json")
    assert by_words.exit_code == 0, by_words.output
    assert "paired by position" not in by_words.stderr
    assert json.loads(by_words.stdout)["accuracy"] > 0.85  # (by position, near 0.1)
