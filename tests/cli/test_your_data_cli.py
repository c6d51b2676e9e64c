"""Your data through the command line: a real table (scikit-learn's wine) trained, evaluated
and read row by row; folders of real digits; class names in every answer; and each kind of bad
file refused with one line and exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv, write_digit_folder

from digitnet import inputs, modelfile
from digitnet.sources import SPECS

FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def wine_model(run, tmp_path_factory):
    """A 13-16-16-3 network trained by `digitnet train` on the wine table: (csv, model, report)."""
    folder = tmp_path_factory.mktemp("wine")
    csv = wine_csv(folder / "wine.csv")
    out = folder / "wine.safetensors"
    result = run("train", "--data", csv, "--hidden", "16,16", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return csv, out, json.loads(result.stdout)


def test_a_table_trains_with_sizes_from_the_data(wine_model):
    _, out, report = wine_model
    assert report["config"]["sizes"] == [13, 16, 16, 3]  # 13 columns, 3 classes
    # The table recipe (digitnet.recipes.TABLE): no shift augmentation, 200 epochs, L2 1e-4.
    assert [report["config"][k] for k in ("shift", "epochs", "weight_decay")] == [0, 200, 1e-4]
    assert report["classes"] == ["class_0", "class_1", "class_2"]
    assert report["test_accuracy"] is None  # a table has no test part to score
    net = modelfile.load(out)
    model_input = inputs.of(net)
    wine = sklearn_table("wine")
    assert model_input.columns == tuple(wine.feature_names)
    # Standardised with the training split's statistics: 160 of the 178 rows (val_fraction 0.1).
    assert report["n_train"] == 160 and model_input.mean is not None


def test_evaluate_scores_every_row_and_names_the_classes(run, wine_model):
    csv, out, report = wine_model
    text = run("evaluate", out, "--data", csv)
    assert text.exit_code == 0, text.output
    assert f"on {csv} (all, 178 examples)" in text.stdout
    for name in ("class_0", "class_1", "class_2"):  # the confusion matrix's rows and columns
        assert f"│ {name} " in text.stdout and f"┃ {name} ┃" in text.stdout
    ev = json.loads(run("evaluate", out, "--data", csv, "--json").stdout)
    assert ev["n"] == 178 and ev["classes"] == report["classes"] and ev["split"] == "all"
    val = json.loads(run("evaluate", out, "--data", csv, "--split", "val", "--json").stdout)
    assert val["n"] == 18 and val["accuracy"] == report["val_accuracy"]  # the same arithmetic


def test_predict_reads_the_rows_of_a_table(run, wine_model, tmp_path):
    csv, out, _ = wine_model
    result = run("predict", out, csv)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 178 and lines[0].startswith(f"{csv}[0]: class_")
    answers = [line.split(": ")[1].split()[0] for line in lines]
    # The same rows without the label column and with the columns in another order: found by
    # name, they give the same answers.
    wine = sklearn_table("wine")
    order = list(range(13))[::-1]
    shuffled = tmp_path / "unlabelled.csv"
    with open(shuffled, "w") as f:
        f.write(",".join(wine.feature_names[i] for i in order) + "\n")
        for row in wine.data:
            f.write(",".join(repr(float(row[i])) for i in order) + "\n")
    again = run("predict", out, shuffled, "--json")
    assert again.exit_code == 0, again.output
    rows = [json.loads(line) for line in again.stdout.splitlines()]
    assert [r["class"] for r in rows] == answers
    assert sum(a == t for a, t in zip(answers, wine.target_names[wine.target])) >= 150


def test_info_shows_the_table_and_its_classes(run, wine_model):
    _, out, _ = wine_model
    text = run("info", out).stdout
    assert "input       a table of 13 columns (standardised" in text and "alcohol" in text
    assert "classes     class_0, class_1, class_2" in text


def test_show_confusion_draws_a_table_model_and_weights_say_why_not(run, wine_model, tmp_path, one_line):
    csv, out, _ = wine_model
    result = run("show", "confusion", out, "--data", csv, "--out", tmp_path / "c.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c.png").stat().st_size > 0
    refused = run("show", "weights", out, "--out", tmp_path / "w.png")
    assert refused.exit_code == 1
    assert "not 28x28 pictures" in one_line(refused.stderr)


def test_a_folder_with_train_and_test(run, mnist, tmp_path):
    root = tmp_path / "digits"
    write_digit_folder(root / "train", mnist.x[:600], mnist.labels[:600])
    write_digit_folder(root / "test", mnist.x[600:800], mnist.labels[600:800])
    (root / "test" / "4" / "scan.txt").write_text("not a picture")
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", root, "--epochs", "2", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["config"]["sizes"] == [784, 16, 16, 10]
    assert report["n_train"] + report["n_val"] == 600
    assert report["test_accuracy"] is not None  # scored on test/
    assert "skipped 1 of 201 files" in result.stderr and "4/scan.txt" in result.stderr
    ev = run("evaluate", out, "--data", root, "--json")
    assert json.loads(ev.stdout)["n"] == 200 and json.loads(ev.stdout)["split"] == "test"


@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist "
                    "(apt-get install dataset-fashion-mnist), which the README's test command installs")
def test_answers_are_class_names(run, tmp_path):
    from digitnet import datasets

    out = tmp_path / "fashion.safetensors"
    result = run("train", "--data", "fashion-mnist", "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    names = SPECS["fashion-mnist"].classes
    net = modelfile.load(out)
    assert inputs.classes_of(net) == list(names)
    test = datasets.load("fashion-mnist", split="test")
    np.save(tmp_path / "ten.npy", test.x[:10].reshape(10, 784))
    lines = run("predict", out, tmp_path / "ten.npy").stdout.splitlines()
    expected = [names[k] for k in net.predict(test.x[:10])]
    assert [line.split(": ", 1)[1].split("  (")[0] for line in lines] == expected
    assert "Ankle boot" in run("evaluate", out, "--data", "fashion-mnist").stdout


def _table(tmp_path, change) -> Path:
    lines = wine_csv(tmp_path / "w.csv").read_text().splitlines()
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(change(lines)) + "\n")
    return path


def _cell(lines, line, column, value):
    cells = lines[line - 1].split(",")
    cells[column] = value
    return lines[:line - 1] + [",".join(cells)] + lines[line:]


def _png(path: Path) -> Path:
    from PIL import Image

    Image.fromarray(np.full((30, 30), 200, np.uint8)).save(path, format="PNG")
    return path


def _folder(tmp_path, mnist, kind: str) -> Path:
    root = tmp_path / kind
    root.mkdir()
    if kind == "loose":
        for i in range(2):
            _png(root / f"{i}.png")
    elif kind == "empty-class":
        write_digit_folder(root, mnist.x[:4], mnist.labels[:4])
        (root / "8").mkdir(exist_ok=True)
        for old in (root / "8").iterdir():
            old.unlink()
    elif kind == "unreadable":
        (root / "0").mkdir()
        (root / "0" / "a.png").write_bytes(b"\x89PNG broken")
        (root / "1").mkdir()  # (two classes: a single one is refused before reading)
        (root / "1" / "b.png").write_bytes(b"\x89PNG broken too")
    return root


#: Each kind of bad input, how to make it from real data, the words its one line must hold.
BAD = {
    "missing value": (lambda t, m: _table(t, lambda ls: _cell(ls, 5, 2, "")),
                      ["bad.csv: line 5, column 'ash': missing value"]),
    "word among numbers": (lambda t, m: _table(t, lambda ls: _cell(ls, 9, 0, "high")),
                           ["line 9, column 'alcohol': 'high' is not a number"]),
    "one class": (lambda t, m: _table(t, lambda ls: [ls[0]] + [x for x in ls if x.endswith("_2")]),
                  ["holds training rows of one class only, class_2",
                   "at least two classes"]),
    "ragged row": (lambda t, m: _table(t, lambda ls: ls[:3] + [ls[3][:ls[3].rindex(",")]] + ls[4:]),
                   ["line 4 has 13 cells but the header has 14 columns"]),
    "no header": (lambda t, m: _table(t, lambda ls: ls[1:]), ["line 1 holds numbers"]),
    "not a table": (lambda t, m: _png(t / "digit.csv"), ["digit.csv: not a text table"]),
    "npz without y": (lambda t, m: _npz(t, X=np.ones((4, 2))), ["holds X; digitnet reads an array X"]),
    "npz that is not": (lambda t, m: _bytes(t / "d.npz", b"PK?"), ["not a NumPy .npz archive"]),
    "a picture": (lambda t, m: _png(t / "seven.png"), ["seven.png is a picture, not a folder"]),
    "a text file": (lambda t, m: _bytes(t / "notes.txt", b"hello"), ["notes.txt is a file, not"]),
    "empty folder": (lambda t, m: _folder(t, m, "empty"), ["holds no class folders"]),
    "loose pictures": (lambda t, m: _folder(t, m, "loose"), ["holds 2 pictures but no class folders"]),
    "empty class": (lambda t, m: _folder(t, m, "empty-class"), ["class '8' has no pictures"]),
    "no readable picture": (lambda t, m: _folder(t, m, "unreadable"),
                            ["none of its pictures could be read", "0/a.png"]),
    "no such file": (lambda t, m: t / "wine.csv", ["wine.csv: no such file"]),
}


def _npz(tmp_path, **arrays) -> Path:
    np.savez(tmp_path / "d.npz", **arrays)
    return tmp_path / "d.npz"


def _bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("kind", list(BAD))
def test_each_bad_input_is_one_line(run, mnist, tmp_path, one_line, kind):
    make, words = BAD[kind]
    data = make(tmp_path, mnist)
    out = tmp_path / "never.safetensors"
    result = run("train", "--data", data, "--epochs", "1", "--out", out)
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert line.startswith("digitnet: error: ")
    for w in words:
        assert w in line, line
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--target", "colour"], ["no column 'colour' to take the labels from; the columns are"]),
    (["--shift", "1"], ["shift augmentation moves images", "is a table", "--shift 0"]),
    (["--hidden", "16", "--layers", "13,16,3"], ["--hidden", "--layers", "not both"]),
])
def test_bad_options_for_a_table_are_one_line(run, tmp_path, one_line, args, words):
    result = run("train", "--data", wine_csv(tmp_path / "wine.csv"), "--epochs", "1",
                 "--out", tmp_path / "m.safetensors", *args)
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert all(w in line for w in words), line


@pytest.mark.parametrize("table, labels, says", [
    ("breast_cancer", "names", "column 'diagnosis': 'malignant' is not a number; features must "
                               "be numbers: if 'diagnosis' holds the labels, name it with "
                               "--target diagnosis"),
    ("breast_cancer", "numbers", "535 different labels in column 'worst fractal dimension'; "
                                 "digitnet learns up to 256 classes"),
    ("wine", "numbers", "121 different labels among 178 rows"),
])
def test_the_wrong_label_column_is_caught(run, tmp_path, one_line, table, labels, says):
    """The labels in the first column, and no --target: the last column is taken for them."""
    bunch = sklearn_table(table)
    y = bunch.target_names[bunch.target] if labels == "names" else bunch.target
    path = write_csv(tmp_path / "t.csv", bunch.data, y, bunch.feature_names,
                     target="diagnosis", first=True)
    result = run("train", "--data", path, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert says in line and "--target" in line, line
    ok = run("train", "--data", path, "--target", "diagnosis", "--epochs", "1",
             "--out", tmp_path / "m.safetensors", "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["classes"] == [str(c) for c in sorted(set(y.tolist()))]


def test_init_from_a_model_of_another_shape_names_the_mismatch(run, small_model, wine_model,
                                                               tmp_path, one_line):
    _, model, _ = wine_model
    table = sklearn_table("wine")  # the same wines, one column fewer
    fewer = write_csv(tmp_path / "fewer.csv", table.data[:, 1:], table.target_names[table.target],
                      table.feature_names[1:])
    result = run("train", "--data", fewer, "--init", model, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: --init {model}: its layers are 13-16-16-3, the run's 12-16-16-3 (input "
        "layer 13 neurons, 12 inputs in the data); train on data of the model's shape, or "
        "without --init")
    # Data of another kind altogether is said to be so first, before it is read.
    other = run("train", "--data", wine_csv(tmp_path / "wine.csv"), "--init", small_model,
                "--out", tmp_path / "m.safetensors")
    assert one_line(other.stderr) == (f"digitnet: error: {tmp_path / 'wine.csv'} holds a table, "
                                      f"and --init {small_model} reads pictures; give data of the "
                                      "kind it was trained on")
