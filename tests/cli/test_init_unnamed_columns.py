"""`train --init` with a table model whose columns were never named (x0, x1, ...: fitted on
plain arrays) starts from it on a CSV table of as many columns, whatever their names, read in
order, as `evaluate` reads it; two sets of names that differ are refused, naming the first
column that differs. Real wine measurements (scikit-learn's copy of the UCI data)."""

from __future__ import annotations

import json

import pytest
from sklearn.datasets import load_wine

import digitnet


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    """The wine table as a CSV with its columns' names, and a model fitted on the same rows as
    plain arrays (its columns unnamed)."""
    folder = tmp_path_factory.mktemp("wine")
    data = load_wine(as_frame=True)
    table = data.frame.rename(columns={"target": "label"})
    csv = folder / "wine.csv"
    table.to_csv(csv, index=False)
    X, y = data.data.to_numpy(), data.target.to_numpy()
    model = digitnet.save(digitnet.train(X, y, epochs=5, handle_signals=False).network,
                          folder / "arrays.safetensors")
    return csv, model, table


def test_a_model_of_unnamed_columns_starts_a_run_on_named_ones(run, wine, tmp_path):
    csv, model, _ = wine
    assert digitnet.load(model).metadata["input"]["columns"][:2] == ["x0", "x1"]
    before = run("evaluate", model, "--data", csv, "--split", "all", "--json")
    assert before.exit_code == 0, before.output
    out = tmp_path / "tuned.safetensors"
    result = run("train", "--data", csv, "--init", model, "--epochs", "2", "--out", out,
                 "--json")
    assert result.exit_code == 0, result.output
    tuned = digitnet.load(out)
    assert tuned.metadata["input"] == digitnet.load(model).metadata["input"]  # read in order
    after = run("evaluate", out, "--data", csv, "--split", "all", "--json")
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["n"] == json.loads(before.stdout)["n"] == 178


def test_columns_named_otherwise_are_refused_naming_the_first(run, wine, tmp_path):
    csv, model, table = wine
    named = tmp_path / "named.safetensors"
    trained = run("train", "--data", csv, "--epochs", "2", "--out", named)
    assert trained.exit_code == 0, trained.output
    swapped = tmp_path / "swapped.csv"
    columns = list(table.columns)
    columns[0], columns[1] = columns[1], columns[0]
    table[columns].to_csv(swapped, index=False)
    refused = run("train", "--data", swapped, "--init", named, "--epochs", "1", "--out",
                  tmp_path / "never.safetensors")
    assert refused.exit_code == 1
    assert refused.stderr == (f"digitnet: error: --init {named}: column 1 is 'alcohol' for the "
                              "model and 'malic_acid' in the data; give the columns the model "
                              "was trained on, in its order\n")
    assert not (tmp_path / "never.safetensors").exists()
