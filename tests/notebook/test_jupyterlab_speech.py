"""The widget with a model of spoken digits in a real JupyterLab, in Debian's Chromium whose
fake microphone plays a real recording: "hold to speak" (Space on the button, as the page's own
microphone.js records it), an uploaded recording and ``w.hear(path)`` from Python, each heard as
the library hears it; the picture of the sound on the pad, the network lit up, the next cell
reading ``w.digit``; axe-core clean. Screenshots land in test-artifacts/notebook/."""

from __future__ import annotations

import pytest

from accessibility import axe_violations
from fake_microphone import RATE, chromium_flags, hold_space, microphone_wav
from lab_server import jupyterlab, write_notebook
from test_jupyterlab import open_notebook, printed, run_cell, shown_digit

from digitnet import audio, inputs, modelfile

CELLS = [
    "import digitnet\nw = digitnet.widget({model!r})\nw",
    'print(f"w.digit = {w.digit}, picture {w.image.shape}")',
    'print(f"uploaded: w.digit = {w.digit}")',
    'print(f"w.hear: {w.hear({heard!r})}")',
    'w.network = digitnet.load({drawing!r})\nprint(f"image: {w.image}")',
]


@pytest.fixture(scope="module")
def heard_right(speech_model, spoken_digits):
    """Recordings of FSDD's test split (numbers 0-4, never learned from) the model hears right
    from the file: a 7 for the microphone, a 3 to upload, a 5 for w.hear."""
    net = modelfile.load(speech_model)
    chosen = []
    for digit in (7, 3, 5):
        for i in range(5):
            path = spoken_digits / f"{digit}_jackson_{i}.wav"
            if net.predict(audio.picture(path, inputs.audio_of(net))) == digit:
                chosen.append(path)
                break
        else:
            pytest.fail(f"the speech model hears none of jackson's test recordings of {digit}")
    return chosen


def pad_ink(page) -> int:
    """The red channel summed over the widget's pad: 0 when it is black (empty)."""
    return page.evaluate("""() => {
        const c = document.querySelector('.digitnet-widget .pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i]; return s; }""")


@pytest.mark.slow
def test_the_widget_hears_a_spoken_digit_in_jupyterlab(launch_chromium, speech_model,
                                                       drawing_model, heard_right, tmp_path,
                                                       artifacts, axe_source):
    seven, three, five = heard_right
    browser = launch_chromium(*chromium_flags(microphone_wav(seven, tmp_path / "mic.wav")))
    root = tmp_path / "lab"
    root.mkdir()
    cells = [c.replace("{model!r}", repr(str(speech_model))).replace("{heard!r}", repr(str(five)))
             .replace("{drawing!r}", repr(str(drawing_model))) for c in CELLS]
    write_notebook(root / "speech.ipynb", cells)
    off, errors = [], []
    with jupyterlab(root, tmp_path / "jupyter.log") as (url, token):
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      permissions=["microphone"])
        page = open_notebook(context, url, token, "speech.ipynb", off, errors)

        widget = run_cell(page, 0).locator(".digitnet-widget")
        widget.locator(".net .neuron").first.wait_for()
        assert widget.locator("h2").first.inner_text() == "1. Say a digit"
        assert widget.locator(".pad").is_visible() and widget.locator(".speak").is_visible()
        assert widget.locator("[id$='-upload']").is_hidden()  # no images to upload to it
        assert axe_violations(page, axe_source, within=".digitnet-widget") == []

        # the microphone, from the keyboard: the widget's own speak button
        hold_space(page, ".digitnet-widget .speak")
        assert shown_digit(widget) == "7"
        assert int(widget.locator(".waveform").get_attribute("data-samples")) > RATE
        assert pad_ink(page) > 0  # the picture of the sound heard
        assert widget.locator(".net .out-label.winner").text_content() == "7"
        assert printed(run_cell(page, 1)) == "w.digit = 7, picture (28, 28)"

        # an uploaded recording, and one given from Python
        widget.locator("[id$='upload-sound']").set_input_files(str(three))
        widget.locator(".prediction[data-digit='3']").wait_for()
        assert printed(run_cell(page, 2)) == "uploaded: w.digit = 3"
        assert printed(run_cell(page, 3)) == "w.hear: 5"
        widget.locator(".prediction[data-digit='5']").wait_for()
        assert widget.locator(".net .out-label.winner").text_content() == "5"
        # what the microphone heard last no longer describes the picture shown
        assert widget.locator("[id$='mic-status']").inner_text() == ""
        assert widget.locator(".waveform").get_attribute("data-samples") is None
        assert widget.locator(".pad").get_attribute("tabindex") == "-1"  # a picture, not a pad
        assert axe_violations(page, axe_source, within=".digitnet-widget") == []
        widget.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "jupyterlab-speech.png")

        # swapped for a network that reads drawings: the picture of a sound is cleared, the pad
        # draws again and takes the keyboard's focus, the microphone is gone
        assert printed(run_cell(page, 4)) == "image: None"
        widget.locator("h2:text-is('1. Draw a digit')").wait_for()
        assert widget.locator(".speak").is_hidden() and widget.locator(".pad").is_visible()
        assert widget.locator(".pad").get_attribute("tabindex") == "0"
        assert widget.locator(".prediction").get_attribute("data-digit") == ""
        assert pad_ink(page) == 0
        assert axe_violations(page, axe_source, within=".digitnet-widget") == []
        context.close()
    assert off == [], f"requests off the machine: {off}"
    assert errors == []
