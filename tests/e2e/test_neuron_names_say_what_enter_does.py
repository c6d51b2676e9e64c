"""Each diagram neuron's name says what Enter on it does, as panel 6's choice of what clicking a
neuron does has it: open it ("for its weights and formula"), or switch it off, or back on; the
names follow the choice as it changes, and the page stays free of accessibility violations."""

from __future__ import annotations

import pytest
from accessibility import axe_violations
from test_browser import DESKTOP, PHONE

OPENS = "Press Enter for its weights and formula."
FIRST = "#net .neuron[data-layer='1'][data-index='0']"  # (the diagram's neuron in the Tab order)


def name(page, selector: str) -> str:
    return page.locator(selector).get_attribute("aria-label")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_a_neurons_name_says_that_enter_switches_it_off(open_page, axe_source, viewport):
    page = open_page(viewport, has_touch=viewport is PHONE)
    output = "#net .neuron[data-layer='3'][data-index='7']"  # (the server's is 784-16-16-10)
    assert name(page, FIRST) == f"hidden layer 1, neuron 0. {OPENS}"

    page.check("input[name=click-mode][value=off]")
    assert name(page, FIRST) == "hidden layer 1, neuron 0. Press Enter to switch it off."
    assert name(page, output).endswith(OPENS)  # (an output neuron opens whatever the choice)
    assert axe_violations(page, axe_source) == []

    page.focus(FIRST)
    page.keyboard.press("Enter")  # what its name said: switched off
    page.wait_for_selector(f"{FIRST}.off")
    assert name(page, FIRST) == \
        "hidden layer 1, neuron 0, switched off. Press Enter to switch it back on."
    assert page.locator("#neuron-detail").is_hidden()  # (it did not open)
    assert axe_violations(page, axe_source) == []

    page.check("input[name=click-mode][value=open]")
    assert name(page, FIRST) == f"hidden layer 1, neuron 0, switched off. {OPENS}"
    assert axe_violations(page, axe_source) == []
