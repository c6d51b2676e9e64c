"""A student who joins after a training run finished, or reloads the page then: panel 5 showed
an empty chart (0–1 axes) and "No training run yet.", though ``GET /api/train`` still had the
run (``state: done``, its ``history``). The page now shows the run an open page showed: its
loss and accuracy curves, its history table, the first layer's weight images and the line an
open page ends a run with; the network it shows is the run's, and nothing says it was
retrained by someone else. axe-core finds nothing wrong, on a phone and on a desktop."""

from __future__ import annotations

import time

import httpx
from accessibility import axe_violations
from test_browser import DESKTOP, PHONE


def finished_run(url):
    """Starts a run of 2 epochs of a 784-32-10 network and waits for it to end: GET /api/train."""
    started = httpx.post(f"{url}/api/train", json={"epochs": 2, "hidden": [32]}, timeout=30)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while (status := httpx.get(f"{url}/api/train").json())["state"] == "running":
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["state"] == "done" and len(status["history"]) == 2, status
    return status


def shows_the_run(page, status):
    """Checks that panel 5 shows the finished run ``status`` (GET /api/train's answer)."""
    page.wait_for_selector(".train-status.done", timeout=10_000)
    said = page.inner_text("#train-status")
    assert said.startswith("Training finished with ") and " validation accuracy in " in said
    assert said.endswith("; the page now uses the new network.")
    assert page.get_attribute("#chart", "data-epochs") == "2"
    assert int(page.get_attribute("#chart", "data-points")) > 2  # (the loss after every step too)
    last = status["history"][-1]
    assert page.get_attribute("#chart", "aria-label") == (
        f"Loss and accuracy curves: after epoch 2, training loss {last['train_loss']:.3f}, "
        f"validation accuracy {last['val_accuracy'] * 100:.1f}%")
    rows = page.locator("#history tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == ["1", "2"]
    assert page.locator("#filters canvas").count() == 32
    assert page.evaluate("state.model.sizes") == [784, 32, 10]
    assert page.inner_text("#note") == ""  # (not "retrained by someone else": it was before)
    assert page.is_enabled("#train") and page.is_disabled("#stop")
    assert page.get_attribute("#train-status", "aria-busy") == "false"


def test_a_page_opened_after_a_run_shows_it(open_page, training_server_url, axe_source):
    url = training_server_url
    status = finished_run(url)
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport, url=url, has_touch=viewport is PHONE)
        shows_the_run(page, status)
        assert axe_violations(page, axe_source) == []
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        shows_the_run(page, status)
        assert axe_violations(page, axe_source) == []
