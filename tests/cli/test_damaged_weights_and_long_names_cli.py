"""What the commands make of a model whose weights were damaged after saving, and of an --out
name at the limit of what a file system takes (a walker's findings):

* `digitnet evaluate` of a trained model with flipped exponent bytes (weights up to 1e38, all
  finite) printed NumPy's RuntimeWarnings, "Accuracy 13.85%", "Loss nan" and exited 0; the
  file's checksum of its arrays now says it was damaged, in one line, exit code 1;
* `edit --out` of a name of 255 bytes failed ("cannot write in folder . (File name too
  long)": the temporary file beside it was named after it, longer); one of 262 bytes said
  only "File name too long"."""

from __future__ import annotations

import json
import os
import shutil
import struct

import numpy as np

from digitnet import load


def _flip_exponents(path, count: int = 40) -> float:
    """Set the high byte (sign and exponent) of ``count`` float32 weights of the first layer
    to 0x7F or 0x7E, as a damaged disk might: finite, 1e37 to 3e38. Returns the largest."""
    data = bytearray(path.read_bytes())
    (size,) = struct.unpack("<Q", data[:8])
    start = 8 + size + json.loads(data[8:8 + size])["layers.0.weight"]["data_offsets"][0]
    for i in range(count):
        at = start + 4 * 97 * i
        data[at + 3] = 0x7F if data[at + 2] < 0x80 else 0x7E  # (0x7F with 0x80 up: infinity)
    path.write_bytes(bytes(data))
    first = np.frombuffer(bytes(data[start:start + 4 * 97 * count]), "<f4")[::97]
    assert np.isfinite(first).all()
    return float(np.abs(first).max())


def test_evaluating_a_model_with_damaged_weights_says_so(run, trained, digits_dir, tmp_path,
                                                         one_line):
    model = tmp_path / "damaged.safetensors"
    shutil.copy(trained[0], model)
    assert _flip_exponents(model) > 1e37
    result = run("evaluate", model, "--data", digits_dir)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {model}: its weights do not match the checksum saved with them: the "
        "file was damaged after saving; restore a copy or retrain")
    assert result.stdout == ""


def test_edit_out_takes_a_name_of_255_bytes_and_says_a_longer_one_is_too_long(
        run, trained, tmp_path, one_line):
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps({"off": [[1, 0]]}))
    longest = tmp_path / ("a" * 243 + ".safetensors")
    assert len(os.fsencode(longest.name)) == 255
    result = run("edit", trained[0], edits, "--out", longest)
    assert result.exit_code == 0, result.output
    assert load(longest).metadata["changes"]
    longer = tmp_path / ("a" * 250 + ".safetensors")
    result = run("edit", trained[0], edits, "--out", longer)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (f"digitnet: error: {longer}: its name is too long (262 "
                                       "bytes, at most 255); choose a shorter name")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([edits.name, longest.name])
