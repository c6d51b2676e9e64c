"""`digitnet export` without --out: the default name is never MODEL itself, nor a doubled
ending, and what it writes there is MODEL's network; MODEL is left as it was."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from digitnet import modelfile

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: exports a suite model)

pytest.importorskip("onnx")


def _same_network(a, b) -> None:
    assert a.sizes == b.sizes
    for got, want in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_an_onnx_model_exported_as_onnx_goes_beside_it_not_over_it(run, trained, tmp_path):
    model = tmp_path / "x.onnx"
    assert run("export", trained[0], "--format", "onnx", "--out", model).exit_code == 0
    before = model.read_bytes()
    r = run("export", model, "--format", "onnx")
    assert r.exit_code == 0, r.output
    out = tmp_path / "x.export.onnx"
    assert r.stdout.splitlines()[0] == f"Saved {out}"
    assert model.read_bytes() == before
    _same_network(modelfile.load(out), modelfile.load(trained[0]))


def test_a_model_named_like_a_torch_export_gets_no_doubled_ending(run, trained, tmp_path):
    from safetensors.numpy import load_file

    model = tmp_path / "m.torch.safetensors"
    shutil.copyfile(trained[0], model)
    r = run("export", model, "--format", "torch")
    assert r.exit_code == 0, r.output
    out = tmp_path / "m.export.torch.safetensors"
    assert r.stdout.splitlines()[0] == f"Saved {out}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name, model.name]
    assert model.read_bytes() == trained[0].read_bytes()
    # What it wrote is the state dict of MODEL's network, in the printed module's order.
    net, arrays = modelfile.load(model), load_file(str(out))
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        np.testing.assert_array_equal(arrays[f"{2 * layer}.weight"], w)
        np.testing.assert_array_equal(arrays[f"{2 * layer}.bias"], b)


def test_a_default_name_that_is_model_does_not_blame_out(run, trained, tmp_path, one_line):
    model = tmp_path / "z.onnx"
    assert run("export", trained[0], "--format", "onnx", "--out", model).exit_code == 0
    os.symlink(model, tmp_path / "z.export.onnx")
    r = run("export", model, "--format", "onnx")
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith("digitnet: error: no --out was given, and the default name "
                           f"{tmp_path / 'z.export.onnx'} is MODEL itself; give --out"), line
