"""A model reads a picture file as its own pictures were made, decided when it was trained.

A model trained on Fashion-MNIST learned whole 28x28 frames; every picture file used to be
prepared as MNIST's digits were (cropped to the ink, fitted into 20x20, centred by mass), so its
own test images saved as PNG were misread (43.5% right from PNG files against 87% from the same
pixels as .npy; test image 0, an ankle boot, read as a sandal). Now the model's input record
says "frames", and its PNGs read exactly as its arrays: through ``digitnet predict`` (and
--save-input), ``evaluate`` on a folder of them, ``inputs.of(net).read`` in Python, and a model
from before the record held it (its metadata naming fashion-mnist). A model of MNIST's digits
still prepares photos as before (tests/cli/test_predict_show.py::
test_save_input_writes_what_the_network_saw checks --save-input against to_mnist; here, its
record and ``read``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from real_data import fashion_mnist

import digitnet
from digitnet import PRESETS, datasets, inputs, modelfile
from digitnet.cli import cli
from digitnet.errors import DataError
from digitnet.preprocess import to_mnist
from digitnet.training import train

N_TRAIN, N_TEST = 3000, 200


def fashion(split: str) -> datasets.Dataset:
    return fashion_mnist(split)


@pytest.fixture(scope="module")
def fashion_test() -> datasets.Dataset:
    return fashion("test").subset(slice(0, N_TEST))


@pytest.fixture(scope="module")
def fashion_model(tmp_path_factory):
    """A network trained on 3,000 real Fashion-MNIST pictures for 2 epochs, saved."""
    data = fashion("train").subset(slice(0, N_TRAIN))
    config = PRESETS["default"].replace(epochs=2, deskew=False)
    net = train(data, config, handle_signals=False).network
    path = tmp_path_factory.mktemp("fashion") / "fashion.safetensors"
    modelfile.save(net, path)
    return path


@pytest.fixture(scope="module")
def pngs(fashion_test, tmp_path_factory):
    """The test pictures saved as PNG, in class folders named by number (0..9), as a user
    saves a data set's pictures to look at them."""
    root = tmp_path_factory.mktemp("fashion-pngs")
    paths = []
    for i, (image, label) in enumerate(zip(fashion_test.x, fashion_test.labels)):
        path = root / str(label) / f"{i:03d}.png"
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(image, "L").save(path)
        paths.append(path)
    return root, paths


def run(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_fashion_model_records_that_it_reads_frames(fashion_model):
    net = digitnet.load(fashion_model)
    assert net.metadata["input"] == {"kind": "images", "shape": [28, 28], "pictures": "frames"}
    assert inputs.of(net).pictures == "frames"
    said = run("info", fashion_model)
    assert "  pictures    read as they are: grey, resized to 28x28; nothing cropped" in said


def test_predict_reads_its_own_pngs_as_its_arrays(fashion_model, fashion_test, pngs, tmp_path):
    net = digitnet.load(fashion_model)
    root, paths = pngs
    out = run("predict", fashion_model, *paths, "--json", "--save-input", tmp_path / "seen")
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["file"] for a in answers] == [str(p) for p in paths]
    proba = np.stack([net.predict_proba(x) for x in fashion_test.x])  # the uint8 arrays
    np.testing.assert_array_equal([a["index"] for a in answers], net.predict(fashion_test.x))
    np.testing.assert_allclose([a["probabilities"] for a in answers], proba, atol=1e-6)
    for i, path in enumerate(paths):  # what the network saw: the picture itself, not shrunk
        seen = np.asarray(Image.open(tmp_path / "seen" / f"{path.stem}.png"))
        np.testing.assert_array_equal(seen, fashion_test.x[i])
    boot = answers[0]  # test image 0, an ankle boot (read as a sandal before)
    assert fashion_test.labels[0] == 9 and boot["class"] == "Ankle boot", boot


def test_python_reads_them_as_the_model_does(fashion_model, fashion_test, pngs):
    net = digitnet.load(fashion_model)
    _, paths = pngs
    read = np.stack([inputs.of(net).read(p) for p in paths])
    np.testing.assert_array_equal(np.rint(read * 255), fashion_test.x)  # nothing cropped
    np.testing.assert_array_equal(net.predict(read), net.predict(fashion_test.x))
    np.testing.assert_allclose(net.predict_proba(read), net.predict_proba(fashion_test.x),
                               atol=1e-6)
    with pytest.raises(DataError) as caught:  # a file's name: told the model's own way to read
        net.predict(str(paths[0]))
    assert f"digitnet.inputs.of(net).read({str(paths[0])!r})" in str(caught.value)
    assert "to_mnist" not in str(caught.value)


