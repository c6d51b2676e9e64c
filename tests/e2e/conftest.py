"""A real ``digitnet serve`` process and Debian's Chromium driven by Playwright.

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (Playwright's own browser
download is not used). Screenshots go to test-artifacts/e2e/ in the repository (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ctrl_c import ctrl_c
from real_data import write_mnist_folder
from serve_process import no_bug

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def e2e_model(drawing_model) -> Path:
    """The default recipe, 4 epochs on 12,000 real digits (about 94% accurate), saved: the
    drawing tests' network (tests/conftest.py)."""
    return drawing_model


@pytest.fixture(scope="session")
def e2e_data_dir(mnist, tmp_path_factory):
    """An MNIST-format folder of 3,000 real digits for training runs started from the page,
    and as its test split 2,000 others: the held-out digits the page pokes the network with."""
    folder = tmp_path_factory.mktemp("e2e-data")
    part, test = slice(12000, 15000), slice(20000, 22000)
    write_mnist_folder(folder, mnist, part, test)
    return folder


@contextlib.contextmanager
def serving(model: Path, data_dir: Path | None, log: Path, more: tuple[Path, ...] = (),
            options: tuple[str, ...] = ()):
    """``digitnet serve MODEL [MORE...] --port 0 [--data DIR] [OPTIONS...]`` in a subprocess:
    the URL it prints; stopped with Ctrl-C. Without ``data_dir``, the server takes the data
    the model records (a speech model's recordings: serve refuses pictures for it)."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "digitnet", "serve", str(model), *map(str, more), "--port", "0",
             *(("--data", str(data_dir)) if data_dir else ()), *options],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
    if not match:
        proc.kill()
        proc.communicate()
        pytest.fail(f"digitnet serve did not start: {line!r} {log.read_text()}")
    yield match.group(1)
    assert ctrl_c(proc, "digitnet serve")[0] == 0, log.read_text()
    assert no_bug(log.read_text()), log.read_text()


@pytest.fixture(scope="session")
def server_url(e2e_model, e2e_data_dir, tmp_path_factory):
    """The server the drawing tests use; nothing trains on it, so its network stays the same."""
    with serving(e2e_model, e2e_data_dir, tmp_path_factory.mktemp("serve") / "stderr.txt") as url:
        yield url


@pytest.fixture
def training_server_url(e2e_model, e2e_data_dir, tmp_path):
    """A server of its own for a test that trains (and so replaces the served network)."""
    with serving(e2e_model, e2e_data_dir, tmp_path / "stderr.txt") as url:
        yield url


@pytest.fixture
def speech_server_url(speech_model, tmp_path):
    """``digitnet serve SPEECH_MODEL`` of its own, for a test that teaches it a voice (and so
    replaces the served network)."""
    with serving(speech_model, None, tmp_path / "stderr.txt") as url:
        yield url


@pytest.fixture
def untrained_speech_url(speech_model, tmp_path):
    """``digitnet serve SPEECH_MODEL --no-train``: the page may not train, nor teach a voice."""
    with serving(speech_model, None, tmp_path / "stderr.txt",
                 options=("--no-train",)) as url:
        yield url


@pytest.fixture(scope="session")
def two_models_url(e2e_model, speech_model, e2e_data_dir, tmp_path_factory):
    """``digitnet serve E2E_MODEL SPEECH_MODEL``: handwritten digits first, spoken ones second."""
    log = tmp_path_factory.mktemp("serve-two") / "stderr.txt"
    with serving(e2e_model, e2e_data_dir, log, more=(speech_model,)) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


DESKTOP = {"width": 1280, "height": 800}


#: The browser contexts open_page opened for the test running (closed as its body ends).
_OPENED: list = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Close the pages a test opened as soon as its body ends, before any fixture's teardown: a
    server of the test's own (training_server_url) is stopped in teardown before open_page's,
    and a page still polling it would log a refused connection as a console error."""
    yield
    while _OPENED:
        _OPENED.pop().close()


@pytest.fixture
def open_page(browser, server_url):
    """open_page(viewport, **context options) -> a page on the server, checked when done for
    console errors and for requests to anywhere but the server."""
    contexts, problems = [], []

    def opener(viewport=DESKTOP, url=server_url, **options):
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        _OPENED.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: r.url.startswith(url) or r.url.startswith("data:")
                or problems.append(f"request off the server: {r.url}"))
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        return page

    yield opener
    for context in contexts:
        context.close()  # (closed already as the test's body ended: a no-op then)
    _OPENED.clear()
    assert problems == []

