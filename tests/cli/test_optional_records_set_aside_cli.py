"""Through the command line, a model whose records that do not change what its network computes
(history, metrics, data, init, imported, changes) were edited by hand into ones that are not
valid: ``info``, ``predict``, ``evaluate``, ``serve`` and ``train --init`` read the network as
ever, each record set aside with one note on stderr naming the file, the record, what is wrong
and that the network was read without it; a record that does change the answers (the classes)
is refused in one line, with no note. The model is trained by ``digitnet train`` on real
digits; the edits rewrite its metadata with the safetensors library, and the file is left as
it was."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys

import httpx
import pytest
from ctrl_c import ctrl_c
from model_edits import edited
from PIL import Image
from serve_process import no_bug, start

FIX = "the file was edited or is corrupt — re-save or retrain it"


def digitnet(*args) -> subprocess.CompletedProcess:
    """``digitnet ARGS`` in a process of its own, with Python's own warning filters (as a user
    runs it: the suite's turn warnings into errors)."""
    return subprocess.run([sys.executable, "-m", "digitnet", *map(str, args)], check=False,
                          capture_output=True, text=True, timeout=120)


def notes(stderr: str, path) -> dict[str, str]:
    """The records ``stderr``'s notes set aside, each with what it says is wrong; checks each
    line is such a note, and the notes name each record once."""
    found = {}
    for line in stderr.splitlines():
        head = f"note: {path}: its metadata '"
        assert line.startswith(head), line
        record, _, said = line.removeprefix(head).partition("' ")
        assert record not in found, f"noted twice: {record}"
        what, _, rest = said.partition(f"; it is ignored (kept as metadata '{record}_ignored'): "
                                       "the network loads and predicts as saved, without ")
        assert rest.endswith(f"; {FIX}"), line
        found[record] = what
    return found


@pytest.fixture(scope="module")
def digit_png(real_digit_images, tmp_path_factory):
    path = tmp_path_factory.mktemp("png") / "seven.png"
    Image.fromarray(real_digit_images[0][7]).save(path)
    return path


@pytest.fixture(scope="module")
def info_as_saved(trained):
    info = digitnet("info", trained[0])
    assert info.returncode == 0 and not info.stderr, info.stderr
    return info.stdout.splitlines()


#: The lines of ``info`` that show each record: the one beginning so, and for the history the
#: table of its epochs after it (the last thing shown).
SHOWN_BY = {"history": "  history", "metrics": "  metrics", "data": "  data"}
EDITS = [  # (record, its value edited, what the note says is wrong with it)
    ("history", "nope", "is 'nope', not a list of the epochs' records"),
    ("history", [{"epoch": -1, "train_loss": 0.5}],
     "has a record (0) whose epoch is -1, not a whole number from 1"),
    ("metrics", {"val_accuracy": math.nan}, "holds val_accuracy nan, not a number"),
    ("metrics", [0.9], "is [0.9], not an object"),
    ("data", {"train": "mnist"}, ("holds train 'mnist', not the fingerprint of a data set (its "
                                  "name, n and files)")),
    ("init", {"val_accuracy": 0.5}, ("is {'val_accuracy': 0.5}, not the record of the model a "
                                     "run started from (its model, with any figures numbers)")),
    ("imported", "model.onnx", "is 'model.onnx', not an object"),
    ("changes", 5, "is 5, not a list of the changes made by hand"),
]


@pytest.mark.parametrize("record, value, said", EDITS,
                         ids=[f"{r}-{s[:24]}" for r, _, s in EDITS])
def test_info_shows_the_rest_and_notes_the_record_once(trained, info_as_saved, tmp_path, record,
                                                       value, said):
    bad = edited(trained[0], tmp_path / "edited.safetensors", **{record: value})
    before = hashlib.sha256(bad.read_bytes()).digest()
    info = digitnet("info", bad)
    assert info.returncode == 0, info.stderr
    assert notes(info.stderr, bad) == {record: said}
    expected = [str(bad), *info_as_saved[1:]]
    if record in SHOWN_BY:
        at = next(i for i, line in enumerate(expected) if line.startswith(SHOWN_BY[record]))
        del expected[at:None if record == "history" else at + 1]
    assert info.stdout.splitlines() == expected
    assert hashlib.sha256(bad.read_bytes()).digest() == before  # never rewritten


def test_info_json_shows_the_records_set_aside_as_json(trained, tmp_path):
    bad = edited(trained[0], tmp_path / "edited.safetensors", history="nope",
                    metrics={"val_accuracy": math.nan, "epochs_trained": 2}, data=[1])
    info = digitnet("info", "--json", bad)
    assert info.returncode == 0, info.stderr
    assert set(notes(info.stderr, bad)) == {"history", "metrics", "data"}

    def no_nan(constant):
        raise AssertionError(f"{constant} is no JSON")

    shown = json.loads(info.stdout, parse_constant=no_nan)
    assert not {"history", "metrics", "data"} & shown.keys()
    assert (shown["history_ignored"], shown["metrics_ignored"], shown["data_ignored"]) == (
        "nope", {"val_accuracy": "NaN", "epochs_trained": 2}, [1])
    assert shown["config"] == trained[1]["config"]


