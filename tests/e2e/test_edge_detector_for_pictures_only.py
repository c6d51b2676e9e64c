"""Panel 7's edge detector, in Debian's Chromium: offered on a first-layer neuron of a model of
handwritten digits (reached with the keyboard, and the edit made), and not on one of a model of
spoken digits, whose input is a 28x28 picture too, of a sound, where a pen stroke's edge means
nothing and the server refuses the edit: there the page offers no button it would have to undo.
axe-core finds no violation on either."""

from __future__ import annotations

from accessibility import axe_violations
from test_browser import shown_digit

FIRST = "#net .neuron[data-layer='1'][data-index='0']"  # (the diagram's neuron in the Tab order)
EDGES = "#edit-edges button[data-edge]"


def _open_first_neuron(page) -> None:
    """Open hidden layer 1's neuron 0 as the keyboard does: focus it, press Enter."""
    page.focus(FIRST)
    page.keyboard.press("Enter")
    page.wait_for_selector("#edit-detail:not([hidden])")
    page.wait_for_function("document.querySelector('#edit-name').textContent === "
                           "'Hidden layer 1, neuron 0'")


def _tab_from_the_last_scale(page) -> str:
    """The text of the control Tab moves to from the panel's "weights ×−1" button."""
    page.focus("[data-scale='-1']")
    page.keyboard.press("Tab")
    return page.evaluate("document.activeElement.textContent.trim()")


def test_the_edge_detector_is_offered_for_pictures_not_for_sounds(open_page, two_models_url,
                                                                  spoken_digits, axe_source):
    page = open_page(url=two_models_url)
    assert page.get_attribute("body", "data-input") == "images"
    _open_first_neuron(page)
    assert page.locator(EDGES).all_inner_texts() == ["Edge detector: a stroke across",
                                                     "Edge detector: a stroke down"]
    assert _tab_from_the_last_scale(page) == "Edge detector: a stroke across"
    page.keyboard.press("Enter")  # made with the keyboard
    page.wait_for_function("state.changes.edits.length === 1 "
                           "&& state.changes.edits[0].op === 'edge'")
    edge = page.evaluate("state.changes")
    assert page.request.post(f"{two_models_url}/api/neuron/1/0", data=edge).ok  # (it takes it)
    assert page.inner_text("#note") == ""
    assert axe_violations(page, axe_source) == []

    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    page.set_input_files("#upload-sound", str(spoken_digits / "7_jackson_0.wav"))
    assert shown_digit(page) in "0123456789"
    _open_first_neuron(page)
    assert page.locator("#edit-edges").is_hidden()
    assert all(not b.is_visible() for b in page.locator(EDGES).all())
    assert _tab_from_the_last_scale(page) == "Switch it off"  # (the edge detector skipped)
    assert page.evaluate("state.changes.edits") == []
    assert page.inner_text("#note") == ""
    assert axe_violations(page, axe_source) == []
    # (what the page no longer offers: the server refuses it for a model that hears)
    refused = page.request.post(f"{two_models_url}/models/2/api/neuron/1/0", data=edge)
    assert refused.status == 422 and "pen stroke's edge" in refused.json()["error"]
