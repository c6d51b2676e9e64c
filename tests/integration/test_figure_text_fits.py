"""The words of show weights' and show robustness' pictures: inside the picture, and ticks
only where the levels can be (whole steps of stroke thickness have no tick at 0.5)."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import modelfile, poke, pokeviz, viz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: figures' words)


@pytest.fixture(scope="module")
def net(small_model):
    """The default-recipe network (784-16-16-10) trained for 3 epochs on 3,000 real digits."""
    return modelfile.load(small_model)


def _inside(fig, text) -> bool:
    box = text.get_window_extent(fig.canvas.get_renderer())
    return fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1


TEMPLATES = "multiplied back to the pixels,\nignoring the nonlinearities in between (blue +, red −)"


@pytest.mark.parametrize("layer, words", [
    (1, ("Weights into each neuron of the first hidden layer\nblue +, red −, black 0 (each tile "
         "scaled to its own largest weight |w|, or to 1% of the layer's largest if smaller)")),
    (2, "APPROXIMATE templates of the hidden layer 2: W2 · W1 " + TEMPLATES),
    (3, "APPROXIMATE templates of the output layer: W3 · W2 · W1 " + TEMPLATES),
])
def test_the_weights_title_is_whole_and_inside_the_picture(net, layer, words):
    fig = viz.weights_figure(net, layer)
    fig.canvas.draw()
    title, renderer = fig.texts[0], fig.canvas.get_renderer()  # the suptitle
    assert " ".join(title.get_text().split()) == " ".join(words.split())
    heading = words.split("\n")[0]  # still a line of its own: what is broken is the long line
    assert title.get_text().splitlines()[0] == heading
    assert _inside(fig, title), title.get_text()
    lowest = title.get_window_extent(renderer).y0  # above every tile's own title
    for ax in fig.axes:
        assert ax.title.get_window_extent(renderer).y1 < lowest, ax.title.get_text()


def _shown_ticks(ax) -> list[float]:
    low, high = ax.get_xlim()
    return [float(t) for t in ax.get_xticks() if low <= t <= high]


def test_whole_number_levels_have_ticks_only_at_whole_numbers(net, mnist):
    curves = poke.robustness_curves(net, mnist.x[-300:], mnist.labels[-300:])
    fig = pokeviz.robustness_figure(curves, ["small.safetensors"])
    fig.canvas.draw()
    ticks = {curve.name: _shown_ticks(ax) for curve, ax in zip(curves, fig.axes)}
    assert ticks["thickness"] == [-1, 0, 1, 2, 3]  # the steps (it had -0.5, 0.5, ... between)
    assert ticks["shift"] == [0, 1, 2, 3, 4, 5]
    assert ticks["rotation"] == [0, 10, 20, 30, 40, 50, 60]
    assert np.allclose(ticks["noise"], [0, 0.1, 0.2, 0.3, 0.4, 0.5])  # not whole: as it was