def test_predict_and_evaluate_answer_as_the_file_as_saved(trained, digit_png, digits_dir,
                                                         tmp_path):
    bad = edited(trained[0], tmp_path / "edited.safetensors", history=[3], metrics="high")
    predicted = digitnet("predict", bad, digit_png)
    assert predicted.returncode == 0, predicted.stderr
    assert notes(predicted.stderr, bad) == {
        "history": "is [3], not a list of the epochs' records",
        "metrics": "is 'high', not an object"}
    assert predicted.stdout == digitnet("predict", trained[0], digit_png).stdout

    evaluated = [digitnet("evaluate", model, "--data", digits_dir, "--split", "test", "--json")
                 for model in (bad, trained[0])]
    assert evaluated[0].returncode == 0, evaluated[0].stderr
    assert set(notes(evaluated[0].stderr, bad)) == {"history", "metrics"}
    assert json.loads(evaluated[0].stdout)["accuracy"] == \
        json.loads(evaluated[1].stdout)["accuracy"]


@pytest.mark.parametrize("value", [{"train": "mnist"}, None])
def test_the_validation_split_without_the_data_record_is_refused(trained, digits_dir, tmp_path,
                                                                 value):
    """Its validation split cannot be rebuilt without knowing which data it split: once the
    record is set aside (or missing) the split is refused, not taken from whatever data is
    given (it was taken from other data, training digits among them)."""
    bad = edited(trained[0], tmp_path / "edited.safetensors", data=value)
    result = digitnet("evaluate", bad, "--data", digits_dir, "--split", "val")
    assert result.returncode == 1 and result.stdout == ""
    *noted, error = result.stderr.splitlines()
    assert set(notes("\n".join(noted), bad)) == ({"data"} if value else set())
    assert error == (f"digitnet: error: {bad}: the model does not record the data it was "
                     "trained on, so its validation split (the examples held out when it was "
                     "trained) is unknown; use the test split")
    assert digitnet("evaluate", trained[0], "--data", digits_dir, "--split", "val").returncode == 0


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_train_init_starts_from_the_weights(run, trained, tiny_dir, tmp_path):
    bad = edited(trained[0], tmp_path / "edited.safetensors", history="nope",
                    init=["start.safetensors"])
    out = tmp_path / "tuned.safetensors"
    result = run("train", "--data", tiny_dir, "--init", bad, "--epochs", "1", "--out", out,
                 "--json")
    assert result.exit_code == 0, result.output
    assert set(notes(result.stderr, bad)) == {"history", "init"}
    assert json.loads(result.stdout)["init"] == str(bad) and out.exists()


def test_serve_serves_the_network_and_notes_each_record_once(trained, real_digit_images,
                                                            digits_dir, tmp_path):
    """Served beside the file as saved (model 2), it answers real digits as that one does."""
    bad = edited(trained[0], tmp_path / "edited.safetensors", history="nope",
                    metrics={"test_accuracy": "86%"})
    proc, line, url = start([bad, trained[0], "--data", digits_dir, "--port", "0"])
    try:
        model = httpx.get(f"{url}/api/model", timeout=30)
        answers = [[httpx.post(f"{url}{api}/predict", json={"pixels": (d / 255).tolist()},
                               timeout=30).json() for d in real_digit_images[0]]
                   for api in ("/api", "/models/2/api")]
    finally:
        code, _, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    assert line.startswith(f"Serving 784-16-16-10 from {bad} at ")
    assert model.status_code == 200
    metadata = model.json()["metadata"]
    assert (metadata["history_ignored"], metadata["metrics_ignored"]) == (
        "nope", {"test_accuracy": "86%"})
    assert "history" not in metadata and "metrics" not in metadata
    assert answers[0] == answers[1]  # (the digits, probabilities, every layer's activations)
    assert all(len(a["probabilities"]) == 10 for a in answers[0])
    assert notes(err, bad) == {"history": "is 'nope', not a list of the epochs' records",
                               "metrics": "holds test_accuracy '86%', not a number"}


@pytest.mark.parametrize("command", ["info", "predict"])
def test_classes_edited_are_refused_in_one_line_without_a_note(trained, digit_png, tmp_path,
                                                               command):
    """The classes name the answers: a wrong one would be a silent wrong answer."""
    bad = edited(trained[0], tmp_path / "edited.safetensors", history="nope",
                    classes=[*"012345678", "8"])
    result = digitnet(command, bad, *([digit_png] if command == "predict" else []))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"digitnet: error: {bad}: its metadata 'classes' names class '8' "
                             f"twice; {FIX}\n")
