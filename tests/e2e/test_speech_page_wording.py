"""What the page says to a learner with a model of spoken digits, in Debian's Chromium: a
recording of the digit 0 is not read as a count, a computer with no microphone is not asked for
a permission it cannot give (nor a refused permission taken for a missing device), and the skip
link names the section it skips to."""

from __future__ import annotations

import re

import pytest
from fake_microphone import FLAGS


def open_speech(page):
    """Switch the page (of two_models_url) to its second model, of spoken digits."""
    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")


def test_a_recording_of_0_is_not_read_as_a_count(open_page, two_models_url, spoken_digits):
    page = open_page(url=two_models_url)
    assert page.inner_text("a.skip") == "Skip to the drawing"
    open_speech(page)
    assert page.inner_text("#draw-title") == "1. Say a digit"
    assert page.text_content("a.skip") == "Skip to saying a digit"
    assert page.input_value("#voice-digit") == "0"
    page.set_input_files("#voice-upload-sound", str(spoken_digits / "0_nicolas_0.wav"))
    page.wait_for_selector("#voice-counts[data-total='1']")
    assert re.match(r"Recording 1 of the digit 0 kept; the network hears \d in it now\.$",
                    page.text_content("#voice-mic-status"))


def test_no_microphone_is_said_as_that(open_page, two_models_url):
    """Chromium with no fake device, on a computer with no microphone: allowed, it finds none."""
    page = open_page(url=two_models_url, permissions=["microphone"])
    devices = page.evaluate("navigator.mediaDevices.enumerateDevices()"
                            ".then(ds => ds.filter(d => d.kind === 'audioinput').length)")
    if devices:
        pytest.skip("this computer has a microphone")
    open_speech(page)
    page.click("#speak")
    page.wait_for_function("document.querySelector('#mic-status').textContent.startsWith('No ')")
    assert page.text_content("#mic-status") == ("No microphone found: connect one, or upload a "
                                                "recording.")
    page.wait_for_selector("#speak[aria-pressed=false]")


@pytest.fixture(scope="module")
def fake_device_browser(launch_chromium):
    """Chromium with a fake microphone that the page has to ask for (no fake permission)."""
    return launch_chromium(*(f for f in FLAGS if "fake-device" in f))


def test_a_microphone_not_allowed_is_said_as_that(fake_device_browser, two_models_url):
    context = fake_device_browser.new_context()  # (the microphone not allowed)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(two_models_url)
    page.wait_for_selector("body[data-ready=true]")
    open_speech(page)
    page.click("#speak")
    page.wait_for_function("document.querySelector('#mic-status').textContent.startsWith('The ')")
    assert page.text_content("#mic-status") == (
        "The browser did not allow the microphone: allow it for this page in the browser, or "
        "upload a recording.")
    context.close()
    assert problems == []
