"""Early stopping scores held-out examples: when val_fraction holds out none (few examples), the
run is refused before it starts, in one line, from Python and the command line alike (it
crashed with KeyError: 'val_loss' at the end of the first epoch)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris

import digitnet
from digitnet.cli import cli
from digitnet.errors import ConfigError

FEW = np.r_[0:3, 50:53, 100:103]  # three real irises of each kind


def test_early_stopping_with_nothing_held_out_is_refused():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ConfigError, match=r"early stopping scores held-out examples, and "
                                          r"val_fraction=0\.05 \(--val-fraction 0\.05\) holds "
                                          "out none of its 9 examples"):
        digitnet.train(X[FEW], y[FEW], epochs=3, early_stopping=True, val_fraction=0.05,
                       hidden=(4,), handle_signals=False)
    # with some held out, it runs
    result = digitnet.train(X[FEW], y[FEW], epochs=3, early_stopping=True, val_fraction=0.34,
                            hidden=(4,), handle_signals=False)
    assert result.n_val == 3 and "val_loss" in result.history[-1]


def test_the_command_line_says_so_in_one_line(tmp_path):
    X, y = load_iris(return_X_y=True)
    table = tmp_path / "few.csv"
    table.write_text("a,b,c,d,label\n" + "".join(
        ",".join(map(str, X[i])) + f",{y[i]}\n" for i in FEW))
    out = tmp_path / "m.safetensors"
    result = CliRunner().invoke(cli, ["train", "--data", str(table), "--early-stopping",
                                      "--val-fraction", "0.05", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1
    assert ("hold out more (val_fraction=0.2, --val-fraction 0.2: one of the largest class)"
            in result.stderr)
    assert not out.exists()


def test_a_run_that_held_out_nothing_says_why_it_shows_no_accuracy(tmp_path):
    X, y = load_iris(return_X_y=True)
    table = tmp_path / "few.csv"
    table.write_text("a,b,c,d,label\n" + "".join(
        ",".join(map(str, X[i])) + f",{y[i]}\n" for i in FEW))
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--data", str(table), "--epochs", "2",
                                 "--out", str(tmp_path / "m.safetensors")])
    assert result.exit_code == 0, result.output
    assert "Validation accuracy" not in result.stdout
    assert result.stderr == (
        f"{table}: no accuracy to show, since val_fraction=0.1 (--val-fraction 0.1) holds out none "
        "of its 9 examples (that share of each class, rounded; its largest class has 3); hold "
        "out more (val_fraction=0.2, --val-fraction 0.2: one of the largest class)\n")
    # one held out of each class: the accuracy is shown, and nothing more is said
    result = runner.invoke(cli, ["train", "--data", str(table), "--epochs", "2",
                                 "--val-fraction", "0.2", "--out", str(tmp_path / "n.safetensors")])
    assert result.exit_code == 0, result.output
    assert "Validation accuracy" in result.stdout and "on 3 held-out examples" in result.stdout
    assert result.stderr == ""
