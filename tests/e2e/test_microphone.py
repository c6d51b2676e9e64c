"""The page with a model of spoken digits, in Debian's Chromium: a real recording plays as the
microphone (Chromium's fake media flags), the "hold to speak" button records it, and the page
shows the digit, the waveform, the picture of the sound the network hears, and the network lit
up; it is switched to from a model of handwritten digits served beside it, and axe-core finds
nothing wrong with it on a desktop and a phone screen."""

from __future__ import annotations

import numpy as np
import pytest

from accessibility import axe_violations
from fake_microphone import RATE, chromium_flags, hold_space, microphone_wav
from test_browser import DESKTOP, PHONE, canvas_ink, shown_digit

from digitnet import audio, inputs, modelfile



@pytest.fixture(scope="module")
def spoken(speech_model, spoken_digits):
    """(a recording of jackson's saying 7 that the model hears right from the file, its digit):
    the first of his FSDD test split (numbers 0-4, never learned from)."""
    net = modelfile.load(speech_model)
    for i in range(5):
        path = spoken_digits / f"7_jackson_{i}.wav"
        picture = audio.picture(path, inputs.audio_of(net)) / np.float32(255)
        if int(net.forward(picture.reshape(1, -1))[0].argmax()) == 7:
            return path, "7"
    pytest.fail("the speech model hears none of jackson's test recordings of 7 right")


@pytest.fixture(scope="module")
def microphone_file(spoken, tmp_path_factory):
    """The recording as the fake microphone plays it (fake_microphone.microphone_wav)."""
    return microphone_wav(spoken[0], tmp_path_factory.mktemp("microphone") / "microphone.wav")


@pytest.fixture(scope="module")
def hearing_browser(launch_chromium, microphone_file):
    """Chromium whose microphone plays ``microphone_file``, allowed without asking."""
    return launch_chromium(*chromium_flags(microphone_file))


def open_hearing_page(browser, url, viewport, **options):
    """(context, page, the console's errors) of ``url`` opened with the microphone allowed."""
    context = browser.new_context(viewport=viewport, permissions=["microphone"], **options)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return context, page, problems


def open_speech_page(browser, url, viewport, **options):
    """open_hearing_page, switched to the second model served, of spoken digits."""
    context, page, problems = open_hearing_page(browser, url, viewport, **options)
    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    return context, page, problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_page_hears_a_digit_spoken_into_the_microphone(hearing_browser, two_models_url,
                                                          spoken, axe_source, artifacts,
                                                          viewport):
    context, page, problems = open_speech_page(hearing_browser, two_models_url, viewport,
                                               has_touch=viewport is PHONE)
    assert page.get_attribute("nav#models a[aria-current=page]", "href") == "/?model=2"
    assert page.text_content("#draw-title") == "1. Say a digit"
    # the pad only shows the picture heard: an image, out of the keyboard's tab order
    assert page.get_attribute("#pad", "tabindex") == "-1"
    assert page.get_attribute("#pad", "role") == "img"
    assert axe_violations(page, axe_source) == []
    hold_space(page, "#speak")
    assert shown_digit(page) == spoken[1]
    assert int(page.get_attribute("#waveform", "data-samples")) > RATE  # about 2.5 s recorded
    assert canvas_ink(page, "#pad") > 0  # the picture of the sound the network heard
    heard = page.evaluate("window.state.prediction")
    assert len(heard["input"]) == 28 and len(heard["layers"]) == 3
    lit = page.eval_on_selector_all(  # rgb(20,24,30) is a neuron at activation 0
        "#net .neuron[data-layer='1'] circle",
        "cs => cs.filter(c => c.getAttribute('fill') !== 'rgb(20,24,30)').length")
    assert lit >= 1  # the network lights up as for a drawing
    assert page.locator("#net .out-label.winner").text_content() == spoken[1]
    # one neuron opened: its weights as a picture of sound, and what it computed for this one
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    page.wait_for_function("/^−?[0-9]/.test(document.querySelector('#neuron-z').textContent.trim())")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=artifacts / f"speech-{viewport['width']}x{viewport['height']}.png")
    # and back to the model of handwritten digits: the pad draws again, no microphone
    page.click("nav#models a[href='/?model=1']")
    page.wait_for_selector("body[data-ready=true][data-input=images]")
    assert page.query_selector("#speak") is None
    assert page.get_attribute("#pad", "tabindex") == "0"
    assert page.get_attribute("#pad", "role") == "application"  # (it takes the arrow keys)
    context.close()
    assert problems == []


