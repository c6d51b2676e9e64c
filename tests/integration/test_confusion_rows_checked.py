"""viz.confusion_figure scores the input layer's rows, and refuses pictures a model that deskews
would read wrong (as the poking functions do): it scored them as given, not deskewed, and its
accuracy was not the model's."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import inputs, metrics, viz
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: a confusion figure)


@pytest.fixture(scope="module")
def net(small_model):
    from digitnet import modelfile

    return modelfile.load(small_model)


def test_its_accuracy_is_evaluates_and_raw_pictures_are_refused(net, mnist):
    images, labels = mnist.x[-300:], mnist.labels[-300:]
    assert inputs.of(net).deskew
    fig = viz.confusion_figure(net, inputs.of(net).rows(images), labels)
    expected = metrics.evaluate(net, images, labels).accuracy
    assert f"accuracy {expected:.2%} on 300 " in fig.axes[0].get_title()
    flat = images.reshape(len(images), -1)
    with pytest.raises(DataError, match=r"^rows: .*deskewed"):
        viz.confusion_figure(net, flat, labels)
    assert not np.array_equal(flat, inputs.of(net).rows(images))
