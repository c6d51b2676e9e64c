"""A network out to PyTorch and back keeps how it reads its examples and names its classes: a
table model's standardisation (the training split's mean and std, on scikit-learn's real wine
table) and an MNIST model's deskewing, whether the module comes straight from ``to_torch`` (it
carries them as ``module.digitnet``) or is loaded from the file ``digitnet export --format
torch`` wrote (its metadata, given to ``from_torch``). The arrays travel unchanged and the
forward pass is the same NumPy code, so the answers are the same bit for bit.

And ``digitnet export --format torch`` never replaces a digitnet model with a state dict.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors import safe_open
from safetensors.torch import load_file
from sklearn.datasets import load_wine

import digitnet
from digitnet import inputs, modelfile
from digitnet.cli import cli
from digitnet.errors import ConfigError, UnsupportedModelError
from digitnet.interop.export import export


@pytest.fixture(scope="module")
def wine_model():
    """A 13-16-3 network trained by digitnet on the wine table (named classes), and the table."""
    wine = load_wine()
    data = digitnet.datasets.from_arrays(wine.data, wine.target_names[wine.target])
    net = digitnet.train(data, sizes=(13, 16, 3), epochs=30, seed=0).network
    return net, wine.data, wine.target


def loaded(path):
    """The module of an exported file as a PyTorch user loads it: the printed expression, the
    state dict (no digitnet attribute on it), and the file's metadata."""
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    module = eval(meta["module"], {"nn": torch.nn})  # the "model = ..." line export prints
    module.load_state_dict(load_file(str(path)))
    return module, meta


def same_reading(back, net, x):
    assert inputs.of(back) == inputs.of(net)
    assert inputs.classes_of(back) == inputs.classes_of(net)
    assert np.array_equal(back.predict_proba(x), net.predict_proba(x))


def test_a_table_model_comes_back_from_pytorch_standardising_its_columns(wine_model):
    net, x, y = wine_model
    assert inputs.of(net).mean is not None  # the training split's, recorded
    back = digitnet.from_torch(net.to_torch())
    same_reading(back, net, x)
    assert inputs.classes_of(back) == ["class_0", "class_1", "class_2"]
    assert (back.predict(x) == y).mean() > 0.9


def test_a_deskewing_mnist_model_comes_back_from_pytorch_deskewing(small_model, mnist):
    net = modelfile.load(small_model)
    assert inputs.of(net).deskew
    back = digitnet.from_torch(net.to_torch())
    same_reading(back, net, mnist.x[-3000:])


def test_a_module_loaded_from_the_torch_export_takes_its_metadata(wine_model, tmp_path):
    net, x, _ = wine_model
    module, meta = loaded(export(net, tmp_path / "wine.safetensors", "torch"))
    assert not hasattr(module, "digitnet")
    back = digitnet.from_torch(module, input=meta["input"], classes=meta["classes"])
    same_reading(back, net, x)
    # as records rather than text, too
    given = digitnet.from_torch(module, input=inputs.of(net), classes=inputs.classes_of(net))
    same_reading(given, net, x)


@pytest.mark.parametrize("given, message", [
    ({"input": '{"kind": "images", "shape": [28, 28]}'},
     "from_torch(input=...) reads 784 values, but the module's first Linear layer takes 13; "),
    ({"classes": '["red", "white"]'},
     "from_torch(classes=...) names 2 classes for 3 output neurons; "),
    ({"input": "standardised"}, "from_torch(input=...): not an input record digitnet reads ("),
])
def test_a_record_that_does_not_fit_the_module_is_refused(wine_model, given, message):
    net, _, _ = wine_model
    with pytest.raises(ConfigError) as info:
        digitnet.from_torch(net.to_torch(), **given)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_a_carried_record_that_no_longer_fits_is_refused(wine_model):
    net, _, _ = wine_model
    module = net.to_torch()
    module[0] = torch.nn.Linear(10, 16)  # the first layer replaced: 10 inputs, not 13
    with pytest.raises(UnsupportedModelError, match=r"^from_torch: the module's digitnet input "
                       r"record reads 13 values, but the module's first Linear layer takes 10; "
                       r".*, or delete module\.digitnet$"):
        digitnet.from_torch(module)


def test_export_refuses_to_replace_a_digitnet_model_with_a_state_dict(small_model, tmp_path):
    model = tmp_path / "m2.safetensors"
    model.write_bytes(small_model.read_bytes())
    before = model.read_bytes()
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(small_model), "--format", "torch", "--out",
                                 str(model)])
    assert result.exit_code != 0
    error = result.stderr.strip()
    assert error.startswith(f"digitnet: error: {model}: is a digitnet model, which exporting")
    assert "another name, or delete that file first" in error and "\n" not in error
    assert model.read_bytes() == before
    assert runner.invoke(cli, ["info", str(model)]).exit_code == 0

    # a previous export of the same format is replaced (the second export replaces the first)
    out = tmp_path / "m.torch.safetensors"
    for _ in range(2):
        result = runner.invoke(cli, ["export", str(small_model), "--format", "torch", "--out",
                                     str(out)])
        assert result.exit_code == 0, result.output
    assert loaded(out)[1]["format"] == "pt"
