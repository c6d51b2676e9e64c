"""Real MNIST digits flattened to (n, 784) train as a table's rows (as they did), and now say
so: a note of one line (a UserWarning pointing at the call; `note:` on the command line) that
the rows look like flattened 28x28 pictures and how to give them as pictures. scikit-learn's
real tables say nothing, nor does DigitnetClassifier, which reads every X as a table (as
scikit-learn's estimators do), MNIST's rows too."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import datasets as sk

import digitnet
from digitnet import inputs
from digitnet.cli import cli
from digitnet.sklearn import DigitnetClassifier

NOTE = r"the rows look like flattened 28x28 pictures, and are read as a table's rows"


@pytest.fixture(scope="module")
def flat(mnist):
    """600 real digits as rows of 784 uint8 pixels, and their labels."""
    return mnist.x[:600].reshape(600, 784), mnist.labels[:600]


def test_flattened_digits_train_as_a_table_with_a_note_saying_how_to_give_pictures(flat):
    X, y = flat
    with pytest.warns(UserWarning, match=NOTE) as caught:
        table = digitnet.train(X, y, epochs=1).network
    assert len(caught) == 1 and caught[0].filename == __file__  # at the call, said once
    assert str(caught[0].message) == (
        "arrays: the rows look like flattened 28x28 pictures, and are read as a table's rows "
        "(each column standardised, no deskewing or shifts); to have them read as pictures, "
        "give them as (n, 28, 28): X.reshape(-1, 28, 28)")
    assert isinstance(inputs.of(table), inputs.Table)  # what they train as is unchanged
    # Given as the note says: pictures (deskewed, as the default recipe does), and no note.
    pictures = digitnet.train(X.reshape(-1, 28, 28), y, epochs=1).network
    assert isinstance(inputs.of(pictures), inputs.Images) and inputs.of(pictures).deskew
    # Brightness in [0, 1], and pixels 0..255 held as floats (which need uint8 as pictures).
    with pytest.warns(UserWarning, match=NOTE + r".*: X\.reshape\(-1, 28, 28\)$"):
        digitnet.datasets.from_arrays(X / 255, y)
    with pytest.warns(UserWarning, match=r"X\.reshape\(-1, 28, 28\)\.astype\(np\.uint8\)$"):
        digitnet.datasets.from_arrays(X.astype(np.float64), y)


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_the_command_line_notes_it_for_an_npz_of_flattened_digits(flat, tmp_path):
    X, y = flat
    np.savez(tmp_path / "flat.npz", X=X, y=y)
    out = tmp_path / "m.safetensors"
    r = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "flat.npz"), "--epochs", "1",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    notes = [line for line in r.stderr.splitlines() if line.startswith("note:")]
    assert notes == [(f"note: {tmp_path / 'flat.npz'}: {NOTE} (each column standardised, no "
                      "deskewing or shifts); to have them read as pictures, give them as "
                      "(n, 28, 28): X.reshape(-1, 28, 28)")]


@pytest.mark.parametrize("table", ["wine", "breast_cancer", "digits"])
def test_real_tables_train_without_a_note(table):
    X, y = getattr(sk, f"load_{table}")(return_X_y=True)  # (warnings are errors here)
    for rows in (X, X / X.max()):
        assert isinstance(inputs.of(digitnet.train(rows, y, epochs=1).network), inputs.Table)


def test_the_estimator_reads_flattened_digits_as_a_table_without_a_note(flat):
    X, y = flat
    for rows in (X, X / 255):  # (warnings are errors here)
        clf = DigitnetClassifier(epochs=1).fit(rows, y)
        assert isinstance(inputs.of(clf.network_), inputs.Table)
