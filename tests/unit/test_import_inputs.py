"""What an imported network reads when its file does not say (interop.dense.default_input), and
how a model whose columns were never named reads a table (tables.in_order, read_features).

Nothing is trained: the networks are seeded random weights (untrained PyTorch modules, digitnet
networks exported to ONNX), fed real rows of scikit-learn's iris, wine and 8x8 digits tables.
"""

from __future__ import annotations

import csv

import numpy as np
import onnx
import pytest
import torch
from sklearn import datasets as sk

import digitnet
from digitnet import Network, inputs, modelfile, tables
from digitnet.errors import ConfigError, DataError
from digitnet.interop.onnx import to_onnx


def module(n_in: int) -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(n_in, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


@pytest.mark.parametrize("dataset, n_in", [("iris", 4), ("digits", 64)])
def test_a_torch_module_of_a_square_number_of_inputs_reads_a_table(dataset, n_in):
    """4 and 64 are squares, but iris's columns and sklearn's 8x8 digits (0..16) are no
    pictures of brightness 0..1: the rows go in as they are."""
    X = getattr(sk, f"load_{dataset}")().data
    assert X.shape[1] == n_in and X.max() > 1
    torch_module = module(n_in)
    net = digitnet.from_torch(torch_module)
    assert inputs.of(net) == inputs.Table(tuple(f"x{i}" for i in range(n_in)))
    with torch.no_grad():
        theirs = torch.softmax(torch_module(torch.from_numpy(X.astype(np.float32))), 1).numpy()
    np.testing.assert_allclose(net.predict_proba(X), theirs, atol=1e-5)


def test_a_torch_module_of_784_inputs_still_reads_mnist_digits():
    net = digitnet.from_torch(module(784))
    assert inputs.of(net) == inputs.Images((28, 28))


def unrecorded_onnx(net: Network, path):
    """``net`` as an ONNX file without digitnet's input record, as other exporters write."""
    model = to_onnx(net)
    kept = [p for p in model.metadata_props if p.key != "input"]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("n_in, expected", [
    (4, inputs.Table(("x0", "x1", "x2", "x3"))),
    (64, inputs.Table(tuple(f"x{i}" for i in range(64)))),
    (100, inputs.Table(tuple(f"x{i}" for i in range(100)))),
    (784, inputs.Images((28, 28))),
])
def test_an_onnx_file_that_does_not_say_reads_pictures_only_at_784(tmp_path, n_in, expected):
    path = unrecorded_onnx(Network((n_in, 8, 3), "tanh", seed=1), tmp_path / "m.onnx")
    assert inputs.of(modelfile.load(path)) == expected


def test_an_onnx_file_that_records_its_input_is_read_as_it_says(tmp_path):
    net = Network((64, 8, 10), "relu", seed=2)
    net.metadata = {"input": inputs.Images((8, 8)).to_dict()}
    path = tmp_path / "eights.onnx"
    onnx.save(to_onnx(net), str(path))
    assert inputs.of(modelfile.load(path)) == inputs.Images((8, 8))


def test_iris_rows_reach_an_imported_four_input_network_unscaled(tmp_path):
    """The error the issue met: 'pixels as floats must lie in [0, 1] ... scale them (X / 255)'."""
    X = sk.load_iris().data
    net = Network((4, 8, 3), "tanh", seed=3)
    back = modelfile.load(unrecorded_onnx(net, tmp_path / "iris.onnx"))
    np.testing.assert_allclose(back.predict_proba(X), net.probabilities(X.astype(np.float32)),
                               atol=1e-6)


@pytest.fixture
def wine_files(tmp_path):
    """scikit-learn's wine table as CSV: the 13 features under their names, and with the class."""
    wine = sk.load_wine()
    features, labelled = tmp_path / "features.csv", tmp_path / "labelled.csv"
    with open(features, "w", newline="") as f:
        csv.writer(f).writerows([wine.feature_names, *wine.data.tolist()])
    with open(labelled, "w", newline="") as f:
        csv.writer(f).writerows([[*wine.feature_names, "class"],
                                 *[[*x, t] for x, t in zip(wine.data.tolist(), wine.target)]])
    return wine, features, labelled


def test_columns_never_named_read_a_table_of_as_many_in_order(wine_files):
    wine, features, labelled = wine_files
    unnamed = tuple(f"x{i}" for i in range(13))
    np.testing.assert_array_equal(tables.read_features(features, unnamed), wine.data)
    named = tuple(wine.feature_names)
    np.testing.assert_array_equal(tables.in_order(wine.data, named, unnamed, "rows"), wine.data)
    # Named columns are still found by name, wherever they stand.
    np.testing.assert_array_equal(tables.read_features(labelled, named[::-1]),
                                  wine.data[:, ::-1])


def test_a_table_of_another_width_says_what_an_unnamed_model_reads(wine_files):
    _, _, labelled = wine_files
    unnamed = tuple(f"x{i}" for i in range(13))
    with pytest.raises(DataError) as info:
        tables.read_features(labelled, unnamed)
    assert str(info.value) == (
        f"{labelled}: has 14 columns; the model reads 13 whose names it never learned (x0 to "
        "x12), so it takes a table of 13 columns in the order it learned them: give just those, "
        "or name them x0 to x12")


def test_the_estimator_refuses_the_compiled_engine_by_its_keyword():
    from digitnet.sklearn import DigitnetClassifier

    X, y = sk.load_iris(return_X_y=True)
    with pytest.raises(ConfigError) as info:
        DigitnetClassifier(engine="compiled").fit(X, y)
    assert str(info.value) == (
        'engine="compiled": the compiled engine reads uint8 pixels, and a table\'s rows are '
        'numbers; DigitnetClassifier trains with engine="auto" or engine="numpy"')
    assert "compiled" not in DigitnetClassifier.__doc__.split("engine :")[1].split("\n")[0]
