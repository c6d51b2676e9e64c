"""The picture of a search: the best validation accuracy trial by trial, and what mattered.

The numbers are Optuna's (the trials' scores, and the importance of each parameter by its
PED-ANOVA analysis, through :mod:`digitnet.studies`); the figure is drawn on
:mod:`digitnet.viz`'s canvas in its style. It lives beside viz.py, which keeps the plotting
library to itself but has no room left under the 400 lines a module may have.
"""

from __future__ import annotations

import numpy as np

from . import viz
from .figtext import fit_width
from .studies import STEADY_IMPORTANCES, TrialRecord

__all__ = ["search_figure"]

_TITLE_PAD = 20  # points between a panel and its title: room for the legend of the trials


def search_figure(records: list[TrialRecord], importances: dict[str, float], title: str = ""):
    """Two panels: each complete trial's validation accuracy with the best so far (left), and
    each parameter's importance, most important on top (right), said to be a rough guide under
    :data:`~digitnet.studies.STEADY_IMPORTANCES` complete trials. Returns a Figure."""
    fig = viz._figure(10, 4.2)  # viz's headless canvas
    history_ax, importance_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    _draw_history(history_ax, records)
    rough = _draw_importances(importance_ax, importances,
                              complete=sum(r.state == "COMPLETE" for r in records))
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.8 if title else 0.86,
                        wspace=0.45)
    if rough:  # (centred under its panel, it ran past the picture's right edge at 10 points:
        fit_width(fig, importance_ax.xaxis.label)  # at 8 it fits; else it is broken in lines)
    return fig


def _draw_history(ax, records: list[TrialRecord]) -> None:
    done = sorted((r for r in records if r.state == "COMPLETE"), key=lambda r: r.number)
    pruned = sum(r.state == "PRUNED" for r in records)
    ax.set_title("validation accuracy of each trial", fontsize=10, pad=_TITLE_PAD)
    ax.set_xlabel("trial" + (f"  ({pruned} pruned, not shown)" if pruned else ""))
    ax.locator_params(axis="x", integer=True, min_n_ticks=1)  # whole trials, even just one
    ax.grid(alpha=0.3)
    # Percent, also before any trial completes, with enough decimals to tell trials apart
    ax.yaxis.set_major_formatter(viz._Percent())
    if not done:
        ax.text(0.5, 0.5, "no complete trial yet", transform=ax.transAxes, ha="center",
                color="gray")
        return
    numbers = [r.number for r in done]
    values = np.array([r.value for r in done])
    ax.plot(numbers, values, "o", color="C0", ms=3.5, alpha=0.7, label="complete trial")
    best = done[int(np.argmax(values))]
    ax.step(numbers, np.maximum.accumulate(values), where="post", color="C1", lw=1.6,
            label=f"best so far: {best.value:.2%} (trial {best.number})")
    # Above the axes, under the title: inside them, a legend can hide a trial's point.
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1), ncol=2, frameon=False,
              borderaxespad=0.2, borderpad=0, handletextpad=0.5, columnspacing=1.2)


def _draw_importances(ax, importances: dict[str, float], complete: int) -> bool:
    """The importances as bars; whether they are said to be a rough guide (under the bars)."""
    ax.set_title("importance of each parameter (PED-ANOVA)", fontsize=10, pad=_TITLE_PAD)
    if not importances:  # (with two complete trials: their scores tell nothing apart)
        why = "needs two complete trials" if complete < 2 else "the trials scored alike"
        ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", color="gray")
        ax.set_axis_off()
        return False
    names = list(importances)[::-1]  # most important at the top
    shares = [importances[n] for n in names]
    ax.barh(names, shares, color=viz.BLUE)
    for y, share in enumerate(shares):
        ax.text(share, y, f" {share:.0%}", va="center", fontsize=8)
    ax.set_xlim(0, max(shares) * 1.2)
    ax.xaxis.set_major_formatter(viz._Percent())
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, axis="x")
    if complete < STEADY_IMPORTANCES:  # (under the bars, as the trials are under the other's)
        ax.set_xlabel(f"from {complete} complete trials: a rough guide (it steadies from about "
                      f"{STEADY_IMPORTANCES})", color="gray", fontsize=8)  # (as the ticks are)
    return complete < STEADY_IMPORTANCES
