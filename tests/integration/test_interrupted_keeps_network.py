"""Training interrupted (Ctrl-C, a notebook's "interrupt the kernel", a callback's should_stop())
keeps the weights trained so far in ``error.network``, as DivergenceError keeps the last good
ones: in a notebook ``res = digitnet.train(...)`` stays None, and the minutes trained were lost
unless a checkpoint had been asked for."""

from __future__ import annotations

import numpy as np
import pytest
from stopping import StopAt

import digitnet
from digitnet import Network, modelfile
from digitnet.errors import TrainingInterrupted

OPTIONS = {"epochs": 3, "handle_signals": False}


def test_the_interrupted_network_is_the_one_trained_so_far(mnist_small, mnist, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted) as saved:
        digitnet.train(mnist_small, checkpoint=str(ckpt), callback=StopAt(2, 20), **OPTIONS)
    with pytest.raises(TrainingInterrupted) as unsaved:  # no checkpoint: the notebook's case
        digitnet.train(mnist_small, callback=StopAt(2, 20), **OPTIONS)
    assert "epoch 2, step 20" in str(unsaved.value) and unsaved.value.checkpoint is None

    net = unsaved.value.network
    assert isinstance(net, Network)
    # the very weights the checkpoint holds (the run's state when it stopped, from which a
    # resumed run ends bit-identical to an uninterrupted one), and the same record of them
    at_stop = modelfile.load_checkpoint(ckpt).network
    assert net.params.tobytes() == at_stop.params.tobytes()
    assert net.params.tobytes() == saved.value.network.params.tobytes()
    assert [r["epoch"] for r in net.metadata["history"]] == [1]  # one epoch finished
    assert net.metadata["input"] == at_stop.metadata["input"]  # deskewed, as the recipe says

    # trained: it reads real digits far better than the random start it came from
    images, labels = mnist.x[-2000:], mnist.labels[-2000:]
    start = Network(net.sizes, net.activation.name, net.output_function.name, seed=0)
    assert digitnet.evaluate(net, images, labels).accuracy > 0.7
    assert digitnet.evaluate(start, images, labels).accuracy < 0.3

    # and kept: saved and loaded, it answers as it did
    path = tmp_path / "interrupted.safetensors"
    digitnet.save(net, path)
    np.testing.assert_array_equal(digitnet.load(path).predict(images), net.predict(images))
