"""`digitnet predict MODEL FILES --json`: a file that cannot be read is a JSON line in its place
among the answers on stdout, {"file": ..., "error": ...}, so that a program reading the lines
sees it (it was a text error on stderr, beside JSON on stdout); the other files are still read,
and the exit code is 1. Without --json, the error stays one text line on stderr. Real MNIST
digits as PNG files, and a text file named .png."""

from __future__ import annotations

import json

import pytest
from PIL import Image

pytestmark = pytest.mark.engine_independent  # (the model is the fixture's: nothing trained here)

NOT_AN_IMAGE = ("not an image (or not a format we read: PNG, JPEG, BMP, GIF, WebP, TIFF, or a "
                ".npy array of pixels)")


@pytest.fixture
def pictures(real_digit_images, tmp_path):
    """a.png (a real 3), b.png (text, not a picture) and c.png (a real 7), in one folder."""
    folder = tmp_path / "pj"
    folder.mkdir()
    images, _ = real_digit_images
    Image.fromarray(images[3]).save(folder / "a.png")
    (folder / "b.png").write_text("not a picture\n")
    Image.fromarray(images[7]).save(folder / "c.png")
    return folder


def test_a_file_that_cannot_be_read_is_a_json_line_in_its_place(run, trained, pictures):
    files = [pictures / name for name in ("a.png", "b.png", "c.png")]
    result = run("predict", trained[0], *files, "--json")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert lines[1] == {"file": str(files[1]), "error": f"{files[1]}: {NOT_AN_IMAGE}"}
    assert {"class", "index", "probabilities"} <= set(lines[0]) and "error" not in lines[0]
    assert {"class", "index", "probabilities"} <= set(lines[2]) and "error" not in lines[2]


def test_a_folder_reports_its_unreadable_file_the_same_way(run, trained, pictures):
    result = run("predict", trained[0], pictures, "--json")
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    bad = pictures / "b.png"
    assert [line["file"] for line in lines] == [str(pictures / n) for n in ("a.png", "b.png",
                                                                            "c.png")]
    assert lines[1] == {"file": str(bad), "error": f"{bad}: {NOT_AN_IMAGE}"}


def test_without_json_the_error_is_a_text_line_on_stderr(run, trained, pictures, one_line):
    files = [pictures / name for name in ("a.png", "b.png", "c.png")]
    result = run("predict", trained[0], *files)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {files[1]}: {NOT_AN_IMAGE}"
    answers = result.stdout.splitlines()
    assert len(answers) == 2 and answers[0].startswith(f"{files[0]}: ")
    assert answers[1].startswith(f"{files[2]}: ")


def test_the_help_says_so(run):
    result = run("predict", "--help")
    assert result.exit_code == 0
    assert '{"file": ..., "error": ...}' in " ".join(result.stdout.split())
