"""What the commands print and draw for models whose classes have names (Fashion-MNIST's
clothes, scikit-learn's wines, class folders named in words), beside digit models: evaluate's
confusion table headed alike in rows and columns, show confusion's axes and its classes with no
examples, info's class names and its history of many epochs, train's time when it is short, and
evaluate --json's note on the files of a folder it skipped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv, write_digit_folder

from digitnet import datasets, inputs, modelfile, viz
from digitnet.cli.labelled import as_model_reads
from digitnet.sources import SPECS

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's "
                                   "dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
#: Class folder names that a list joined by ", " would blur, or rich would read as markup.
WORDS = {0: "zero", 1: "one, uno", 2: "two two", 3: "[red]"}


@pytest.fixture(scope="module")
def wine(run, tmp_path_factory):
    """scikit-learn's wine table as CSV and a model trained on it by `digitnet train` (its
    default 200 epochs, a fraction of a second): (csv, model)."""
    folder = tmp_path_factory.mktemp("wines")
    csv, out = wine_csv(folder / "wine.csv"), folder / "wine.safetensors"
    result = run("train", "--data", csv, "--hidden", "16,16", "--out", out)
    assert result.exit_code == 0, result.output
    return csv, out


@pytest.fixture(scope="module")
def fashion(run, tmp_path_factory):
    """A model trained for one epoch on Fashion-MNIST's 60,000 real training images."""
    out = tmp_path_factory.mktemp("clothes") / "fashion.safetensors"
    result = run("train", "--data", "fashion-mnist", "--no-deskew", "--epochs", "1",
                 "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def worded(run, mnist, tmp_path_factory):
    """Real 0s to 3s in class folders named by WORDS, and a model trained on them."""
    root = tmp_path_factory.mktemp("worded")
    index = np.flatnonzero(mnist.labels < 4)[:400]
    write_digit_folder(root / "data", mnist.x[index], mnist.labels[index], photo_every=0,
                       names=WORDS)
    out = root / "worded.safetensors"
    result = run("train", "--data", root / "data", "--epochs", "2", "--out", out)
    assert result.exit_code == 0, result.output
    return root / "data", out


def _table(text: str) -> tuple[list[str], list[str]]:
    """The head row's cells and each row's head of the rich table in ``text``."""
    lines = text.splitlines()
    head = next(line for line in lines if line.startswith("┃"))
    rows = [line for line in lines if line.startswith("│")]
    return ([c.strip() for c in head.strip("┃").split("┃")],
            [r.strip("│").split("│")[0].strip() for r in rows])


# -- evaluate's confusion table ----------------------------------------------------------------


def test_a_digit_models_table_is_numbered_as_it_was(run, trained, digits_dir):
    text = run("evaluate", trained[0], "--data", digits_dir).stdout
    heads, rows = _table(text)
    assert heads == ["true", *map(str, range(10)), "accuracy"]
    assert rows == [str(d) for d in range(10)]
    assert "Confusion matrix (rows: true class, columns: the network's answer)\n" in text


def test_short_names_head_both_the_rows_and_the_columns(run, wine, worded):
    csv, model = wine
    heads, rows = _table(run("evaluate", model, "--data", csv).stdout)
    assert heads == ["true", "class_0", "class_1", "class_2", "accuracy"]
    assert rows == ["class_0", "class_1", "class_2"]
    folder, model = worded
    heads, rows = _table(run("evaluate", model, "--data", folder).stdout)
    names = sorted(WORDS.values())  # (class folders are numbered in sorted order)
    assert heads == ["true", *names, "accuracy"] and rows == names  # "[red]" not read as markup


@needs_fashion
def test_long_names_number_the_columns_and_each_row_says_its_number(run, fashion):
    text = run("evaluate", fashion, "--data", "fashion-mnist").stdout
    heads, rows = _table(text)
    assert heads == ["true", *map(str, range(10)), "accuracy"]
    assert rows == [f"{i} {name}" for i, name in enumerate(SPECS["fashion-mnist"].classes)]
    assert "columns: the network's answer, numbered as the rows)" in text
    assert max(len(line) for line in text.splitlines()[1:]) <= 100  # (the first names the file)


# -- show confusion's picture ------------------------------------------------------------------


def _labels(fig) -> tuple[str, str, list[str]]:
    ax = fig.axes[0]
    return ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.get_yticklabels()]


def test_the_picture_says_digit_for_digits_and_class_for_wines(run, trained, wine, mnist,
                                                               tmp_path):
    net = modelfile.load(trained[0])
    fig = viz.confusion_figure(net, inputs.of(net).rows(mnist.x[-300:]), mnist.labels[-300:])
    assert _labels(fig)[:2] == ("network's answer (digit)", "true digit (accuracy)")
    _, model = wine
    table = sklearn_table("wine")
    some = table.target < 2  # no wine of class_2
    part = write_csv(tmp_path / "two.csv", table.data[some], table.target_names[table.target[some]],
                     table.feature_names)
    net = modelfile.load(model)
    data = as_model_reads(net, datasets.load(str(part), split="train"), str(model))
    fig = viz.confusion_figure(net, inputs.of(net).rows(data.x), data.labels,
                               inputs.classes_of(net))
    across, down, rows = _labels(fig)
    assert (across, down) == ("network's answer (class)", "true class (accuracy)")
    assert "share of each true class" in fig.axes[0].get_title()
    assert rows[2] == "class_2 (no rows)"  # not "(0%)": there are none to be right about
    assert rows[0].startswith("class_0 (") and rows[0].endswith("%)")
    result = run("show", "confusion", model, "--data", part, "--out", tmp_path / "c.png")
    assert result.exit_code == 0, result.output


