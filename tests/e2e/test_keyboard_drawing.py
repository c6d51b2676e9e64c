"""Drawing with the keyboard alone: Tab to the pad, the arrow keys move a cursor that shows and
says where it is, Shift with an arrow key draws a stroke as thick as the mouse's. A 1 drawn so
is read as 1, and axe-core finds nothing wrong with the page then. The same cursor paints
panel 7's weights."""

from __future__ import annotations

from accessibility import axe_violations
from test_browser import STROKES, canvas_ink, draw, shown_digit


def press(page, key, times):
    for _ in range(times):
        page.keyboard.press(key)


def stroke_width(page) -> int:
    """How many of the pad's pixels are ink across its middle row (the pad is 280 wide)."""
    return page.evaluate("""() => {
        const c = document.querySelector('#pad'), y = c.height / 2;
        const row = c.getContext('2d').getImageData(0, y, c.width, 1).data;
        let n = 0; for (let i = 0; i < row.length; i += 4) n += row[i] > 127;
        return n; }""")


def test_a_one_drawn_with_the_keyboard_is_read_as_one(open_page, axe_source, artifacts):
    page = open_page()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "pad"
    pad = page.locator("#pad")
    assert pad.get_attribute("role") == "application"  # a screen reader hands it the arrow keys
    assert "keyboard" in pad.get_attribute("aria-label")
    described = " ".join(page.locator(f"#{name}").inner_text()
                         for name in pad.get_attribute("aria-describedby").split())
    assert "arrow keys" in described and "Shift" in described

    press(page, "ArrowUp", 9)
    cursor = page.locator(".pad-cursor")
    assert cursor.is_visible()
    where = page.locator("#pad ~ [role=status]")
    assert where.inner_text() == "row 6, column 15"
    box, ring = pad.bounding_box(), cursor.bounding_box()
    assert abs(ring["x"] + ring["width"] / 2 - (box["x"] + box["width"] * 14.5 / 28)) < 2
    assert abs(ring["y"] + ring["height"] / 2 - (box["y"] + box["height"] * 5.5 / 28)) < 2

    page.keyboard.down("Shift")
    press(page, "ArrowDown", 18)  # as long as the mouse's 1 below
    page.keyboard.up("Shift")
    assert shown_digit(page) == "1"
    assert where.inner_text() == "row 24, column 15, on ink"
    assert page.is_enabled("#undo")
    keyed = stroke_width(page)
    page.screenshot(path=artifacts / "desktop-keyboard-1.png")
    assert axe_violations(page, axe_source) == []

    # As thick as a stroke of the mouse (the pen's 20 pixels of 280), and read alike.
    page.keyboard.press("Delete")
    assert page.inner_text("#prediction") == "?"
    draw(page, STROKES["1"])
    assert shown_digit(page) == "1"
    assert 18 <= keyed <= 22 and abs(keyed - stroke_width(page)) <= 2

    # Space draws a dot beside it (a stroke of its own), Ctrl+Z undoes the dot alone.
    page.focus("#pad")
    press(page, "ArrowRight", 6)
    ink = canvas_ink(page, "#pad")
    page.keyboard.press("Space")
    assert where.inner_text() == "row 24, column 21, on ink"
    assert canvas_ink(page, "#pad") > ink + 100
    page.keyboard.press("Control+z")
    assert canvas_ink(page, "#pad") == ink and shown_digit(page) == "1"


def test_the_same_cursor_paints_a_neurons_weights(open_page):
    page = open_page()
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#edit-detail:not([hidden])")
    page.wait_for_function("document.querySelector('#edit-canvas').getAttribute('aria-label')"
                           ".includes('28 by 28')")
    page.focus("#edit-canvas")
    page.keyboard.press("ArrowDown")
    assert page.locator("#edit-canvas ~ [role=status]").inner_text().startswith("row 15, column 14")
    page.keyboard.down("Shift")
    press(page, "ArrowRight", 3)
    page.keyboard.up("Shift")
    page.wait_for_function("state.changes.edits.length === 1")
    cells = page.evaluate("state.changes.edits[0].cells.map(c => [c.row, c.col])")
    assert sorted(cells) == [[15, 14], [15, 15], [15, 16], [15, 17]]
    page.keyboard.press("Space")  # a cell of its own, in the same edit
    page.wait_for_function("state.changes.edits[0].cells.length === 4")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function("state.changes.edits[0].cells.length === 5")
