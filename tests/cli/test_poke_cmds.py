"""``digitnet show ablation|top|embedding|robustness`` and ``digitnet edit``, in-process, on a model
trained by ``digitnet train`` on real digits; numbers checked against digitnet.poke."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from digitnet import datasets, heldout, inputs, modelfile, poke

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show and edit commands)


@pytest.fixture(scope="module")
def model(trained):
    return trained[0]


@pytest.fixture(scope="module")
def val_part(model, digits_dir):
    """The validation digits the model held out, rebuilt independently of the CLI."""
    net = modelfile.load(model)
    _, val = datasets.train_val_split(datasets.load(digits_dir), 0.1, net.metadata["config"]["seed"])
    return net, val


@pytest.mark.parametrize("kind, extra", [
    ("ablation", []), ("top", ["--layer", "2", "--neuron", "3"]),
    ("embedding", ["--layer", "0", "--layer", "2"]), ("robustness", ["--count", "200"]),
    ("embedding", ["--method", "tsne", "--count", "60", "--layer", "1"]),
])
def test_every_poke_picture_is_drawn(run, model, digits_dir, tmp_path, kind, extra):
    out = tmp_path / f"{kind}.png"
    result = run("show", kind, model, "--data", digits_dir, *extra, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"Saved {out}"
    with Image.open(out) as picture:
        assert min(picture.size) >= 300


def test_show_ablation_lists_the_neurons_accuracy_needs_most(run, model, digits_dir, tmp_path,
                                                            val_part):
    net, val = val_part
    result = run("show", "ablation", model, "--data", digits_dir, "--out", tmp_path / "a.svg")
    said, *lines = result.stdout.splitlines()[:-1]
    rows = inputs.of(net).rows(val.x)
    ranking = poke.rank_neurons(net, rows, val.labels)
    baseline = poke.ablate(net, rows, val.labels).baseline
    accuracy = baseline.accuracy
    costly = [d for d in ranking if d.costs]  # (those that cost nothing: counted, not listed)
    assert said == (f"On {len(val):,} {digits_dir.name} (val), each hidden neuron switched off "
                    f"alone{'; the 5 that cost the most' * (len(costly) > 5)}:")
    assert len(lines) == 5 + (len(costly) < len(ranking))
    for line, d in zip(lines[:5], costly):
        assert line.startswith(f"layer {d.layer} neuron {d.neuron}: accuracy {accuracy:.1%} -> "
                               f"{d.accuracy:.1%}; hurts digit ")
        worst = int(np.argmax(d.per_class_drop))  # the first named: its accuracy, then without
        c = baseline.per_class[worst]
        assert f"hurts digit {worst} ({c:.1%} -> {c - d.per_class_drop[worst]:.1%})" in line


def test_held_out_is_the_validation_split_else_the_test_files(model, digits_dir, val_part):
    net, val = val_part
    found = heldout.held_out(net, str(digits_dir))
    np.testing.assert_array_equal(found.data.labels, val.labels)
    other = modelfile.load(model)
    other.metadata["config"]["seed"] += 1  # a record the files cannot reproduce ...
    other.metadata["data"]["train"]["n"] = 7  # ... from other data
    assert heldout.held_out(other, str(digits_dir)).data.split == "test"


def test_show_robustness_compares_two_models(run, model, digits_dir, tmp_path):
    result = run("show", "robustness", model, model, "--data", digits_dir, "--count", "100",
                 "--out", tmp_path / "r.png")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[:-1]  # per distortion: what, levels, each model's row
    assert [line.split(":")[0] for line in lines[::4]] == list(poke.DISTORTIONS)
    for first, second in zip(lines[2::4], lines[3::4]):  # the same model twice: the same row
        assert first == second


def test_show_top_of_a_neuron_that_does_not_exist(run, model, digits_dir, tmp_path, one_line):
    result = run("show", "top", model, "--layer", "2", "--neuron", "16", "--data", digits_dir,
                 "--out", tmp_path / "t.png")
    assert result.exit_code == 2
    assert one_line(result.stderr) == ("digitnet: error: Invalid value for '--neuron': neuron 16 "
                                       "does not exist: layer 2 has 16 neurons, 0 to 15; see "
                                       "digitnet show top --help")


def test_poke_pictures_need_held_out_digits(run, model, train_only_dir, tmp_path, one_line):
    result = run("show", "ablation", model, "--data", train_only_dir, "--out", tmp_path / "a.png")
    assert result.exit_code == 1
    message = one_line(result.stderr)
    assert "no held-out examples" in message and "other files" in message
    assert "no test files" in message


# -- digitnet edit ----------------------------------------------------------------------------


def test_edit_saves_a_model_whose_metadata_lists_the_changes(run, model, tmp_path):
    changes = {"off": [[1, 2]], "edits": [
        {"op": "bias", "layer": 2, "neuron": 0, "value": -1.0},
        {"op": "edge", "layer": 1, "neuron": 5, "top": 12, "left": 6, "height": 3, "width": 16,
         "margin": 1, "weight": 0.5}]}
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps(changes))
    out = tmp_path / "edited.safetensors"
    result = run("edit", model, edits, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Saved {out}: ") and "1 neuron switched off" in result.stdout
    edited, original = modelfile.load(out), modelfile.load(model)
    np.testing.assert_array_equal(edited.params, poke.Changes.from_json(changes).apply(original).params)
    assert edited.metadata["changes"] == [changes]
    # The edited model is a model like any other: the show commands read it.
    assert run("show", "weights", out, "--out", tmp_path / "w.png").exit_code == 0


@pytest.mark.parametrize("content, words", [
    ("{not json", ["edits.json", "not valid JSON"]),
    ('{"off": [[1, 99]]}', ["off[0]", "neuron 99 does not exist"]),
    ('{"off": [1, 2]}', ["off[0]", "[layer, neuron] pair"]),
    ('{"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": NaN}]}', ["finite"]),
    ('[[1, 2]]', ["changes must be an object"]),
])
def test_edit_refuses_bad_files_in_one_line(run, model, tmp_path, one_line, content, words):
    edits = tmp_path / "edits.json"
    edits.write_text(content)
    result = run("edit", model, edits, "--out", tmp_path / "e.safetensors")
    assert result.exit_code == 1
    message = one_line(result.stderr)
    for word in words:
        assert word in message, message
    assert not (tmp_path / "e.safetensors").exists()
