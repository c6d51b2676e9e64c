"""The page when the server forgets a drawing, refuses a Stop, or is gone: what a teacher running
a class meets. A drawing the server has forgotten is sent again without a word; a refused Stop
says why, in the page's words, and stays said while the run goes on; a server that stopped is
named, with what to do, rather than "Failed to fetch"."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from accessibility import axe_violations
from ctrl_c import ctrl_c
from test_browser import DESKTOP, PHONE, STROKES, draw, shown_digit

from digitnet import idx
from digitnet.web.served import REMEMBERED_INPUTS

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def server(model, data_dir, log, host="127.0.0.1"):
    """``digitnet serve MODEL --host HOST --port 0 --data DIR``: (the process, the page's
    address on this machine, the teacher's token or None); stopped with Ctrl-C unless the test
    stopped it already."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "digitnet", "serve", str(model), "--host", host, "--port", "0",
             "--data", str(data_dir)], stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        port = re.search(r" at http://\S+:(\d+) ", proc.stdout.readline()).group(1)
        token = None
        if host != "127.0.0.1":  # (the address, its QR code, the held-out digits, then the token)
            while token is None and (line := proc.stdout.readline()):
                token = (re.search(r"needs this token: (\S+)", line) or [None, None])[1]
            assert token, log.read_text()
        yield proc, f"http://127.0.0.1:{port}", token
    finally:
        if proc.poll() is None:
            assert ctrl_c(proc, "digitnet serve")[0] == 0, log.read_text()


def opened(browser, url, expected_failures, viewport=DESKTOP):
    """A page on ``url`` once it is ready, and the list it adds its errors to: every page error,
    and every console error but the browser's own line for a request answered (or not) as the
    test expects, ``expected_failures`` (a regular expression)."""
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and not re.search(expected_failures, m.text)
            and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page, problems


def forget_the_pages_input(page, url: str, mnist) -> str:
    """The class draws more than the server at ``url`` keeps: the input of the answer ``page``
    shows is forgotten (checked). Its input_id."""
    input_id = page.evaluate("window.state.prediction.input_id")
    with httpx.Client(base_url=url, timeout=30) as client:
        for k in range(REMEMBERED_INPUTS + 1):
            pixels = (mnist.x[k] / 255).round(2).tolist()
            assert client.post("/api/predict", json={"pixels": pixels}).status_code == 200
        assert client.get(f"/api/neuron/1/3?input_id={input_id}").status_code == 404
    return input_id


# Whether panel 4 shows a neuron, with its z for the drawing (a number).
SHOWN = """(() => !document.querySelector('#neuron-detail').hidden &&
                /[0-9]/.test(document.querySelector('#neuron-z').textContent))"""


def test_a_drawing_the_server_forgot_is_sent_again_and_the_neuron_opens(
        browser, mnist, training_server_url):
    page, problems = opened(browser, training_server_url, r"status of 404")
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_function(f"{SHOWN}()")
    before = page.inner_text("#neuron-z"), page.inner_text("#neuron-a")
    page.keyboard.press("Escape")  # closed: panel 4 is empty again
    page.wait_for_selector("#neuron-detail[hidden]", state="attached")

    input_id = forget_the_pages_input(page, training_server_url, mnist)

    page.select_option("#pick-layer", "1")
    page.fill("#pick-index", "3")
    page.get_by_role("button", name="Open").click()
    page.wait_for_function(f"document.querySelector('#message').textContent !== '' || {SHOWN}()")
    assert page.inner_text("#message") == ""
    assert (page.inner_text("#neuron-z"), page.inner_text("#neuron-a")) == before
    assert page.inner_text("#neuron-name") == "Hidden layer 1, neuron 3"
    # (the server knows the drawing again, under the same name: it is the same input)
    assert httpx.get(f"{training_server_url}/api/neuron/1/3?input_id={input_id}").status_code == 200
    page.context.close()
    assert problems == []


