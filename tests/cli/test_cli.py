import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from digitnet import load

FAST = ["--epochs", "2"]


@pytest.fixture(scope="module")
def trained(run, digits_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "m.safetensors"
    result = run("train", "--data", digits_dir, *FAST, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


@pytest.fixture(scope="module")
def run():
    from click.testing import CliRunner

    from digitnet.cli import cli

    return lambda *args: CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_train_json_reports_one_object(trained):
    out, report = trained
    assert report["model"] == str(out) and out.exists()
    assert report["epochs"] == 2 and len(report["history"]) == 2
    assert 0.5 < report["val_accuracy"] <= 1
    assert 0.5 < report["test_accuracy"] <= 1  # the folder has t10k files
    assert report["seconds"] == pytest.approx(sum(h["seconds"] for h in report["history"]))
    assert report["n_train"] + report["n_val"] == 2999  # the digits in the folder
    assert report["n_val"] == pytest.approx(300, abs=5)  # 10%, stratified
    assert report["config"]["sizes"] == [784, 16, 16, 10]


def test_train_plain_output(run, train_only_dir, tmp_path):
    result = run("train", "--data", train_only_dir, "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 0
    assert "Validation accuracy:" in result.stdout and "Saved the model to" in result.stdout
    assert "Test accuracy" not in result.stdout  # no t10k files there


def test_video_preset_and_options(run, train_only_dir, tmp_path):
    out = tmp_path / "v.safetensors"
    result = run("train", "--data", train_only_dir, "--preset", "video", "--epochs", "1",
                 "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.1", "--batch-size", "64",
                 "--out", out)
    assert result.exit_code == 0, result.output
    net = load(out)
    assert net.activation.name == "sigmoid"
    assert net.metadata["config"]["optimizer"] == "sgd" and net.metadata["config"]["batch_size"] == 64


def test_custom_layers(run, train_only_dir, tmp_path):
    out = tmp_path / "w.safetensors"
    result = run("train", "--data", train_only_dir, "--layers", "784,32,10", "--activation", "tanh",
                 "--output", "sigmoid", "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert load(out).sizes == (784, 32, 10)


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


def test_evaluate_test_on_folder_without_t10k(run, trained, train_only_dir, one_line):
    result = run("evaluate", trained[0], "--data", train_only_dir)
    assert result.exit_code == 1
    assert "no test files" in one_line(result.stderr) and "--split val" in result.stderr


def test_predict_png_and_npy(run, trained, tmp_path, real_digit_images):
    from PIL import Image

    images, labels = real_digit_images
    files = []
    for img, label in zip(images, labels):
        path = tmp_path / f"digit{label}.png"
        Image.fromarray(img).save(path)
        files.append(path)
    np.save(tmp_path / "batch.npy", images.reshape(10, 784))
    result = run("predict", trained[0], *files, tmp_path / "batch.npy", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 20
    for row in rows:
        assert len(row["probabilities"]) == 10
        assert sum(row["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert row["digit"] == int(np.argmax(row["probabilities"]))
    png_digits = [r["digit"] for r in rows[:10]]
    npy_digits = [r["digit"] for r in rows[10:]]
    assert png_digits == npy_digits  # same pixels, same answers
    assert sum(d == label for d, label in zip(png_digits, labels)) >= 7


@pytest.mark.parametrize("args, message", [
    (["train", "--epochs", "0"], "epochs must be >= 1"),
    (["train", "--lr", "-0.1"], "lr must be a positive number"),
    (["train", "--val-fraction", "1.5"], r"val_fraction must be in \[0, 1\)"),
    (["train", "--data", "no-such-dataset"], "no-such-dataset"),
])
def test_bad_training_options_are_one_line(run, args, message, one_line):
    result = run(*args)
    assert result.exit_code == 1
    import re

    assert re.search(message, one_line(result.stderr))


@pytest.mark.parametrize("args", [
    ["train", "--layers", "784,x,10"],
    ["train", "--activation", "swish"],
    ["train", "--epochs", "many"],
    ["evaluate"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(run, args):
    assert run(*args).exit_code == 2


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


def test_resume_rejects_changed_options(run, tmp_path):
    result = run("train", "--resume", tmp_path / "c.ckpt", "--epochs", "5")
    assert result.exit_code == 2 and "--epochs cannot be changed when resuming" in result.output


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


def _train_process(args, **kw):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "digitnet", "train", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_saves_checkpoint_and_resume_is_bit_identical(digits_dir, tmp_path, sig):
    # Many short epochs: however fast training is, the signal lands long before the end.
    common = ["--data", digits_dir, "--epochs", "300", "--shift", "1"]
    straight = tmp_path / "straight.safetensors"
    done = _train_process([*common, "--out", straight])
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err

    ckpt = tmp_path / "run.ckpt"
    proc = _train_process([*common, "--checkpoint", ckpt, "--out", tmp_path / "never.safetensors"])
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:  # first epoch finished
        time.sleep(0.05)
    assert ckpt.exists()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "training interrupted in epoch" in err and f"--resume {ckpt}" in err
    assert "epoch 300," not in err  # it stopped where it was told to, not at the end
    assert "Traceback" not in err
    assert not (tmp_path / "never.safetensors").exists()

    resumed = tmp_path / "resumed.safetensors"
    proc = _train_process(["--data", digits_dir, "--resume", ckpt, "--out", resumed])
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert load(resumed).params.tobytes() == load(straight).params.tobytes()
