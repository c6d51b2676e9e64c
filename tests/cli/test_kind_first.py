"""Data of another kind than the model reads is refused first, and before any of it is read:
`evaluate` a model of spoken digits on MNIST's training files is told they hold pictures (not
that they lack test files), `serve` a model of pictures with 2,500 recordings refuses without
hearing them, and `show robustness` of a model of recordings refuses before reading its
recordings. Real digits (MNIST) and real recordings (FSDD); real models trained on them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from digitnet import datasets, kinds

KIND = "; give data of the kind it was trained on"


@pytest.fixture
def nothing_read(monkeypatch):
    """Fails the test when any data set is loaded (every command reads data through
    datasets.load): a refusal must come first."""
    def load(name_or_dir, *args, **kwargs):
        raise AssertionError(f"{name_or_dir} was read before its kind was said")

    monkeypatch.setattr(datasets, "load", load)


@pytest.mark.parametrize("split", [None, "test", "all", "val"])
def test_evaluate_a_model_of_recordings_on_pictures_says_so_first(run, one_line, speech_model,
                                                                  mnist_dir, nothing_read, split):
    """MNIST's training files alone: not "no test files ... evaluate with --split val" (which
    would then fail too), but the kind, whatever the split."""
    r = run("evaluate", speech_model, "--data", mnist_dir, *(["--split", split] if split else []))
    assert r.exit_code == 1
    assert one_line(r.stderr) == (f"digitnet: error: {mnist_dir} holds pictures, and "
                                  f"{speech_model} reads recordings{KIND}")


def test_evaluate_a_model_of_pictures_on_recordings_reads_none(run, one_line, trained,
                                                               spoken_digits, nothing_read):
    model, _ = trained
    for data in (spoken_digits, spoken_digits.parent, "spoken-digits"):  # (nothing downloaded)
        r = run("evaluate", model, "--data", data)
        assert r.exit_code == 1
        assert one_line(r.stderr) == (f"digitnet: error: {data} holds recordings, and {model} "
                                      f"reads pictures{KIND}")


def test_fine_tuning_a_model_on_another_kind_of_data_reads_none(run, one_line, trained,
                                                                speech_model, spoken_digits,
                                                                mnist_dir, tmp_path,
                                                                nothing_read):
    model, _ = trained
    for init, data, holds, reads in ((model, spoken_digits, "recordings", "pictures"),
                                     (speech_model, mnist_dir, "pictures", "recordings")):
        r = run("train", "--init", init, "--data", data, "--out", tmp_path / "m.safetensors")
        assert r.exit_code == 1
        assert one_line(r.stderr) == (f"digitnet: error: {data} holds {holds}, and --init {init} "
                                      f"reads {reads}{KIND}")


def test_show_robustness_of_a_model_of_recordings_reads_none(run, one_line, speech_model,
                                                             trained, nothing_read):
    """Robustness distorts handwriting: refused before the recordings it was trained on (the
    default data) are read, for MODEL2 too, each named."""
    model, _ = trained
    for models in ([speech_model], [model, speech_model]):
        r = run("show", "robustness", *models)
        assert r.exit_code == 1
        line = one_line(r.stderr)
        assert line.startswith(f"digitnet: error: {speech_model}: robustness curves are for "
                               "image models"), line


def test_serve_refuses_recordings_for_a_model_of_pictures_before_hearing_them(
        run, one_line, trained, spoken_digits, busy_port, nothing_read):
    model, _ = trained
    for data in (spoken_digits, "spoken-digits"):
        r = run("serve", model, "--data", data, "--port", busy_port)
        assert r.exit_code == 1
        assert one_line(r.stderr) == (f"digitnet: error: {data} holds recordings, and {model} "
                                      f"reads pictures{KIND}")


def test_serve_refuses_pictures_for_a_model_of_recordings_before_reading_them(
        run, one_line, speech_model, mnist_dir, busy_port, nothing_read):
    r = run("serve", speech_model, "--data", mnist_dir, "--port", busy_port)
    assert r.exit_code == 1
    assert one_line(r.stderr) == (f"digitnet: error: {mnist_dir} holds pictures, and "
                                  f"{speech_model} reads recordings{KIND}")


def test_the_kind_of_each_source_is_told_from_names(spoken_digits, mnist, mnist_dir, tmp_path):
    """As datasets.load will read each: None where only reading it would tell."""
    pictures, voices, table = tmp_path / "pictures", tmp_path / "voices", tmp_path / "rows.csv"
    for digit in (3, 7):
        (pictures / "train" / str(digit)).mkdir(parents=True)
        (pictures / "test" / str(digit)).mkdir(parents=True)
        (voices / str(digit)).mkdir(parents=True)
        for part, i in (("train", 0), ("test", 1)):
            image = mnist.x[np.flatnonzero(mnist.labels == digit)[i]]
            Image.fromarray(image).save(pictures / part / str(digit) / "a.png")
        shutil.copy(spoken_digits / f"{digit}_jackson_7.wav", voices / str(digit) / "a.wav")
    table.write_text("x0,x1,label\n0.5,1.5,a\n2.5,0.5,b\n")
    np.savez(tmp_path / "arrays.npz", X=mnist.x[:2], y=mnist.labels[:2])
    told = {"mnist": "images", "kmnist": "images", "spoken-digits": "audio",
            mnist_dir: "images", spoken_digits: "audio", spoken_digits.parent: "audio",
            pictures: "images", voices: "audio", table: "table",
            tmp_path / "arrays.npz": None, tmp_path / "nowhere": None, "no-such-name": None}
    assert {source: kinds.kind_of(source) for source in told} == told
    for source in (mnist_dir, pictures, voices, table):  # and as loading finds them
        assert datasets.load(str(source)).input.kind == told[source], source
