"""digitnet.poke.changes: neurons switched off and rewritten, read from JSON and applied to a copy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from digitnet import inputs
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.poke import Changes, edge_detector, grid_of
from digitnet.poke.changes import EDGE_CONTRAST


def cell(row, col, weight) -> dict:
    return {"row": row, "col": col, "weight": weight}


@pytest.fixture
def net():
    n = Network((784, 16, 12, 10), activation="relu", seed=4)
    n.metadata = {"input": inputs.Images((28, 28)).to_dict()}
    return n


def test_an_empty_change_is_the_intact_network(net):
    for value in ({}, {"off": []}, {"off": [], "edits": []}):
        changes = Changes.from_json(value)
        assert not changes
        assert changes.apply(net) is net  # nothing to copy
        assert "changes" not in net.metadata


def test_switching_off_zeroes_the_weights_out_of_the_neuron_and_nothing_else(net):
    changes = Changes.from_json({"off": [[1, 3], [2, 11], [1, 3]]})
    assert changes.off == ((1, 3), (2, 11))  # repeats count once
    before = net.params.copy()
    off = changes.apply(net)
    np.testing.assert_array_equal(net.params, before)  # the original is untouched
    assert not off.weights[1][:, 3].any() and not off.weights[2][:, 11].any()
    changed = np.flatnonzero(off.params != net.params)
    expected = {np.flatnonzero(net.weights[1][:, 3]).size + np.flatnonzero(net.weights[2][:, 11]).size}
    assert {changed.size} == expected
    assert off.metadata["changes"] == [{"off": [[1, 3], [2, 11]], "edits": []}]


def test_each_edit_changes_what_it_says(net):
    edits = [{"op": "bias", "layer": 2, "neuron": 5, "value": -1.5},
             {"op": "scale", "layer": 1, "neuron": 0, "factor": 2.0},
             {"op": "paint", "layer": 1, "neuron": 7, "cells": [cell(0, 0, 0.5), cell(27, 27, -0.25),
                                                                cell(3, 4, 1.0)]},
             {"op": "paint", "layer": 3, "neuron": 9, "cells": [cell(0, 11, 2.0)]}]
    edited = Changes.from_json({"edits": edits}).apply(net)
    assert edited.biases[1][5] == np.float32(-1.5)
    np.testing.assert_array_equal(edited.weights[0][0], net.weights[0][0] * np.float32(2))
    w = edited.weights[0][7]
    assert (w[0], w[27 * 28 + 27], w[3 * 28 + 4]) == (0.5, -0.25, 1.0)
    untouched = np.ones(784, bool)
    untouched[[0, 27 * 28 + 27, 3 * 28 + 4]] = False
    np.testing.assert_array_equal(w[untouched], net.weights[0][7][untouched])
    assert edited.weights[2][9, 11] == 2.0  # a deeper layer's grid is one row of the layer before
    assert edited.metadata["changes"][0]["edits"] == edits


def test_edits_apply_in_order_and_switching_off_comes_last(net):
    edits = [{"op": "bias", "layer": 1, "neuron": 2, "value": 1.0},
             {"op": "bias", "layer": 1, "neuron": 2, "value": -3.0},
             {"op": "paint", "layer": 2, "neuron": 0, "cells": [cell(0, 4, 9.0)]}]
    edited = Changes.from_json({"off": [[1, 4]], "edits": edits}).apply(net)
    assert edited.biases[0][2] == -3.0
    assert edited.weights[1][0, 4] == 0  # painted, then neuron 4 of layer 1 switched off


def test_the_edge_detector_is_a_strip_with_a_negative_border(net):
    edit = edge_detector(net, neuron=3, top=12, left=6, height=2, width=14, margin=1, weight=0.5)
    edited = Changes(edits=(edit,)).apply(net)
    w = edited.weights[0][3].reshape(28, 28)
    assert (w[12:14, 6:20] == 0.5).all()
    border = np.zeros((28, 28), bool)
    border[11:15, 5:21] = True
    border[12:14, 6:20] = False
    # 28 strip pixels against 36 border pixels: an evenly lit patch adds up to 0.
    np.testing.assert_allclose(w[border], -0.5 * 28 / 36, rtol=1e-6)
    assert (w[~border & (w != 0.5)] == 0).all() and abs(w.sum()) < 1e-5
    # It fires when the strip is brighter than its border by more than EDGE_CONTRAST.
    assert edited.biases[0][3] == pytest.approx(-0.5 * 28 * EDGE_CONTRAST)
    for contrast, fires in ((EDGE_CONTRAST - 0.01, False), (EDGE_CONTRAST + 0.01, True)):
        x = np.where(border, 0.2, 0.0)
        x[12:14, 6:20] = 0.2 + contrast
        z = edited.trace(x.reshape(1, 784)).zs[0][0, 3]
        assert (z > 0) == fires
    # By default it takes the layer's largest |w|, and round-trips through JSON.
    default = edge_detector(net, 0, 0, 0, 3, 28)
    assert default["weight"] == pytest.approx(float(np.abs(net.weights[0]).max()))
    assert Changes.from_json(json.loads(json.dumps({"edits": [default]}))).edits == (default,)


def test_grids_follow_the_input(net):
    assert grid_of(net, 1) == (28, 28) and grid_of(net, 2) == (1, 16) and grid_of(net, 3) == (1, 12)
    table = Network((13, 8, 3), seed=0)
    table.metadata = {"input": inputs.Table(tuple(f"c{i}" for i in range(13))).to_dict()}
    assert grid_of(table, 1) == (1, 13)
    with pytest.raises(ConfigError, match="image model"):
        Changes.from_json({"edits": [{"op": "edge", "layer": 1, "neuron": 0, "top": 0, "left": 0,
                                      "height": 1, "width": 2, "margin": 1,
                                      "weight": 1}]}).apply(table)


@pytest.mark.parametrize("value,words", [
    ("off", ["changes", "object"]),
    ({"off": [[1, 2]], "cut": []}, ["unknown key", "cut"]),
    ({"off": [1, 2]}, ["off[0]", "[layer, neuron] pair"]),
    ({"off": [[1, 2, 3]]}, ["off[0]", "pair"]),
    ({"off": {"1": 2}}, ["off", "list of [layer, neuron] pairs"]),
    ({"off": [[1.5, 2]]}, ["off[0][0]", "layer", "whole number"]),
    ({"off": [["1", 2]]}, ["off[0][0]", "whole number"]),
    ({"off": [[True, 2]]}, ["off[0][0]", "whole number"]),
    ({"edits": {"op": "bias"}}, ["edits", "list"]),
    ({"edits": [["bias"]]}, ["edits[0]", "object"]),
    ({"edits": [{"op": "erase", "layer": 1, "neuron": 0}]}, ["edits[0].op", "bias, scale"]),
    ({"edits": [{"op": ["bias"], "layer": 1, "neuron": 0}]}, ["edits[0].op", "got ['bias']"]),
    ({"edits": [{"op": "bias", "layer": 1, "neuron": 0}]}, ["edits[0].value", "missing"]),
    ({"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": 1, "factor": 2}]},
     ["edits[0].factor", "not a field"]),
    ({"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": math.nan}]},
     ["edits[0].value", "finite"]),
    ({"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": math.inf}]}, ["finite"]),
    ({"edits": [{"op": "scale", "layer": 1, "neuron": 0, "factor": 1e6}]},
     ["edits[0].factor", "between -1000 and 1000"]),
    ({"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": "high"}]}, ["a number"]),
    ({"edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": [[1, 2, 3]]}]},
     ["edits[0].cells[0]", "\"row\": r"]),
    ({"edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": [{"row": 1, "col": 2}]}]},
     ["edits[0].cells[0]", "\"weight\": w"]),
    ({"edits": [{"op": "paint", "layer": 1, "neuron": 0,
                 "cells": [{"row": 1.5, "col": 2, "weight": 1}]}]}, ["edits[0].cells[0].row"]),
])
def test_malformed_changes_are_one_line_naming_the_place(value, words):
    with pytest.raises(ConfigError) as e:
        Changes.from_json(value)
    message = str(e.value)
    assert "\n" not in message
    for word in words:
        assert word.lower() in message.lower(), message


@pytest.mark.parametrize("value,words", [
    ({"off": [[0, 3]]}, ["off[0]", "layer 0 is the input layer"]),
    ({"off": [[3, 3]]}, ["off[0]", "layer 3 is the output layer"]),
    ({"off": [[4, 0]]}, ["layer 4 does not exist", "hidden layers 1 to 2"]),
    ({"off": [[-1, 0]]}, ["layer -1 does not exist"]),
    ({"off": [[2, 12]]}, ["neuron 12 does not exist", "12 neurons, 0 to 11"]),
    ({"off": [[1, -1]]}, ["neuron -1 does not exist"]),
    ({"edits": [{"op": "bias", "layer": 4, "neuron": 0, "value": 1}]},
     ["edits[0]", "layer 4 does not exist", "layers 1 to 3"]),
    ({"edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": [cell(3, 3, 1), cell(28, 0, 1)]}]},
     ["edits[0].cells[1]", "(28, 0)", "outside the 28x28 grid"]),
    ({"edits": [{"op": "paint", "layer": 2, "neuron": 0, "cells": [cell(1, 0, 1)]}]},
     ["outside the 1x16 grid"]),
    ({"edits": [{"op": "edge", "layer": 1, "neuron": 0, "top": 20, "left": 0, "height": 9,
                 "width": 3, "margin": 1, "weight": 1}]}, ["does not fit", "28x28"]),
    ({"edits": [{"op": "edge", "layer": 1, "neuron": 0, "top": 0, "left": 0, "height": 1,
                 "width": 1, "margin": 424, "weight": 1}]},
     ["edits[0].margin", "is 1 to 28 pixels wide, got 424"]),
    ({"edits": [{"op": "edge", "layer": 1, "neuron": 0, "top": 12, "left": 6, "height": 3,
                 "width": 16, "margin": 0, "weight": 1}]},
     ["edits[0].margin", "is 1 to 28 pixels wide, got 0", "paint them"]),
    ({"edits": [{"op": "edge", "layer": 1, "neuron": 0, "top": 0, "left": 0, "height": 28,
                 "width": 28, "margin": 1, "weight": 1}]},
     ["edits[0]: the strip fills the whole 28x28 image, leaving no border"]),
    ({"edits": [{"op": "edge", "layer": 2, "neuron": 0, "top": 0, "left": 0, "height": 1,
                 "width": 3, "margin": 1, "weight": 1}]}, ["layer 1"]),
])
def test_changes_the_network_has_no_place_for_are_refused(net, value, words):
    changes = Changes.from_json(value)
    with pytest.raises(ConfigError) as e:
        changes.apply(net)
    for word in words:
        assert word.lower() in str(e.value).lower(), str(e.value)


def test_scaling_past_float32_is_refused_rather_than_made_infinite(net):
    edits = [{"op": "scale", "layer": 1, "neuron": 0, "factor": 1000}] * 14
    with pytest.raises(ConfigError, match="overflow"):
        Changes.from_json({"edits": edits}).apply(net)


@pytest.mark.parametrize("kwargs,words", [
    ({"edits": ({"op": "bias", "layer": 1, "neuron": 0},)}, ["edits[0].value", "missing"]),
    ({"edits": ({"op": "zap", "layer": 1, "neuron": 0},)}, ["edits[0].op", "bias, scale"]),
    ({"off": ((1, 2.5),)}, ["off[0][1]", "neuron", "whole number"]),
    ({"off": (1, 2)}, ["off[0]", "[layer, neuron] pair", "got 1"]),
    ({"edits": ({"op": "scale", "layer": 1, "neuron": 0, "factor": 1e30},)},
     ["edits[0].factor", "between -1000 and 1000"]),
    ({"edits": ({"op": "paint", "layer": 1, "neuron": 0, "cells": (cell(0, 0, -2e3),)},)},
     ["edits[0].cells[0].weight", "between -1000 and 1000"]),
    ({"edits": {"op": "bias", "layer": 1, "neuron": 0, "value": 1}}, ["edits", "list of edits"]),
    ({"off": None}, ["off", "list of [layer, neuron] pairs"]),
])
def test_changes_built_directly_are_checked_when_built(kwargs, words):
    # The README's way, poke.Changes(off=..., edits=...): refused on the spot, not at apply.
    with pytest.raises(ConfigError) as e:
        Changes(**kwargs)
    message = str(e.value)
    assert "\n" not in message
    for word in words:
        assert word.lower() in message.lower(), message


@pytest.mark.parametrize("value", [
    {"off": [1, 2]}, {"off": [[1.5, 2]]}, {"off": [[True, 2]]}, {"off": {"1": 2}},
    {"edits": [["bias"]]}, {"edits": [{"op": "erase", "layer": 1, "neuron": 0}]},
    {"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": 1, "factor": 2}]},
    {"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": math.nan}]},
    {"edits": [{"op": "paint", "layer": 1, "neuron": 0, "cells": [{"row": 1, "col": 2}]}]},
])
def test_changes_built_directly_say_what_from_json_says(value):
    with pytest.raises(ConfigError) as read:
        Changes.from_json(value)
    with pytest.raises(ConfigError) as built:
        Changes(**value)
    assert str(built.value) == str(read.value)


def test_numpy_numbers_are_numbers_and_become_python_ones(net):
    i = np.int64
    value = {"off": [[i(1), np.int32(3)]],
             "edits": [{"op": "bias", "layer": np.uint8(2), "neuron": i(5),
                        "value": np.float32(-1.5)},
                       {"op": "paint", "layer": 1, "neuron": 0,
                        "cells": [{"row": i(3), "col": i(4), "weight": i(2)}]}]}
    for changes in (Changes.from_json(value),
                    Changes(off=((i(1), i(3)),), edits=tuple(value["edits"]))):
        assert changes.off == ((1, 3),) and type(changes.off[0][0]) is int
        assert [type(e["layer"]) for e in changes.edits] == [int, int]
        assert type(changes.edits[0]["value"]) is float
        assert type(changes.edits[1]["cells"][0]["weight"]) is float
        edited = changes.apply(net)
        assert edited.biases[1][5] == np.float32(-1.5) and edited.weights[0][0][3 * 28 + 4] == 2
        assert not edited.weights[1][:, 3].any()
        saved = json.loads(json.dumps(edited.metadata["changes"]))  # as a model file keeps it
        assert Changes.from_json(saved[0]) == changes
    for flag in (np.True_, True):  # a yes/no is not a layer
        with pytest.raises(ConfigError, match=r"off\[0\]\[0\].*whole number"):
            Changes.from_json({"off": [[flag, 2]]})


def test_an_edge_detector_past_the_limit_is_refused_when_made(net):
    with pytest.raises(ConfigError, match="edge.weight: must be between -1000 and 1000"):
        edge_detector(net, neuron=0, top=12, left=6, height=3, width=16, weight=5e3)
    with pytest.raises(ConfigError, match="edge.top: expected a whole number"):
        edge_detector(net, neuron=0, top=12.5, left=6, height=3, width=16)


def test_edits_that_compound_past_float32_are_refused_naming_the_first(net, mnist):
    """Scaling every neuron by 1,000 over and over keeps each factor within LIMIT and each
    weight finite long after the forward pass overflows: refused at the first edit after which
    some layer's z could pass what float32 has room for; the edits before it read real digits
    in finite numbers."""
    rows = inputs.of(net).rows(mnist.x[20000:20500])
    neurons = [(l, j) for l in range(1, len(net.sizes)) for j in range(net.sizes[l])]
    edits = [{"op": "scale", "layer": l, "neuron": j, "factor": 1000} for l, j in neurons] * 7
    with pytest.raises(ConfigError, match=r"^edits\[\d+\]: this scale edit .* overflow") as e:
        Changes(edits=edits).apply(net)
    first = int(str(e.value).split("]")[0].removeprefix("edits["))
    assert 0 < first < len(edits)
    taken = Changes(edits=edits[:first]).apply(net)
    assert all(np.isfinite(w).all() for w in taken.weights)  # every weight finite, even so
    assert np.isfinite(taken.probabilities(rows)).all()
    with pytest.raises(ConfigError, match=rf"^edits\[{first}\]"):
        Changes(edits=edits[: first + 1]).apply(net)
    # One round of it is fine, and so is the network it makes.
    once = Changes(edits=edits[: len(neurons)]).apply(net)
    assert np.isfinite(once.probabilities(rows)).all()
