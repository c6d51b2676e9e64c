"""A folder holding one class folder whose files sit in subfolders (``v/7/a/*.wav``,
``v/7/b/*.wav``: takes, sessions). Class folders are read at any depth, yet ``digitnet evaluate
MODEL --data v`` said "point --data at v/7", and v/7 was then refused: classes a and b are not
the model's. Now a model's classes tell: 7 is one of them and a, b are not, so v is one class
folder, 7, scored as a two-class folder with session subfolders always was. Without a model
(``digitnet train``) which is meant cannot be told, and the one line says both readings. Real
FSDD recordings and real MNIST digits; the models are the suite's small ones (tests/conftest)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import datasets
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (folders read, nothing trained here)


def _recordings(spoken_digits, folder, digit, speaker, numbers):
    folder.mkdir(parents=True)
    for i in numbers:
        shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)


@pytest.fixture
def spoken_sevens(spoken_digits, tmp_path):
    """v/7/a and v/7/b: 20 real recordings of 7, in two session folders."""
    v = tmp_path / "v"
    _recordings(spoken_digits, v / "7" / "a", 7, "jackson", range(10, 20))
    _recordings(spoken_digits, v / "7" / "b", 7, "jackson", range(20, 30))
    return v


@pytest.fixture(scope="module")
def sevens(mnist):
    """12 real MNIST 7s."""
    picks = np.flatnonzero(mnist.labels == 7)[300:312]
    return mnist.x[picks], mnist.labels[picks]


def test_speech_model_scores_a_folder_of_one_class_with_session_folders(
        run, speech_model, spoken_sevens):
    result = run("evaluate", speech_model, "--data", spoken_sevens, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 20 and report["classes"][7] == "7"
    assert sum(report["confusion"][7]) == 20 and report["accuracy"] > 0.5
    for show in ("confusion", "mistakes"):
        out = spoken_sevens.parent / f"{show}.png"
        result = run("show", show, speech_model, "--data", spoken_sevens, "--out", out)
        assert result.exit_code == 0, result.output
        assert out.exists()


def test_picture_model_scores_a_folder_of_one_class_with_session_folders(
        run, small_model, sevens, tmp_path):
    images, labels = sevens
    v = tmp_path / "v"
    write_digit_folder(v / "7", images[:6], labels[:6], names={7: "a"})
    write_digit_folder(v / "7" / "b" / "deeper", images[6:], labels[6:], names={7: "c"})
    result = run("evaluate", small_model, "--data", v, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 12 and sum(report["confusion"][7]) == 12
    out = tmp_path / "mistakes.png"
    result = run("show", "mistakes", small_model, "--data", v, "--out", out)
    assert result.exit_code == 0, result.output


def test_the_python_api_reads_it_by_the_models_classes(sevens, tmp_path):
    images, labels = sevens
    v = tmp_path / "v"
    write_digit_folder(v / "7", images[:5], labels[:5], names={7: "a"})
    write_digit_folder(v / "7", images[5:], labels[5:], names={7: "b"})
    data = datasets.load(v, "all", model_classes=datasets.DIGITS)
    assert data.labels.tolist() == [7] * 12 and data.classes == datasets.DIGITS
    assert data.names[0] == "7/a/00000.png" and data.names[-1].startswith("7/b/")
    with pytest.raises(DataError, match="if 7 is a class"):
        datasets.load(v, "all")  # no model: which is meant cannot be told


def test_two_class_folders_with_session_folders_are_read_as_ever(
        run, speech_model, spoken_digits, tmp_path):
    w = tmp_path / "w"
    _recordings(spoken_digits, w / "3" / "s1", 3, "george", range(10, 15))
    _recordings(spoken_digits, w / "3" / "s2", 3, "george", range(15, 20))
    _recordings(spoken_digits, w / "8" / "s1", 8, "george", range(10, 15))
    result = run("evaluate", speech_model, "--data", w, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 15
    assert (sum(report["confusion"][3]), sum(report["confusion"][8])) == (10, 5)


def test_training_says_both_readings_not_a_pointer_that_loops(
        run, spoken_sevens, one_line, tmp_path):
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", spoken_sevens, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert one_line(result.stderr) == (
        f"digitnet: error: {spoken_sevens}: holds one folder, 7, which holds folders a and b: "
        "if 7 is a class, add a folder of another class beside it (a network learns two "
        "classes or more); if those folders are the classes, point --data at "
        f"{spoken_sevens / '7'}")


def test_subfolders_named_as_digits_or_splits_are_still_a_data_set_too_deep(
        run, speech_model, spoken_sevens, one_line, tmp_path):
    """Without a model, folders named as digits inside are the classes; with one, split
    folders inside are a data set one folder too deep, whatever the outer folder is named."""
    (spoken_sevens / "7" / "a").rename(spoken_sevens / "7" / "1")
    (spoken_sevens / "7" / "b").rename(spoken_sevens / "7" / "2")
    result = run("train", "--data", spoken_sevens, "--out", tmp_path / "m.safetensors")
    assert one_line(result.stderr) == (
        f"digitnet: error: {spoken_sevens}: holds one folder, 7, which holds class folders 1 "
        f"and 2: point --data at {spoken_sevens / '7'}")
    (spoken_sevens / "7" / "1").rename(spoken_sevens / "7" / "train")
    (spoken_sevens / "7" / "2").rename(spoken_sevens / "7" / "test")
    result = run("evaluate", speech_model, "--data", spoken_sevens)
    assert one_line(result.stderr) == (
        f"digitnet: error: {spoken_sevens}: holds one folder, 7, which holds test/ and train/: "
        f"point --data at {spoken_sevens / '7'}")


def test_a_model_that_cannot_tell_says_both_readings(run, speech_model, spoken_sevens, one_line):
    """Folders 7/1 and 7/2 are classes of a digit model, as 7 is; x/a and x/b are none."""
    (spoken_sevens / "7" / "a").rename(spoken_sevens / "7" / "1")
    (spoken_sevens / "7" / "b").rename(spoken_sevens / "7" / "2")
    result = run("evaluate", speech_model, "--data", spoken_sevens)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {spoken_sevens}: holds one folder, 7, which holds folders 1 and 2: "
        "if 7 is a class, rename those folders, so that none is named as one of the model's "
        f"classes (0..9); if those folders are the classes, point --data at {spoken_sevens / '7'}")
    (spoken_sevens / "7").rename(spoken_sevens / "x")
    (spoken_sevens / "x" / "1").rename(spoken_sevens / "x" / "a")
    (spoken_sevens / "x" / "2").rename(spoken_sevens / "x" / "b")
    result = run("evaluate", speech_model, "--data", spoken_sevens)
    assert one_line(result.stderr) == (
        f"digitnet: error: {spoken_sevens}: holds one folder, x, which holds folders a and b; "
        "neither x nor those folders are among the model's classes (0..9): name the class "
        "folders as the model names its classes")
