import dataclasses
import socket

import numpy as np
import pytest
from real_data import write_mnist_folder
from trained_models import trained_on

from digitnet import datasets, idx, sources


@pytest.fixture(scope="session")
def digits_dir(mnist, tmp_path_factory):
    """A folder like MNIST's: 3,000 real training digits and, as t10k files, 1,000 others."""
    folder = tmp_path_factory.mktemp("digits")
    rest, train_index = datasets.stratified_split(mnist.labels, 3000 / len(mnist), seed=11)
    test_index = rest[:1000]
    write_mnist_folder(folder, mnist, train_index, test_index)
    return folder


@pytest.fixture(scope="session")
def train_only_dir(mnist, tmp_path_factory):
    """A folder with only train files (like ../shared/data/mnist-train-prefix), 2,000 digits."""
    folder = tmp_path_factory.mktemp("trainonly")
    _, index = datasets.stratified_split(mnist.labels, 2000 / len(mnist), seed=12)
    idx.write_idx(folder / "train-images-idx3-ubyte", mnist.x[index])
    idx.write_idx(folder / "train-labels-idx1-ubyte", mnist.labels[index])
    return folder


@pytest.fixture(scope="session")
def run():
    """Run ``digitnet ARGS...`` in-process; returns click's Result (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from digitnet.cli import cli

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def trained(run, digits_dir, tmp_path_factory):
    """A model trained for 2 epochs on 3,000 real digits (:func:`trained_on`): (path, report)."""
    return trained_on(run, digits_dir, 2, tmp_path_factory.mktemp("cli"))


def first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    return lines[0]


@pytest.fixture
def one_line():
    return first_line


@pytest.fixture(scope="session")
def real_digit_images(mnist):
    """Ten real MNIST digits (one of each), uint8 28x28, and their labels."""
    picks = [int(np.flatnonzero(mnist.labels == d)[3]) for d in range(10)]
    return mnist.x[picks], mnist.labels[picks]


@pytest.fixture(scope="module")  # (a folder of its own for each module: some write into it)
def tiny_dir(mnist, tmp_path_factory):
    """300 real training digits as MNIST's two IDX files (for runs stopped and resumed)."""
    folder = tmp_path_factory.mktemp("tiny")
    idx.write_idx(folder / "train-images-idx3-ubyte.gz", mnist.x[:300])
    idx.write_idx(folder / "train-labels-idx1-ubyte.gz", mnist.labels[:300])
    return folder


def dead_url() -> str:
    """A URL on a local port that nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No MNIST in the user cache (an empty one), none from Debian's package, and every mirror
    refusing the connection."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = dataclasses.replace(sources.SPECS["mnist"], mirrors=(dead_url(),), system_dirs=())
    monkeypatch.setitem(sources.SPECS, "mnist", spec)
    assert not sources.default_cache().exists()


@pytest.fixture(scope="module")  # (as tiny_dir)
def straight(run, tiny_dir, tmp_path_factory):
    """stopping.RECIPE run on ``tiny_dir``, uninterrupted: the weights' bytes every resumed run
    of it must end with."""
    from stopping import RECIPE

    from digitnet.modelfile import load

    out = tmp_path_factory.mktemp("straight") / "straight.safetensors"
    result = run("train", "--data", tiny_dir, *RECIPE, "--out", out)
    assert result.exit_code == 0, result.output
    return load(out).params.tobytes()
