"""A model's record of its changes whose edits this digitnet cannot read (an op of a later
version, say) still says which neurons it switched off: what everything shown reads through
digitnet.poke.off_neurons. The record as a whole is still shown as its JSON, unread.

The networks are untrained (unit tests train nothing), the digits real.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitnet import modelfile, poke
from digitnet.network import Network

#: An edit of an op this digitnet does not know (a later version's, say).
LATER = {"op": "rotate", "layer": 2, "neuron": 0, "angle": 90}


@pytest.fixture(scope="module")
def digits(mnist):
    """500 real digits (uint8 rows, labels) from the end of the prefix."""
    return mnist.x[-500:].reshape(500, 784), mnist.labels[-500:].astype(np.intp)


def saved_with(tmp_path, record_of) -> Network:
    """An untrained network with neurons 5 of layer 1 and 2 of layer 2 switched off and a bias
    set, saved with its record of changes as ``record_of(record)`` makes it, and loaded."""
    net = Network((784, 16, 12, 10), activation="relu", seed=3)
    bias = {"op": "bias", "layer": 1, "neuron": 0, "value": 0.5}
    changed = poke.Changes(off=((1, 5), (2, 2)), edits=(bias,)).apply(net)
    changed.metadata["changes"] = [record_of(changed.metadata["changes"][0])]
    path = tmp_path / "changed.safetensors"
    modelfile.save(changed, path)
    return modelfile.load(path)


@pytest.mark.parametrize("record_of", [
    lambda r: {**r, "edits": [*r["edits"], LATER]},  # an edit it cannot read
    lambda r: {**r, "edits": [{"op": "bias", "layer": 9, "neuron": 0, "value": 1.0}]},  # no place
    lambda r: {**r, "by": "a later digitnet"},  # a key it does not know
], ids=["unknown-op", "edit-of-no-layer", "unknown-key"])
def test_the_off_pairs_of_a_record_count_though_an_edit_cannot_be_read(tmp_path, digits,
                                                                       record_of):
    loaded = saved_with(tmp_path, record_of)
    assert poke.off_neurons(loaded) == ((1, 5), (2, 2))
    profile = poke.neuron_profile(loaded, *digits, 1, 5, count=5)
    assert profile.off and profile.firing == 0 and not profile.top_activation.any()
    # The record itself is not read: it is shown as it is, its JSON.
    assert poke.described_changes(loaded) == [json.dumps(loaded.metadata["changes"][0])]


def test_only_the_readable_pairs_that_are_still_off_count(tmp_path):
    """A pair that cannot be read or has no place in the network is left out, as is one whose
    weights out are not all 0; the readable pairs beside them count."""
    loaded = saved_with(tmp_path, lambda r: {
        **r, "edits": [LATER], "off": [[1, 5], "x", [1, 99], [3, 0], [1, 6], [2, 2]]})
    assert not (loaded.weights[1][:, 6] == 0).all()  # neuron 6 of layer 1 was never off
    assert poke.off_neurons(loaded) == ((1, 5), (2, 2))


@pytest.mark.parametrize("record", [{"off": 5, "edits": [LATER]}, [[1, 5]], "off", None])
def test_a_record_whose_off_part_cannot_be_read_switches_nothing_off(tmp_path, record):
    loaded = saved_with(tmp_path, lambda r: record)
    assert poke.off_neurons(loaded) == ()
