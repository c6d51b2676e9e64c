"""The keyboard's focus never falls to the start of the page (<body>) after a button disables
or removes itself: Clear and Undo hand it to the pad, a switched-off neuron's chip to the next
chip or the panel's heading, "Turn all back on" to that heading; "Rank every neuron" keeps it
while it works (busy, not disabled); Train hands it to Stop and Stop back to Train."""

from __future__ import annotations

from test_browser import STROKES, draw, shown_digit
from test_poking_panels import wait_for_accuracy

FOCUSED = "document.activeElement.id || document.activeElement.tagName"


def activate(page, selector):
    """Focus the control and press Enter on it, as a keyboard user does."""
    page.focus(selector)
    page.keyboard.press("Enter")


def test_clear_and_undo_hand_the_focus_to_the_pad(open_page):
    page = open_page()
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    activate(page, "#clear")
    assert page.is_disabled("#clear")
    assert page.evaluate(FOCUSED) == "pad"

    draw(page, STROKES["7b"])  # two strokes: Undo stays, then goes with the last
    assert shown_digit(page) == "7"
    activate(page, "#undo")
    assert page.is_enabled("#undo") and page.evaluate(FOCUSED) == "undo"
    page.keyboard.press("Enter")
    assert page.is_disabled("#undo")
    assert page.evaluate(FOCUSED) == "pad"


def test_switching_neurons_back_on_keeps_the_focus_in_the_panel(open_page):
    page = open_page()
    wait_for_accuracy(page, changed=False)
    page.check("input[name='click-mode'][value='off']")
    for index in (2, 5, 9):
        page.click(f"#net .neuron[data-layer='1'][data-index='{index}']")
    chips = page.locator("#off-list button")
    assert chips.count() == 3
    activate(page, "#off-list li:nth-child(2) button")  # neuron 5: the chip of 9 takes its place
    assert chips.count() == 2
    assert page.evaluate("document.activeElement.textContent").startswith("layer 1 · 9")
    page.keyboard.press("Enter")  # the last chip: the one before it
    assert page.evaluate("document.activeElement.textContent").startswith("layer 1 · 2")
    page.keyboard.press("Enter")  # none left: the panel's heading
    assert chips.count() == 0
    assert page.evaluate(FOCUSED) == "off-title"

    page.click("#net .neuron[data-layer='2'][data-index='4']")
    activate(page, "#off-reset")
    assert page.is_disabled("#off-reset") and chips.count() == 0
    assert page.evaluate(FOCUSED) == "off-title"


def test_rank_every_neuron_keeps_the_focus_while_it_works(open_page):
    page = open_page()
    wait_for_accuracy(page, changed=False)
    page.focus("#rank")
    # (pressed and read in one go: the ranking must not end before the button is looked at)
    busy = page.evaluate("""() => { const b = document.querySelector('#rank'); b.click();
        return [b.getAttribute('aria-disabled'), document.activeElement.id]; }""")
    assert busy == ["true", "rank"]
    page.wait_for_selector("#rank-box:not([hidden])")
    page.wait_for_selector("#rank:not([aria-disabled=true])")
    assert page.evaluate(FOCUSED) == "rank"


def test_train_hands_the_focus_to_stop_and_stop_back_to_train(open_page, training_server_url):
    page = open_page(url=training_server_url)
    page.fill("#epochs", "20")
    page.fill("#hidden", "128,128,128")  # a run long enough to be stopped
    page.evaluate("""() => { window.focused = [];
        document.addEventListener('focusin', (e) => window.focused.push(e.target.id)); }""")
    activate(page, "#train")
    page.wait_for_selector("#stop:enabled")
    page.wait_for_function("window.focused.includes('stop')")
    assert page.evaluate(FOCUSED) == "stop"
    page.keyboard.press("Enter")
    page.wait_for_selector("#train:enabled", timeout=60_000)
    assert page.evaluate(FOCUSED) == "train"
    assert page.evaluate("window.focused") == ["train", "stop", "train"]
    # (the run's end is said when its last event arrives, which may come after Train is back)
    page.wait_for_function("document.querySelector('#train-status').textContent === "
                           "'the run was stopped; the served model is unchanged'")
