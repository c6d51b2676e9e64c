"""Two widgets in one notebook each have element ids of their own: a front end imports the
widget's code afresh for each widget (anywidget, from a blob: URL), so a count kept in the module
started at 1 for each, and the second widget's 86 ids were the first's (digitnet-1-pad,
digitnet-1-undo, ...), its aria-describedby pointing into the first.

Both widgets' real code and Python halves, on one plain page in Debian's Chromium, as in
test_widget_switched_off.py (whose page this reuses)."""

from __future__ import annotations

from collections import Counter

import pytest

import digitnet

from test_widget_switched_off import show_widgets

REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "for")

# Every element id on the page, and every id an attribute of a widget's element points at,
# with the widget each is in.
IDS = """(refs) => {
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  const pointing = [];
  for (const e of document.querySelectorAll("[data-widget] *")) {
    const widget = e.closest("[data-widget]").dataset.widget;
    for (const name of refs) {
      for (const id of (e.getAttribute(name) || "").split(/\\s+/).filter(Boolean)) {
        const target = document.getElementById(id);
        pointing.push([widget, name, id,
                       target ? target.closest("[data-widget]").dataset.widget : null]);
      }
    }
    const href = e.getAttribute("href");
    if (href && href.startsWith("#")) {
      const target = document.getElementById(decodeURIComponent(href.slice(1)));
      const where = target ? target.closest("[data-widget]").dataset.widget : null;
      pointing.push([widget, "href", href, where]);
    }
  }
  return {ids, pointing};
}"""


@pytest.fixture(scope="module")
def trained(small_model):
    return digitnet.load(small_model)


def test_two_widgets_have_ids_of_their_own(browser, trained, mnist):
    first, second = digitnet.widget(trained), digitnet.widget(trained)
    first.image, second.image = mnist.x[20001], mnist.x[20002]
    page, errors = show_widgets(browser, first, second)
    found = page.evaluate(IDS, list(REFERENCES))
    twice = sorted(i for i, n in Counter(found["ids"]).items() if n > 1)
    assert twice == [], f"{len(twice)} ids on the page twice: {twice[:5]}"
    assert len(found["ids"]) >= 2 * 35  # (each widget has some 40)
    wrong = [p for p in found["pointing"] if p[0] != p[3]]
    assert wrong == [], f"references outside their own widget: {wrong[:5]}"
    assert found["pointing"], "no reference was checked"

    # each works as itself: a neuron opened in the second opens there, not in the first
    second_root = page.locator("[data-widget='1']")
    second_root.locator("[id$='-pick-index']").fill("2")
    second_root.locator("[id$='-pick'] button[type=submit]").click()
    second_root.locator("[id$='-neuron-name']", has_text="neuron 2").wait_for()
    assert page.locator("[data-widget='0'] [id$='-neuron-detail']").is_hidden()
    assert errors == []
    page.close()
