"""Fashion-MNIST's pictures saved as PNG files in class folders are read as they are.

A walker exported 300 real Fashion-MNIST pictures of each class as 28x28 PNG files into class
folders (train/ and test/, folders named "T-shirt_top", "Trouser", ...). ``digitnet train --data
fashion`` prepared them as MNIST's digits (each cropped to its ink and shrunk into 20x20: a
full-height trouser became 21 rows tall) and deskewed them: 75.6% on its test/, where the same
pixels given as arrays were read as they are. Now a folder's pictures are told apart as arrays
and IDX files are (:func:`digitnet.preparation.by_look`): nearly all 28x28 and not made as
MNIST's digits, they are read as they are (frames), not deskewed unless asked, said in one note,
and the model records it, so predict and evaluate read its files the same way. Photos of real
digits and MNIST's digits saved as PNG are still prepared as MNIST's digits; each picture file is
decoded once.
"""

from __future__ import annotations

import json

import numpy as np
import PIL.Image
import pytest
from click.testing import CliRunner
from PIL import Image
from real_data import fashion_mnist, write_digit_folder

import digitnet
from digitnet import PRESETS, datasets, inputs, modelfile, preparation, preprocess, recipes
from digitnet.cli import cli

PER_CLASS = {"train": 20, "test": 10}
NOTE = "read as they are (frames): they are 28x28 and not made as MNIST's digits; "


def folder_name(cls: str) -> str:
    return cls.replace("/", "_")  # ("T-shirt/top" cannot name a folder: as the walker's)


@pytest.fixture(scope="module")
def clothes(tmp_path_factory):
    """Real Fashion-MNIST pictures as 28x28 PNG files in class folders, train/ and test/, and
    each file's pixels by its name from the folder ("train/Trouser/00016.png")."""
    root = tmp_path_factory.mktemp("clothes") / "fashion"
    pixels = {}
    for split, n in PER_CLASS.items():
        data = fashion_mnist(split)
        for label, cls in enumerate(data.classes):
            for i in np.flatnonzero(data.labels == label)[:n]:
                name = f"{split}/{folder_name(cls)}/{i:05d}.png"
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(data.x[i], "L").save(root / name)
                pixels[name] = data.x[i]
    return root, pixels


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_they_are_read_as_they_are_and_recorded_so(clothes):
    root, pixels = clothes
    data = datasets.load(root, split="train")
    assert data.input == inputs.Images((28, 28), pictures="frames")
    assert preparation.of_data(data) == "frames"
    assert len(data) == 10 * PER_CLASS["train"]
    for name, x in zip(data.names, data.x):
        np.testing.assert_array_equal(x, pixels[name])  # (each pixel as the file holds it)
    assert data.note == f"{root}: {NOTE}" + (
        "nothing is cropped, centred or stretched, nor deskewed unless asked (--deskew, "
        "deskew=True), and a model trained on them reads picture files so")
    # the rule arrays of the same pixels are told by
    assert preparation.by_look(data.x) == "frames"
    assert preparation.of_data(datasets.from_arrays(data.x, data.labels)) == "frames"


def test_they_are_not_deskewed_unless_asked(clothes):
    data = datasets.load(clothes[0], split="train")
    assert data.classes != datasets.SPECS["fashion-mnist"].classes  # (not known by its names)
    assert recipes.for_data(PRESETS["default"], data).deskew is False
    asked = PRESETS["default"].replace(deskew=True)
    assert recipes.for_data(asked, data, given={"deskew"}).deskew is True


def test_each_file_is_decoded_once_and_none_made_as_a_digit(clothes, monkeypatch):
    root, pixels = clothes
    opened, made = [], []
    open_, to_mnist = PIL.Image.open, preprocess.to_mnist
    monkeypatch.setattr(PIL.Image, "open", lambda f, *a, **k: opened.append(f) or open_(f, *a, **k))
    monkeypatch.setattr(preprocess, "to_mnist", lambda *a, **k: made.append(a) or to_mnist(*a, **k))
    data = datasets.load(root, split="train")
    assert sorted(str(p) for p in opened) == sorted(str(root / n) for n in data.names)
    assert len(opened) == len(data) == 10 * PER_CLASS["train"]
    assert made == []


def test_split_all_is_told_once_from_train(clothes):
    root, pixels = clothes
    data = datasets.load(root, split="all")
    assert data.input.pictures == "frames"
    assert data.note.count(NOTE) == 1
    assert len(data) == sum(10 * n for n in PER_CLASS.values())
    for name, x in zip(data.names, data.x):
        np.testing.assert_array_equal(x, pixels[name])


