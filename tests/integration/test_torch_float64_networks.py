"""The documented PyTorch recipe, ``net.to_torch()(torch.from_numpy(inputs.of(net).rows(X)))``,
works for the float64 networks digitnet imports: scikit-learn's MLPClassifier on the real breast
cancer table (``from_sklearn`` keeps its float64 coefficients, to give scikit-learn's answers)
and a ``.double()`` PyTorch module trained on the real wine table (``from_torch``). The rows
digitnet makes are float32, and so are the module's layers, whatever the network's dtype: it
once kept float64 layers, and PyTorch refused the rows ("mat1 and mat2 must have the same
dtype").

The tolerance comes from float arithmetic (tests/helpers/float_bounds.py): the module computes
with the float64 weights rounded to float32, each rounding within u of the weight, which moves a
layer's sums by at most u Σ|w a|, inside the bound of the float32 computation itself
(γ_{n+1} Σ|w a|); so the module lies within twice that bound of the float64 network's answers.
"""

from __future__ import annotations

import warnings

import float_bounds as fb
import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch_fit import fit

import digitnet
from digitnet import inputs

# (trains nothing itself: converts networks to and from torch)
pytestmark = pytest.mark.engine_independent


def _module_gives_predict_proba(net, X) -> None:
    """The recipe as the docs give it, against ``net.predict_proba``."""
    rows = inputs.of(net).rows(X)
    assert rows.dtype == np.float32
    module = net.to_torch()
    with torch.no_grad():
        got = module(torch.from_numpy(rows)).numpy()
    assert got.dtype == np.float32 and got.shape == (len(X), net.sizes[-1])
    _, acts, errors = fb.forward(net.astype(np.float32), rows)
    # (plus float32's smallest normal number: below it, in float32's subnormals, a probability
    # of 3e-45 holds one digit, which relative bounds do not cover)
    bound = 2 * errors[len(acts) - 1] + np.finfo(np.float32).tiny
    assert (np.abs(got - net.predict_proba(X)) <= bound).all()
    assert (got.argmax(axis=1) == net.predict(X)).all()


@pytest.mark.parametrize("scaled", [False, True], ids=["raw columns", "after a StandardScaler"])
def test_a_scikit_learn_network_runs_in_pytorch_on_the_rows_digitnet_makes(scaled):
    X, y = load_breast_cancer(return_X_y=True)
    mlp = MLPClassifier((16,), max_iter=300, random_state=0)
    model = make_pipeline(StandardScaler(), mlp) if scaled else mlp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # (as fitted: enough to compare)
        model.fit(X, y)
    net = digitnet.from_sklearn(model)
    assert net.dtype == np.float64  # scikit-learn's coefficients, kept
    np.testing.assert_allclose(net.predict_proba(X), model.predict_proba(X), atol=1e-5)
    _module_gives_predict_proba(net, X)


def test_a_double_pytorch_module_comes_back_and_goes_out_again():
    wine = load_wine()
    X, y = wine.data, wine.target
    table = inputs.Table(wine.feature_names).fit(X)
    torch.manual_seed(0)
    nn = torch.nn
    module = nn.Sequential(nn.Linear(13, 16), nn.Tanh(), nn.Linear(16, 3)).double()
    fit(module, table.rows(X).astype(np.float64), y, epochs=30)
    net = digitnet.from_torch(module, input=table, classes=list(wine.target_names))
    assert net.dtype == np.float64
    assert (net.predict(X) == y).mean() > 0.9  # it learned the wine table
    _module_gives_predict_proba(net, X)
    back = net.to_torch()
    assert {p.dtype for p in back.parameters()} == {torch.float32}
    # what the export writes is that module's state dict: float32 too
    from digitnet.interop.torch import state_dict_arrays

    arrays = state_dict_arrays(net)
    assert {a.dtype for a in arrays.values()} == {np.dtype(np.float32)}
    for name, value in back.state_dict().items():
        np.testing.assert_array_equal(arrays[name], value.numpy())
