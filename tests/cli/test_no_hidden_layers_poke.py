"""A network with no hidden layers (784-10, trained by ``digitnet train --layers 784,10``) has no
neuron to switch off: ``digitnet show ablation`` says so in one line before reading any data
(it drew a figure of no rows, a matplotlib traceback), and ``digitnet edit`` no longer names
"hidden layers 1 to 0"."""

from __future__ import annotations

import json

import pytest

NO_HIDDEN_EDIT = ("this 784-10 network has no hidden layers (layer 0 is its input, layer 1 its "
                  "output), so no neuron can be switched off; edit an output neuron instead, or "
                  "use a network with hidden layers")


@pytest.fixture(scope="module")
def flat(run, digits_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("flat") / "flat.safetensors"
    result = run("train", "--layers", "784,10", "--epochs", "1", "--data", digits_dir,
                 "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("data", [None, "missing-folder"])
def test_ablation_of_a_network_with_no_hidden_layers_is_one_line_before_any_data(
        run, flat, tmp_path, one_line, data):
    picture = tmp_path / "ablation.png"
    given = ["--data", tmp_path / data] if data else []
    result = run("show", "ablation", flat, *given, "--out", picture)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {flat}: this 784-10 network has no hidden layers, so no hidden neuron "
        "to switch off; train one with hidden layers (digitnet train --hidden 16,16, say)")
    assert result.stdout == "" and not picture.exists()


@pytest.mark.parametrize("off", [[1, 0], [0, 0], [3, 2]])
def test_switching_off_a_neuron_of_a_network_with_no_hidden_layers_says_it_has_none(
        run, flat, tmp_path, one_line, off):
    edits, out = tmp_path / "off.json", tmp_path / "edited.safetensors"
    edits.write_text(json.dumps({"off": [off]}))
    result = run("edit", flat, edits, "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {edits}: off[0]: {NO_HIDDEN_EDIT}"
    assert not out.exists()


def test_an_output_neuron_of_that_network_can_still_be_edited(run, flat, tmp_path):
    from digitnet import modelfile

    edits, out = tmp_path / "bias.json", tmp_path / "edited.safetensors"
    edits.write_text(json.dumps({"edits": [{"op": "bias", "layer": 1, "neuron": 3,
                                            "value": -2.0}]}))
    result = run("edit", flat, edits, "--out", out)
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).biases[0][3] == -2.0
