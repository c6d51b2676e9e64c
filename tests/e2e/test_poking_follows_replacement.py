"""A learner who only pokes (draws nothing) while someone else replaces the served network: the
page loads it (the first poking answer computed on the new network makes it, if following the
run has not yet), draws it, says so, and shows the question asked of the network it now draws,
in a real browser."""

from __future__ import annotations

from test_poking_panels import api, retrain, wait_for_accuracy


def test_a_poking_panel_used_after_someone_else_retrained_loads_the_new_network(
        open_page, training_server_url, artifacts):
    url = training_server_url
    page = open_page(url=url)
    wait_for_accuracy(page, changed=False)
    assert page.evaluate("state.prediction") is None  # nothing drawn, nor will be
    assert page.locator("#net .neuron[data-layer='1']").count() == 16
    assert page.evaluate("state.model.model_version") == 1

    # Another client's run: the page hears of it by the run's progress (it asks every few
    # seconds) or, if it has not yet, by the first poking answer computed on the new network.
    retrain(page, url, [24, 12])

    page.click("#rank")  # panel 6: rank every neuron by the accuracy lost without it
    page.wait_for_function("state.model.model_version === 2", timeout=10_000)
    assert page.locator("#net .neuron[data-layer='1']").count() == 24
    assert page.locator("#net .neuron[data-layer='2']").count() == 12
    assert page.inner_text("#model-summary").startswith("784–24–12–10 network")
    assert page.inner_text("#note") == ("The network was retrained by someone else, so the page "
                                        "reloaded it: it is now 784–24–12–10.")
    # The ranking shown is the new network's (asked again of it), and so is the accuracy.
    page.wait_for_selector("#rank-box:not([hidden])")
    page.wait_for_function("!document.querySelector('#rank').disabled")
    best = api(page, url, "/api/ranking", {})["neurons"][0]
    assert page.locator("#rank-table tbody tr").first.locator("td").first.inner_text() == \
        f"layer {best['layer']} · {best['neuron']}"
    accuracy = api(page, url, "/api/ablate", {})["accuracy"]
    page.wait_for_function("(want) => Number(document.querySelector('#off-accuracy')"
                           ".dataset.accuracy) === want", arg=accuracy)
    assert page.evaluate("state.prediction") is None
    page.screenshot(path=artifacts / "desktop-poked-network-replaced.png")
