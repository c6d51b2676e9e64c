"""``digitnet show top``, in-process, on a model trained by ``digitnet train`` on real digits:
it shows the digits as the network read them (deskewed, for the default recipe), and says when
the neuron asked about is switched off rather than what it would fire for."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitnet import heldout, inputs, modelfile, pokeviz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show top, edit)


@pytest.fixture
def drawn(monkeypatch):
    """What show top hands to pokeviz.top_figure: (profile, images, title) of each call."""
    calls = []
    original = pokeviz.top_figure

    def record(profile, images, labels, classes, title="", **options):
        calls.append((profile, images, title))
        return original(profile, images, labels, classes, title, **options)

    monkeypatch.setattr(pokeviz, "top_figure", record)
    return calls


def test_show_top_shows_the_digits_as_the_network_read_them(run, trained, digits_dir, tmp_path,
                                                          drawn):
    model = trained[0]
    net = modelfile.load(model)
    assert inputs.of(net).deskew  # the default recipe straightens each digit first
    result = run("show", "top", model, "--layer", "1", "--neuron", "2", "--data", digits_dir,
                 "--out", tmp_path / "top.png")
    assert result.exit_code == 0, result.output
    [(profile, images, title)] = drawn
    held = heldout.held_out(net, str(digits_dir)).data
    read = inputs.of(net).rows(held.x)[profile.top].reshape(-1, 28, 28) / 255.0
    np.testing.assert_array_equal(images, read)
    assert not np.array_equal(images, held.x[profile.top] / 255.0)  # not the raw files
    assert title.endswith("(deskewed, as the network reads them)")


def test_show_top_of_a_switched_off_neuron_says_so(run, trained, digits_dir, tmp_path, drawn):
    edits = tmp_path / "off.json"
    edits.write_text(json.dumps({"off": [[1, 2], [2, 3]]}))
    edited = tmp_path / "off.safetensors"
    assert run("edit", trained[0], edits, "--out", edited).exit_code == 0
    result = run("show", "top", edited, "--layer", "1", "--neuron", "2", "--data", digits_dir,
                 "--out", tmp_path / "top.png")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("layer 1 neuron 2 is switched off in off.safetensors: it sends 0 to the "
                        "next layer whatever it sees; shown, what its z favours most")
    [(profile, _, title)] = drawn
    assert profile.off and profile.firing == 0 and not profile.top_activation.any()
    assert title.startswith("Neuron 2 of layer 1, switched off: off.safetensors on ")
    # The neuron next to it is on, and its picture says what it fires for.
    on = run("show", "top", edited, "--layer", "1", "--neuron", "3", "--data", digits_dir,
             "--out", tmp_path / "top3.png")
    assert on.stdout.splitlines() == [f"Saved {tmp_path / 'top3.png'}"]
    assert not drawn[1][0].off and drawn[1][0].firing > 0
