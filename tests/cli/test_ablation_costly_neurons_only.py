"""``digitnet show ablation`` lists, and tables in its picture, only the neurons whose loss costs
some class accuracy; the others are counted in one line, not listed as "neuron 0, 1, 2 ... no
class loses accuracy" after the few that matter (a teacher's spoken-digit model: 3 of its 192
neurons cost anything).

On a model of real spoken digits trained by the suite (wide enough for most of its neurons to
cost nothing on its 90 held-out recordings), checked against digitnet.poke on the same
held-out recordings, and on a model of real handwritten digits."""

from __future__ import annotations

import re

import pytest

from digitnet import heldout, inputs, modelfile, poke

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: ablation, suite models)

_LISTED = re.compile(r"layer (\d+) neuron (\d+): accuracy [\d.]+% -> [\d.]+%; (.*)$")


def _ranking(model):
    """poke's ranking of every neuron of ``model`` on its held-out examples, as the command
    finds them (the data it records it was trained on)."""
    net = modelfile.load(model)
    found = heldout.held_out(net, heldout.own_data(net)).data
    return poke.rank_neurons(net, inputs.of(net).rows(found.x), found.labels)


def _table_rows(svg: str) -> list[str]:
    """The rows of the picture's table of the classes that suffer, "layer:neuron" each (the
    only texts of that form: matplotlib's SVG keeps each text in a comment)."""
    return re.findall(r"<!-- (\d+:\d+) -->", svg)


def test_only_neurons_that_cost_accuracy_are_listed_and_tabled(run, speech_model, tmp_path):
    drops = _ranking(speech_model)
    costly = [d for d in drops if (d.per_class_drop > 0).any()]
    free = len(drops) - len(costly)
    assert costly and free, "the model should have neurons that matter and others that do not"
    out = tmp_path / "a.svg"
    result = run("show", "ablation", speech_model, "--out", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == f"Saved {out}"
    assert lines[0].startswith("On ") and lines[0].endswith(
        "(val), each hidden neuron switched off alone" + "; the 5 that cost the most" * (
            len(costly) > 5) + ":"), lines[0]  # (the model's own recordings, its val split)
    listed = [_LISTED.match(line) for line in lines[1:-2]]
    assert all(listed), lines
    assert [(int(m[1]), int(m[2])) for m in listed] == [(d.layer, d.neuron) for d in costly[:5]]
    assert not any(m[3] == "no class loses accuracy" for m in listed)
    rise = sum(d.drop < 0 for d in drops if not (d.per_class_drop > 0).any())
    raised = f" ({rise} even raise{'s' * (rise == 1)} it)" if rise else ""
    assert lines[-2] == (f"{free} of the {len(drops)} neurons cost{'s' * (free == 1)} nothing, "
                         f"so {'is' if free == 1 else 'are'} not listed: switched off alone, no "
                         f"class loses accuracy{raised}")
    svg = out.read_text()
    assert _table_rows(svg) == [f"{d.layer}:{d.neuron}" for d in costly[:12]]
    assert f"the table leaves out {free} neuron" in svg


def test_a_model_of_handwritten_digits_still_lists_its_five_worst(run, trained, digits_dir,
                                                                  tmp_path):
    """Each of the five listed neurons hurts some class by at least 1%; the picture's table
    keeps its twelve worst neurons, all of which cost something."""
    model = trained[0]
    out = tmp_path / "a.svg"
    result = run("show", "ablation", model, "--data", digits_dir, "--out", out)
    assert result.exit_code == 0, result.output
    listed = [m for m in map(_LISTED.match, result.stdout.splitlines()) if m]
    assert len(listed) == 5 and all(m[3].startswith("hurts digit ") for m in listed), result.stdout
    rows = _table_rows(out.read_text())
    assert len(rows) == 12
    assert rows[:5] == [f"{m[1]}:{m[2]}" for m in listed]


def test_neurons_already_off_are_not_counted(run, speech_model, tmp_path):
    """Of a model saved by `digitnet edit` with two neurons off, the line counts among the
    neurons still on, as the ranking does."""
    edits = tmp_path / "off.json"
    edits.write_text('{"off": [[1, 0], [2, 1]]}')
    edited = tmp_path / "edited.safetensors"
    assert run("edit", speech_model, edits, "--out", edited).exit_code == 0
    drops = _ranking(edited)
    free = sum(not (d.per_class_drop > 0).any() for d in drops)
    result = run("show", "ablation", edited, "--out", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    counted = result.stdout.splitlines()[-2]
    assert len(drops) == sum(modelfile.load(edited).sizes[1:-1]) - 2
    assert counted.startswith(f"{free} of the {len(drops)} neurons still on cost"), counted
