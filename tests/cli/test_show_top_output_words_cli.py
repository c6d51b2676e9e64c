"""`digitnet show top` of an output neuron names it as one (its class too), and a title too
long for the figure (a long data name) is broken into lines inside it, not cut at its edges."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.filterwarnings("default::UserWarning"),
              pytest.mark.engine_independent]  # (a figure's words, nothing trained here)


@pytest.mark.parametrize("layer, neuron, who", [
    (3, 7, "What output neuron 7 (digit 7) of layer 3 answers to: "),
    (1, 4, "What neuron 4 of layer 1 answers to: "),
])
def test_the_title_names_the_neuron_and_fits(run, trained, tmp_path, monkeypatch, layer, neuron,
                                             who):
    from matplotlib.figure import Figure

    drawn = []
    real = Figure.savefig

    def keep(fig, *args, **kwargs):  # (the figure as saved: its title's words and extent)
        drawn.append(fig)
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    model, _ = trained
    out = tmp_path / "top.png"
    result = run("show", "top", model, "--layer", layer, "--neuron", neuron, "--out", out)
    assert result.exit_code == 0, result.output
    fig, = drawn
    title = fig._suptitle
    assert " ".join(title.get_text().split()).startswith(who)
    box, room = title.get_window_extent(fig.canvas.get_renderer()), fig.bbox
    assert room.x0 <= box.x0 and box.x1 <= room.x1
