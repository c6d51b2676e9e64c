"""`digitnet evaluate` of a model of 10x10 images on MNIST's 28x28 digits: one line saying both
sizes and what to do, not an internal batch's shape ("got an array of shape (512, 28, 28)")."""

from __future__ import annotations

import re

import pytest

import digitnet
from digitnet import Network
from digitnet.inputs import Images

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: a hand-built network)


@pytest.fixture(scope="module")
def in100(tmp_path_factory):
    """A hand-built network of 10x10 images, as a digitnet model and as an ONNX file."""
    folder = tmp_path_factory.mktemp("in100")
    net = Network((100, 16, 10), activation="relu", seed=2)
    net.metadata["input"] = Images((10, 10)).to_dict()
    digitnet.save(net, folder / "in100.safetensors")
    return folder


@pytest.mark.parametrize("name", ["in100.safetensors", "in100.onnx"])
def test_evaluate_says_the_data_and_the_model_read_pictures_of_other_sizes(run, in100, name,
                                                                           mnist_dir):
    model = in100 / name
    if name.endswith(".onnx"):
        pytest.importorskip("onnx")
        result = run("export", in100 / "in100.safetensors", "--format", "onnx", "--out", model)
        assert result.exit_code == 0, result.output
    result = run("evaluate", model, "--data", mnist_dir, "--split", "all")
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(r"digitnet: error: \S.* holds 28x28 images and \S.* reads 10x10 images; "
                        r"give data of the size it was trained on", last), last
    assert "512" not in result.stderr