@pytest.mark.filterwarnings("default::UserWarning")  # (its classes matched by number: a note)
def test_evaluate_on_a_folder_of_them_scores_as_on_the_arrays(fashion_model, fashion_test, pngs):
    net = digitnet.load(fashion_model)
    root, _ = pngs
    scored = json.loads(run("evaluate", fashion_model, "--data", root, "--json"))
    expected = digitnet.evaluate(net, fashion_test.x, fashion_test.labels)
    assert scored["n"] == N_TEST and scored["accuracy"] == pytest.approx(expected.accuracy)
    read = datasets.load(str(root), split="train", pictures=inputs.of(net))
    order = np.argsort(read.names)  # ("0/000.png" ...: back in the data's order)
    names = [f"{label}/{i:03d}.png" for i, label in enumerate(fashion_test.labels)]
    assert [read.names[i] for i in order] == sorted(names)
    by_name = dict(zip(read.names, read.x))
    np.testing.assert_array_equal(np.stack([by_name[n] for n in names]), fashion_test.x)


def test_a_model_from_before_the_record_reads_frames_when_its_data_was_fashion_mnist(
        fashion_model, fashion_test, pngs, tmp_path):
    net = digitnet.load(fashion_model)
    net.metadata["input"] = {"kind": "images", "shape": [28, 28]}  # as models were saved
    old = tmp_path / "old.safetensors"
    modelfile.save(net, old)
    net = digitnet.load(old)
    assert net.metadata["data"]["train"]["name"] == "fashion-mnist"
    assert inputs.of(net) == inputs.Images((28, 28), pictures="frames")
    _, paths = pngs
    out = run("predict", old, *paths[:20], "--json")
    np.testing.assert_array_equal([json.loads(line)["index"] for line in out.splitlines()],
                                  net.predict(fashion_test.x[:20]))
    net.metadata["data"]["train"]["name"] = "mnist"  # any other data: digits, as before
    assert inputs.of(net).pictures == "digits"


def test_where_the_pictures_came_from_decides(fashion_test, mnist, tmp_path):
    """Known data sets by name, pictures of unknown origin by how they look (Fashion-MNIST's
    and MNIST's real pictures as arrays), and a folder of pictures as digitnet reads it."""
    from digitnet import preparation

    assert preparation.of_data(fashion_test) == "frames"
    as_arrays = datasets.from_arrays(fashion_test.x, fashion_test.labels)
    assert preparation.of_data(as_arrays) == "frames"
    digits = mnist.subset(slice(0, 2000))
    assert preparation.of_data(digits) == "digits"  # (an IDX folder, named by its path)
    assert preparation.of_data(datasets.from_arrays(digits.x, digits.labels)) == "digits"
    for i in range(30):  # class folders of pictures, which digitnet reads as MNIST's digits
        (tmp_path / str(digits.labels[i])).mkdir(exist_ok=True)
        Image.fromarray(255 - digits.x[i]).save(tmp_path / str(digits.labels[i]) / f"{i}.png")
    assert preparation.of_data(datasets.load(str(tmp_path))) == "digits"
    net = train(as_arrays.subset(slice(0, 1000)), PRESETS["default"].replace(epochs=1),
                handle_signals=False).network
    assert inputs.of(net).pictures == "frames"  # digitnet.train on arrays of garments


def test_a_model_of_mnist_digits_still_prepares_photos_as_mnists_were(small_model, mnist):
    net = digitnet.load(small_model)
    assert inputs.of(net).pictures == "digits" and "pictures" not in net.metadata["input"]
    assert "  pictures    prepared as MNIST's digits were" in run("info", small_model)
    page = np.full((120, 90), 230, np.uint8)  # a real digit, dark on light paper, off-centre
    page[10:66, 30:86] = 255 - np.kron(mnist.x[20000], np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(inputs.of(net).read(page), to_mnist(page))
