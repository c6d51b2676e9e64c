"""A stroke that never moves (a pen put down and resting: the pointer reports a move to the
point it is at) is a dot on the pad, as a tap is: a stroke with ink, read as a digit, never an
Undo-able stroke that left nothing, answered "no digit found"."""

from __future__ import annotations

import pytest
from test_browser import canvas_ink, shown_digit


@pytest.mark.parametrize("moves", [0, 1, 3], ids=["tap", "resting", "resting-longer"])
def test_a_stroke_that_does_not_move_is_a_dot(open_page, moves):
    page = open_page()
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.evaluate("""() => { window.moves = 0;
        document.querySelector('#pad').addEventListener('pointermove', () => window.moves++); }""")
    page.mouse.down()
    for _ in range(moves):
        page.mouse.move(x, y)
    page.mouse.up()
    assert page.evaluate("window.moves") >= moves  # the pointer did report the resting pen
    assert shown_digit(page) in "0123456789"
    assert canvas_ink(page, "#pad") > 200  # a dot as wide as the pen (20 pixels)
    assert page.is_enabled("#undo") and page.is_enabled("#clear")
    assert page.inner_text("#message") == ""
