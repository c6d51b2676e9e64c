"""The note under the importance chart of `digitnet show search` ("from 6 complete trials: a
rough guide (it steadies from about 50)") lies inside the picture, as matplotlib's renderer
measures it. (Before, centred under the right-hand panel of the 1000x420 picture, it ran some
24 pixels past its right edge: "... (it steadies from about" was the last that showed.)

The figure is drawn from trial records as a study gives them (:class:`TrialRecord`), and the
importances as Optuna's PED-ANOVA gives them (parameter -> share, summing to 1).
"""

from __future__ import annotations

import pytest

from digitnet import searchviz
from digitnet.studies import STEADY_IMPORTANCES, TrialRecord

IMPORTANCES = {"lr": 0.46, "weight_decay": 0.21, "batch_size": 0.17, "activation": 0.09,
               "schedule": 0.05, "optimizer": 0.02}


def _records(complete: int) -> list[TrialRecord]:
    return [TrialRecord(number=n, state="COMPLETE", value=(60 + n % 7) / 72,
                        params={"lr": 0.01 * (n + 1)}, config=None, epochs=1, seconds=0.01)
            for n in range(complete)]


@pytest.mark.parametrize("complete", [2, 6, 10, STEADY_IMPORTANCES - 1])
def test_the_rough_guide_note_lies_inside_the_picture(complete):
    fig = searchviz.search_figure(_records(complete), IMPORTANCES,
                                  "digitnet tune: study 'wine'")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert (fig.bbox.width, fig.bbox.height) == (1000, 420)  # (the picture saved)
    note = fig.axes[1].xaxis.label
    said = " ".join(note.get_text().split())
    assert said == (f"from {complete} complete trials: a rough guide (it steadies from about "
                    f"{STEADY_IMPORTANCES})")
    box = note.get_window_extent(renderer)
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (box, fig.bbox)
    assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, (box, fig.bbox)
    # under the chart's ticks, not over them
    ticks = [t.get_window_extent(renderer) for t in fig.axes[1].get_xticklabels()
             if t.get_text()]
    assert ticks and all(box.y1 <= tick.y0 for tick in ticks)


def test_no_note_when_the_importances_are_steady():
    fig = searchviz.search_figure(_records(STEADY_IMPORTANCES), IMPORTANCES)
    assert fig.axes[1].xaxis.label.get_text() == ""
