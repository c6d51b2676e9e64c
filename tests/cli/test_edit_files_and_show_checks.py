"""``digitnet edit``: EDITS.json as people save it (Notepad's byte-order marks), files it cannot
read refused in one line (UTF-16, nesting past the parser), wrong types refused as Python and
the API refuse them, and --out that is MODEL refused; ``digitnet show top|embedding``: a layer
or neuron the model does not have is refused before any data is read."""

from __future__ import annotations

import codecs
import json

import pytest

from digitnet import modelfile

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: edits, show refusals)

CHANGES = {"off": [[1, 2]], "edits": [{"op": "bias", "layer": 2, "neuron": 0, "value": -1.0}]}


@pytest.fixture(scope="module")
def model(trained):
    return trained[0]


def _edit(run, model, tmp_path, raw: bytes, name="edits.json"):
    edits = tmp_path / name
    edits.write_bytes(raw)
    out = tmp_path / "edited.safetensors"
    return run("edit", model, edits, "--out", out), out


def test_a_utf8_file_with_a_byte_order_mark_is_read(run, model, tmp_path):
    raw = codecs.BOM_UTF8 + json.dumps(CHANGES).encode()
    result, out = _edit(run, model, tmp_path, raw)
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["changes"] == [CHANGES]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])  # Notepad's "Unicode" and BE
def test_a_utf16_file_is_refused_in_one_line_saying_to_save_it_as_utf8(run, model, tmp_path,
                                                                       one_line, encoding):
    raw = json.dumps(CHANGES).encode(encoding)
    if encoding == "utf-16-be":
        raw = codecs.BOM_UTF16_BE + raw
    result, out = _edit(run, model, tmp_path, raw, "notepad.json")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "digitnet: error: " + str(tmp_path / "notepad.json") + ": not UTF-8 text (it is "
        "UTF-16); save it as UTF-8 (in Notepad: Save as, Encoding UTF-8)")
    assert not out.exists()


@pytest.mark.parametrize("depth", [201, 2000, 100_000])
def test_json_nested_too_deeply_is_refused_in_one_line(run, model, tmp_path, one_line, depth,
                                                        recursion_limit_raised):
    """Whatever Python's recursion limit, which decides how deep its parser goes: 2,000 deep was
    read with the limit raised (and refused as not changes), and refused without."""
    result, out = _edit(run, model, tmp_path, b"[" * depth + b"]" * depth)
    assert result.exit_code == 1
    message = one_line(result.stderr)
    assert (f"edits.json: its lists and objects are nested too deeply to read ({depth} levels; "
            "at most 200 are read); write the changes as JSON such as") in message
    assert not out.exists()


def test_json_nested_200_deep_is_read(run, model, tmp_path, one_line):
    """Brackets in strings are not nesting; 200 levels are read (and then refused as what they
    are, a list where the changes' object goes)."""
    raw = b'{"off": ' + b"[" * 199 + b'"[[[[{{"' + b"]" * 199 + b"}"
    result, out = _edit(run, model, tmp_path, raw)
    assert result.exit_code == 1
    assert "edits.json: off[0]: expected a [layer, neuron] pair" in one_line(result.stderr)


@pytest.mark.parametrize("content, words", [
    ('{"off": {}, "edits": false}', "off: expected a list of [layer, neuron] pairs"),
    ('{"off": 0}', "off: expected a list of [layer, neuron] pairs"),
    ('{"edits": null}', "edits: expected a list of edits"),
    ("null", "changes must be an object"),
])
def test_values_of_the_wrong_type_are_refused_not_saved_as_no_changes(run, model, tmp_path,
                                                                      one_line, content, words):
    result, out = _edit(run, model, tmp_path, content.encode())
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(
        f"digitnet: error: {tmp_path / 'edits.json'}: {words}"), result.stderr
    assert not out.exists()


def test_a_paint_edit_of_more_cells_than_weights_is_refused(run, model, tmp_path, one_line):
    # 250,000 cells on one neuron grew the model's metadata by 11.5 MB per edit, until the
    # ninth could not be saved; a neuron of layer 1 has 784 weights, each painted once.
    cells = [{"row": i % 28, "col": i // 28 % 28, "weight": 0.5} for i in range(250_000)]
    raw = json.dumps({"edits": [{"op": "paint", "layer": 1, "neuron": 3, "cells": cells}]})
    result, out = _edit(run, model, tmp_path, raw.encode())
    assert result.exit_code == 1
    assert one_line(result.stderr).endswith(
        "edits[0].cells[784]: cell (0, 0) is painted already by cells[0]; a paint edit sets "
        "each weight once, so keep one of them")
    assert not out.exists()


def test_out_naming_the_model_itself_is_refused_and_the_model_kept(run, model, tmp_path,
                                                                   one_line):
    copy = tmp_path / "m.safetensors"
    copy.write_bytes(model.read_bytes())
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps(CHANGES))
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.safetensors"
    link.symlink_to(copy)
    for out in (copy, tmp_path / "sub" / ".." / "m.safetensors", link):
        result = run("edit", copy, edits, "--out", out)
        assert result.exit_code == 2, result.output
        assert one_line(result.stderr).startswith(
            f"digitnet: error: --out {out}: is MODEL, and saving there would replace the model "
            "it edits; give --out another file name")
    assert copy.read_bytes() == model.read_bytes()


@pytest.mark.parametrize("args, words", [
    (["top", "--layer", "5", "--neuron", "0"], "'--layer': layer 5 does not exist"),
    (["top", "--layer", "0", "--neuron", "0"], "'--layer': layer 0 is the input layer"),
    (["top", "--layer", "1", "--neuron", "99"], "'--neuron': neuron 99 does not exist"),
    (["top", "--layer", "1", "--neuron", "-1"], "'--neuron': neuron -1 does not exist"),
    (["embedding", "--layer", "7"], "'--layer': layer 7 does not exist"),
    (["embedding", "--layer", "-1"], "'--layer': layer -1 does not exist"),
])
def test_a_layer_or_neuron_the_model_lacks_is_refused_before_reading_data(run, model, tmp_path,
                                                                          one_line, args, words):
    out = tmp_path / "p.png"
    missing = tmp_path / "no-such-data"
    result = run("show", args[0], model, *args[1:], "--data", missing, "--out", out)
    assert result.exit_code == 2  # a usage error, below the first or past the last alike
    assert words in one_line(result.stderr), result.stderr  # not that the data is missing
    result = run("show", args[0], model, *args[1:], "--out", out)  # the data it trained on
    assert result.exit_code == 2
    assert words in one_line(result.stderr), result.stderr  # and no "using ..." before it
    assert not out.exists()
