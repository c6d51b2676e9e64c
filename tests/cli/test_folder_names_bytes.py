"""Folders the command line reads as a new user made them: names that are not UTF-8 (a class
folder, a picture, the model's own --out name) train, evaluate and are remembered as they are,
shown as Python shows such bytes (\\xNN); a link back to the data folder inside a class folder
(`ln -s .. data/9/up`) is left out, with a note, and no picture is read again as a 9. Real MNIST
digits, scikit-learn's wine table, real file names and links."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from real_data import wine_csv, write_digit_folder

from digitnet import modelfile
from digitnet.classnames import classes_of
from digitnet.cli.recent import last_model

LATIN1 = os.fsdecode(b"\xe9t\xe9")  # "été" written in Latin-1: not UTF-8
SHOWN = "\\xe9t\\xe9"  # how it is shown, and the class it names


def digit_folders(mnist, root, per_class: int, names=None):
    """Class folders of ``per_class`` real digits of each of 0-9, or of the digits ``names``
    names (a digit -> its folder's name), as they are: no photos."""
    digits = sorted(names) if names else range(10)
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[:per_class] for d in digits])
    write_digit_folder(root, mnist.x[picks], mnist.labels[picks], photo_every=0, names=names)
    return root


@pytest.mark.filterwarnings("default::UserWarning")
def test_names_not_utf8_train_and_evaluate(run, mnist, tmp_path):
    root = digit_folders(mnist, tmp_path / "badname", 12, names={0: "0", 1: "1", 2: LATIN1})
    one = sorted((root / "1").iterdir())[0]
    one.rename(root / "1" / os.fsdecode(b"caf\xe9_\xff.png"))  # the walker's os.rename
    (root / "1" / os.fsdecode(b"bad\xe9.png")).write_text("not a picture\n")
    out = tmp_path / "names.safetensors"
    r = run("train", "--data", root, "--epochs", 1, "--out", out)
    assert r.exit_code == 0, r.output
    assert (f"note: {root}: skipped 1 of 37 files, which are not pictures of a digit (or "
            "object): 1/bad\\xe9.png (not an image); fix or remove them") in r.stderr
    assert classes_of(modelfile.load(out)) == ["0", "1", SHOWN]  # (JSON text, read back so)
    scored = run("evaluate", out, "--data", root)
    assert scored.exit_code == 0, scored.output
    assert SHOWN in scored.stdout and f"{root} (all, 36 examples)" in scored.stdout


def test_a_model_named_not_in_utf8_is_saved_and_remembered(tmp_path):
    """As the walker ran it, in a terminal whose locale (C.UTF-8) writes such a name's bytes
    back as they are."""
    out = tmp_path / os.fsdecode(b"w\xe9.safetensors")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    env.pop("PYTHONIOENCODING", None)
    r = subprocess.run([sys.executable, "-m", "digitnet", "train", "--data",
                        wine_csv(tmp_path / "wine.csv"), "--epochs", "1", "--out", out],
                       capture_output=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stdout.splitlines()[-1] == b"Saved the model to " + os.fsencode(out)
    assert out.is_file() and last_model() == out.resolve()


@pytest.mark.filterwarnings("default::UserWarning")
def test_a_link_up_inside_a_class_folder_relabels_nothing(run, mnist, tmp_path):
    root = digit_folders(mnist, tmp_path / "loopy", 20)
    os.symlink("..", root / "9" / "up")
    said = (f"note: {root}: left out 9/up, a link to {root} itself: no file is read twice, or "
            "as a class other than that of the folder holding it\n")
    out = tmp_path / "loopy.safetensors"
    r = run("train", "--data", root, "--epochs", 1, "--out", out)
    assert r.exit_code == 0, r.output
    assert said in r.stderr
    assert "on 20 held-out examples" in r.stdout  # (of 200 pictures, not 200 + 180 again)
    scored = run("evaluate", out, "--data", root, "--split", "val")
    assert scored.exit_code == 0, scored.output
    assert said in scored.stderr


def test_recordings_named_not_in_utf8_are_heard(run, speech_model, spoken_digits, tmp_path):
    """Class folders of real recordings, one of them named in Latin-1: scored as the others
    (their fingerprint took every name as UTF-8 text: a UnicodeEncodeError's traceback)."""
    import shutil

    root = tmp_path / "voices"
    for digit in (3, 7):
        (root / str(digit)).mkdir(parents=True)
        for i in range(3):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", root / str(digit))
    (root / "7" / "7_jackson_0.wav").rename(root / "7" / os.fsdecode(b"caf\xe9_7.wav"))
    scored = run("evaluate", speech_model, "--data", root)
    assert scored.exit_code == 0, scored.output
    assert f"{root} (all, 6 examples)" in scored.stdout
