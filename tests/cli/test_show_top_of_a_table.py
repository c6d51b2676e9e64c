"""`digitnet show top` of a model of a table: no picture can show a table's rows, so the
terminal lists the rows the neuron answers to most, each by its number in the table (from 0, as
`show mistakes` numbers them), its class and the neuron's activation; the figure, its taste in
classes, says so in its title; and `--split all` is called "all", as for any other data."""

from __future__ import annotations

import re

import numpy as np
import pytest
from real_data import wine_csv
from trained_models import trained_on

from digitnet import inputs, modelfile, tables

LISTED = re.compile(r"#(\d+): class (\S+), a = (-?\d+\.\d\d)")


@pytest.fixture(scope="module")
def wine_model(tmp_path_factory):
    from click.testing import CliRunner

    from digitnet.cli import cli

    folder = tmp_path_factory.mktemp("wine-top")
    table = wine_csv(folder / "wine.csv")
    runner = CliRunner()
    model, _ = trained_on(lambda *a: runner.invoke(cli, [str(x) for x in a]), table, 30, folder)
    return model, table


def _activations(model, table, layer: int, neuron: int) -> np.ndarray:
    """The neuron's activation for every row of the table, computed here from the file."""
    net = modelfile.load(model)
    rows = inputs.of(net).rows(tables.read_csv(table, None).x)
    return net.trace(rows).activations[layer][:, neuron]


@pytest.mark.parametrize("split, n", [("val", 18), ("all", 178)])
def test_the_rows_a_neuron_answers_to_most_are_listed_by_their_number(run, wine_model, tmp_path,
                                                                    split, n):
    model, table = wine_model
    out = tmp_path / "top.svg"
    result = run("show", "top", model, "--layer", "1", "--neuron", "2", "--count", "5",
                 "--split", split, "--out", out)
    assert result.exit_code == 0, result.output
    head, *listed, saved = result.stdout.splitlines()
    assert head == f"The 5 of {n} wine.csv ({split}) it answers to most:"
    assert saved == f"Saved {out}"
    found = [LISTED.fullmatch(line) for line in listed]
    assert len(found) == 5 and all(found), listed
    every = _activations(model, table, 1, 2)
    labels = tables.read_csv(table, None).y
    shown = [float(m[3]) for m in found]
    assert shown == sorted(shown, reverse=True)
    for m in found:
        row = int(m[1])
        assert f"{every[row]:.2f}" == m[3], (row, every[row])  # that row of the file
        assert f'"{labels[row]}"' == m[2] or labels[row] == m[2]
    if split == "all":  # of every row, these are the five largest
        assert sorted(int(m[1]) for m in found) == sorted(np.argsort(-every)[:5].tolist())
    said = " ".join(out.read_text().split())
    assert "its activation per class" in said and "that activate it most" not in said
