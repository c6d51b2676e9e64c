import numpy as np
import pytest

from digitnet import datasets, idx


@pytest.fixture(scope="session")
def digits_dir(mnist, tmp_path_factory):
    """A folder like MNIST's: 3,000 real training digits and, as t10k files, 1,000 others."""
    folder = tmp_path_factory.mktemp("digits")
    rest, train_index = datasets.stratified_split(mnist.labels, 3000 / len(mnist), seed=11)
    test_index = rest[:1000]
    idx.write_idx(folder / "train-images-idx3-ubyte.gz", mnist.x[train_index])
    idx.write_idx(folder / "train-labels-idx1-ubyte.gz", mnist.labels[train_index])
    idx.write_idx(folder / "t10k-images-idx3-ubyte.gz", mnist.x[test_index])
    idx.write_idx(folder / "t10k-labels-idx1-ubyte.gz", mnist.labels[test_index])
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
    """A model trained by `digitnet train --json` for 2 epochs on 3,000 real digits: (path, report)."""
    import json

    out = tmp_path_factory.mktemp("cli") / "m.safetensors"
    result = run("train", "--data", digits_dir, "--epochs", "2", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


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