@needs_fashion
def test_long_names_stay_inside_the_picture(fashion):
    net = modelfile.load(fashion)
    test = datasets.load("fashion-mnist", split="test")
    fig = viz.confusion_figure(net, inputs.of(net).rows(test.x[:2000]), test.labels[:2000],
                               inputs.classes_of(net))
    fig.canvas.draw()
    renderer, ax = fig.canvas.get_renderer(), fig.axes[0]
    texts = [*ax.get_xticklabels(), *ax.get_yticklabels(), ax.xaxis.label, ax.yaxis.label]
    assert {t.get_text() for t in ax.get_xticklabels()} == set(SPECS["fashion-mnist"].classes)
    for text in texts:
        box = text.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0, text


# -- info --------------------------------------------------------------------------------------


def test_info_quotes_the_names_a_comma_or_space_would_blur(run, worded):
    _, model = worded
    line = next(x for x in run("info", model).stdout.splitlines() if x.startswith("  classes"))
    assert line == '  classes     [red], "one, uno", "two two", zero'


@needs_fashion
def test_info_quotes_fashions_ankle_boot(run, fashion):
    line = next(x for x in run("info", fashion).stdout.splitlines() if x.startswith("  classes"))
    assert line == ("  classes     T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, "
                    'Sneaker, Bag, "Ankle boot"')


def _history_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("  history     epoch  train loss  val loss  val acc  seconds")
    rest = lines[start + 1:]
    return rest[:next((i for i, x in enumerate(rest) if not x.startswith("     ")), len(rest))]


def test_info_shortens_a_long_history_and_json_keeps_it_all(run, wine):
    _, model = wine
    history = modelfile.load(model).metadata["history"]
    assert len(history) == 200
    lines = _history_lines(run("info", model).stdout)
    assert len(lines) <= 12
    epochs = [int(x.split()[0]) for x in lines if x.split()[0].isdigit()]
    left_out = [int(m[1]) for x in lines if (m := re.search(r"\.\.\.  (\d+) epochs? left out", x))]
    assert epochs[:3] == [1, 2, 3] and epochs[-3:] == [198, 199, 200]
    assert len(epochs) + sum(left_out) == 200 and lines[-1].endswith(
        f"all 200 epochs: digitnet info --json {model}")
    accuracies = [r["val_accuracy"] for r in history]
    best = next(x for x in lines if x.endswith("(best val acc)"))
    assert int(best.split()[0]) in [k + 1 for k, a in enumerate(accuracies)
                                    if a == max(accuracies)]
    assert json.loads(run("info", model, "--json").stdout)["history"] == history


def test_info_lists_a_short_history_whole(run, trained):
    lines = _history_lines(run("info", trained[0]).stdout)
    assert [int(x.split()[0]) for x in lines] == [1, 2]
    assert not any("left out" in x or "best" in x for x in lines)


# -- train's time, evaluate --json's note ------------------------------------------------------


def test_a_quick_training_does_not_say_it_took_no_time(run, wine, tmp_path):
    csv, _ = wine
    result = run("train", "--data", csv, "--epochs", "1", "--out", tmp_path / "one.safetensors")
    assert result.exit_code == 0, result.output
    said = re.search(r" for 1 epoch \((.+) of training steps\)$", result.stdout.splitlines()[0])[1]
    assert re.fullmatch(r"\d+\.\d s|\d+ ms|under 1 ms", said) and said != "0.0 s"


def test_evaluate_json_carries_the_note_on_skipped_files(run, trained, mnist, tmp_path):
    write_digit_folder(tmp_path / "mine", mnist.x[:100], mnist.labels[:100], photo_every=0)
    ok = json.loads(run("evaluate", trained[0], "--data", tmp_path / "mine", "--json").stdout)
    assert ok["note"] is None and ok["n"] == 100
    (tmp_path / "mine" / "3" / "notes.txt").write_text("a 3 I wrote")
    result = run("evaluate", trained[0], "--data", tmp_path / "mine", "--json")
    report = json.loads(result.stdout)
    assert report["n"] == 100
    assert f"note: {report['note']}" == result.stderr.strip()
    assert "skipped 1 of 101 files" in report["note"] and "3/notes.txt" in report["note"]


def test_evaluate_json_has_one_note_for_both_parts_of_all(run, trained, mnist, tmp_path):
    for part, index in (("train", range(100)), ("test", range(100, 200))):
        write_digit_folder(tmp_path / "d" / part, mnist.x[index], mnist.labels[index],
                           photo_every=0)
        (tmp_path / "d" / part / "5" / f"{part}.txt").write_text("not a picture")
    result = run("evaluate", trained[0], "--data", tmp_path / "d", "--split", "all", "--json")
    report = json.loads(result.stdout)
    assert report["n"] == 200 and report["split"] == "all"
    assert f"note: {report['note']}" == result.stderr.strip() == (
        f"note: {tmp_path / 'd'}: skipped 2 of 202 files, which are not pictures of a digit (or "
        "object): train/5/train.txt (not a picture), test/5/test.txt (not a picture); fix or "
        "remove them")
