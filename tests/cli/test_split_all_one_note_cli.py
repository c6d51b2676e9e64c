"""``digitnet evaluate --split all`` on a folder with an unreadable file in train/ and another in
test/ says so in one note, for the folder named, with the total and the files (it said it twice,
once per part, each counting its own files). Real MNIST digits written as PNG files and real FSDD
recordings copied into class folders."""

from __future__ import annotations

import json
import shutil

from real_data import write_digit_folder


def cut_short(source, to) -> None:
    data = source.read_bytes()
    to.write_bytes(data[:len(data) // 2])


def test_pictures_skipped_in_both_parts_are_one_note(run, trained, mnist, tmp_path):
    root = tmp_path / "mine"
    for part, index in (("train", range(60)), ("test", range(60, 100))):
        write_digit_folder(root / part, mnist.x[index], mnist.labels[index], photo_every=0)
    cut_short(next((root / "train" / "3").iterdir()), root / "train" / "3" / "cut.png")
    (root / "test" / "5" / "notes.txt").write_text("my fives")
    result = run("evaluate", trained[0], "--data", root, "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 100
    assert result.stderr.strip() == (
        f"note: {root}: skipped 2 of 102 files, which are not pictures of a digit (or object): "
        "train/3/cut.png (the image file is truncated or corrupt), test/5/notes.txt (not a "
        "picture); fix or remove them")


def test_recordings_skipped_in_both_parts_are_one_note(run, spoken_digits, tmp_path):
    root = tmp_path / "voices"
    for part, numbers in (("train", range(5, 9)), ("test", range(2))):
        for digit in range(10):
            (root / part / str(digit)).mkdir(parents=True)
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_yweweler_{i}.wav", root / part / str(digit))
    model = tmp_path / "voice.safetensors"
    assert run("train", "--data", root, "--epochs", "1", "--out", model).exit_code == 0
    cut_short(spoken_digits / "4_lucas_9.wav", root / "train" / "4" / "cut.wav")
    (root / "test" / "9" / "take2.txt").write_text("say it again")
    result = run("evaluate", model, "--data", root, "--split", "all")
    assert result.exit_code == 0, result.output
    assert "(all, 60 examples)" in result.stdout
    notes = [line for line in result.stderr.splitlines() if f"{root}: skipped" in line]
    assert len(notes) == 1 and notes[0].startswith(
        f"note: {root}: skipped 2 of 62 files, which are not recordings of one spoken digit: "
        "train/4/cut.wav (")
    assert notes[0].endswith("test/9/take2.txt (not a recording); fix or remove them")
