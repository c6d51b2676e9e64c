"""Changes.from_json checks each key's value as the constructor and the API do (a wrong type that
happens to be falsy, {"off": 0}, is refused, not read as "no changes"), and a paint edit sets each
incoming weight of its neuron at most once."""

from __future__ import annotations

import pytest

from digitnet import inputs
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.poke import Changes


@pytest.fixture
def net():
    n = Network((784, 16, 10), activation="relu", seed=2)
    n.metadata = {"input": inputs.Images((28, 28)).to_dict()}
    return n


def paint(cells, layer=1, neuron=3) -> dict:
    return {"op": "paint", "layer": layer, "neuron": neuron,
            "cells": [{"row": r, "col": c, "weight": 0.5} for r, c in cells]}


@pytest.mark.parametrize("value, words", [
    ({"off": 0}, "off: expected a list of [layer, neuron] pairs"),
    ({"off": {}, "edits": False}, "off: expected a list of [layer, neuron] pairs"),
    ({"off": None}, "off: expected a list of [layer, neuron] pairs"),
    ({"off": ""}, "off: expected a list of [layer, neuron] pairs"),
    ({"edits": False}, "edits: expected a list of edits"),
    ({"edits": None}, "edits: expected a list of edits"),
    ({"off": [], "edits": 0}, "edits: expected a list of edits"),
])
def test_falsy_values_of_the_wrong_type_are_refused_as_the_constructor_refuses_them(value, words):
    with pytest.raises(ConfigError) as read:
        Changes.from_json(value)
    with pytest.raises(ConfigError) as built:
        Changes(**value)
    assert str(read.value) == str(built.value)
    assert str(read.value).startswith(words), str(read.value)


def test_null_is_not_a_changes_object():
    with pytest.raises(ConfigError, match=r"changes must be an object .*got None"):
        Changes.from_json(None)


def test_missing_keys_are_still_no_changes():
    assert not Changes.from_json({}) and not Changes.from_json({"edits": []})


def test_a_cell_painted_twice_is_refused_when_read_naming_both():
    cells = [(0, 0), (5, 6), (0, 1), (5, 6)]
    for make in (lambda: Changes.from_json({"edits": [paint(cells)]}),
                 lambda: Changes(edits=(paint(cells),))):
        with pytest.raises(ConfigError) as e:
            make()
        message = str(e.value)
        assert message.startswith("edits[0].cells[3]: cell (5, 6) is painted already by "
                                  "cells[1]"), message


def test_more_cells_than_the_neuron_has_weights_are_refused(net):
    first = Changes(edits=(paint([(r, c) for r in range(29) for c in range(28)]),))  # 812
    with pytest.raises(ConfigError) as e:
        first.apply(net)
    assert str(e.value) == ("edits[0].cells: 812 cells, but neuron 3 of layer 1 has 784 incoming "
                            "weights (a 28x28 grid) to paint, each once")
    second = Changes(edits=(paint([(0, c) for c in range(17)], layer=2, neuron=9),))
    with pytest.raises(ConfigError, match=r"17 cells, but neuron 9 of layer 2 has 16 incoming "
                                          r"weights \(a 1x16 grid\)"):
        second.apply(net)


def test_every_weight_of_a_neuron_may_be_painted_once(net):
    edited = Changes(edits=(paint([(r, c) for r in range(28) for c in range(28)]),)).apply(net)
    assert (edited.weights[0][3] == 0.5).all()
    assert (edited.weights[0][2] == net.weights[0][2]).all()


def test_a_value_nested_past_the_recursion_limit_is_refused_in_one_line():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConfigError) as e:
        Changes.from_json({"off": deep})
    assert str(e.value).startswith("off[0]: expected a [layer, neuron] pair such as [1, 3], "
                                   "got [[[[...]]]]"), str(e.value)
