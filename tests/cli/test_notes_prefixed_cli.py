"""Every note a command prints reads ``note: <text>`` on stderr, the data set's notes too (a
folder's files skipped), as the library's warnings read: they were echoed bare, one line among
the others with nothing to say it was a note. Real MNIST digits written as PNG files, beside a
file that is not a picture."""

from __future__ import annotations

import json

import pytest
from real_data import write_digit_folder


@pytest.fixture
def folder_with_a_stray(mnist, tmp_path):
    """Class folders of 100 real digits as PNG files, and a text file among the fives."""
    root = tmp_path / "mine"
    write_digit_folder(root, mnist.x[:100], mnist.labels[:100], photo_every=0)
    (root / "5" / "notes.txt").write_text("my fives")
    return root


def _skipped(root) -> str:
    return (f"note: {root}: skipped 1 of 101 files, which are not pictures of a digit (or "
            "object): 5/notes.txt (not a picture); fix or remove them")


@pytest.mark.engine_independent  # (the model is the fixture's: nothing trained here)
def test_evaluate_says_the_skipped_file_as_a_note(run, trained, folder_with_a_stray):
    result = run("evaluate", trained[0], "--data", folder_with_a_stray, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == _skipped(folder_with_a_stray)
    report = json.loads(result.stdout)  # (the JSON's "note" is the note's text alone)
    assert report["n"] == 100 and f"note: {report['note']}" == _skipped(folder_with_a_stray)


def test_train_says_the_skipped_file_as_a_note(run, folder_with_a_stray, tmp_path):
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", folder_with_a_stray, "--epochs", "1", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == _skipped(folder_with_a_stray)


@pytest.mark.engine_independent  # (the printing alone: nothing read or trained)
def test_a_note_of_several_lines_is_a_note_each(capsys):
    """A data set's notes come joined a line each (a cache file replaced, then the sample used):
    each is its own note, and nothing is said for none."""
    from digitnet.cli.group import cli

    cli.note("mnist: a file was replaced\nusing the 5,000-digit sample\n")
    cli.note(None)
    cli.note("")
    assert capsys.readouterr().err == ("note: mnist: a file was replaced\n"
                                       "note: using the 5,000-digit sample\n")