def status_changes(page):
    """Counts, from now on, changes of the training status line and of the refusal line."""
    page.evaluate("""() => { window.changes = {status: 0, refusal: 0};
        for (const [name, id] of [['status', 'train-status'], ['refusal', 'train-refusal']]) {
          new MutationObserver(() => { window.changes[name] += 1; })
            .observe(document.getElementById(id),
                     {childList: true, characterData: true, subtree: true});
        } }""")


@pytest.fixture(scope="module")
def long_run_data(mnist, tmp_path_factory):
    """An MNIST-format folder of 15,000 real digits to train on (and 2,000 held out): a run of
    20 epochs on them goes on long enough to be watched, and stopped."""
    folder = tmp_path_factory.mktemp("long-run-data")
    for name, part in [("train", slice(0, 15000)), ("t10k", slice(20000, 22000))]:
        idx.write_idx(folder / f"{name}-images-idx3-ubyte.gz", mnist.x[part])
        idx.write_idx(folder / f"{name}-labels-idx1-ubyte.gz", mnist.labels[part])
    return folder


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_a_refused_stop_stays_said_in_the_pages_words_while_the_run_goes_on(
        browser, e2e_model, long_run_data, tmp_path, axe_source, viewport):
    with server(e2e_model, long_run_data, tmp_path / "stderr.txt", host="0.0.0.0") as (
            _, url, token):
        started = httpx.post(f"{url}/api/train", json={"epochs": 20, "hidden": [128, 128, 128]},
                             headers={"X-Digitnet-Token": token})
        assert started.status_code == 202, started.text
        page, problems = opened(browser, url, r"status of 403", viewport)
        # A page without the token may press Stop: the server decides.
        page.wait_for_selector("#stop:enabled")
        page.wait_for_function("/^Epoch /.test(document.getElementById('train-status')"
                               ".textContent)")
        page.click("#stop")
        page.wait_for_function("document.querySelector('#train-refusal').textContent !== ''")
        refusal = page.inner_text("#train-refusal")
        assert refusal == ("Stopping the run on this server needs the teacher’s token: ask the "
                           "teacher for the one shown on their screen, type it in the “Teacher’s "
                           "token” field, then press Stop again.")
        assert "X-Digitnet-Token" not in refusal and "header" not in refusal
        assert page.get_attribute("#train-refusal", "role") == "status"
        assert axe_violations(page, axe_source) == []

        # The run's progress goes on showing, and the refusal stays, unchanged (said once).
        status_changes(page)
        page.wait_for_function("window.changes.status >= 3")
        assert page.evaluate("window.changes.refusal") == 0
        assert page.inner_text("#train-refusal") == refusal
        assert page.get_attribute("#train-status", "class") == "train-status"

        page.fill("#train-token", token + "x")
        page.click("#stop")
        page.wait_for_function("document.querySelector('#train-refusal').textContent"
                               ".includes('the one typed is wrong')")
        page.fill("#train-token", token)
        page.click("#stop")
        page.wait_for_selector("#train:enabled", timeout=60_000)
        page.wait_for_function("document.querySelector('#train-status').textContent === "
                               "'the run was stopped; the served model is unchanged'")
        assert page.inner_text("#train-refusal") == ""
        page.context.close()
        assert problems == []


def test_a_server_that_stopped_is_named_not_failed_to_fetch(browser, e2e_model, e2e_data_dir,
                                                            tmp_path):
    with server(e2e_model, e2e_data_dir, tmp_path / "stderr.txt") as (proc, url, _):
        page, problems = opened(browser, url, r"net::ERR_CONNECTION_REFUSED")
        draw(page, STROKES["7"])
        assert shown_digit(page) == "7"
        assert ctrl_c(proc, "digitnet serve")[0] == 0
        draw(page, STROKES["1"])
        page.wait_for_function("document.querySelector('#message').textContent !== ''")
        assert page.inner_text("#message") == (
            f"the server at {url} cannot be reached: is digitnet serve still running there, and "
            "this device still on its network? Then try again.")
        page.context.close()
        assert problems == []
