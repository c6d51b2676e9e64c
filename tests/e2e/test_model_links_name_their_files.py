"""``digitnet serve class.safetensors video.safetensors``: two networks of the same kind and
sizes. The model switcher named each by its kind and sizes only ("1: pictures (784–16–16–10)
2: pictures (784–16–16–10)"), so a teacher could not tell which link shows which; each link now
names its model's file, and long file names stay inside a phone's 390 px; the links still work
from the keyboard, and axe-core finds nothing wrong on a desktop or a phone."""

from __future__ import annotations

import shutil

from accessibility import axe_violations
from test_browser import DESKTOP, PHONE
from test_page_follows_a_restarted_server import links, serving

CLASS = "handwritten_digits_drawn_by_the_class_on_monday_morning.safetensors"
VIDEO = "video.safetensors"


def test_each_models_link_names_its_file(open_page, e2e_model, e2e_data_dir, tmp_path,
                                         axe_source):
    models = []
    for name in (CLASS, VIDEO):  # (the same network twice: only the file tells them apart)
        models.append(tmp_path / name)
        shutil.copy(e2e_model, models[-1])
    with serving(models, e2e_data_dir) as (_, url, _):
        page = open_page(PHONE, url=url, has_touch=True)
        assert links(page) == [f"1: {CLASS}, pictures (784–16–16–10)",
                               f"2: {VIDEO}, pictures (784–16–16–10)"]
        # Nothing wider than the phone's screen: the long name wraps inside it.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for box in (page.locator("#models a").nth(k).bounding_box() for k in range(2)):
            assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
        assert axe_violations(page, axe_source) == []

        # From the keyboard: Tab from the first link to the second, Enter opens model 2.
        page.set_viewport_size(DESKTOP)
        page.focus("#models a[href='/?model=1']")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == links(page)[1]
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("body[data-ready=true]")
        assert page.get_attribute("#models a[aria-current=page]", "href") == "/?model=2"
        assert page.inner_text("#models a[aria-current=page]").startswith(f"2: {VIDEO}, ")
        assert axe_violations(page, axe_source) == []
        page.context.close()
