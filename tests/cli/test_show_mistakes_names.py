"""`digitnet show mistakes` names each mistake it draws, and lists them after saving the picture,
one a line, so that the recordings (or pictures) it misread can be found and listened to: each
name is a file of the folder given that `digitnet predict` misreads as said, past a file that
could not be read; IDX digits, which have no files, by their number in the data
as loaded."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import datasets, inputs, modelfile

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show mistakes, predict)

BROKEN = "4_nicolas_2.wav"  # (a recording in the middle, replaced by bytes that are none)


def _listed(stdout: str, out: Path, pattern: str) -> list[tuple[str, ...]]:
    saved, *lines = stdout.splitlines()
    assert saved == f"Saved {out}"
    found = [re.fullmatch(pattern + r": true (\d), said (\d) \((\d+)%\)", line) for line in lines]
    assert lines and all(found), lines
    return [m.groups() for m in found]


def _predicted(run, model, *files) -> dict[str, dict]:
    """`digitnet predict --json` of ``files``: each file's answer, by its path (a file that
    could not be read, a line {"file": ..., "error": ...}, left out)."""
    r = run("predict", model, *files, "--json")
    return {o["file"]: o for o in map(json.loads, r.stdout.splitlines()) if "error" not in o}


def test_the_recordings_misheard_are_named_as_predict_mishears_them(speech_model, spoken_digits,
                                                                     run, tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    for digit in range(10):
        for speaker in ("nicolas", "yweweler"):  # (voices the model never heard)
            for i in range(6):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    (folder / BROKEN).write_bytes(b"RIFF" + bytes(range(256)) * 8)
    out = tmp_path / "mistakes.svg"
    r = run("show", "mistakes", speech_model, "--data", folder, "--split", "all", "--count", "10",
            "--out", out)
    assert r.exit_code == 0, r.output
    assert "skipped 1 of 120 files" in r.stderr and BROKEN in r.stderr
    listed = _listed(r.stdout, out, r"(\d_[a-z]+_\d\.wav)")
    assert len(listed) == 10
    answers = {Path(f).name: o for f, o in _predicted(run, speech_model, folder).items()}
    assert len(answers) == 119 and BROKEN not in answers
    sure = {name: max(o["probabilities"]) for name, o in answers.items()}
    misheard = sorted((n for n, o in answers.items() if o["class"] != n[0]), key=sure.get,
                      reverse=True)
    assert [name for name, *_ in listed] == misheard[:10]  # the surest mistakes, surest first
    for name, true, said, percent in listed:
        assert true == name[0] and said == answers[name]["class"] != true
        assert abs(int(percent) - 100 * sure[name]) <= 0.5 + 1e-6
    # The picture names each on its tile, and says how a picture of a sound reads.
    words = re.findall(r"<!-- (.*?) -->", out.read_text())
    assert all(name in words for name, *_ in listed), words
    assert any(w.endswith("on 119 voices (all); the pictures are sounds: time →, pitch ↑")
               for w in words), words


def test_pictures_misread_are_named_from_the_folder_given(trained, mnist, run, tmp_path):
    """Real digits written as PNG files (every third a photo) in class folders, one of them
    replaced by bytes that are no picture: each named is a file predict misreads so."""
    model, _ = trained
    paths = write_digit_folder(tmp_path / "mine", mnist.x[21000:21400], mnist.labels[21000:21400])
    broken = next(p for p in paths if p.parent.name == "5")
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not a picture")
    out = tmp_path / "mistakes.png"
    r = run("show", "mistakes", model, "--data", tmp_path / "mine", "--count", "8", "--out", out)
    assert r.exit_code == 0, r.output
    assert f"5/{broken.name}" in r.stderr
    listed = _listed(r.stdout, out, r"(\d/\d{5}\.png)")
    assert len(listed) == 8 and f"5/{broken.name}" not in [name for name, *_ in listed]
    answers = {Path(f).relative_to(tmp_path / "mine").as_posix(): o
               for f, o in _predicted(run, model, tmp_path / "mine").items()}
    for name, true, said, percent in listed:
        assert true == name[0] and said == answers[name]["class"] != true
        assert abs(int(percent) - 100 * max(answers[name]["probabilities"])) <= 1
    # (predict reads each picture as it is; the data set stores it as 0-255 grey levels)
    sure = [max(o["probabilities"]) for n, o in answers.items() if o["class"] != n[0]
            and n not in [name for name, *_ in listed]]
    assert min(int(p) for *_, p in listed) >= 100 * max(sure, default=0) - 1


def test_idx_digits_are_listed_by_their_number_in_the_split(trained, digits_dir, run, tmp_path):
    model, _ = trained
    out = tmp_path / "mistakes.png"
    r = run("show", "mistakes", model, "--data", digits_dir, "--split", "test", "--count", "5",
            "--out", out)
    assert r.exit_code == 0, r.output
    listed = _listed(r.stdout, out, r"#([\d,]+)")
    net, test = modelfile.load(model), datasets.load(digits_dir, split="test")
    rows = inputs.of(net).rows(test.x)
    for number, true, said, percent in listed:
        i = int(number.replace(",", ""))
        p = net.probabilities(rows[i])
        assert int(true) == test.labels[i] and int(said) == int(np.argmax(p)) != int(true)
        assert f"{p.max():.0%}" == f"{percent}%"
