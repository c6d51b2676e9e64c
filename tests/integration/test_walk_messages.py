"""What a new user met on a first walk through digitnet, each said plainly: a tune study or its
recipe given where a model goes, a recording's name given to a model of pictures, an edge edit
of `digitnet edit` without margin or weight, `--data` one folder too high (a folder of data
sets), and .npy arrays in a folder given to `digitnet predict`. Real data throughout: MNIST's
digits and FSDD's recordings (../shared/data), scikit-learn's wine table, and a real
`digitnet tune` study."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from real_data import wine_csv

import digitnet
from digitnet import datasets, modelfile, poke, recipes
from digitnet.cli import cli
from digitnet.errors import ConfigError, DataError, ModelFileError
from digitnet.training import train

pytestmark = pytest.mark.engine_independent  # (what a file given for what it is not is called)

RECORDING = "7_jackson_0.wav"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# -- a tune study and its recipe where a model goes ----------------------------------------------


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """A real `digitnet tune` run on the wine table: its study database and its best recipe."""
    folder = tmp_path_factory.mktemp("tuned")
    wine = wine_csv(folder / "wine.csv")
    r = run("tune", "--data", wine, "--trials", 1, "--epochs", 2, "--out", folder / "best.json")
    assert r.exit_code == 0, r.output
    return folder / "tune.db", folder / "best.json", wine


def test_a_tune_study_given_as_a_model_is_named_with_how_to_see_it(tuned, mnist_dir):
    db, _, wine = tuned
    said = (f"{db}: a study database of digitnet tune (SQLite), not a model file; see how its "
            f"search went with `digitnet show search {db}`")
    before = sorted(p.name for p in db.parent.iterdir())
    for args in (("info", db), ("predict", db, wine), ("evaluate", db, "--data", mnist_dir),
                 ("show", "weights", db)):
        r = run(*args)
        assert (r.exit_code, r.stderr) == (1, f"digitnet: error: {said}\n"), args
    with pytest.raises(ModelFileError) as caught:
        digitnet.load(db)
    assert str(caught.value) == said
    r = run("train", "--data", wine, "--resume", db)
    assert r.stderr == (f"digitnet: error: {db}: a study database of digitnet tune (SQLite), not "
                        "a training checkpoint; --resume needs the file written by --checkpoint\n")
    assert sorted(p.name for p in db.parent.iterdir()) == before  # (no -wal, -shm left beside)
    shown = run("show", "search", db, "--out", db.parent / "search.png")  # as it says
    assert shown.exit_code == 0, shown.output


def test_a_tune_recipe_given_as_a_model_is_named_with_how_to_train_it(tuned):
    _, best, wine = tuned
    r = run("info", best)
    assert (r.exit_code, r.stderr) == (1, (
        f"digitnet: error: {best}: a training recipe (a JSON object of training options, as "
        f"digitnet tune saves), not a model file; train a model with it: `digitnet train "
        f"--config {best} --data DATA`\n"))
    out = best.parent / "wine.safetensors"
    trained = run("train", "--config", best, "--data", wine, "--out", out)  # as it says
    assert trained.exit_code == 0, trained.output
    assert modelfile.load(out).sizes == tuple(json.loads(best.read_text())["sizes"])


def test_other_json_and_sqlite_files_are_named_as_before(tmp_path):
    import sqlite3

    edits = tmp_path / "edits.json"
    edits.write_text('{"off": [[1, 3]]}')
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    for path, what in ((edits, "a JSON file"), (other, "a SQLite database")):
        with pytest.raises(ModelFileError) as caught:
            digitnet.load(path)
        assert str(caught.value) == (f"{path}: {what}, not a model file; give a model saved by "
                                     "`digitnet train`")


# -- a recording's name given to a model of pictures ---------------------------------------------


def test_a_recordings_name_given_to_a_picture_model_says_it_reads_pictures(small_model,
                                                                          spoken_digits):
    net, path = digitnet.load(small_model), str(spoken_digits / RECORDING)
    for method, name in ((net.predict, "x"), (net.predict_proba, "x"), (net.forward, "x"),
                         (net.probabilities, "rows")):
        with pytest.raises(DataError) as caught:
            method(path)
        assert str(caught.value) == (
            f"{name}: {path!r} names a recording; this model reads pictures, not recordings: a "
            "speech model (one trained on recordings) hears those")
    with pytest.raises(DataError) as caught:
        net.predict([path, path])
    assert str(caught.value) == (
        f"x: holds names of recordings ({path!r}, ...); this model reads pictures, not "
        "recordings: a speech model (one trained on recordings) hears those")


def test_a_pictures_name_given_to_a_speech_model_says_it_hears_recordings(spoken_digits,
                                                                         real_digit_png):
    few = real_digit_png.parent / "recordings"  # 30 real recordings, FSDD-named
    few.mkdir()
    for digit in range(10):
        for speaker in ("george", "jackson", "lucas"):
            shutil.copy(spoken_digits / f"{digit}_{speaker}_5.wav", few)
    data = datasets.load(str(few))
    config = recipes.for_data(digitnet.PRESETS["default"].replace(epochs=2), data)
    net = train(data, config, handle_signals=False).network
    with pytest.raises(DataError) as caught:
        net.predict(str(real_digit_png))
    assert str(caught.value) == (
        f"x: {str(real_digit_png)!r} names a picture; this model hears recordings, not "
        "pictures: a model trained on pictures reads those")


@pytest.fixture
def real_digit_png(mnist, tmp_path):
    path = tmp_path / "seven.png"
    Image.fromarray(255 - mnist.x[int(np.flatnonzero(mnist.labels == 7)[0])]).save(path)
    return path


# -- an edge edit without margin or weight -------------------------------------------------------


def test_an_edge_edit_takes_edge_detectors_defaults(small_model, tmp_path):
    net = modelfile.load(small_model)
    strip = {"op": "edge", "layer": 1, "neuron": 0, "top": 12, "left": 4, "height": 3,
             "width": 20}
    expected = poke.Changes(edits=(poke.edge_detector(net, 0, 12, 4, 3, 20),)).apply(net)
    for given, margin in (({}, 1), ({"margin": 2}, 2)):
        edits, out = tmp_path / f"edits{margin}.json", tmp_path / f"edge{margin}.safetensors"
        edits.write_text(json.dumps({"edits": [{**strip, **given}]}))
        r = run("edit", small_model, edits, "--out", out)
        assert r.exit_code == 0, r.output
        want = (expected if margin == 1 else poke.Changes(
            edits=(poke.edge_detector(net, 0, 12, 4, 3, 20, margin=2),)).apply(net))
        assert np.array_equal(modelfile.load(out).params, want.params)
    weight = float(np.abs(net.weights[0]).max())
    assert (f"layer 1 neuron 0: made an edge detector on the 3x20 pixels from (12, 4), border 1 "
            f"wide, weight {weight:g}") in run("info", tmp_path / "edge1.safetensors").stdout
    assert '"margin" (default 1) and "weight" (default: the first layer\'s largest |w|) may be ' \
           "left out" in " ".join(run("edit", "--help").stdout.split())


def test_an_edge_edit_read_without_its_network_says_what_weight_needs(small_model):
    net = modelfile.load(small_model)
    strip = {"op": "edge", "layer": 1, "neuron": 0, "top": 12, "left": 4, "height": 3,
             "width": 20}
    with pytest.raises(ConfigError) as caught:
        poke.Changes.from_json({"edits": [strip]})
    assert str(caught.value) == (
        "edits[0].weight: missing from the edge edit, and its default (as poke.edge_detector's: "
        "the first layer's largest |w|) is the network's; give one, or read the changes with "
        "the network they are for: Changes.from_json(changes, net)")
    read = poke.Changes.from_json({"edits": [{**strip, "weight": 0.5}]})
    assert read.edits[0]["margin"] == poke.changes.EDGE_MARGIN == 1
    assert poke.Changes.from_json({"edits": [strip]}, net).edits == (
        poke.edge_detector(net, 0, 12, 4, 3, 20),)


# -- a folder of data sets given to --data -------------------------------------------------------


def test_a_folder_of_data_sets_says_to_give_one_of_them(mnist_dir, spoken_digits, tmp_path):
    shelf = tmp_path / "data"
    shelf.mkdir()
    (shelf / "mnist-train-prefix").symlink_to(mnist_dir)
    (shelf / "free-spoken-digits").symlink_to(spoken_digits.parent)
    (shelf / "README.md").write_text("real data\n")
    said = (f"{shelf}: looks like a folder of data sets (free-spoken-digits/ and "
            "mnist-train-prefix/), not class folders of one data set; give one of them with "
            f"--data, such as --data {shelf / 'free-spoken-digits'}")
    r = run("train", "--data", shelf, "--epochs", 1, "--out", tmp_path / "m.safetensors")
    assert (r.exit_code, r.stderr) == (1, f"digitnet: error: {said}\n")
    with pytest.raises(DataError) as caught:
        datasets.load(str(shelf))
    assert str(caught.value) == said
    (shelf / "free-spoken-digits").unlink()
    with pytest.raises(DataError) as caught:
        datasets.load(str(shelf))
    assert str(caught.value) == (
        f"{shelf}: holds a data set, mnist-train-prefix/, not class folders of one data set; "
        f"give it with --data, such as --data {shelf / 'mnist-train-prefix'}")
    assert len(datasets.load(str(shelf / "mnist-train-prefix"))) == 24345  # as it says


def test_a_class_folder_without_pictures_is_still_told_to_get_some(mnist, tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
    Image.fromarray(mnist.x[0]).save(tmp_path / "cat" / "a.png")
    (tmp_path / "dog" / "notes.txt").write_text("to do\n")
    with pytest.raises(DataError, match=r"class 'dog' has no pictures .*; add some or remove"):
        datasets.load(str(tmp_path))


# -- .npy arrays in a folder given to predict ----------------------------------------------------


@pytest.mark.filterwarnings("default::UserWarning")  # the note, shown as the command shows it
def test_predict_reads_the_npy_arrays_in_a_folder_as_when_named(small_model, mnist, tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    np.save(folder / "arr.npy", mnist.x[:2])
    Image.fromarray(mnist.x[5]).save(folder / "five.png")
    (folder / "notes.txt").write_text("two digits and a picture\n")
    r = run("predict", small_model, folder)
    assert r.exit_code == 0, r.output
    named = run("predict", small_model, folder / "arr.npy", folder / "five.png")
    assert r.stdout == named.stdout
    assert [line.split(":")[0] for line in r.stdout.splitlines()] == [
        f"{folder / 'arr.npy'}[0]", f"{folder / 'arr.npy'}[1]", str(folder / "five.png")]
    assert r.stderr == (f"note: {folder}: 1 other file left out (notes.txt): this model reads "
                        "pictures (.png, .jpg, .jpeg, .bmp, .gif, .webp, .tif, .tiff, .npy)\n")
    assert "named or in a FOLDER" in " ".join(run("predict", "--help").stdout.split())
