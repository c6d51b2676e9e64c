"""`digitnet predict` on .npy arrays: each image checked as a picture is, a bad one reported and
skipped like an unreadable picture, the rest still read."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predicts .npy arrays)


@pytest.fixture(scope="module")
def model(trained):
    """The model `digitnet train` trained for 2 epochs on a folder of 3,000 real digits."""
    return trained[0]


def _digit_png(digit: np.ndarray, path):
    """A real digit as a picture: dark ink on white paper, larger than 28x28."""
    Image.fromarray(np.uint8(255 - digit)).resize((112, 112)).save(path)
    return path


def _errors(result) -> dict[str, str]:
    """stderr's lines as {the thing named: what is said of it}; each must be one error line."""
    out = {}
    for line in result.stderr.splitlines():
        assert line.startswith("digitnet: error: "), line
        thing, _, said = line.removeprefix("digitnet: error: ").partition(": ")
        out[thing] = said
    return out


def test_a_nan_npy_is_reported_and_skipped_like_an_unreadable_picture(run, model, tmp_path,
                                                                       real_digit_images):
    images, _ = real_digit_images
    digit = _digit_png(images[0], tmp_path / "digit.png")
    np.save(tmp_path / "a.npy", images[1])
    np.save(tmp_path / "d.npy", np.full((28, 28), np.nan, np.float32))
    bad = images[2].astype(np.float32) / 255
    bad[3, 4] = np.inf
    np.save(tmp_path / "inf.npy", bad)
    (tmp_path / "text.png").write_text("not a picture\n")
    as_picture = run("predict", model, tmp_path / "text.png", digit, tmp_path / "a.npy")

    result = run("predict", model, tmp_path / "d.npy", digit, tmp_path / "a.npy",
                 tmp_path / "inf.npy")
    assert result.exit_code == as_picture.exit_code != 0
    assert result.stdout == as_picture.stdout  # the other files are still read and answered
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        str(digit), str(tmp_path / "a.npy")]
    errors = _errors(result)  # one line each, no NumPy warnings, no traceback
    assert list(errors) == [str(tmp_path / "d.npy"), str(tmp_path / "inf.npy")]
    assert errors[str(tmp_path / "d.npy")].startswith("784 of its 784 pixels are NaN or infinite")
    assert errors[str(tmp_path / "inf.npy")].startswith("1 of its 784 pixels is NaN or infinite")
    assert all("in [0, 1]" in said for said in errors.values())


def test_a_blank_npy_is_reported_as_blank_like_a_blank_picture(run, model, tmp_path,
                                                                real_digit_images):
    images, _ = real_digit_images
    np.save(tmp_path / "a.npy", images[1])
    np.save(tmp_path / "g.npy", np.zeros((28, 28), np.float32))
    np.save(tmp_path / "g8.npy", np.zeros((784,), np.uint8))
    Image.new("L", (200, 150), 255).save(tmp_path / "blank.png")
    as_picture = run("predict", model, tmp_path / "blank.png", tmp_path / "a.npy")
    [blank_picture] = _errors(as_picture).values()
    assert blank_picture.startswith("no digit found: the image is blank")

    result = run("predict", model, tmp_path / "g.npy", tmp_path / "a.npy", tmp_path / "g8.npy")
    assert result.exit_code == as_picture.exit_code != 0
    assert result.stdout == as_picture.stdout
    assert _errors(result) == {str(tmp_path / "g.npy"): blank_picture,
                               str(tmp_path / "g8.npy"): blank_picture}


