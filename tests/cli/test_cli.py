"""The commands that read a model (info, evaluate, predict), and how every command fails:
one line on stderr and exit 1, or click's usage message and exit 2."""

import json

import numpy as np
import pytest

# (trains nothing itself: its usage errors are refused before training; the rest use `trained`)
pytestmark = pytest.mark.engine_independent


def test_info_shows_the_parameter_breakdown(run, trained):
    result = run("info", trained[0])
    assert result.exit_code == 0
    assert "784·16+16 + 16·16+16 + 16·10+10 = 13,002" in result.stdout
    assert "optimizer=adam" in result.stdout and "history" in result.stdout
    meta = json.loads(run("info", trained[0], "--json").stdout)
    assert meta["parameters"] == 13002 and len(meta["history"]) == 2


def test_evaluate_test_split(run, trained, digits_dir):
    result = run("evaluate", trained[0], "--data", digits_dir, "--json")
    assert result.exit_code == 0
    ev = json.loads(result.stdout)
    assert ev["n"] == 1000 and ev["accuracy"] == pytest.approx(trained[1]["test_accuracy"])
    assert np.array(ev["confusion"]).sum() == 1000 and len(ev["per_class"]) == 10
    assert np.trace(ev["confusion"]) / 1000 == pytest.approx(ev["accuracy"])
    table = run("evaluate", trained[0], "--data", digits_dir)
    assert "Confusion matrix" in table.stdout and "Accuracy:" in table.stdout


def test_evaluate_val_split_reproduces_training_figure(run, trained, digits_dir):
    ev = json.loads(run("evaluate", trained[0], "--data", digits_dir, "--split", "val", "--json").stdout)
    assert ev["n"] == trained[1]["n_val"]
    assert ev["accuracy"] == pytest.approx(trained[1]["val_accuracy"])


def test_evaluate_all_scores_the_train_and_test_parts_together(run, trained, digits_dir):
    from digitnet import datasets

    parts = {split: json.loads(run("evaluate", trained[0], "--data", digits_dir, "--split", split,
                                   "--json").stdout) for split in ("train", "val", "test", "all")}
    every = len(datasets.load(digits_dir, "train")) + len(datasets.load(digits_dir, "test"))
    assert parts["all"]["n"] == every == sum(parts[s]["n"] for s in ("train", "val", "test"))
    assert np.array_equal(parts["all"]["confusion"],
                          np.sum([parts[s]["confusion"] for s in ("train", "val", "test")], axis=0))
    assert f"(all, {every:,} examples)" in run("evaluate", trained[0], "--data", digits_dir,
                                            "--split", "all").stdout


def test_evaluate_test_on_folder_without_t10k(run, trained, train_only_dir, digits_dir,
                                             one_line):
    """A model trained on other data: --split all is what scores this folder (it said --split
    val, which is then refused: its held-out examples are not in these files)."""
    result = run("evaluate", trained[0], "--data", train_only_dir)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {train_only_dir}: no test files (t10k); this folder holds only "
        f"training data, and {trained[0]} was trained on other data ({digits_dir}): --split all "
        "scores all of its examples (fair only if it learned from none of them), or point --data "
        "at a folder with the t10k files")
    assert run("evaluate", trained[0], "--data", train_only_dir, "--split", "all").exit_code == 0


