"""`digitnet evaluate` of a model of Fashion-MNIST's clothes (pictures read as they are) on a
folder of MNIST's training files alone (bare-number labels): refused in one line naming the data
and the model, exit 1, where it printed an accuracy of chance with digits paired to clothes by
position."""

from pathlib import Path

import pytest

from digitnet import datasets, modelfile
from digitnet.inputs import Images
from digitnet.network import Network


@pytest.fixture(scope="module")
def clothes_model(tmp_path_factory) -> Path:
    """An untrained network whose file records what training on fashion-mnist records: its
    classes' names, and pictures read as they are."""
    net = Network((784, 16, 10), seed=0)
    net.metadata = {"input": Images((28, 28), pictures="frames").to_dict(),
                    "classes": list(datasets.SPECS["fashion-mnist"].classes)}
    return modelfile.save(net, tmp_path_factory.mktemp("frames") / "fashion.safetensors")


def test_evaluating_a_model_of_clothes_on_digits_is_refused(run, clothes_model, train_only_dir):
    result = run("evaluate", clothes_model, "--data", train_only_dir, "--split", "all")
    assert result.exit_code == 1 and result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"digitnet: error: {train_only_dir}: holds handwritten digits"), error
    assert f"{clothes_model} was trained on other pictures, of 'T-shirt/top'" in error
    assert "note:" not in result.stderr  # (no pairing noted: refused before)
