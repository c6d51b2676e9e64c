"""A network changed by hand after training shows, in a notebook, that it was: its recorded
accuracy is labelled as from before the changes, which are counted."""

from __future__ import annotations

import re

from IPython.core.formatters import DisplayFormatter

from digitnet import modelfile, poke


def rows_shown(net) -> dict[str, str]:
    """The summary table IPython would put in a notebook for ``net``: {row heading: value}."""
    data, _ = DisplayFormatter().format(net)
    return dict(re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", data["text/html"]))


def test_an_edited_network_shows_its_accuracy_as_from_before_the_edits(small_model, tmp_path):
    net = modelfile.load(small_model)
    accuracy = f"validation {net.metadata['metrics']['val_accuracy']:.2%}"
    intact = rows_shown(net)
    assert intact["accuracy"] == accuracy and "edited" not in intact

    bias = {"op": "bias", "layer": 2, "neuron": 0, "value": -1.5}
    edited = poke.Changes(off=((1, 2), (1, 5)), edits=(bias,)).apply(net)
    rows = rows_shown(edited)
    assert rows["edited"] == ("by hand after training: 2 neurons switched off and 1 edit "
                              "(digitnet info lists them)")
    assert rows["accuracy"] == f"before the edits: {accuracy}"

    # Saved and loaded again, and switched off once more: the changes of both savings count.
    modelfile.save(edited, tmp_path / "edited.safetensors")
    again = poke.Changes(off=((2, 3),)).apply(modelfile.load(tmp_path / "edited.safetensors"))
    assert rows_shown(again)["edited"] == ("by hand after training: 3 neurons switched off and "
                                           "1 edit (digitnet info lists them)")
