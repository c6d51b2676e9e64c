"""A model of spoken digits on a phone (390x844), in Debian's Chromium, with real recordings
(FSDD): where the browser gives the page no microphone (plain http from another computer, as a
class's phones open `digitnet serve --host 0.0.0.0`: not a secure context) the page says so
before anyone presses anything and offers the upload, with no "hold to speak" button that
cannot work; and a recording uploaded has its waveform drawn, as a recording spoken has."""

from __future__ import annotations

import pytest
import soundfile
from accessibility import axe_violations
from test_browser import PHONE, shown_digit

PHONE_OPTIONS = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DRAWN_RATE = 16000  # js/microphone.js decodes an upload at this rate for its waveform

# The waveform canvas's pixels that are not its black background, and the most in one column.
LIT = """() => {
  const c = document.querySelector('#waveform');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const columns = new Array(c.width).fill(0);
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] > 60) columns[(i / 4) % c.width]++;
  }
  return {lit: columns.reduce((a, b) => a + b, 0), tallest: Math.max(...columns)};
}"""


@pytest.fixture(scope="module")
def lan_browser(launch_chromium):
    """Chromium that finds this computer at the name classroom.test, as a student's phone
    finds the teacher's computer at its address on the room's network: a page from there is
    plain http from another computer, which the browser gives no microphone."""
    return launch_chromium("--host-resolver-rules=MAP classroom.test 127.0.0.1")


def open_speech_phone(browser, url):
    """(context, page, the console's errors) of the second model (spoken digits) at ``url``."""
    context = browser.new_context(viewport=PHONE, **PHONE_OPTIONS)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url + "/?model=2")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    return context, page, problems


def test_plain_http_says_there_is_no_microphone_and_offers_the_upload(
        lan_browser, browser, two_models_url, spoken_digits, axe_source, artifacts):
    context, page, problems = open_speech_phone(
        lan_browser, two_models_url.replace("127.0.0.1", "classroom.test"))
    # (what the browser itself does on plain http: no secure context, no navigator.mediaDevices)
    assert page.evaluate("[isSecureContext, 'mediaDevices' in navigator]") == [False, False]
    assert page.is_hidden("#speak") and page.is_hidden("#speak-hint")
    said = page.inner_text("#mic-none")
    assert "https" in said and said.endswith("Upload a recording instead."), said
    assert page.inner_text("#mic-status") == ""  # (said up front, not after a press)
    # ... and so in "teach it your voice"
    assert page.is_hidden("#voice-speak") and page.is_visible("#voice-mic-none")
    assert "then upload a recording of it." in page.inner_text("#voice .hint")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=artifacts / "phone-speech-plain-http.png")

    # The upload it offers is heard.
    page.set_input_files("#upload-sound", str(spoken_digits / "7_nicolas_3.wav"))
    assert shown_digit(page) in "0123456789"
    assert page.inner_text("#mic-status") == "Heard 7_nicolas_3.wav."
    context.close()
    assert problems == []

    # On this computer's own address the button is there, and no such sentence.
    context, page, problems = open_speech_phone(browser, two_models_url)
    assert page.is_visible("#speak") and page.is_hidden("#mic-none")
    context.close()
    assert problems == []


def test_an_uploaded_recording_has_its_waveform_drawn(open_page, two_models_url, spoken_digits,
                                                       artifacts):
    page = open_page(PHONE, url=two_models_url, **PHONE_OPTIONS)
    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    assert page.evaluate(LIT)["lit"] == 0  # nothing heard yet

    for name in ("7_nicolas_3.wav", "1_jackson_0.wav"):
        recording = spoken_digits / name
        info = soundfile.info(str(recording))
        samples = round(info.frames * DRAWN_RATE / info.samplerate)
        page.set_input_files("#upload-sound", str(recording))
        shown_digit(page)
        page.wait_for_selector(f"#waveform[data-samples='{samples}']")
        drawn = page.evaluate(LIT)
        assert drawn["lit"] > 280 and drawn["tallest"] >= 10, drawn  # a wave, not a flat line
        assert page.get_attribute("#waveform", "aria-label") == \
            f"Waveform of the last recording: {info.frames / info.samplerate:.1f} s"
    page.locator("#waveform").screenshot(path=artifacts / "phone-uploaded-waveform.png")
