"""A screen reader hears a stroke's answer once, when the stroke ends, not the ten answers a
second the page shows while it is drawn: every live region of the page ([aria-live],
[role=status]) changes at most once for one stroke of two seconds, with a neuron open (whose
formula, some 300 characters, is shown but not read out: a short sentence is)."""

from __future__ import annotations

from test_browser import STROKES, draw, shown_digit

# A MutationObserver on every live region: how many times each changed, and its last text.
WATCH = """() => {
  window.heard = {};
  for (const el of document.querySelectorAll('[aria-live], [role=status]')) {
    const key = el.id || el.className;
    new MutationObserver(() => {
      const h = window.heard[key] || (window.heard[key] = {changes: 0, text: ''});
      h.changes += 1;
      h.text = el.textContent;
    }).observe(el, {subtree: true, childList: true, characterData: true});
  }
}"""

# Panel 7 shows the open neuron's z and a for the drawing.
EDIT_SHOWN = "document.querySelector('#edit-now').textContent.startsWith('For your drawing')"

LIVE = "[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]"


def test_a_stroke_is_announced_once_when_it_ends(open_page):
    page = open_page()
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    page.wait_for_selector("#edit-detail:not([hidden])")  # panel 7 follows the open neuron
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    x, y = box["x"] + 0.52 * box["width"], box["y"] + 0.15 * box["height"]
    page.mouse.move(x, y)
    page.evaluate(WATCH)
    page.mouse.down()
    for k in range(100):  # a slow downstroke of about two seconds: answers keep coming
        page.mouse.move(x - 0.0005 * k * box["width"], y + 0.007 * k * box["height"])
        page.wait_for_timeout(20)
    page.mouse.up()
    digit = shown_digit(page)
    page.wait_for_function("document.querySelector('#neuron-z').textContent.trim()"
                           " !== 'draw a digit'")
    page.wait_for_function(EDIT_SHOWN)
    page.wait_for_timeout(1500)  # (for anything late to arrive: panel 7 waits 80 ms, then asks)
    heard = page.evaluate("window.heard")
    assert heard, "no live region said anything about the stroke"
    assert {key: h["changes"] for key, h in heard.items() if h["changes"] > 1} == {}
    said = [h["text"] for h in heard.values()]
    assert any(f"It reads {digit}" in text for text in said), said
    # The neuron's formula is shown in full, and said in one short sentence instead.
    formula = page.locator("#neuron-formula")
    assert len(formula.inner_text()) > 200
    assert formula.evaluate(f"e => e.closest({LIVE!r})") is None
    neuron = [text for text in said if "neuron 3" in text]
    assert len(neuron) == 1 and "z = " in neuron[0] and len(neuron[0]) < 80, said


def test_an_edit_of_the_open_neuron_is_still_announced(open_page):
    """Panel 7 says the neuron's new z and a after an edit (not after each answer of a stroke)."""
    page = open_page()
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#edit-detail:not([hidden])")
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    page.wait_for_function(EDIT_SHOWN)
    page.evaluate(WATCH)
    page.click("[data-scale='2']")
    page.wait_for_function("window.heard['edit-said'] && window.heard['edit-said'].text"
                           ".startsWith('For your drawing: z = ')")
    assert page.evaluate("window.heard['edit-said'].text") == page.inner_text("#edit-now")
    assert page.locator("#edit-said").evaluate(f"e => e.matches({LIVE!r})")