def test_predict_png_and_npy(run, trained, tmp_path, real_digit_images):
    from PIL import Image

    images, labels = real_digit_images
    files = []
    for img, label in zip(images, labels):
        path = tmp_path / f"digit{label}.png"
        Image.fromarray(img).save(path)
        files.append(path)
    np.save(tmp_path / "batch.npy", images.reshape(10, 784))
    np.save(tmp_path / "stack.npy", images)  # (10, 28, 28), as a stack of pictures comes
    result = run("predict", trained[0], *files, tmp_path / "batch.npy", tmp_path / "stack.npy",
                 "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 30
    assert [r["probabilities"] for r in rows[20:]] == [r["probabilities"] for r in rows[10:20]]
    rows = rows[:20]
    for row in rows:
        assert len(row["probabilities"]) == 10
        assert sum(row["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert row["index"] == int(np.argmax(row["probabilities"]))
        assert row["class"] == str(row["index"])  # MNIST's classes are named by their digits
    png_digits = [r["index"] for r in rows[:10]]
    npy_digits = [r["index"] for r in rows[10:]]
    # Same pixels, same answers: a PNG of an MNIST digit is prepared back into the same pixels
    # (to 8-bit rounding), unless to_mnist centres it a pixel otherwise than MNIST did.
    from digitnet.preprocess import to_mnist

    same = [np.abs(to_mnist(img) - img / 255).max() < 0.05 for img in images]
    assert sum(same) >= 8
    assert [p for p, s in zip(png_digits, same) if s] == [n for n, s in zip(npy_digits, same) if s]
    assert sum(d == label for d, label in zip(png_digits, labels)) >= 7


@pytest.mark.parametrize("args, line", [
    (["train", "--layers", "784,x,10"], "Invalid value for '--layers': expected comma-separated "
     "layer sizes such as 784,16,16,10, got '784,x,10'; see digitnet train --help"),
    (["train", "--activation", "swish"], "Invalid value for '--activation': 'swish' is not one "
     "of 'sigmoid', 'relu', 'leaky_relu', 'tanh'; see digitnet train --help"),
    (["train", "--epochs", "many"], "Invalid value for '--epochs': 'many' is not a valid "
     "integer; see digitnet train --help"),
    (["evaluate"], "Missing argument 'MODEL'; see digitnet evaluate --help"),
    (["show", "weights"], "Missing argument 'MODEL'; see digitnet show weights --help"),
    (["frobnicate"], "No such command 'frobnicate'; see digitnet --help"),
])
def test_usage_errors_are_one_line_and_exit_2(run, args, line, one_line):
    """As the other errors (README: "Errors are one line"), not click's usage, hint and error."""
    result = run(*args)
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"digitnet: error: {line}"


def test_corrupt_model_is_one_line_and_debug_shows_traceback(run, tmp_path, one_line):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    for command in (["info", bad], ["evaluate", bad], ["predict", bad, bad]):
        result = run(*command)
        assert result.exit_code == 1
        assert "broken.safetensors" in one_line(result.stderr)
        assert "Traceback" not in result.output
    from click.testing import CliRunner

    from digitnet.cli import cli

    debug = CliRunner().invoke(cli, ["--debug", "info", str(bad)])
    assert debug.exit_code == 1 and debug.exc_info[0].__name__ == "ModelFileError"


def test_an_array_of_another_shape_is_refused_saying_which_shapes_are_read(run, trained, tmp_path,
                                                                          one_line):
    np.save(tmp_path / "wide.npy", np.zeros((3, 28, 30), np.uint8))
    result = run("predict", trained[0], tmp_path / "wide.npy")
    assert result.exit_code == 1
    assert "wide.npy: array of shape (3, 28, 30)" in one_line(result.stderr)
    assert "(n, 28, 28) or (n, 784)" in result.stderr


def test_a_file_that_is_not_a_numeric_npy_array_is_refused_without_offering_to_unpickle(
        run, trained, tmp_path, one_line):
    (tmp_path / "junk.npy").write_bytes(b"RIFF not an array")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name, words in (("junk.npy", "not a .npy array"), ("objects.npy", "holds Python objects")):
        result = run("predict", trained[0], tmp_path / name)
        assert result.exit_code == 1
        message = one_line(result.stderr)
        assert f"{name}: {words}" in message and "numpy.save" in message
        assert "allow_pickle" not in message and "pickle.load" not in message


def test_output_piped_to_a_reader_that_stops_early_ends_quietly(trained, tmp_path, mnist):
    """`digitnet predict MODEL many.npy | head -1`: no error line when head stops reading."""
    import subprocess
    import sys

    np.save(tmp_path / "many.npy", mnist.x[:3000])  # ~150 KB of answers: more than a pipe holds
    with subprocess.Popen([sys.executable, "-m", "digitnet", "predict", str(trained[0]),
                           str(tmp_path / "many.npy")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as reader:
        first = reader.stdout.readline()
        reader.stdout.close()  # as head does after its first line
        stderr = reader.stderr.read()
        assert reader.wait(timeout=120) == 141  # as a Unix tool that SIGPIPE ends
    assert first.startswith(f"{tmp_path / 'many.npy'}[0]: ")
    assert stderr == ""


def test_predict_continues_after_a_bad_file(run, trained, tmp_path, real_digit_images):
    from PIL import Image

    good = tmp_path / "good.png"
    Image.fromarray(real_digit_images[0][3]).save(good)
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    result = run("predict", trained[0], bad, good, tmp_path / "missing.png")
    assert result.exit_code == 1
    assert "good.png:" in result.stdout
    assert "bad.png" in result.stderr and "missing.png" in result.stderr
