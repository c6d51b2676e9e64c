"""A class: the teacher starts a training run (here with httpx, as curl or the teacher's page
would) while the students' pages are open. Each open page follows it by itself, in a real
browser: panel 5 draws the run's progress and epochs, and once it ends the page shows the new
network (its sizes in the summary, the diagram) without a drawing, saying it was retrained by
someone else. A page that starts a run itself follows it once, not again when it next asks the
server whether a run was started elsewhere."""

from __future__ import annotations

import httpx
from accessibility import axe_violations
from test_browser import PHONE

FINISHED = "document.querySelector('#train-status').textContent.startsWith('Training finished')"


def events_opened(page):
    """The list that every request of the page for a run's event stream is added to."""
    opened = []
    page.on("request", lambda r: r.url.endswith("/api/train/events") and opened.append(r.url))
    return opened


def test_an_open_page_follows_a_run_started_by_another_client(open_page, training_server_url,
                                                              axe_source):
    url = training_server_url
    page = open_page(PHONE, url=url, has_touch=True)
    streams = events_opened(page)
    assert page.inner_text("#model-summary").startswith("784–16–16–10 network")
    assert page.inner_text("#train-status") == "No training run yet."

    started = httpx.post(f"{url}/api/train", json={"epochs": 2, "hidden": [32]}, timeout=30)
    assert started.status_code == 202, started.text
    page.wait_for_function(FINISHED, timeout=60_000)
    page.wait_for_function("document.querySelector('#model-summary').textContent"
                           ".startsWith('784–32–10 network')", timeout=10_000)

    # The run's progress was drawn: loss points and both epochs, in the chart and the table.
    assert int(page.get_attribute("#chart", "data-points")) > 2
    assert page.get_attribute("#chart", "data-epochs") == "2"
    assert page.locator("#history tbody tr").count() == 2
    # The new network is shown everywhere, though nothing was drawn.
    assert page.evaluate("state.prediction") is None
    assert page.evaluate("state.model.sizes") == [784, 32, 10]
    assert page.evaluate("state.model.model_version") == \
        httpx.get(f"{url}/api/model").json()["model_version"] == 2
    assert page.locator("#net .neuron[data-layer='1']").count() == 32
    assert page.inner_text("#note") == ("The network was retrained by someone else, so the page "
                                        "reloaded it: it is now 784–32–10.")
    assert page.is_enabled("#train") and page.is_disabled("#stop")
    assert len(streams) == 1
    assert axe_violations(page, axe_source) == []


def test_a_page_follows_the_run_it_started_once(open_page, training_server_url, axe_source):
    url = training_server_url
    page = open_page(url=url)
    streams = events_opened(page)
    page.fill("#epochs", "1")
    page.fill("#hidden", "32")
    page.click("#train")
    page.wait_for_function(FINISHED, timeout=60_000)
    page.wait_for_function("state.model.sizes.join() === '784,32,10'", timeout=10_000)
    # The page asks the server again whether a run was started elsewhere: the run it started
    # and followed is not followed a second time.
    with page.expect_response(lambda r: r.url == f"{url}/api/train"
                              and r.request.method == "GET", timeout=30_000) as asked:
        pass
    assert asked.value.json()["run_id"] == 1
    page.wait_for_function("!document.querySelector('#train').disabled")
    assert len(streams) == 1
    assert page.inner_text("#note") == ""  # (its own run: no "someone else")
    assert page.locator("#history tbody tr").count() == 1
    assert axe_violations(page, axe_source) == []
