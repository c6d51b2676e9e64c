"""Recordings played on a loop, as Chromium's fake microphone plays its file: what is heard.

Chromium's ``--use-file-for-fake-audio-capture=FILE`` plays FILE over and over while the page
records; the front end reads one repetition of a recording that repeats itself (and, of sounds
parted by a long pause, the longest: see digitnet.audio). Two measurements, with a model of
spoken digits (MODEL) and the Free Spoken Digit Dataset's files at ../shared/data:

simulated (default)
    Every --step'th file, looped from a random point for 0.6 to 3 seconds (a press of the
    button), read through the front end at 8 kHz: how often the model's answer is its answer
    for the file itself, by how many times the file the loop held.
the page (--page)
    Debian's Chromium with each speaker's recording 0 of each digit as its microphone, the page
    of ``digitnet serve MODEL`` (started here), Space held on "Hold to speak" for each of
    --holds milliseconds in turn: the digit the page shows against the file's digit.

    python bench/microphone.py speech.safetensors
    python bench/microphone.py speech.safetensors --page --holds 1000,2500

This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import signal
from pathlib import Path

import numpy as np
from load import start_server  # bench/load.py: digitnet serve on a free port

from digitnet import audio, inputs, modelfile
from digitnet.errors import AudioError

RECORDINGS = Path(__file__).resolve().parents[2] / "shared/data/free-spoken-digits/recordings"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "yweweler")
CHROMIUM = ("--headless", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream")


def simulated(model: Path, step: int, seed: int) -> None:
    net = modelfile.load(model)
    front_end = inputs.audio_of(net)
    digit = lambda voice: int(net.forward(  # noqa: E731
        (audio.voice_picture(voice, front_end) / np.float32(255)).reshape(1, -1))[0].argmax())
    rng = np.random.default_rng(seed)
    agree, refused = collections.defaultdict(list), 0
    for path in sorted(RECORDINGS.glob("*.wav"))[::step]:
        samples, rate = audio.read_sound(path)
        alone = digit(audio.voice(samples, rate, front_end))
        start, seconds = rng.integers(len(samples)), rng.uniform(0.6, 3.0)
        times = seconds * rate / len(samples)
        looped = np.tile(samples, int(times) + 2)[start:start + int(seconds * rate)]
        try:
            heard = digit(audio.voice(looped, rate, front_end))
        except AudioError:
            refused += 1
            continue
        agree["under 1" if times < 1 else "1-2" if times < 2 else "2-4" if times < 4
              else "4 or more"].append(heard == alone)
    every = [a for runs in agree.values() for a in runs]
    print(f"{len(every)} files looped from a random point, {refused} refused: the answer for the "
          f"file itself in {np.mean(every):.1%}")
    for times in [t for t in ("under 1", "1-2", "2-4", "4 or more") if agree[t]]:
        print(f"  {times} times the file: {np.mean(agree[times]):.1%} of {len(agree[times])}")


def page(model: Path, holds: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    right = collections.Counter()
    server, url, _ = start_server(model)
    try:
        with sync_playwright() as p:
            for wav in [RECORDINGS / f"{d}_{s}_0.wav" for s in SPEAKERS for d in range(10)]:
                shown = heard_on_the_page(p, url, wav, holds)
                right.update(h for h, digit in zip(holds, shown) if digit == wav.name[0])
                print(wav.name, "shows", " ".join(f"{h} ms: {s}" for h, s in zip(holds, shown)),
                      flush=True)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
    for hold in holds:
        print(f"held {hold} ms: {right[hold]} of {10 * len(SPEAKERS)} right")


def heard_on_the_page(p, url: str, wav: Path, holds: list[int]) -> list[str]:
    """The digit the page shows (or "refused") after Space is held for each of ``holds`` ms,
    in a Chromium whose microphone plays ``wav``."""
    browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                args=[*CHROMIUM, f"--use-file-for-fake-audio-capture={wav}"])
    tab = browser.new_context(permissions=["microphone"]).new_page()
    tab.goto(url)
    tab.wait_for_selector("body[data-ready=true][data-input=audio]")
    shown = []
    for hold in holds:
        tab.eval_on_selector("#mic-status", "s => { s.textContent = ''; }")
        tab.focus("#speak")
        tab.keyboard.down("Space")
        tab.wait_for_selector("#speak[aria-pressed=true]")
        tab.wait_for_timeout(hold)
        tab.keyboard.up("Space")
        tab.wait_for_function("/^(Heard|file)/.test(document.querySelector('#mic-status')"
                              ".textContent)")
        tab.wait_for_selector(".verdict[aria-busy=false]")
        heard = tab.text_content("#mic-status").startswith("Heard")
        shown.append(tab.get_attribute("#prediction", "data-digit") if heard else "refused")
    browser.close()
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a model of spoken digits")
    parser.add_argument("--page", action="store_true", help="through the page, in Chromium")
    parser.add_argument("--holds", default="1000,2500", help="milliseconds, comma-separated")
    parser.add_argument("--step", type=int, default=5, help="every step'th file (simulated)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.page:
        page(args.model, [int(h) for h in args.holds.split(",")])
    else:
        simulated(args.model, args.step, args.seed)


if __name__ == "__main__":
    main()
