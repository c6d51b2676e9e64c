"""Teaching the network a voice on the page, in Debian's Chromium: a speaker it never heard
(nicolas) says each digit three times, the first into the microphone (Chromium's fake media
flags, a real FSDD recording) and the others uploaded; "Teach it my voice" fine-tunes the
served model on them (POST /api/voice) while the training panel follows the run, and the page
says how many of the recordings kept to check on (the last of each digit) it heard right
before and after. The after figure is what the served network now answers for those files;
axe-core finds nothing wrong on a desktop and a phone screen."""

from __future__ import annotations

import re
import zipfile

import pytest

from accessibility import axe_violations
from fake_microphone import chromium_flags, hold_space, microphone_wav
from test_browser import DESKTOP, PHONE
from test_microphone import open_hearing_page

SPEAKER, SAID = "nicolas", range(3)  # a voice the speech model never heard; 3 of each digit


@pytest.fixture(scope="module")
def saying_zero(launch_chromium, spoken_digits, tmp_path_factory):
    """Chromium whose microphone says nicolas's 0 (recording 0)."""
    wav = microphone_wav(spoken_digits / f"0_{SPEAKER}_0.wav",
                         tmp_path_factory.mktemp("voice-mic") / "microphone.wav")
    return launch_chromium(*chromium_flags(wav))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_a_voice_taught_on_the_page_is_heard_better(saying_zero, speech_server_url, spoken_digits,
                                                   axe_source, artifacts, viewport):
    context, page, problems = open_hearing_page(saying_zero, speech_server_url, viewport,
                                                has_touch=viewport is PHONE)
    assert page.get_attribute("body", "data-input") == "audio"
    assert page.is_visible("#voice") and page.is_disabled("#voice-teach")
    assert axe_violations(page, axe_source) == []

    # the first recording through the microphone, from the keyboard: the digit, then Space held
    page.focus("#voice-digit")
    page.keyboard.press("0")
    hold_space(page, "#voice-speak")
    page.wait_for_selector("#voice-counts[data-total='1']")
    assert re.match(r"Recording 1 of the digit 0 kept; the network hears \d in it now\.$",
                    page.text_content("#voice-mic-status"))
    assert page.input_value("#voice-digit") == "1"  # on to the digit with the fewest
    upload_recordings(page, spoken_digits, SPEAKER, SAID, skip=(0, 0))
    assert "0: 3" in page.text_content("#voice-counts") and "Ready to teach" in \
        page.text_content("#voice-counts")
    assert axe_violations(page, axe_source) == []
    with page.expect_download() as saved:  # kept beyond the page: a zip of class folders
        page.click("#voice-save")
    with zipfile.ZipFile(saved.value.path()) as archive:
        assert len(archive.namelist()) == 30 and "my-voice/0/3.wav" in archive.namelist()
    assert saved.value.suggested_filename == "my-voice.zip"

    page.click("#voice-teach")
    page.wait_for_function("document.querySelector('#train-status').textContent.startsWith('Taught')",
                           timeout=120_000)
    status = page.text_content("#train-status")
    before, after = (int(p) / 100 for p in re.search(
        r"it heard (\d+)% right before and (\d+)% after", status).groups())
    model = page.evaluate("fetch('/api/model').then(r => r.json())")
    assert model["source"] == "fine-tuned to a voice on the page"
    assert model["metadata"]["data"]["train"]["n"] == 20  # 30 said, the last of each kept out
    # "after" is what the network now served answers for the ten recordings kept to check on
    kept = [spoken_digits / f"{d}_{SPEAKER}_{SAID[-1]}.wav" for d in range(10)]
    right = sum(page.evaluate("""async ([name, bytes]) => {
        const form = new FormData();
        form.append('file', new File([new Uint8Array(bytes)], name, {type: 'audio/wav'}));
        return (await (await fetch('/api/predict', {method: 'POST', body: form})).json()).digit;
    }""", [path.name, list(path.read_bytes())]) == int(path.name[0]) for path in kept)
    assert after == right / 10
    assert after > before, status
    assert page.text_content("#voice-counts").startswith("Recordings of each digit: 0: 3")
    assert axe_violations(page, axe_source) == []
    page.locator(".card.training").screenshot(
        path=artifacts / f"teach-voice-{viewport['width']}x{viewport['height']}.png")
    # Starting over asks first: cancelled, the recordings stay; confirmed, they are gone
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click("#voice-clear")
    assert asked == ["Forget your 30 recordings? (Save my recordings keeps them.)"]
    assert page.get_attribute("#voice-counts", "data-total") == "30"
    page.once("dialog", lambda d: d.accept())
    page.click("#voice-clear")
    page.wait_for_selector("#voice-counts[data-total='0']")
    assert page.is_disabled("#voice-teach") and page.is_disabled("#voice-save")
    context.close()
    assert problems == []


def test_where_the_page_may_not_train_a_voice_is_kept_not_taught(saying_zero, untrained_speech_url,
                                                                spoken_digits, axe_source):
    """digitnet serve --no-train: the recordings can be said and saved, not taught."""
    context, page, problems = open_hearing_page(saying_zero, untrained_speech_url, DESKTOP)
    page.wait_for_function("document.querySelector('#voice-mic-status').textContent"
                           ".startsWith('Teaching is turned off on this server')")
    upload_recordings(page, spoken_digits, SPEAKER, (1, 2))
    assert "Ready to teach" in page.text_content("#voice-counts")
    assert page.is_disabled("#voice-teach") and page.is_enabled("#voice-save")
    with page.expect_download() as saved:
        page.click("#voice-save")
    with zipfile.ZipFile(saved.value.path()) as archive:
        assert len(archive.namelist()) == 20
    assert axe_violations(page, axe_source) == []
    context.close()
    assert problems == []


def upload_recordings(page, folder, speaker: str, takes, skip=None) -> None:
    """Upload ``speaker``'s recordings ``takes`` of each digit from FSDD's ``folder`` through
    the voice panel's upload button, each under its digit, waiting for each to be kept
    (``skip``: a (digit, take) left out, as one said into the microphone)."""
    for digit in range(10):
        for i in takes:
            if (digit, i) == skip:
                continue
            page.select_option("#voice-digit", str(digit))
            total = int(page.get_attribute("#voice-counts", "data-total"))
            page.set_input_files("#voice-upload-sound", str(folder / f"{digit}_{speaker}_{i}.wav"))
            page.wait_for_selector(f"#voice-counts[data-total='{total + 1}']")
