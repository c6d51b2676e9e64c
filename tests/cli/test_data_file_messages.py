"""One recording or one picture given as --data: the one-line refusal says what the file is,
that --data takes a folder of them (FSDD-named recordings, or class folders of recordings or
pictures), and how to read that one file, and the command it suggests reads it. Real FSDD
recordings and real MNIST digits throughout."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image

FOLDER_OF_THEM = ("a folder (of recordings named like 7_jackson_32.wav, of class folders of "
                  "pictures or recordings like digits/7/a.png")


def _suggested(line: str, model) -> list[str]:
    """The arguments of the `digitnet predict MODEL FILE` that ``line`` ends by suggesting."""
    command = line.split("; to read this one ")[1].split(", use digitnet ")[1]
    words = command.split(" ")
    assert words[:2] == ["predict", "MODEL"], line
    return [words[0], str(model), *words[2:]]


@pytest.mark.parametrize("name", ["seven.wav", "SEVEN.FLAC"])
def test_one_recording_as_data_is_named_and_predict_reads_it(
        run, one_line, spoken_digits, speech_model, tmp_path, name):
    import soundfile

    recording = tmp_path / name
    samples, rate = soundfile.read(spoken_digits / "7_jackson_32.wav")
    soundfile.write(recording, samples, rate)
    r = run("train", "--data", recording, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert r.exit_code == 1 and not (tmp_path / "m.safetensors").exists()
    line = one_line(r.stderr)
    assert line.startswith(f"digitnet: error: {recording} is a recording, not a folder or a "
                           "table; --data takes a dataset name, " + FOLDER_OF_THEM), line
    assert line.endswith(f"; to read this one recording, use digitnet predict MODEL {recording}")
    r = run(*_suggested(line, speech_model))
    assert r.exit_code == 0, r.output
    assert recording.name in r.stdout, r.stdout


def test_one_picture_as_data_is_named_and_predict_reads_it(
        run, one_line, real_digit_images, trained, tmp_path):
    picture = tmp_path / "seven.png"
    Image.fromarray(real_digit_images[0][7]).save(picture)
    r = run("evaluate", trained[0], "--data", picture)
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith(f"digitnet: error: {picture} is a picture, not a folder or a table; "
                           "--data takes a dataset name, " + FOLDER_OF_THEM), line
    assert line.endswith(f"; to read this one picture, use digitnet predict MODEL {picture}")
    r = run(*_suggested(line, trained[0]))
    assert r.exit_code == 0, r.output
    assert picture.name in r.stdout, r.stdout


def test_another_single_file_as_data_suggests_no_predict(run, one_line, spoken_digits, tmp_path):
    notes = tmp_path / "notes.txt"
    shutil.copy(spoken_digits / "7_jackson_32.wav", notes)  # real bytes, a name saying text
    r = run("train", "--data", notes, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    line = one_line(r.stderr)
    assert r.exit_code == 1
    assert line == (f"digitnet: error: {notes} is a file, not a folder or a table; --data takes "
                    "a dataset name, " + FOLDER_OF_THEM + ", or of MNIST-style IDX files), or a "
                    ".csv or .npz table"), line