@pytest.fixture(scope="module")
def looping_browser(launch_chromium, spoken):
    """Chromium whose microphone plays the recording's own file: 8 kHz, with next to no pause
    at its ends, so that it plays over and over with hardly a gap while the button is held."""
    return launch_chromium(*chromium_flags(spoken[0]))


def test_a_recording_the_microphone_plays_on_a_loop_is_heard_once(looping_browser,
                                                                  two_models_url, spoken):
    """Held for HOLD_MS, five or six times the recording: the page hears the digit, not the
    sayings squeezed into one picture."""
    context, page, problems = open_speech_page(looping_browser, two_models_url, DESKTOP)
    hold_space(page, "#speak")
    assert shown_digit(page) == spoken[1]
    seconds = int(page.get_attribute("#waveform", "data-samples")) / RATE
    assert seconds > 2 * audio.read_sound(spoken[0])[0].size / 8000  # it looped
    context.close()
    assert problems == []


def test_a_recording_can_be_uploaded_instead(hearing_browser, two_models_url, spoken):
    context, page, problems = open_speech_page(hearing_browser, two_models_url, DESKTOP)
    page.set_input_files("#upload-sound", str(spoken[0]))
    assert shown_digit(page) == spoken[1]
    page.set_input_files("#upload-sound", files=[{"name": "seven.wav", "mimeType": "audio/wav",
                                                  "buffer": b"RIFF not really a recording"}])
    page.wait_for_function("document.querySelector('#mic-status').textContent.includes('not a recording')")
    page.goto(two_models_url + "/models/2/")  # the second model's own page: the same model
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    context.close()
    # (the browser logs the refused upload's 422 as an error of its own)
    assert problems == ["Failed to load resource: the server responded with a status of 422 "
                        "(Unprocessable Entity)"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_poking_panels_with_a_model_of_spoken_digits(hearing_browser, two_models_url, spoken,
                                                         axe_source, artifacts, viewport):
    """Backpropagation steps from the picture of the sound heard (exactly as the prediction read
    it: the page names it by its input_id; its cost is the API's for that picture, which the
    answer gives to 4 decimals), driven from the keyboard, the first layer's changes
    shown as time-frequency pictures; the robustness panel says in one sentence why there are
    no curves for sounds; axe-core finds nothing wrong."""
    context, page, problems = open_speech_page(hearing_browser, two_models_url, viewport,
                                               has_touch=viewport is PHONE)
    assert page.inner_text("#bp-result") == "Say a digit first."
    assert page.inner_text("#seen-caption").startswith("the picture of the sound")
    assert page.is_visible("#sturdy-sound") and page.is_hidden("#sturdy-body")
    assert "for image models" in page.inner_text("#sturdy-sound")
    page.set_input_files("#upload-sound", str(spoken[0]))
    assert shown_digit(page) == spoken[1]
    heard = page.evaluate("window.state.prediction.input")
    wrong = str((int(spoken[1]) + 1) % 10)
    page.focus("#bp-label")  # the keyboard: pick the label, tab to the button, Enter
    page.keyboard.press(wrong)
    assert page.input_value("#bp-label") == wrong
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")
    step = """async (body) => (await fetch('/models/2/api/backprop', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})).json()"""
    named = {"input_id": page.evaluate("window.state.prediction.input_id"), "label": int(wrong)}
    api = page.evaluate(step, {**named, "lr": 0.01})
    # the same input, label and η: the same float64 cost, as the page shows it in data-cost
    assert float(page.get_attribute("#bp-result", "data-cost")) == api["cost"]
    assert api["input"] == heard and api["cost_after"] < api["cost"]
    sent_back = page.evaluate(step, {"pixels": heard, "label": int(wrong), "lr": 0.01})
    assert sent_back["cost"] == pytest.approx(api["cost"], rel=1e-3)  # (heard, to 4 decimals)
    assert page.locator("#bp-changes canvas").count() == 16
    assert "time-frequency pictures" in page.inner_text("#bp-changes-title")
    assert "time-frequency pictures" in page.get_attribute("#bp-changes", "aria-label")
    assert axe_violations(page, axe_source) == []
    page.locator(".poke-backprop").screenshot(
        path=artifacts / f"speech-backprop-{viewport['width']}x{viewport['height']}.png")
    context.close()
    assert problems == []
