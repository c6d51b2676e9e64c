"""The page on a phone (390x844, a finger, no keyboard), in Debian's Chromium: a neuron tapped
in the diagram opens without the page running off to panel 4 (a screen below): it is summed up
under the diagram, scrolled to only as far as that takes and never past the neuron tapped, with
a link down to its weights and formula and one from there back up; Enter on a neuron still
takes the keyboard to panel 4. The keyboard's instructions are not shown where there is no
keyboard, and the pad still has them as its description for a screen reader."""

from __future__ import annotations

from accessibility import axe_violations
from test_browser import DESKTOP, PHONE, STROKES, shown_digit
from test_poking_panels import touch_stroke

PHONE_OPTIONS = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def finger(page, strokes):
    """Draw ``strokes`` on the pad with a finger (touch events, as a phone sends them)."""
    page.locator("#pad").scroll_into_view_if_needed()
    for stroke in strokes:
        touch_stroke(page, "#pad", stroke)


def still(page) -> float:
    """The page's scroll position once it has stopped moving (smooth scrolling takes a while)."""
    last = page.evaluate("scrollY")
    while True:
        page.wait_for_timeout(150)
        now = page.evaluate("scrollY")
        if now == last:
            return now
        last = now


def in_view(page, selector) -> bool:
    """Whether the element is wholly inside the window."""
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def description(page, selector) -> str:
    """The element's accessible description as Chromium gives it to a screen reader."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    return ax["nodes"][0].get("description", {}).get("value", "")


def test_a_tapped_neuron_opens_where_it_was_tapped(open_page, axe_source, artifacts):
    page = open_page(PHONE, **PHONE_OPTIONS)
    finger(page, STROKES["7"])
    assert shown_digit(page) == "7"
    # (a moment later, as a person taps: for a tap on the heels of the stroke's end, Chromium
    # mostly sends no click at all, whatever the page)
    page.wait_for_timeout(1000)
    # The learner scrolls until a neuron low in hidden layer 2 is near the window's bottom.
    tapped = "#net .neuron[data-layer='2'][data-index='14']"
    top = page.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top + scrollY",
                        tapped)
    before = page.evaluate("(y) => { scrollTo(0, y); return scrollY; }", top - 740)
    assert in_view(page, tapped)

    page.locator(tapped).tap()
    page.wait_for_function("document.querySelector('#neuron-name').textContent"
                           " === 'Hidden layer 2, neuron 14'")
    page.wait_for_selector("#net-opened:not([hidden])")
    after = still(page)
    # Its numbers under the diagram, brought into view by a short scroll; the neuron stays.
    assert 0 < after - before < 200, (before, after)
    assert in_view(page, tapped) and in_view(page, "#net-opened")
    said = page.inner_text("#net-opened-said")
    z = page.inner_text("#neuron-z")
    assert said.startswith(f"Hidden layer 2, neuron 14: z = {z}, a = "), said
    assert page.evaluate("document.activeElement.closest('#neuron-panel') === null")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=artifacts / "phone-neuron-tapped.png")

    # Down to its weights and formula, and back up to the neuron.
    page.locator("#net-opened-more").tap()
    still(page)
    assert in_view(page, "#neuron-name") and in_view(page, "#neuron-back")
    assert page.evaluate("document.activeElement.id") == "neuron-name"
    assert page.is_visible("#neuron-image") and page.is_visible("#neuron-formula")
    page.locator("#neuron-back").tap()
    still(page)
    assert in_view(page, tapped)
    assert page.evaluate("(s) => document.activeElement.matches(s)", tapped)


def test_enter_on_a_neuron_still_goes_to_panel_4(open_page):
    """The keyboard's way is as it was: Enter on a neuron opens it and shows panel 4."""
    page = open_page(PHONE, **PHONE_OPTIONS)
    first = "#net .neuron[data-layer='1'][data-index='0']"
    page.focus(first)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#neuron-name').textContent"
                           " === 'Hidden layer 1, neuron 1'")
    still(page)
    assert in_view(page, "#neuron-title")


def test_on_a_desktop_panel_4_is_beside_the_diagram(open_page):
    page = open_page(DESKTOP)
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_function("document.querySelector('#neuron-name').textContent"
                           " === 'Hidden layer 1, neuron 3'")
    assert page.evaluate("scrollY") == 0
    assert page.is_hidden("#net-opened") and page.is_hidden("#neuron-back")  # (no need)


def test_the_keyboards_instructions_only_where_there_is_a_keyboard(open_page, axe_source):
    phone = open_page(PHONE, **PHONE_OPTIONS)
    assert phone.evaluate("matchMedia('(hover: none) and (pointer: coarse)').matches")
    assert phone.is_hidden("#pad-keys")
    assert "arrow keys" not in phone.inner_text("#draw-section")
    assert "arrow keys" not in phone.inner_text(".card.network")
    # A screen reader still has them as the pad's description.
    assert phone.get_attribute("#pad", "aria-describedby") == "pad-hint pad-keys"
    assert "the arrow keys move a cursor" in description(phone, "#pad")
    assert axe_violations(phone, axe_source) == []

    # A narrow window on a computer, with a mouse and a keyboard: they are shown.
    narrow = open_page(PHONE)
    assert narrow.is_visible("#pad-keys")
    assert "arrow keys and Enter" in narrow.inner_text(".card.network")
    desktop = open_page(DESKTOP)
    assert desktop.is_visible("#pad-keys")
