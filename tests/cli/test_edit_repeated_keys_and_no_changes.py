"""``digitnet edit``: a changes file with a key given twice in one object is refused (JSON's
readers would keep one of the two without a word), as is every JSON file a command reads
(``train --config``, ``tune --space``); and a file of no changes is refused, not saved as a plain
copy of the model."""

from __future__ import annotations

import json

import pytest

from digitnet import modelfile

REPEATED = ("the key {key} is given twice in one object (JSON keeps only one of the two); "
            "write it once, with the value you mean")
NO_CHANGES = ("no changes given (no neuron switched off, no edit), so the model would be saved "
              'as it is; write the changes such as {"off": [[1, 3]], "edits": [{"op": "bias", '
              '"layer": 2, "neuron": 0, "value": -1}]} (see digitnet edit --help)')


@pytest.fixture(scope="module")
def model(trained):
    return trained[0]


def _edit(run, model, tmp_path, text: str):
    edits, out = tmp_path / "edits.json", tmp_path / "edited.safetensors"
    edits.write_text(text)
    return run("edit", model, edits, "--out", out), edits, out


@pytest.mark.parametrize("text, key", [
    ('{"off": [[1, 2]], "off": [[1, 3]]}', '"off"'),
    ('{"edits": [{"op": "bias", "layer": 2, "neuron": 0, "value": -1, "value": 3}]}',
     '"value"'),
    (('{"off": [[1, 2]], "edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": '
      '[{"row": 1, "col": 2, "weight": 0.5, "row": 3}]}]}'), '"row"'),
    ('{"off": [], "off\\nbreak": [], "off\\nbreak": [[1, 2]]}', '"off\\nbreak"'),
])
def test_a_key_given_twice_is_refused_in_one_line_naming_file_and_key(run, model, tmp_path,
                                                                       one_line, text, key):
    result, edits, out = _edit(run, model, tmp_path, text)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {edits}: {REPEATED.format(key=key)}"
    assert not out.exists()


def test_the_same_key_in_two_objects_is_read(run, model, tmp_path):
    changes = {"off": [], "edits": [{"op": "bias", "layer": 2, "neuron": 0, "value": -1.0},
                                    {"op": "bias", "layer": 2, "neuron": 1, "value": 2.0}]}
    result, _, out = _edit(run, model, tmp_path, json.dumps(changes))
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["changes"] == [changes]


@pytest.mark.parametrize("text", ["{}", '{"off": [], "edits": []}', '{"off": []}'])
def test_no_changes_are_refused_and_nothing_is_saved(run, model, tmp_path, one_line, text):
    result, edits, out = _edit(run, model, tmp_path, text)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {edits}: {NO_CHANGES}"
    assert result.stdout == "" and not out.exists()


def test_the_example_in_the_message_is_a_changes_file_edit_reads(run, model, tmp_path):
    example = NO_CHANGES.split("such as ", 1)[1].split(" (see", 1)[0]
    result, _, out = _edit(run, model, tmp_path, example)
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["changes"] == [json.loads(example)]


def test_a_search_space_with_a_key_given_twice_is_refused(run, tmp_path, one_line):
    space = tmp_path / "space.json"
    space.write_text('{"lr": {"low": 0.001, "high": 0.3, "log": true, "high": 3}}')
    result = run("tune", "--space", space, "--show-space")
    assert result.exit_code == 1, result.output
    said = REPEATED.format(key='"high"')
    assert one_line(result.stderr) == f"digitnet: error: {space}: {said}"


def test_training_options_with_a_key_given_twice_are_refused(run, tiny_dir, tmp_path, one_line):
    config, out = tmp_path / "options.json", tmp_path / "m.safetensors"
    config.write_text('{"lr": 0.01, "epochs": 1, "lr": 5}')
    result = run("train", "--data", tiny_dir, "--config", config, "--out", out)
    assert result.exit_code == 1, result.output
    said = REPEATED.format(key='"lr"')
    assert one_line(result.stderr) == f"digitnet: error: {config}: {said}"
    assert not out.exists()


@pytest.mark.parametrize("changes, said", [
    ({"off": [[1, 3], [1, 3]]}, "1 neuron switched off"),  # (the same pair twice: once)
    ({"edits": [{"op": "bias", "layer": 2, "neuron": 0, "value": -1}]}, "1 edit"),
    ({"off": [[1, 3], [2, 0]], "edits": [{"op": "bias", "layer": 2, "neuron": 1, "value": 2}]},
     "2 neurons switched off and 1 edit"),
])
def test_the_saved_line_names_only_what_was_changed(run, model, tmp_path, changes, said):
    """(Before: "1 neuron switched off and 0 edits".)"""
    result, _, out = _edit(run, model, tmp_path, json.dumps(changes))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Saved {out}: {model} with {said}\n"