def test_a_few_pictures_of_another_size_are_read_as_the_model_reads_them(clothes, tmp_path):
    """Nearly all 28x28 is enough: one of 20 pictures of a class saved twice as large is read
    as a model of frames reads that file, resized to 28x28."""
    root, pixels = clothes
    folder = tmp_path / "clothes"
    for name, x in pixels.items():
        if name.startswith("train/"):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(x, "L").save(folder / name)
    large = sorted(n for n in pixels if n.startswith("train/Bag/"))[0]
    Image.fromarray(pixels[large], "L").resize((56, 56), Image.Resampling.NEAREST).save(
        folder / large)
    data = datasets.load(folder / "train", split="train")
    assert data.input.pictures == "frames"
    frames = inputs.Images((28, 28), pictures="frames")
    at = data.names.index(large.removeprefix("train/"))
    read = preparation.picture(folder / large, frames)
    np.testing.assert_array_equal(data.x[at], np.round(read * 255).astype(np.uint8))
    np.testing.assert_array_equal(data.x[at], pixels[large])


@pytest.mark.parametrize("kind", ["photos and digits", "MNIST's digits as PNG", "photos",
                                  "dark on light"])
def test_photos_and_digits_are_still_prepared_as_mnists(mnist, tmp_path, monkeypatch, kind):
    """Real MNIST digits, a third of them photographed (dark ink on grey paper, 176x176), all
    of them saved as they are (28x28), or all photographed with a thicker pen, or saved 28x28
    dark on white: each file decoded once and made as MNIST's digits were (to_mnist), as
    before."""
    how = {"photos and digits": {}, "MNIST's digits as PNG": {"photo_every": 0},
           "photos": {"thick": 2}, "dark on light": {"photo_every": 0}}[kind]
    x = 255 - mnist.x[:40] if kind == "dark on light" else mnist.x[:40]
    paths = write_digit_folder(tmp_path, x, mnist.labels[:40], **how)
    opened = []
    open_ = PIL.Image.open
    monkeypatch.setattr(PIL.Image, "open", lambda f, *a, **k: opened.append(f) or open_(f, *a, **k))
    data = datasets.load(tmp_path, split="train")
    assert len(opened) == len(paths) == len(data)
    monkeypatch.undo()
    assert data.input.pictures == "digits" and preparation.of_data(data) == "digits"
    assert data.note is None
    for name, x in zip(data.names, data.x):
        made = np.round(preprocess.to_mnist(tmp_path / name) * 255).astype(np.uint8)
        np.testing.assert_array_equal(x, made)
    assert recipes.for_data(PRESETS["default"], data).deskew is True


def test_digitnet_train_says_it_once_and_the_model_reads_its_files_so(clothes, tmp_path):
    root, pixels = clothes
    model = tmp_path / "clothes.safetensors"
    trained = run("train", "--data", root, "--epochs", "2", "--out", model)
    notes = [line for line in trained.stderr.splitlines() if NOTE in line]
    assert notes == [f"note: {root}: {NOTE}" + notes[0].split(NOTE)[1]]
    net = digitnet.load(model)
    assert net.metadata["input"] == {"kind": "images", "shape": [28, 28], "pictures": "frames"}
    assert "  pictures    read as they are: grey, resized to 28x28" in run("info", model).stdout
    # a full-height trouser stays 28 rows tall, as the network saw it in training
    trouser = next(n for n, x in pixels.items() if "/Trouser/" in n
                   and (x.max(axis=1) > 0).all())
    run("predict", model, root / trouser, "--save-input", tmp_path / "seen")
    seen = np.asarray(Image.open(tmp_path / "seen" / trouser.split("/")[-1]))
    np.testing.assert_array_equal(seen, pixels[trouser])
    np.testing.assert_array_equal(inputs.of(net).read(root / trouser),
                                  pixels[trouser] * np.float32(1 / 255))
    # evaluate reads test/ as training's test score did
    said = trained.stdout.split("Test accuracy: ")[1].split("%")[0]
    scored = json.loads(run("evaluate", model, "--data", root, "--json").stdout)
    assert f"{100 * scored['accuracy']:.2f}" == said


def test_deskew_asked_is_kept(clothes, tmp_path):
    model = tmp_path / "deskewed.safetensors"
    run("train", "--data", clothes[0], "--epochs", "1", "--deskew", "--out", model)
    record = modelfile.read_metadata(model)["input"]
    assert record["pictures"] == "frames" and record["deskew"] is True


@pytest.mark.filterwarnings("default::UserWarning")
def test_python_train_on_the_folder(clothes):
    with pytest.warns(UserWarning) as caught:
        net = digitnet.train(clothes[0], epochs=1, handle_signals=False).network
    assert [str(w.message).count(NOTE) for w in caught if NOTE in str(w.message)] == [1]
    assert inputs.of(net) == inputs.Images((28, 28), pictures="frames")
