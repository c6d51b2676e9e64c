"""``digitnet info`` on a model changed by hand after training (``digitnet edit``), and on one
trained without a validation split: what it says is true of the file it reads."""

from __future__ import annotations

import json
import math
import shlex
import time
from datetime import datetime, timezone

import pytest
from PIL import Image

from digitnet import modelfile

CHANGES = {"off": [[1, 2]], "edits": [
    {"op": "bias", "layer": 2, "neuron": 0, "value": -1.5},
    {"op": "scale", "layer": 1, "neuron": 4, "factor": -3.0}]}
DESCRIBED = ["layer 2 neuron 0: bias set to -1.5",
             "layer 1 neuron 4: incoming weights multiplied by -3",
             "layer 1 neuron 2: switched off"]


def _strictly_json(text: str):
    """``text`` parsed as JSON proper: NaN and Infinity, which Python writes, are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def edited(run, trained, tmp_path_factory):
    """The trained model saved by `digitnet edit` with CHANGES, at least a second after it was
    trained (so its own save time can be told from the original's): (path, original's saved)."""
    original = modelfile.load(trained[0]).metadata["saved"]
    while datetime.now(timezone.utc).isoformat(timespec="seconds") <= original:
        time.sleep(0.1)
    folder = tmp_path_factory.mktemp("edited")
    (folder / "changes.json").write_text(json.dumps(CHANGES))
    out = folder / "edited.safetensors"
    result = run("edit", trained[0], folder / "changes.json", "--out", out)
    assert result.exit_code == 0, result.output
    return out, original


def test_info_lists_the_edits_and_labels_the_figures_as_from_before_them(run, trained, edited):
    out, original_saved = edited
    text = run("info", out).stdout
    lines = text.splitlines()
    start = lines.index("  edited      by hand after training, in this order:")
    assert [line.strip() for line in lines[start + 1:start + 4]] == DESCRIBED
    meta = modelfile.load(trained[0]).metadata
    val_accuracy = meta["metrics"]["val_accuracy"]
    # The trained model's figures are there, but said to be from before the edits.
    metrics = next(line for line in lines if line.startswith("  metrics "))
    assert metrics.startswith(f"  metrics     before the edits: val_accuracy {val_accuracy:.4f},")
    assert "  history     before the edits:" in lines
    assert "the metrics and history below are the model's before these edits;" in text
    # The file's own save time, not the trained model's.
    saved = next(line for line in lines if line.startswith("  saved "))
    assert original_saved not in saved and modelfile.load(out).metadata["saved"] in saved
    # The command info suggests measures the edited model: on the same held-out digits, a
    # different accuracy than the one recorded before the edits.
    hint = next(line for line in lines if "measure it as it is with " in line)
    command = shlex.split(hint.split("measure it as it is with ", 1)[1])
    assert command[:2] == ["digitnet", "evaluate"] and "--split" in command
    measured = _strictly_json(run(*command[1:], "--json").stdout)
    assert measured["split"] == "val"
    assert measured["accuracy"] != pytest.approx(val_accuracy, abs=1e-4)


def test_info_json_lists_the_edits_in_words(run, trained, edited):
    out, _ = edited
    info = _strictly_json(run("info", out, "--json").stdout)
    assert info["changes"] == [CHANGES]  # as the file records them, for a program
    assert info["edited"] == {"described": DESCRIBED, "before_edits": ["metrics", "history"]}
    intact = _strictly_json(run("info", trained[0], "--json").stdout)
    assert "edited" not in intact and "changes" not in intact
    assert "edited" not in run("info", trained[0]).stdout


def test_info_shows_a_dash_where_validation_was_not_measured(run, trained, mnist, tmp_path):
    """Fine-tuning on five pictures of each digit holds none out: the history has no validation
    loss or accuracy, and info says so with a dash (no "nan"); --json stays valid JSON."""
    mine = tmp_path / "mine"
    for digit in range(10):
        (mine / str(digit)).mkdir(parents=True)
        for k, i in enumerate((mnist.labels == digit).nonzero()[0][-5:]):
            Image.fromarray(255 - mnist.x[i]).save(mine / str(digit) / f"{k}.png")
    out = tmp_path / "mine.safetensors"
    result = run("train", "--init", trained[0], "--data", mine, "--epochs", "2", "--out", out)
    assert result.exit_code == 0, result.output
    history = modelfile.load(out).metadata["history"]
    assert len(history) == 2 and all("val_accuracy" not in r for r in history)

    text = run("info", out).stdout
    assert "nan" not in text.lower()
    lines = text.splitlines()
    start = lines.index("  history     epoch  train loss  val loss  val acc  seconds")
    for record, line in zip(history, lines[start + 1:start + 3]):
        epoch, train_loss, val_loss, val_acc, seconds = line.split()
        assert (int(epoch), float(train_loss)) == (record["epoch"],
                                                   pytest.approx(record["train_loss"], abs=1e-4))
        assert val_loss == val_acc == "-"
        assert math.isclose(float(seconds), record["seconds"], abs_tol=0.01)
    info = _strictly_json(run("info", out, "--json").stdout)
    assert info["history"] == history
