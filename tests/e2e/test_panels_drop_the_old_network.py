"""A training run started from the page replaces the network with one of another size: no poking
panel goes on showing what it computed on the old one, in a real browser. The ranking and its
switches (which would name neurons the new network has not got), the map, the robustness curves
and the backpropagation step go; the open neuron's panels ask the new network again."""

from __future__ import annotations

from test_browser import STROKES, draw, shown_digit
from test_poking_panels import api, wait_for_accuracy


def fill_every_panel(page):
    """Rank, map, measure and take a step on the network shown, a digit drawn and one neuron
    of hidden layer 2 open."""
    page.click("#net .neuron[data-layer='2'][data-index='5']")
    page.wait_for_function("document.querySelectorAll('#answers-grid li').length === 16")
    page.click("#rank")
    page.wait_for_selector("#rank-box:not([hidden])")
    page.click("text=Draw the map")
    page.wait_for_function("document.querySelector('#maps-status').textContent"
                           ".includes('held-out digits')")
    page.click("#sturdy-run")
    page.wait_for_function("document.querySelectorAll('#sturdy-charts svg').length === 4",
                           timeout=60_000)
    page.click("text=Backpropagate and take one step")
    page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")


def test_a_run_from_the_page_leaves_no_panel_showing_the_old_network(open_page,
                                                                    training_server_url,
                                                                    artifacts):
    url = training_server_url
    page = open_page(url=url)
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    fill_every_panel(page)
    ranked = page.locator("#rank-table tbody tr td:first-child").all_inner_texts()
    assert len(ranked) == 10 and any(r.startswith("layer 2 · ") for r in ranked)
    assert page.inner_text("#bp-result").startswith("Cost C = ")
    assert page.inner_text("#answers-name") == ("The 16 held-out digits that activate neuron 5 "
                                                "of hidden layer 2 most")

    page.fill("#hidden", "8")  # 784-8-10: no layer 2 of hidden neurons, 8 in layer 1
    page.fill("#epochs", "1")
    page.click("#train")
    page.wait_for_selector(".train-status.done", timeout=60_000)
    page.wait_for_function("state.model.sizes.join() === '784,8,10'")
    assert "the page now uses the new network" in page.inner_text("#train-status")

    # 6: no ranking, so no switch naming a neuron the new network has not got
    assert page.is_hidden("#rank-box")
    assert page.locator("#rank-table tbody tr").count() == 0
    # 9: no map, no digit of it chosen; the layers are the new network's
    assert page.get_attribute("#maps-canvas", "aria-label") == "No map yet"
    assert page.inner_text("#maps-status") == ""
    assert page.locator("#maps-legend li").count() == 0
    assert page.locator("#maps-layer option").all_inner_texts() == [
        "0: the input (pixels)", "1: hidden layer 1", "2: the output layer"]
    # 10: no curves labelled "served network" that the served network did not draw
    assert page.locator("#sturdy-charts svg").count() == 0
    assert page.inner_text("#sturdy-status") == ""
    # 11: no step of the old network; it waits for a step of the new one
    assert page.get_attribute("#bp-result", "data-cost") is None
    assert page.is_hidden("#bp-detail")
    page.wait_for_function("state.prediction && state.prediction.model_version === 2")
    digit = shown_digit(page)
    page.wait_for_function("(d) => document.querySelector('#bp-result').textContent === "
                           "`It reads ${d} in your drawing: choose the digit it really is, "
                           "then backpropagate.`", arg=digit)
    # 7 and 8: the neuron still open is an output neuron now, and they say so
    assert page.inner_text("#answers-name") == ("The 16 held-out digits that activate output "
                                                "neuron 5 most")
    assert page.inner_text("#edit-name") == "Output neuron 5"
    top = api(page, url, "/api/top", {"layer": 2, "neuron": 5, "count": 16})
    assert top["model_version"] == 2
    first = top["examples"][0]
    page.wait_for_function("(want) => { const s = document.querySelector('#answers-grid li span');"
                           " return s && s.textContent === want; }",
                           arg=f"{top['classes'][first['label']]} · {first['a']:.2f}"
                           .replace("-", "−"))

    # Ranked again: the new network's neurons, and their switches work
    page.click("#rank")
    page.wait_for_selector("#rank-box:not([hidden])")
    best = api(page, url, "/api/ranking", {})["neurons"][0]
    rows = page.locator("#rank-table tbody tr td:first-child").all_inner_texts()
    assert rows[0] == f"layer {best['layer']} · {best['neuron']}"
    assert all(r.startswith("layer 1 · ") and int(r.split(" · ")[1]) < 8 for r in rows)
    page.locator("#rank-table tbody tr").first.locator("button").click()
    page.wait_for_selector(f"#net .neuron.off[data-layer='1'][data-index='{best['neuron']}']")
    wait_for_accuracy(page, changed=True)
    assert page.inner_text("#note") == ""  # nothing refused
    page.screenshot(path=artifacts / "desktop-panels-after-a-run.png", full_page=True)