def test_a_stack_reports_each_image_it_cannot_read_and_answers_the_others(run, model, tmp_path,
                                                                          real_digit_images):
    """Answers keep their places in the stack (file[i]), as do the images --save-input saves."""
    images, _ = real_digit_images
    pixels = images.astype(np.float32) / 255
    stack = np.stack([pixels[0], np.zeros((28, 28)), pixels[3], np.full((28, 28), np.nan),
                      pixels[5], pixels[7]]).astype(np.float32)
    np.save(tmp_path / "stack.npy", stack)
    np.save(tmp_path / "good.npy", stack[[0, 2, 4, 5]])
    alone = run("predict", model, tmp_path / "good.npy", "--json")
    assert alone.exit_code == 0, alone.output

    result = run("predict", model, tmp_path / "stack.npy", "--json", "--save-input",
                 tmp_path / "seen")
    assert result.exit_code != 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # each in its place, a line of its own for each image that could not be read
    assert [a["file"] for a in lines] == [f"{tmp_path / 'stack.npy'}[{i}]" for i in range(6)]
    assert [i for i, a in enumerate(lines) if "error" in a] == [1, 3]
    answers = [a for a in lines if "error" not in a]
    # The same images in batches of other sizes: float32 matrix products may round them a few
    # ulps apart, and the answers print 6 decimals, so the last printed digit may differ by one.
    np.testing.assert_allclose([a["probabilities"] for a in answers],
                               [json.loads(line)["probabilities"]
                                for line in alone.stdout.splitlines()],
                               rtol=0, atol=1e-6 + np.finfo(np.float32).eps)
    assert result.stderr == ""  # (with --json, each error is its line among the answers)
    assert lines[1]["error"].startswith(f"{tmp_path / 'stack.npy'}[1]: no digit found: the "
                                        "image is blank")
    assert lines[3]["error"].startswith(f"{tmp_path / 'stack.npy'}[3]: ")
    assert "NaN or infinite" in lines[3]["error"]
    assert sorted(p.name for p in (tmp_path / "seen").iterdir()) == [
        f"stack-{i}.png" for i in (0, 2, 4, 5)]


@pytest.mark.parametrize("array, said", [
    (np.full((28, 28), "a"), "holds <U1 values; save the pixels as numbers"),
    (np.zeros((0, 28, 28), np.float32), "an empty stack, shape (0, 28, 28)"),
])
def test_an_npy_of_no_usable_pixels_is_one_error_line(run, model, tmp_path, real_digit_images,
                                                      array, said):
    np.save(tmp_path / "odd.npy", array)
    np.save(tmp_path / "a.npy", real_digit_images[0][1])
    result = run("predict", model, tmp_path / "odd.npy", tmp_path / "a.npy")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{tmp_path / 'a.npy'}: ")
    [(thing, message)] = _errors(result).items()
    assert thing == str(tmp_path / "odd.npy") and message.startswith(said)


@pytest.mark.parametrize("dtype", [np.int64, np.int16, np.uint16])
def test_whole_number_pixels_are_read_as_uint8_ones_as_the_library_reads_them(
        run, model, tmp_path, real_digit_images, dtype):
    """int64 pixels 0..255 (np.array of Python ints) were refused: "expected brightness in
    [0, 1] or uint8 pixels", while net.predict read them."""
    images = real_digit_images[0][:3]
    np.save(tmp_path / "ints.npy", images.astype(dtype))
    np.save(tmp_path / "bytes.npy", images)
    ints, uint8 = (run("predict", model, tmp_path / name, "--json") for name in
                   ("ints.npy", "bytes.npy"))
    assert ints.exit_code == 0 and uint8.exit_code == 0, ints.stderr
    answers = [[{k: v for k, v in json.loads(line).items() if k != "file"}
                for line in result.stdout.splitlines()] for result in (ints, uint8)]
    assert len(answers[0]) == 3 and answers[0] == answers[1]


def test_whole_numbers_beyond_pixels_are_refused_in_one_line(run, model, tmp_path):
    np.save(tmp_path / "wide.npy", np.full((28, 28), 1000, np.int64))
    result = run("predict", model, tmp_path / "wide.npy")
    assert result.exit_code == 1
    assert _errors(result) == {str(tmp_path / "wide.npy"): "pixels run from 1000 to 1000; "
                               "expected 0..255 (or brightness in [0, 1] as floats)"}
