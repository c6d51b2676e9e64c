"""viz.network_figure, viz.saliency_figure and probes.saliency read their one picture as
net.predict reads it (digitnet.probes.example_row, through digitnet.brightness.example_rows):
deskewed for a model that deskews, and refused as predict refuses it.

Before, they read the picture as the input layer's row as it was: for a model that deskews (the
default and video recipes) the figure drew the picture not deskewed, lit its neurons for it and
titled another answer than predict's ("reads a 8 (61.5%)" where predict said 5, 63%), and
saliency's answer differed from predict's on about a fifth of held-out digits; pixels 0..255 given
as floats were drawn without an error. The model is the suite's small one (the default recipe,
deskewing, 3 epochs on 3,000 real digits); the pictures are real digits it never trained on.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.patches import Circle

from digitnet import inputs, modelfile, probes, viz
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: figures and saliency)

N = 60


@pytest.fixture(scope="module")
def net(small_model):
    net = modelfile.load(small_model)
    assert inputs.of(net).deskew  # (what this file is about)
    return net


@pytest.fixture(scope="module")
def pictures(mnist):
    """Real digits from the end of the prefix (the small model trained on a stratified draw
    of 3,000 of the others' kind), uint8 pictures (N, 28, 28)."""
    return mnist.x[-N:]


@pytest.fixture(scope="module")
def straight(net):
    """``net`` reading its rows as they are: the same weights, its input not deskewing."""
    twin = net.copy()
    twin.metadata["input"] = inputs.Images((28, 28)).to_dict()
    return twin


def _shown(fig) -> dict:
    """What the diagram shows: its words, its circles' brightness, its input picture."""
    ax = fig.axes[0]
    return {"words": [t.get_text() for t in ax.texts],
            "circles": [p.get_facecolor() for p in ax.patches if isinstance(p, Circle)],
            "input": np.asarray(ax.images[0].get_array())}


def _percent(fig) -> np.ndarray:
    """The probabilities the diagram writes beside its outputs, in percent, digit by digit."""
    said = [re.fullmatch(r"(\d)\s+([\d.]+)%", t.get_text()) for t in fig.axes[0].texts]
    return np.array([float(m[2]) for m in sorted(filter(None, said), key=lambda m: m[1])])


def test_the_network_diagram_draws_the_picture_deskewed_as_predict_reads_it(net, straight,
                                                                            pictures):
    rows = inputs.of(net).rows(pictures)  # deskewed, uint8
    assert (rows != pictures.reshape(N, 784)).any(axis=1).sum() > N // 2  # (they differ)
    for i in range(0, N, 6):
        fig = viz.network_figure(net, pictures[i])
        proba = net.predict_proba(pictures[i])
        np.testing.assert_allclose(_percent(fig), 100 * proba, atol=0.051)
        title = next(t.get_text() for t in fig.axes[0].texts if "network reads" in t.get_text())
        assert title.endswith(f"reads a {net.predict(pictures[i])} ({proba.max():.1%})"), title
        # the neurons lit, the words and the input panel: those of the deskewed row
        seen, deskewed = _shown(fig), _shown(viz.network_figure(straight, rows[i]))
        assert seen["words"] == deskewed["words"]
        assert seen["circles"] == deskewed["circles"]
        np.testing.assert_array_equal(seen["input"], deskewed["input"])
        np.testing.assert_allclose(seen["input"].ravel(), rows[i] / 255, atol=1e-6)


def test_saliency_answers_as_predict_and_takes_the_deskewed_row(net, straight, pictures):
    predicted = net.predict(pictures)
    for i in range(N):
        gradient, digit = probes.saliency(net, pictures[i])
        assert digit == predicted[i], i
    row = inputs.of(net).rows(pictures[:1])[0]
    gradient, digit = probes.saliency(net, pictures[0], digit=3)
    expected, _ = probes.saliency(straight, row, digit=3)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-9)


def test_the_saliency_figure_titles_predicts_answer(net, pictures):
    for i in range(0, N, 12):
        fig = viz.saliency_figure(net, pictures[i])
        title = fig.axes[0].get_title()
        proba = net.predict_proba(pictures[i])
        assert title == f"input: read as {net.predict(pictures[i])} ({proba.max():.0%})", title
        np.testing.assert_allclose(np.asarray(fig.axes[0].images[0].get_array()).ravel(),
                                   inputs.of(net).rows(pictures[i])[0] / 255, atol=1e-6)


def _drawn(name: str):
    """viz's or probes' function called ``name``."""
    return getattr(viz, name, None) or getattr(probes, name)


@pytest.mark.parametrize("name", ["network_figure", "saliency_figure", "saliency"])
def test_pixels_0_to_255_as_floats_are_refused_as_predict_refuses_them(net, pictures, name):
    draw = _drawn(name)
    with pytest.raises(DataError) as predict_said:
        net.predict(pictures[15].astype(float))
    with pytest.raises(DataError) as refused:
        draw(net, pictures[15].astype(float))
    assert str(refused.value) == str(predict_said.value)
    assert "pixels as floats must lie in [0, 1]" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("name", ["network_figure", "saliency"])
def test_more_than_one_picture_is_refused_in_one_line(net, pictures, name):
    with pytest.raises(DataError, match=r"^expected one image, got 2$"):
        _drawn(name)(net, pictures[:2])


@pytest.mark.parametrize("name", ["network_figure", "saliency_figure", "saliency", "example_row"])
def test_a_picture_that_looks_inverted_is_warned_of_at_the_callers_line(net, pictures, name):
    draw = _drawn(name)
    with pytest.warns(UserWarning, match="the background is bright and the ink dark") as said:
        draw(net, 255 - pictures[0])
    assert len(said) == 1 and said[0].filename == __file__
