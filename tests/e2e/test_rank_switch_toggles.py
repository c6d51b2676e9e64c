"""The ranking's switches (panel 6) in a real browser: each button says what pressing it does
(its words change with its neuron's state, so it carries no aria-pressed), switches the neuron
off and back on, and follows the neuron switched off or on elsewhere on the page."""

from __future__ import annotations

from test_poking_panels import accuracy_shown, api, wait_for_accuracy


def test_a_ranked_neurons_switch_turns_it_off_and_on_again(open_page, server_url):
    page = open_page()
    page.click("#rank")
    page.wait_for_selector("#rank-box:not([hidden])")
    first = api(page, server_url, "/api/ranking", {})["neurons"][0]
    layer, neuron = first["layer"], first["neuron"]
    switch = page.locator("#rank-table tbody tr").first.locator("button")
    pressed = "#rank-table tbody tr:first-child button[data-off={}]"

    def says(state, text):
        page.wait_for_selector(pressed.format(state))
        assert switch.inner_text() == text
        assert switch.get_attribute("aria-label") == f"{text} neuron {neuron} of layer {layer}"
        assert switch.get_attribute("aria-pressed") is None

    says("false", "Switch off")
    switch.click()
    page.wait_for_selector(f"#net .neuron.off[data-layer='{layer}'][data-index='{neuron}']")
    says("true", "Switch on")
    wait_for_accuracy(page, changed=True)
    assert accuracy_shown(page) == first["accuracy"]

    switch.click()  # pressed again: back on
    page.wait_for_function("state.changes.off.length === 0")
    says("false", "Switch off")
    assert page.locator("#net .neuron.off").count() == 0
    wait_for_accuracy(page, changed=False)

    # Switched off in the diagram, and all back on with the panel's button: the switch follows.
    page.check("input[name=click-mode][value=off]")
    page.click(f"#net .neuron[data-layer='{layer}'][data-index='{neuron}']")
    says("true", "Switch on")
    page.click("#off-reset")
    says("false", "Switch off")
