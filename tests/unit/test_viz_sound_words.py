"""`digitnet show` of a model of spoken digits speaks of the sound, not of pixels: the templates
of deeper layers are multiplied back to the sound, the saliency names the parts of the sound
(and its axes, once), and no figure of viz says "pixel"; a model of pictures keeps its words.

The networks are untrained (unit tests train nothing): the words hold for any weights. The
inputs are real: a recording of FSDD heard through the audio front end, and an MNIST digit.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

from digitnet import Network, audio, inputs, probes, viz

pytestmark = pytest.mark.engine_independent  # (figures of untrained networks)

AXES = "time →, pitch ↑"  # how every picture of a sound reads (words.SOUND_AXES)


def _net(sound: bool) -> Network:
    """An untrained 784-16-16-10 network; ``sound``: it hears recordings as 28x28 pictures."""
    net = Network((784, 16, 16, 10), activation="relu", seed=0)
    net.biases[-1][...] = np.random.default_rng(0).normal(0, 0.5, 10)  # answers spread
    if sound:
        net.metadata = {"input": inputs.Audio().to_dict()}
    return net


@pytest.fixture(scope="module")
def heard(spoken_digits):
    """A real recording of a seven, as the speech model's front end hears it (28x28 uint8)."""
    return audio.picture(spoken_digits / "7_jackson_0.wav", inputs.Audio())


@pytest.fixture(scope="module")
def seen(mnist):
    """A real MNIST digit, a row of 784 uint8 pixels."""
    return mnist.x[0].reshape(784)


def _said(fig) -> str:
    """Every word the figure shows (suptitle, axes' titles, texts), its lines joined by spaces."""
    fig.canvas.draw()  # (fit_width has broken the long titles into lines)
    return " | ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text) if t.get_text())


@pytest.mark.parametrize("layer, product", [(2, "W2 · W1"), (3, "W3 · W2 · W1")])
def test_deeper_templates_of_a_model_of_recordings_are_multiplied_back_to_the_sound(layer,
                                                                                   product):
    said = _said(viz.weights_figure(_net(sound=True), layer))
    assert f"{product} multiplied back to the sound ({AXES}), ignoring the nonlinearities in " \
           "between (blue +, red −)" in said, said
    assert "pixel" not in said.lower(), said


@pytest.mark.parametrize("layer, where, product", [(2, "hidden layer 2", "W2 · W1"),
                                                   (3, "output layer", "W3 · W2 · W1")])
def test_deeper_templates_of_a_model_of_pictures_keep_the_pixels(layer, where, product):
    fig = viz.weights_figure(_net(sound=False), layer)
    fig.canvas.draw()
    assert " ".join(fig.get_suptitle().split()) == (
        f"APPROXIMATE templates of the {where}: {product} multiplied back to the pixels, "
        "ignoring the nonlinearities in between (blue +, red −)")
    assert "sound" not in _said(fig) and "pitch" not in _said(fig)


def test_the_saliency_of_a_model_of_recordings_names_the_parts_of_the_sound(heard):
    net = _net(sound=True)
    k, fig = probes.saliency(net, probes.single_input(net, heard))[1], viz.saliency_figure(net,
                                                                                          heard)
    said = _said(fig)
    assert f"∂z{k}/∂(band, frame): blue + , red −" in said, said
    assert "loud parts pushing towards" in said, said
    assert f"Saliency: which parts of the sound ({AXES}) made the network answer" in said, said
    assert said.count(AXES) == 1, said  # the axes named once
    assert "pixel" not in said.lower(), said


def test_the_saliency_of_a_model_of_pictures_keeps_the_pixels(seen):
    net = _net(sound=False)
    k, fig = probes.saliency(net, probes.single_input(net, seen))[1], viz.saliency_figure(net,
                                                                                         seen)
    _said(fig)
    titles = [ax.get_title() for ax in fig.axes]
    assert f"∂z{k}/∂pixel: blue + , red −" in titles, titles
    assert f"lit pixels pushing towards {k}\n(gradient × input, positive part)" in titles, titles
    assert " ".join(fig.get_suptitle().split()) == (
        f"Saliency: which pixels made the network answer {k} (gradient of output z{k}, before "
        "softmax)")
    assert "sound" not in _said(fig) and "pitch" not in _said(fig)


def test_the_saliency_panels_are_drawn_alike_the_colour_bar_beside_its_own(seen):
    """The gradient's colour bar takes no width from its panel: the three pictures are as wide
    and as high as one another (a walker saw the middle one narrower)."""
    fig = viz.saliency_figure(_net(sound=False), seen)
    fig.canvas.draw()
    panels = [ax.get_window_extent() for ax in fig.axes if ax.images]
    assert len(panels) == 3
    assert {round(p.width) for p in panels} == {round(panels[0].width)}, panels
    assert {round(p.height) for p in panels} == {round(panels[0].height)}, panels
    (bar,) = [inset.get_window_extent() for ax in fig.axes for inset in ax.child_axes]
    assert panels[1].x1 < bar.x0 and bar.x1 < panels[2].x0  # between the two, overlapping none


def test_no_figure_of_a_model_of_recordings_says_pixels(heard):
    """The diagram and the dream (which already named the sound) say no "pixel" either."""
    net = _net(sound=True)
    diagram, dream = _said(viz.network_figure(net, heard)), _said(viz.dream_figure(net, [7]))
    assert f"input as the network sees it the sound, {AXES} 28 bands x 28 frames" in diagram
    assert "loudness in [0, 1], L2 norm ≤ 9" in dream, dream
    for said in (diagram, dream):
        assert "pixel" not in said.lower(), said


def test_the_diagram_and_dream_of_a_model_of_pictures_keep_the_pixels(seen):
    net = _net(sound=False)
    diagram, dream = _said(viz.network_figure(net, seen)), _said(viz.dream_figure(net, [3]))
    assert "input as the network sees it 28x28 = 784 pixels" in diagram, diagram
    assert "faint noise; pixels in [0, 1], L2 norm ≤ 9" in dream, dream
    for said in (diagram, dream):
        assert "sound" not in said and "pitch" not in said, said
