"""Panel 4 with a model of spoken digits, in Debian's Chromium: before anything is heard, an
opened neuron asks the learner to say a digit (not to draw one) to fill in its sum, and
the panel's invitation speaks of the recording heard, not of a drawing."""

from __future__ import annotations


def test_the_neuron_panel_asks_for_a_spoken_digit(open_page, untrained_speech_url):
    page = open_page(url=untrained_speech_url)
    assert page.get_attribute("body", "data-input") == "audio"
    assert page.inner_text("#neuron-empty p").endswith("the sum it works out for the recording "
                                                       "it heard:")
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    assert page.inner_text("#neuron-z") == "say a digit"
    assert page.inner_text("#neuron-formula").endswith(
        "one per pixel of the sound’s picture before it; say a digit (or upload a recording) to "
        "fill in the numbers.")
    assert "draw" not in page.inner_text("#neuron-panel").lower()
    assert page.inner_text("#edit-now") == ("Say a digit to see this neuron's z and a change as "
                                            "you edit it.")
