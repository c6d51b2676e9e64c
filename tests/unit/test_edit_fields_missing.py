"""An edit built without some of its fields names all of them at once (a walker added margin, was
then told of weight, one message after the other), and an edge edit missing only the fields
whose defaults are the network's says how to get them filled in."""

from __future__ import annotations

import pytest

from digitnet import poke
from digitnet.errors import ConfigError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)

STRIP = {"op": "edge", "layer": 1, "neuron": 0, "top": 12, "left": 6, "height": 3, "width": 16}
FILLED = "poke.edge_detector(net, ...), or read the changes with Changes.from_json(changes, net)"


@pytest.mark.parametrize("edit, said", [
    (STRIP, "edits[0]: margin and weight missing from the edge edit; give them, or let the "
            f"network fill them in: make the edit with {FILLED}"),
    ({**STRIP, "margin": 1}, "edits[0].weight: missing from the edge edit; give it, or let the "
                             f"network fill it in: make the edit with {FILLED}"),
    ({"op": "edge", "layer": 1, "neuron": 0, "weight": 1.0},
     "edits[0]: top, left, height, width and margin missing from the edge edit"),
    ({"op": "scale", "layer": 1}, "edits[0]: neuron and factor missing from the scale edit"),
    ({"op": "bias", "layer": 1, "neuron": 0}, "edits[0].value: missing from the bias edit"),
])
def test_every_missing_field_is_named_at_once(edit, said):
    with pytest.raises(ConfigError) as e:
        poke.Changes(edits=(edit,))
    assert str(e.value) == said
