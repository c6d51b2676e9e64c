"""The gallery of mistakes names each one so that it can be found: a real recording's or
picture's file (shortened to fit its tile, never past it), or, for IDX digits, the example's
number; a picture of a sound says how it reads, as every other picture of a sound does."""

from __future__ import annotations

import itertools
import re
import shutil

import pytest

from digitnet import datasets, inputs, mistakesviz, modelfile, probes, viz
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: the mistakes gallery)

#: Speakers the speech model never heard (it learned from george, jackson and lucas).
UNHEARD = ("nicolas", "yweweler")


@pytest.fixture(scope="module")
def heard(speech_model, spoken_digits, tmp_path_factory):
    """The speech model and 80 recordings of the two speakers it never heard, as it reads
    them: (net, data, rows)."""
    folder = tmp_path_factory.mktemp("unheard")
    for digit in range(10):
        for speaker in UNHEARD:
            for i in range(4):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    net = modelfile.load(speech_model)
    data = datasets.load(folder, split="all", audio=inputs.audio_of(net))
    return net, data, inputs.of(net).rows(data.x)


def _tiles(fig):
    return [ax for ax in fig.axes if ax.images]


def test_each_recording_misheard_is_named_by_its_file(heard):
    net, data, rows = heard
    order, answers, _, n_wrong = probes.confident_mistakes(net, rows, data.labels, 12)
    assert n_wrong >= 12  # (voices it never heard: it mishears some)
    fig = mistakesviz.mistakes_figure(net, rows, data.labels, 12, names=data.names)
    for ax, i, answer in zip(_tiles(fig), order, answers, strict=True):
        name, true, said = ax.get_title().split("\n")
        assert name == data.names[i] and re.fullmatch(r"\d_[a-z]+_\d\.wav", name)
        assert true == f"true {name[0]}" and said.startswith(f"said {answer} ")
        assert int(name[0]) != answer
    assert " ".join(fig.get_suptitle().split()).endswith(
        f"on 80 recordings; the pictures are sounds: {viz._SOUND}")


def test_names_too_long_for_a_tile_are_cut_to_fit_it(heard):
    """A long path shows its basename; a basename too long for the tile its last characters;
    each title stays within its tile's share of the width, at a readable size."""
    net, data, rows = heard
    long = "Recordings of my class, autumn term/"
    names = [f"{long}{n}" if k % 2 else f"{long}{n[:-4]}-{'take ' * 10}{n[-5:]}"
             for k, n in enumerate(data.names)]
    order = probes.confident_mistakes(net, rows, data.labels, 16)[0]
    fig = mistakesviz.mistakes_figure(net, rows, data.labels, 16, names=names)
    fig.canvas.draw()
    tiles = _tiles(fig)
    cell = fig.bbox.width * 0.96 / 8  # 16 tiles: two rows of eight
    for ax, i in zip(tiles, order, strict=True):
        shown = ax.get_title().split("\n")[0]
        basename = names[i].split("/")[-1]
        if len(basename) < 20:
            assert shown == basename
        else:
            assert shown.startswith("…") and basename.endswith(shown[1:]) and len(shown) > 10
            assert shown.endswith(f"{data.names[i][-5:]}")  # (the digit's number, the kind)
        assert ax.title.get_fontsize() >= 8
        assert ax.title.get_window_extent().width <= cell
    for left, right in itertools.pairwise(tiles):  # side by side in a row: apart
        if left.get_position().y0 == right.get_position().y0:
            assert left.title.get_window_extent().x1 < right.title.get_window_extent().x0


def test_examples_without_files_are_numbered_in_the_split(mnist, small_model):
    """IDX digits have no files of their own: each tile names its digit's place in the split."""
    net = modelfile.load(small_model)
    held = mnist.subset(slice(20000, 21500))  # (the small model learned from others, too)
    assert held.names is None
    rows = inputs.of(net).rows(held.x)
    order, answers, _, _ = probes.confident_mistakes(net, rows, held.labels, 6)
    fig = mistakesviz.mistakes_figure(net, rows, held.labels, 6, names=held.names)
    for ax, i, answer in zip(_tiles(fig), order, answers, strict=True):
        assert ax.get_title().split("\n")[0] == f"#{i:,}"
        assert net.predict(rows[i]) == answer != held.labels[i]
    assert "pitch" not in fig.get_suptitle()
    with pytest.raises(DataError, match=r"names: 3 for 1,500 images; give one per example"):
        mistakesviz.mistakes_figure(net, rows, held.labels, 6, names=["a.png"] * 3)


def test_the_figure_is_no_longer_drawn_by_viz():
    """One home: the gallery lives in mistakesviz, which viz's docstring points to."""
    assert not hasattr(viz, "mistakes_figure")
    assert "digitnet.mistakesviz" in viz.__doc__
    assert mistakesviz.example_name(None, 1234) == "#1,234"
    assert mistakesviz.example_name(("a\nb.wav",), 0) == "a\\nb.wav"  # (one line)
