"""`digitnet show search` on real searches of scikit-learn's wine table: its legend covers no
trial's point, and its accuracy axis reads in percent, also when no trial has completed.

Each search is three or two trials of two epochs, into a SQLite file of its own. The first
fixes the optimiser: momentum, drawn only for SGD, is then not searched (searched, it can have
too few trials for Optuna's PED-ANOVA, which then warns).
"""

from __future__ import annotations

import numpy as np
import pytest
from real_data import wine_csv

from digitnet import searchviz, studies

TUNE = ["tune", "--epochs", "2", "--pruner", "none"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


def _picture(run, storage, tmp_path):
    """The picture `digitnet show search` saves (checked to be saved), as a drawn Figure."""
    out = tmp_path / "search.png"
    shown = run("show", "search", storage, "--out", out)
    assert shown.exit_code == 0, shown.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    study = studies.load_study(studies.open_storage(storage, create=False), "digitnet")
    fig = searchviz.search_figure(studies.records(study), studies.importances(study),
                                  "digitnet tune: study 'digitnet'")
    fig.canvas.draw()
    return fig, study


def _percent_ticks(ax) -> list[str]:
    low, high = sorted(ax.get_ylim())
    texts = [t.get_text() for t, loc in zip(ax.get_yticklabels(), ax.get_yticks())
             if low <= loc <= high]
    assert texts and all(text.endswith("%") for text in texts), texts
    return texts


def test_the_legend_covers_no_trial(run, table, tmp_path):
    """With this search (seed 0) the legend at the lower right hid trial 1 (83.33%), between
    trials of 94.44% and 100%."""
    storage = tmp_path / "tune.db"
    result = run(*TUNE, "--data", table, "--optimizer", "adam", "--trials", "3",
                 "--storage", storage, "--out", tmp_path / "best.json")
    assert result.exit_code == 0, result.output
    fig, study = _picture(run, storage, tmp_path)
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    dots = ax.lines[0]
    assert list(dots.get_ydata()) == [t.value for t in study.get_trials()]
    assert len(set(dots.get_ydata())) > 1  # points at several heights
    legend = ax.get_legend().get_window_extent(renderer)
    radius = dots.get_markersize() / 2 * fig.dpi / 72
    centres = ax.transData.transform(np.column_stack([dots.get_xdata(), dots.get_ydata()]))
    covered = [(x, y) for x, y in centres if legend.x0 - radius < x < legend.x1 + radius
               and legend.y0 - radius < y < legend.y1 + radius]
    assert not covered
    assert legend.y0 >= ax.get_window_extent(renderer).y1  # above the axes: nothing to cover
    for words in (ax.title, fig.texts[0]):  # below the panel's title and the picture's
        assert not legend.overlaps(words.get_window_extent(renderer)), words.get_text()
    assert fig.texts[0].get_window_extent(renderer).y0 > ax.title.get_window_extent(renderer).y1
    assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1
    assert not legend.overlaps(fig.axes[1].get_tightbbox(renderer))  # nor the other panel
    _percent_ticks(ax)


def test_the_axis_is_in_percent_before_any_trial_completes(run, table, tmp_path):
    """Every trial's training diverges (SGD at a learning rate of a million): all are pruned."""
    storage = tmp_path / "tune.db"
    result = run(*TUNE, "--data", table, "--optimizer", "sgd", "--activation", "relu",
                 "--lr", "1e6", "--trials", "2", "--storage", storage,
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1 and "every one's training diverged" in result.stderr
    fig, study = _picture(run, storage, tmp_path)
    assert [t.state.name for t in study.get_trials()] == ["PRUNED", "PRUNED"]
    ax = fig.axes[0]
    assert not ax.lines and ax.get_legend() is None
    assert _percent_ticks(ax)[0] == "0%" and _percent_ticks(ax)[-1] == "100%"
