"""Words that fit a figure: a title or a note broken into lines that stay inside its edges.

For :mod:`digitnet.viz` and the modules that draw on its canvas. It draws nothing and imports
no plotting library: it measures the matplotlib ``Text`` it is given, on that text's figure.
"""

from __future__ import annotations

import textwrap

__all__ = ["fit_width"]


def fit_width(fig, text) -> None:
    """Break ``text`` (a ``Text`` of ``fig``) at spaces, into as few lines as keep it a tenth
    of an inch inside the figure's left and right edges: each of its lines that is too long
    in even parts, the line breaks it has kept where they are."""
    lines, room = text.get_text().split("\n"), fig.bbox.padded(-fig.dpi / 10)
    longest = max(len(line) for line in lines)
    for parts in range(2, 9):
        box = text.get_window_extent(fig.canvas.get_renderer())
        if room.x0 <= box.x0 and box.x1 <= room.x1:
            return
        width = -(-longest // parts) + 4
        text.set_text("\n".join(textwrap.fill(line, width) for line in lines))
