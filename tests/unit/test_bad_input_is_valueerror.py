"""Input digitnet cannot use is a ValueError, as scikit-learn and NumPy raise for it, so that
``except ValueError`` catches it (DataError was not one); what the message says is unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet.errors import AudioError, DataError, IDXFormatError, ImageError
from digitnet.metrics import evaluate


@pytest.fixture(scope="module")
def net():
    return digitnet.Network((784, 16, 16, 10), seed=0)


@pytest.mark.parametrize("error", [DataError, IDXFormatError, ImageError, AudioError])
def test_every_data_error_is_a_value_error(error):
    assert issubclass(error, ValueError)


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros((2, 785)), np.zeros((2, 28, 27))])
def test_predict_of_what_a_network_cannot_read_raises_value_error(net, bad):
    with pytest.raises(ValueError) as caught:
        net.predict(bad)
    assert isinstance(caught.value, DataError) and "\n" not in str(caught.value)


def test_evaluate_with_labels_that_are_not_classes_raises_value_error(net):
    with pytest.raises(ValueError, match="label"):
        evaluate(net, np.zeros((3, 784), np.float32), np.array([0.5, 1.0, 2.0]))
