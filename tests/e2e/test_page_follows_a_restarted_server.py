"""A page left open while the teacher stops ``digitnet serve`` (Ctrl-C) and starts it again on
the same port, with another model: the page follows the new server, in a real browser. Every
server process numbers its networks from model_version 1, so the page tells them apart by the
X-Digitnet-Server header each answer carries: the diagram shows the new network, a drawing is
read by it without an error, and the page's note says once that the server restarted. So too
for a network of the same sizes as the one shown, which only the header tells apart."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest
from accessibility import axe_violations
from ctrl_c import ctrl_c
from serve_process import start
from test_browser import STROKES, draw, shown_digit
from test_server_forgets_refuses_or_is_gone import opened
from test_teach_voice import upload_recordings

from digitnet import PRESETS, modelfile
from digitnet.training import train

RESTARTED = "The server was restarted, so the page reloaded its network: it is now 784–40–10."


@pytest.fixture(scope="module")
def wide_models(mnist, tmp_path_factory):
    """Two 784-40-10 networks, one epoch each on 6,000 real digits, from other seeds: the same
    sizes, other weights (and other sizes than ``e2e_model``'s 784-16-16-10)."""
    folder, paths = tmp_path_factory.mktemp("wide-models"), []
    for seed in (1, 2):
        config = PRESETS["default"].replace(sizes=(784, 40, 10), epochs=1, seed=seed)
        result = train(mnist.subset(slice(0, 6000), "train"), config, handle_signals=False)
        paths.append(folder / f"wide-{seed}.safetensors")
        modelfile.save(result.network, paths[-1])
    return paths


@contextlib.contextmanager
def serving(model, data_dir, port=0):
    """``digitnet serve MODEL --port PORT --data DIR``: (the process, the page's address); stopped
    with Ctrl-C when done, unless the test stopped it already."""
    proc, _, url = start([model, "--port", port, "--data", data_dir])
    try:
        yield proc, url.rstrip("/")
    finally:
        if proc.poll() is None:
            assert ctrl_c(proc, "digitnet serve")[0] == 0


def restart(proc, model, data_dir, url):
    """Ctrl-C to the server at ``url``, then ``digitnet serve MODEL`` on the same port."""
    assert ctrl_c(proc, "digitnet serve")[0] == 0
    return serving(model, data_dir, port=re.search(r":(\d+)$", url).group(1))


def notes_said(page):
    """Counts, from now on, what the page's note line is set to (each time it is said)."""
    page.evaluate("""() => { window.notes = [];
        if (window.noteWatch) return;
        window.noteWatch = new MutationObserver(
          () => window.notes.push(document.getElementById('note').textContent));
        window.noteWatch.observe(document.getElementById('note'),
                                 {childList: true, characterData: true, subtree: true}); }""")


def layer_sizes(page):
    """How many neurons the diagram draws in each layer after the input."""
    return page.evaluate("""() => [1, 2, 3].map((l) =>
        document.querySelectorAll(`#net .neuron[data-layer='${l}']`).length)""")


def test_an_open_page_follows_a_server_restarted_with_another_network(
        browser, e2e_model, e2e_data_dir, wide_models, axe_source):
    with serving(e2e_model, e2e_data_dir) as (proc, url):
        page, problems = opened(browser, url, r"(?!)")  # (no request is to fail)
        draw(page, STROKES["7"])
        assert shown_digit(page) == "7"
        assert layer_sizes(page) == [16, 16, 10]
        assert page.inner_text("#note") == ""
        with restart(proc, wide_models[0], e2e_data_dir, url) as (proc, url):
            # Another network of other sizes, whose model_version is 1 like the old one's.
            notes_said(page)
            page.click("#clear")
            draw(page, STROKES["1"])
            page.wait_for_function("state.model.sizes.join() === '784,40,10'")
            digit = shown_digit(page)
            assert page.inner_text("#message") == ""
            assert page.evaluate("state.prediction.layers.map((l) => l.a.length)") == [40, 10]
            assert layer_sizes(page) == [40, 10, 0]
            assert "784–40–10" in page.inner_text("#model-summary")
            assert page.inner_text("#note") == RESTARTED
            assert page.evaluate("window.notes") == [RESTARTED]  # (said once)
            served = httpx.post(f"{url}/api/predict", json={"pixels": page.evaluate(
                "state.grid")}).json()
            assert digit == str(served["digit"])
            assert axe_violations(page, axe_source) == []

            with restart(proc, wide_models[1], e2e_data_dir, url) as (_, url):
                # The same sizes and model_version: only the server's name tells them apart.
                notes_said(page)
                draw(page, STROKES["7"])
                new = httpx.get(f"{url}/api/model").json()
                page.wait_for_function("(b) => JSON.stringify(state.model.layers[0].biases) "
                                       "=== JSON.stringify(b)", arg=new["layers"][0]["biases"])
                shown_digit(page)
                served = httpx.post(f"{url}/api/predict", json={"pixels": page.evaluate(
                    "state.grid")}).json()
                page.wait_for_function("(p) => JSON.stringify(state.prediction.probabilities) "
                                       "=== JSON.stringify(p)", arg=served["probabilities"])
                assert page.evaluate("window.notes") == [RESTARTED]
                assert page.inner_text("#message") == ""
    page.context.close()
    assert problems == []


def test_a_voice_refused_for_want_of_the_token_says_so_in_the_pages_words(
        browser, speech_model, spoken_digits, axe_source):
    """``digitnet serve SPEECH_MODEL --host 0.0.0.0``, as for a class: "Teach it my voice"
    without the teacher's token is refused, and the page says what to do in its own words (the
    field and the button), not the API's (a header)."""
    proc, line, _ = start([speech_model, "--host", "0.0.0.0", "--port", "0"])
    try:
        url = "http://127.0.0.1:" + re.search(r":(\d+) ", line).group(1)
        while not re.search(r"needs this token: \S+", proc.stdout.readline()):
            assert proc.poll() is None
        page, problems = opened(browser, url, r"status of 403")
        page.wait_for_selector("#train-token")
        # The field says it opens teaching a voice too (it said start or stop training only).
        assert " ".join(page.text_content("#train-token-hint").split()) == (
            "This server lets only whoever has the token digitnet serve printed start or stop "
            "training or teach it a voice")
        assert page.text_content("#train-status").startswith("Training or teaching a voice on ")
        upload_recordings(page, spoken_digits, "nicolas", (1, 2))
        page.click("#voice-teach")
        said = "document.querySelector('#voice-mic-status').textContent"
        page.wait_for_function(f"{said}.startsWith('Only the teacher')")
        assert page.text_content("#voice-mic-status") == (
            "Only the teacher can teach it a voice on this server: type the teacher’s token "
            "(printed where digitnet serve was started) in the “Teacher’s token” field below, "
            "then press “Teach it my voice” again.")
        page.fill("#train-token", "not-the-token")
        page.click("#voice-teach")
        page.wait_for_function(f"{said}.startsWith('The server would not')")
        assert "header" not in page.text_content("#voice-mic-status")
        assert axe_violations(page, axe_source) == []
        page.context.close()
        assert problems == []
    finally:
        assert ctrl_c(proc, "digitnet serve")[0] == 0
