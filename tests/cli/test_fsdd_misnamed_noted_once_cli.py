"""A folder of FSDD-named recordings holding both sides of FSDD's split (0-4: test, 5 and over:
train) and some recordings whose names do not say their digit: ``digitnet train`` reads its
training part and then its test part, and each noted the badly named files, with different
totals ("skipped 2 of 902 files", then "skipped 2 of 102 files"). They are in neither part:
noted once, with the training part, counting the folder's files. Real FSDD recordings."""

from __future__ import annotations

import shutil

import pytest

from digitnet import datasets


@pytest.fixture(scope="module")
def fs(spoken_digits, tmp_path_factory):
    """80 of george's recordings, numbered 0-7 (50 test, 30 train), and two misnamed copies."""
    folder = tmp_path_factory.mktemp("fsdd-misnamed") / "fs"
    folder.mkdir()
    for digit in range(10):
        for i in range(8):
            shutil.copy(spoken_digits / f"{digit}_george_{i}.wav", folder)
    shutil.copy(spoken_digits / "7_george_10.wav", folder / "7_george_10 (copy).wav")
    shutil.copy(spoken_digits / "3_george_20.wav", folder / "take.wav")
    return folder


NOTE = ("skipped 2 of 82 files, recordings whose names do not say their digit (FSDD names them "
        "digit_speaker_index.wav, as 7_lucas_0.wav): 7_george_10 (copy).wav, take.wav; rename "
        "them so, or use class folders (7/a.wav)")


def test_train_notes_the_misnamed_recordings_once(run, fs, tmp_path):
    result = run("train", "--data", fs, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 0, result.output
    assert "Test accuracy:" in result.stdout and "on 50 test examples" in result.stdout
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [f"note: {fs}: {NOTE}"]


def test_each_part_in_python(fs):
    train, test = datasets.load(fs, "train"), datasets.load(fs, "test")
    assert (len(train), len(test)) == (30, 50)
    assert train.note == f"{fs}: {NOTE}" and test.note is None
    every = datasets.load(fs, "all")  # (one set: the same files, the same note)
    assert len(every) == 80 and every.note == f"{fs}: {NOTE}"
