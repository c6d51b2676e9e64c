"""A --teacher is checked as --init's model is, and the commands digitnet prints to be copied
name files with spaces so that the shell reads them back.

A walker trained MNIST-style pictures with a model of spoken digits as the teacher: the run
exited 0 with a useless model (10% accurate), where --init with a model of another kind was
refused. Now the teacher's kind is said before any data is read, and its inputs (their number,
a table's columns) by the code that checks --init's model, in the CLI and in Python.

And `digitnet tune --out "res ü/best.json"` printed ``train it with: digitnet train --config
res ü/best.json``, which fails when pasted; so did the optuna-dashboard line and the "no such
file" errors' commands. Each printed command is split as a shell splits it (:func:`shlex.split`)
or run through the shell, and must name the same files.

Real data: MNIST's training digits (../shared/data), FSDD recordings heard by the session's
speech model, scikit-learn's wine table; the models are trained on them.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from real_data import sklearn_table, write_csv

import digitnet
from digitnet import datasets, modelfile
from digitnet.errors import ConfigError

KIND = "; give data of the kind it was trained on"


@pytest.fixture
def nothing_read(monkeypatch):
    """Fails the test when any data set is loaded: a refusal by kind must come first."""
    def load(name_or_dir, *args, **kwargs):
        raise AssertionError(f"{name_or_dir} was read before its kind was said")

    monkeypatch.setattr(datasets, "load", load)


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    """scikit-learn's wine table in a folder whose name has a space, its label column named
    "wine kind" (last), and a model trained on it for a few epochs: (folder, table, model)."""
    folder = tmp_path_factory.mktemp("wine") / "tables ü"
    folder.mkdir()
    data = sklearn_table("wine")
    table = write_csv(folder / "wine ñ.csv", data.data, data.target_names[data.target],
                      data.feature_names, target="wine kind")
    result = digitnet.train(str(table), target="wine kind", epochs=5, handle_signals=False)
    model = modelfile.save(result.network, folder / "wine model.safetensors")
    return folder, table, model


def _wine_variant(folder, name: str, columns: list[int]):
    """The wine table with only the feature ``columns``, in that order (labels last)."""
    data = sklearn_table("wine")
    return write_csv(folder / name, data.data[:, columns], data.target_names[data.target],
                     [data.feature_names[i] for i in columns], target="wine kind")


# -- the teacher is checked as --init's model is ----------------------------------------------

def test_a_teacher_of_another_kind_is_refused_before_the_data_is_read(
        run, one_line, trained, speech_model, spoken_digits, mnist_dir, tmp_path, nothing_read):
    """A model that hears teaching pictures (the walker's run), and one that sees teaching
    recordings: refused in --init's words, with --teacher named, and nothing saved."""
    model, _ = trained
    out = tmp_path / "st.safetensors"
    for teacher, data, holds, reads in ((speech_model, mnist_dir, "pictures", "recordings"),
                                        (model, spoken_digits, "recordings", "pictures")):
        said = {}
        for option in ("--init", "--teacher"):
            r = run("train", "--data", data, option, teacher, "--epochs", "1", "--out", out)
            assert r.exit_code == 1, r.output
            said[option] = one_line(r.stderr)
        assert said["--teacher"] == (f"digitnet: error: {data} holds {holds}, and --teacher "
                                     f"{teacher} reads {reads}{KIND}")
        assert said["--teacher"] == said["--init"].replace("--init", "--teacher")
        assert not out.exists()


def test_a_teacher_that_hears_is_refused_for_pictures_in_python(mnist_small, speech_model):
    """digitnet.train(..., teacher=FILE) checks it as init=FILE is checked, by the same code."""
    said = {}
    for option in ("init", "teacher"):
        with pytest.raises(ConfigError) as refused:
            digitnet.train(mnist_small, epochs=1, handle_signals=False,
                           **{option: str(speech_model)})
        said[option] = str(refused.value)
    assert said["teacher"] == (f"--teacher {speech_model}: the model reads recordings (28x28 "
                               "pictures of their sound), the data has 28x28 images; train on "
                               "data of the model's kind, or without --teacher")
    assert said["teacher"] == said["init"].replace("--init", "--teacher")


@pytest.mark.parametrize("columns, problem", [
    ([1, 0, *range(2, 13)], "column 1 is 'alcohol' for the model and 'malic_acid' in the data; "
                            "give the columns the model was trained on, in its order"),
    (list(range(12)), "the model reads a table of 13 columns, the data has a table of 12 "
                      "columns; train on data of the model's kind, or without --teacher"),
], ids=["columns-swapped", "a-column-short"])
def test_a_teacher_reading_other_columns_is_refused_as_init_is(run, one_line, wine, tmp_path,
                                                               columns, problem):
    """Wine's classes, other columns: the teacher would read one column as another (or not
    read the rows at all), and the run went on to save a model. (--init with a column short
    is refused for its layers first: a fine-tuned model keeps them.)"""
    _, _, model = wine
    table = _wine_variant(tmp_path, "other.csv", columns)
    out = tmp_path / "student.safetensors"
    said = {}
    for option in ("--init", "--teacher"):
        r = run("train", "--data", table, option, model, "--epochs", "1", "--out", out)
        assert r.exit_code == 1, r.output
        said[option] = one_line(r.stderr)
    assert said["--teacher"] == f"digitnet: error: --teacher {model}: {problem}"
    if len(columns) == 13:
        assert said["--teacher"] == said["--init"].replace("--init", "--teacher")
    assert not out.exists()


# -- commands printed to be copied are quoted for the shell -----------------------------------

def _backticked(line: str) -> list[str]:
    """The command between backticks in ``line``, split as a shell splits it."""
    return shlex.split(re.search(r"`([^`]*)`", line)[1])


def test_a_missing_model_or_checkpoint_names_itself_in_the_command_to_run(run, one_line,
                                                                          tmp_path):
    model, checkpoint = tmp_path / "fold ü.safetensors", tmp_path / "ck ü's.ckpt"
    said = one_line(run("info", model).stderr)
    assert said.startswith(f"digitnet: error: {model}: no such file; train one with `")
    assert _backticked(said) == ["digitnet", "train", "--out", str(model)]
    said = one_line(run("train", "--resume", checkpoint).stderr)
    assert _backticked(said) == ["digitnet", "train", "--checkpoint", str(checkpoint)]


def test_tunes_commands_run_as_printed(run, wine, tmp_path):
    """The recipe's `digitnet train` line, pasted into a shell, trains on the same table with
    the same label column; the dashboard's names the study's database."""
    folder, table, _ = wine
    out = tmp_path / "res ü" / "best.json"
    out.parent.mkdir()
    r = run("tune", "--data", table, "--target", "wine kind", "--trials", "2", "--epochs", "2",
            "--pruner", "none", "--out", out)
    assert r.exit_code == 0, r.output
    dashboard = re.search(r"\(watch it: (optuna-dashboard .*?)\): searching", r.stderr)[1]
    assert shlex.split(dashboard) == ["optuna-dashboard",
                                      f"sqlite:///{(out.parent / 'tune.db').resolve()}"]
    command = r.stdout.strip().splitlines()[-1].split("; train it with: ")[1]
    assert shlex.split(command) == ["digitnet", "train", "--config", str(out), "--data",
                                    str(table), "--target", "wine kind"]
    pasted = subprocess.run(command.replace("digitnet", f"{shlex.quote(sys.executable)} -m "
                                            "digitnet", 1), shell=True, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert pasted.returncode == 0, pasted.stderr
    trained = modelfile.load(tmp_path / "digitnet-model.safetensors")
    assert trained.metadata["data"]["train"]["name"] == str(table)


def test_the_label_column_suggested_is_given_back_as_one_word(run, one_line, wine, tmp_path):
    """Labels first, in a column named with a space: the --target suggested reads back as
    that column, and training with it works."""
    data = sklearn_table("wine")
    table = write_csv(tmp_path / "first.csv", data.data, data.target_names[data.target],
                      data.feature_names, target="wine kind", first=True)
    out = tmp_path / "m.safetensors"
    said = one_line(run("train", "--data", table, "--epochs", "1", "--out", out).stderr)
    given = shlex.split(said.split("name it with ")[1].split(" (in Python")[0])
    assert given == ["--target", "wine kind"]
    r = run("train", "--data", table, *given, "--epochs", "1", "--out", out)
    assert r.exit_code == 0, r.output


def test_a_picture_given_as_data_is_named_in_the_predict_command(run, one_line, mnist,
                                                                 tmp_path):
    picture = tmp_path / "zwei ü.png"
    Image.fromarray(np.asarray(mnist.x[0], np.uint8)).save(picture)
    said = one_line(run("train", "--data", picture, "--out", tmp_path / "m.safetensors").stderr)
    command = said.split("to read this one picture, use ")[1]
    assert shlex.split(command) == ["digitnet", "predict", "MODEL", str(picture)]


def test_a_table_without_labels_is_named_in_the_predict_command(run, one_line, wine, tmp_path):
    """evaluate on the wine rows without their label column: the predict command offered
    names the model and the table, each one word."""
    _, _, model = wine
    data = sklearn_table("wine")  # (the last feature written where the labels would be)
    table = write_csv(tmp_path / "rows ü.csv", data.data[:, :12], data.data[:, 12],
                      data.feature_names[:12], target=data.feature_names[12])
    said = one_line(run("evaluate", model, "--data", table).stderr)
    command = said.split("(digitnet predict ")[1].split(" reads rows")[0]
    assert shlex.split(command) == [str(model), str(table)]
