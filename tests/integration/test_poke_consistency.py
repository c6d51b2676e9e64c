"""digitnet.poke, the command line and the page's API agree, on real MNIST digits: a backprop
step with neurons switched off, a model saved by ``digitnet edit`` ranked as its edit sent as
changes (and drawn by ``digitnet show ablation``), and the edge detector refused for a speech
model in the same words by all three.

The networks are untrained and built by hand (nothing here needs a trained one), saved to files
as ``digitnet train`` saves its models; the page's API runs in-process.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from digitnet import idx, inputs, modelfile, poke
from digitnet.cli import cli
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.preprocess import to_mnist
from digitnet.web import create_app

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: hand-built nets, poking)

HELD_OUT = slice(20000, 20600)  # real digits, the held-out examples of every model here
OFF = [[1, 3], [2, 7]]
EDGE = {"op": "edge", "layer": 1, "neuron": 5, "top": 12, "left": 6, "height": 3, "width": 16,
        "margin": 1, "weight": 0.5}


def make(seed: int, audio: bool = False) -> Network:
    net = Network((784, 16, 16, 10), activation="relu", seed=seed)
    # Untrained networks answer nearly the same class for everything; biases spread the answers.
    net.biases[-1][...] = np.random.default_rng(seed).normal(0, 0.5, 10)
    if audio:  # one that hears recordings, as 28x28 pictures of their sound
        net.metadata = {"input": inputs.Audio().to_dict()}
    return net


def run(*args):
    """``digitnet ARGS...`` in-process: click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def held(mnist):
    return mnist.subset(HELD_OUT, "test")


@pytest.fixture(scope="module")
def folders(tmp_path_factory, mnist, held):
    """(a model file, the same edited by `digitnet edit`, a folder of real held-out digits)."""
    folder = tmp_path_factory.mktemp("consistency")
    model, edited = folder / "model.safetensors", folder / "edited.safetensors"
    modelfile.save(make(seed=11), model)
    (folder / "off.json").write_text(json.dumps({"off": OFF}))
    result = run("edit", model, folder / "off.json", "--out", edited)
    assert result.exit_code == 0, result.output
    digits = folder / "digits"
    digits.mkdir()
    idx.write_idx(digits / "train-images-idx3-ubyte.gz", mnist.x[:200])
    idx.write_idx(digits / "train-labels-idx1-ubyte.gz", mnist.labels[:200])
    idx.write_idx(digits / "t10k-images-idx3-ubyte.gz", held.x)
    idx.write_idx(digits / "t10k-labels-idx1-ubyte.gz", held.labels)
    return model, edited, digits


def client_of(model, held):
    """The page's API serving ``model``, poking it on ``held`` (None: no held-out examples)."""
    return TestClient(create_app(model, data=held, held_out=held))


# -- one backprop step ------------------------------------------------------------------------


def test_a_step_with_neurons_off_is_the_same_from_python_and_from_the_page(folders, held):
    """The page sends the intact network's drawing with ``off``; Python's backprop_step, given
    the intact network and the same ``off``, takes the very same step (the network without
    them), and so does it given the network with them switched off."""
    model, _, _ = folders
    net, image, label = modelfile.load(model), held.x[7], 4
    x = inputs.of(net).rows(to_mnist(np.round(image / 255.0, 3).astype(np.float32))[None])[0]
    off = tuple(map(tuple, OFF))
    step = poke.backprop_step(net, x, label, lr=0.2, off=off)
    without = poke.backprop_step(poke.Changes(off=off).apply(net), x, label, lr=0.2)
    assert step.cost == without.cost and step.cost_after == without.cost_after
    assert step.cost != poke.backprop_step(net, x, label, lr=0.2).cost  # they matter here
    with client_of(model, held) as client:
        pixels = np.round(image / 255.0, 3).tolist()
        for sent in (label, float(label)):  # the page's API takes 4.0 as 4, and so does Python
            body = client.post("/api/backprop", json={"pixels": pixels, "label": sent, "lr": 0.2,
                                                      "off": OFF})
            assert body.status_code == 200, body.text
            assert body.json()["cost"] == pytest.approx(step.cost, rel=1e-6)
            assert body.json()["cost_after"] == pytest.approx(step.cost_after, rel=1e-6)
            np.testing.assert_allclose(body.json()["wanted"], step.wanted, rtol=1e-5, atol=1e-7)
            assert poke.backprop_step(net, x, sent, lr=0.2, off=off).cost == step.cost


# -- ranking a model saved with neurons off ---------------------------------------------------


def test_an_edited_file_ranks_as_its_edit_sent_as_changes(folders, held):
    model, edited, _ = folders
    rows, labels = inputs.of(make(0)).rows(held.x), held.labels.astype(np.intp)
    from_file = poke.rank_neurons(modelfile.load(edited), rows, labels)
    changes = poke.Changes(off=tuple(map(tuple, OFF)))
    as_changes = poke.rank_neurons(modelfile.load(model), rows, labels, changes)
    assert len(from_file) == len(as_changes) == 30
    assert [d.to_dict() for d in from_file] == [d.to_dict() for d in as_changes]
    assert not {(1, 3), (2, 7)} & {(d.layer, d.neuron) for d in from_file}
    # The page ranks them alike: the edited file served, or the original with the edit sent.
    with client_of(edited, held) as client:
        served_edited = client.post("/api/ranking", json={}).json()
    with client_of(model, held) as client:
        sent = client.post("/api/ranking", json={"off": OFF}).json()
    assert served_edited["neurons"] == sent["neurons"] and len(sent["neurons"]) == 30
    assert served_edited["accuracy"] == sent["accuracy"]


def test_show_ablation_of_an_edited_model_marks_the_neurons_off(folders, tmp_path):
    """No neuron off is named among those accuracy needs most, and the picture marks each
    "off" (SVG keeps each text as a comment) where a bar of height 0 stood."""
    _, edited, digits = folders
    result = run("show", "ablation", edited, "--data", digits, "--out", tmp_path / "a.svg")
    assert result.exit_code == 0, result.output
    named = [line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("layer")]
    assert len(named) == 5 and not {"layer 1 neuron 3", "layer 2 neuron 7"} & set(named)
    svg = (tmp_path / "a.svg").read_text()
    assert svg.count("<!-- off -->") == len(OFF)
    assert "switched off already" in svg


# -- the edge detector and a speech model -----------------------------------------------------


def test_the_edge_detector_is_refused_for_a_speech_model_alike_everywhere(tmp_path):
    speech = tmp_path / "speech.safetensors"
    modelfile.save(make(seed=12, audio=True), speech)
    changes = tmp_path / "edge.json"
    changes.write_text(json.dumps({"edits": [EDGE]}))
    out = tmp_path / "edged.safetensors"
    result = run("edit", speech, changes, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    said = result.stderr.strip()
    assert "\n" not in said and said.startswith(f"digitnet: error: {changes}: edits[0]: ")
    with pytest.raises(ConfigError) as e:
        poke.Changes.from_json({"edits": [EDGE]}).apply(modelfile.load(speech))
    assert said.endswith(str(e.value)) and "pictures of recorded sounds" in str(e.value)
    with client_of(speech, None) as client:
        answer = client.post("/api/ablate", json={"edits": [EDGE]})
    assert answer.status_code == 422 and answer.json() == {"error": str(e.value)}
    # An image model takes the same edit from the same file.
    image_model = tmp_path / "digits.safetensors"
    modelfile.save(make(seed=12), image_model)
    assert run("edit", image_model, changes, "--out", out).exit_code == 0
