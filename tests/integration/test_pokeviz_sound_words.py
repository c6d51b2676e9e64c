"""The poking figures label pictures of sounds as every picture of a sound is labelled
(digitnet.viz's "time →, pitch ↑"): the examples a neuron of a model of spoken digits answers to
most (`show top`'s figure) say they are sounds, and the map of its input layer (`show
embedding`'s) names the input the sound, not pixels. A model of handwritten digits keeps the
words it had."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network, audio, inputs, modelfile, poke, pokeviz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: pokeviz figures' words)

AXES = "time →, pitch ↑"  # (as tests/cli/test_show_sound_words.py has it)
CLASSES = [str(d) for d in range(10)]


@pytest.fixture(scope="module")
def heard(speech_model, speech_unheard_recordings):
    """(the model of spoken digits, the rows it reads for 60 real recordings it never learned
    from, their digits)"""
    net = modelfile.load(speech_model)
    front_end = inputs.audio_of(net)
    pictures = np.stack([audio.picture(p, front_end) for p in speech_unheard_recordings])
    labels = np.array([int(p.name[0]) for p in speech_unheard_recordings])
    return net, inputs.of(net).rows(pictures), labels


def _top(net, rows, labels, sound: bool):
    profile = poke.neuron_profile(net, rows, labels, 1, 3, 9)
    shown = rows[profile.top]
    shown = (shown / 255.0 if shown.dtype == np.uint8 else shown).reshape(-1, 28, 28)
    return pokeviz.top_figure(profile, shown, labels, CLASSES, sound=sound)


def _map_titles(net, rows, labels, sound: bool) -> list[str]:
    maps = [poke.embedding(net, rows, layer, "pca") for layer in (0, 1)]
    fig = pokeviz.embedding_figure(maps, labels, CLASSES, sound=sound)
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_a_neurons_top_recordings_are_labelled_as_sounds(heard):
    net, rows, labels = heard
    title = _top(net, rows, labels, sound=True).get_suptitle()
    assert title == ("What neuron 3 of layer 1 answers to: the held-out examples that activate "
                     f"it most\nthe pictures are sounds: {AXES}")


def test_the_map_of_the_input_of_a_model_of_recordings_names_the_sound(heard):
    net, rows, labels = heard
    first, second = _map_titles(net, rows, labels, sound=True)
    assert first.startswith("input (the sound), PCA: ") and "pixels" not in first
    assert second.startswith("layer 1, PCA: ")


def test_a_model_of_pictures_keeps_its_words(mnist):
    net = Network((784, 16, 10), seed=0)
    rows, labels = inputs.of(net).rows(mnist.x[20000:20200]), mnist.labels[20000:20200]
    title = _top(net, rows, labels, sound=False).get_suptitle()
    assert title == ("What neuron 3 of layer 1 answers to: the held-out examples that activate "
                     "it most")
    assert _map_titles(net, rows, labels, sound=False)[0].startswith("input (pixels), PCA: ")
