"""A recording as Chromium's fake microphone plays it (--use-file-for-fake-audio-capture): the
page's tests (tests/e2e) and the widget's (tests/notebook) speak into the microphone with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from digitnet import audio

RATE = 48000  # what Chromium's capture runs at
BEFORE, AFTER = 0.4, 2.6  # seconds of silence around the digit in the fake microphone's file
HOLD_MS = 2500  # how long the button is held: past the digit, and before the file loops
FLAGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")


def microphone_wav(recording: Path, out: Path) -> Path:
    """``recording`` as a 16-bit WAV at 48 kHz with silence before and after (Chromium loops
    the file), written to ``out``."""
    samples, rate = soundfile.read(recording, dtype="float32")
    voice = audio.resample(samples, rate, RATE)
    padded = np.concatenate([np.zeros(int(BEFORE * RATE), np.float32), voice,
                             np.zeros(int(AFTER * RATE), np.float32)])
    soundfile.write(out, padded, RATE, subtype="PCM_16")
    return out


def chromium_flags(wav: Path) -> tuple[str, ...]:
    """Chromium's flags for a microphone that plays ``wav``, allowed without asking."""
    return (*FLAGS, f"--use-file-for-fake-audio-capture={wav}")


def hold_space(page, button: str) -> None:
    """Hold Space on the "hold to speak" button ``button`` (a selector) for HOLD_MS."""
    page.focus(button)
    page.keyboard.down("Space")
    page.wait_for_selector(f"{button}[aria-pressed=true]")
    page.wait_for_timeout(HOLD_MS)
    page.keyboard.up("Space")
