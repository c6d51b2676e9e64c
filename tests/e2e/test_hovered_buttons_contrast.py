"""Every button the page shows keeps its text readable while hovered (a tap leaves a phone's
button hovered): axe-core finds no violation with the Train button hovered, nor a colour
contrast under 4.5:1 on any button hovered in turn, on a desktop and a phone screen."""

from __future__ import annotations

import pytest
from accessibility import axe_violations
from test_browser import DESKTOP, PHONE, STROKES, draw, shown_digit

#: axe-core's colour contrast rule on one element, as it looks now.
CONTRAST = """(el) => axe.run(el, {runOnly: ['color-contrast'], resultTypes: ['violations']})
    .then(r => r.violations.flatMap(v => v.nodes.map(n => n.failureSummary)))"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_hovered_buttons_keep_their_contrast(open_page, axe_source, viewport):
    page = open_page(viewport)
    page.locator("#train").scroll_into_view_if_needed()
    page.hover("#train")
    assert axe_violations(page, axe_source) == []

    draw(page, STROKES["7"])  # so that the panels show their buttons: a neuron open, ranked
    assert shown_digit(page) == "7"
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#edit-detail:not([hidden])")
    page.click("#rank")
    page.wait_for_selector("#rank-box:not([hidden])")
    buttons = page.locator("button:visible, .button:visible")
    assert buttons.count() > 20
    failed = {}
    for k in range(buttons.count()):
        button = buttons.nth(k)
        button.scroll_into_view_if_needed()
        button.hover()
        found = button.evaluate(CONTRAST)
        if found:
            failed[button.inner_text()] = found
    assert failed == {}
