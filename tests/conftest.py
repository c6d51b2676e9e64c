"""Shared fixtures: the real MNIST digits and spoken digits in ../shared/data, and small models
trained on them."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST_PREFIX = SHARED_DATA / "mnist-train-prefix"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
AXE = REPO / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
SPOKEN_DIGITS = SHARED_DATA / "free-spoken-digits"
#: The speakers and recordings (FSDD's numbers) the small speech model learns from; recordings
#: 0-4 (FSDD's test split) and the other two speakers are never learned from.
SPEECH_SPEAKERS, SPEECH_TRAIN_INDEX = ("george", "jackson", "lucas"), range(5, 35)


def pytest_configure(config):
    """Ctrl-C reaches the processes the tests start, as in a terminal: a suite started where
    SIGINT is ignored (``cmd &`` in a script without job control; nohup) would pass that on to
    every child, whose Python then never raises KeyboardInterrupt, and the tests of Ctrl-C
    would fail for the runner's sake. A handler of Python's own is reset to the default at
    exec, so each child installs its KeyboardInterrupt again."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items):
    """The tests marked slow first, each group in its own order: in two processes (``-n 2``), a
    test of a minute collected last keeps one process busy while the other has nothing left."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # (a stable sort)


@pytest.fixture(scope="session", autouse=True)
def own_state_folder(tmp_path_factory):
    """The suite's own platformdirs state folder (XDG_STATE_HOME), for it and every process it
    starts: each `digitnet train` remembers its model there as "the last one trained", which
    `digitnet serve` with no MODEL serves; the user's own must never be the suite's last model."""
    import os

    state = tmp_path_factory.mktemp("state")
    before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(state)
    yield state
    if before is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = before


@pytest.fixture
def busy_port():
    """A port something else listens on: a server that got as far as listening would fail."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the first 24,345 official MNIST training images (train files only)."""
    if not (MNIST_PREFIX / "train-images-idx3-ubyte.gz").exists():
        pytest.fail(f"real MNIST digits not found at {MNIST_PREFIX}; the tests need ../shared/data "
                    "beside the repository")
    return MNIST_PREFIX


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The 24,345 real MNIST training digits as a Dataset."""
    from digitnet import datasets

    return datasets.load(str(mnist_dir), split="train")


@pytest.fixture(scope="session")
def mnist_small(mnist):
    """3,000 real digits (a stratified draw), for quick training runs."""
    from digitnet import datasets

    _, index = datasets.stratified_split(mnist.labels, 3000 / len(mnist), seed=7)
    return mnist.subset(index, split="train")


@pytest.fixture(scope="session")
def small_model(mnist_small, tmp_path_factory):
    """A default-recipe network trained for 3 epochs on 3,000 real digits, saved to a file."""
    from digitnet import modelfile
    from digitnet import PRESETS
    from digitnet.training import train

    result = train(mnist_small, PRESETS["default"].replace(epochs=3), handle_signals=False)
    path = tmp_path_factory.mktemp("model") / "small.safetensors"
    modelfile.save(result.network, path)
    return path


@pytest.fixture(scope="session")
def drawing_model(mnist, tmp_path_factory) -> Path:
    """The default recipe, 4 epochs on 12,000 real digits (about 94% accurate), saved: the
    network the browser tests (the page, the notebook widget) draw digits for; the tests only
    read the file."""
    from digitnet import PRESETS, modelfile
    from digitnet.training import train

    result = train(mnist.subset(slice(0, 12000), "train"), PRESETS["default"].replace(epochs=4),
                   handle_signals=False)
    path = tmp_path_factory.mktemp("drawing-model") / "model.safetensors"
    modelfile.save(result.network, path)
    return path


@pytest.fixture(scope="session")
def spoken_digits() -> Path:
    """The folder of 2,500 real recordings of 5 speakers (FSDD: ``{digit}_{speaker}_{i}.wav``)."""
    folder = SPOKEN_DIGITS / "recordings"
    if not (folder / "7_jackson_0.wav").exists():
        pytest.fail(f"real spoken digits not found at {folder}; the tests need ../shared/data "
                    "beside the repository")
    return folder


@pytest.fixture(scope="session")
def speech_unheard_recordings(spoken_digits) -> list[Path]:
    """Recordings the speech model never learned from, of the speakers it learned from: numbers
    0 and 3 (of FSDD's test split, 0-4) of every digit."""
    return [spoken_digits / f"{d}_{s}_{i}.wav" for d in range(10) for s in SPEECH_SPEAKERS
            for i in (0, 3)]


@pytest.fixture(scope="session")
def speech_model(spoken_digits, tmp_path_factory):
    """A 784-16-16-10 network hearing spoken digits: 900 real recordings of three speakers
    (recordings 5-34 of each digit), copied into a folder of class folders, trained with the
    default recipe (60 epochs) through the model's audio front end; saved to a file."""
    import shutil

    from digitnet import PRESETS, datasets, modelfile, recipes
    from digitnet.training import train

    folder = tmp_path_factory.mktemp("spoken") / "digits"
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for speaker in SPEECH_SPEAKERS:
            for i in SPEECH_TRAIN_INDEX:
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder / str(digit))
    data = datasets.load(str(folder), split="train")
    config = recipes.for_data(PRESETS["default"].replace(epochs=60, shift=0), data)
    net = train(data, config, handle_signals=False).network
    path = folder.parent / "speech.safetensors"
    modelfile.save(net, path)
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    """Playwright, once for the session (a thread runs one at a time); browsers launch from it."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def launch_chromium(playwright_instance):
    """launch_chromium(*flags): Debian's Chromium with further command-line flags (the fake
    microphone's, say), closed at the end of the session."""
    launched = []

    def launch(*flags):
        launched.append(playwright_instance.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *flags]))
        return launched[-1]

    yield launch
    for b in launched:
        b.close()


@pytest.fixture(scope="session")
def browser(launch_chromium):
    """Debian's Chromium driven by Playwright (its own browser download is not used), one for
    the session: the page's tests (tests/e2e) and the notebook's (tests/notebook) share it."""
    return launch_chromium()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (tests/e2e/package.json), injected from disk: the browser fetches nothing."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci --prefix tests/e2e` (the README's "
                    "test command does)")
    return AXE.read_text()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def locked_folders(monkeypatch):
    """Make folders named "locked" unreadable: the tests run as root, who can read any folder."""
    import os

    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.fixture
def recursion_limit_raised():
    """Python's recursion limit raised to 5,000 for one test, as libraries loaded beside digitnet
    raise it (torch's compiler to 2,000 at least, Hypothesis while it runs): how deeply nested a
    JSON text Python's parser reads depends on it."""
    import sys

    before = sys.getrecursionlimit()
    sys.setrecursionlimit(5_000)
    yield
    sys.setrecursionlimit(before)
