"""A page left open while the teacher stops ``digitnet serve`` (Ctrl-C) and starts it again on
the same port, with another model: the page follows the new server, in a real browser. Every
server process numbers its networks from model_version 1, so the page tells them apart by the
X-Digitnet-Server header each answer carries: the diagram shows the new network, a drawing is
read by it without an error, and the page's note says once that the server restarted. So too
for a network of the same sizes as the one shown, which only the header tells apart. And the
page reads again what it read of the server at start: who may train (the teacher's token field
comes and goes, the buttons are turned off and on) and which models it serves (the switcher)."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest
from accessibility import axe_violations
from ctrl_c import ctrl_c
from serve_process import start
from test_browser import PHONE, STROKES, draw, shown_digit
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
def serving(models, data_dir, port=0, options=()):
    """``digitnet serve MODEL [MODEL2 ...] --port PORT --data DIR [OPTIONS ...]`` (``models``: one
    path or several): (the process, the page's address on this machine, the teacher's token,
    None unless OPTIONS give a ``--host`` such as 0.0.0.0); stopped with Ctrl-C when done, unless
    the test stopped it already."""
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    proc, _, url = start([*models, "--port", port, "--data", data_dir, *options])
    try:
        token = None
        if "--host" in options:  # (held-out digits, the token; then the address and QR code)
            while token is None and (line := proc.stdout.readline()):
                token = (re.search(r"needs this token: (\S+)", line) or [None, None])[1]
            assert token
        yield proc, "http://127.0.0.1:" + re.search(r":(\d+)/?$", url).group(1), token
    finally:
        if proc.poll() is None:
            assert ctrl_c(proc, "digitnet serve")[0] == 0


def restart(proc, models, data_dir, url, options=()):
    """Ctrl-C to the server at ``url``, then ``digitnet serve MODELS [OPTIONS]`` on the same
    port."""
    assert ctrl_c(proc, "digitnet serve")[0] == 0
    return serving(models, data_dir, re.search(r":(\d+)$", url).group(1), options)


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
    with serving(e2e_model, e2e_data_dir) as (proc, url, _):
        # (no request is to fail but the page's question for a new run, made while the server
        # restarts)
        page, problems = opened(browser, url, r"ERR_CONNECTION_REFUSED")
        draw(page, STROKES["7"])
        assert shown_digit(page) == "7"
        assert layer_sizes(page) == [16, 16, 10]
        assert page.inner_text("#note") == ""
        with restart(proc, wide_models[0], e2e_data_dir, url) as (proc, url, _):
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

            with restart(proc, wide_models[1], e2e_data_dir, url) as (_, url, _):
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
        page, problems = opened(browser, url, r"status of 403|ERR_CONNECTION_REFUSED")
        page.wait_for_selector("#train-token")
        # The field says it opens teaching a voice too (it said start or stop training only).
        assert " ".join(page.text_content("#train-token-hint").split()) == (
            "Starting or stopping training or teaching it a voice on this server needs the "
            "teacher’s token: ask the teacher for the one shown on their screen")
        assert page.text_content("#train-status").startswith("Training or teaching a voice on ")
        upload_recordings(page, spoken_digits, "nicolas", (1, 2))
        page.click("#voice-teach")
        said = "document.querySelector('#voice-mic-status').textContent"
        page.wait_for_function(f"{said}.startsWith('Teaching it a voice')")
        assert page.text_content("#voice-mic-status") == (
            "Teaching it a voice on this server needs the teacher’s token: ask the teacher for "
            "the one shown on their screen, type it in the “Teacher’s token” field below, then "
            "press “Teach it my voice” again.")
        page.fill("#train-token", "not-the-token")
        page.click("#voice-teach")
        page.wait_for_function(f"{said}.includes('the one typed is wrong')")
        assert "header" not in page.text_content("#voice-mic-status")
        assert axe_violations(page, axe_source) == []
        page.context.close()
        assert problems == []
    finally:
        assert ctrl_c(proc, "digitnet serve")[0] == 0


ONLY_THE_TEACHER = ("Starting a run on this server needs the teacher’s token: ask the teacher "
                    "for the one shown on their screen, type it in the “Teacher’s token” field, "
                    "then press Train again.")
TURNED_OFF = "Training from the page is turned off on this server."


def axe_at_both_sizes(page, axe_source):
    """axe-core's findings on the page at 1280x800, then at a phone's 390x844 (left so)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    found = axe_violations(page, axe_source)
    page.set_viewport_size(PHONE)
    return found + axe_violations(page, axe_source)


def focused(page):
    """What has the keyboard's focus: its tag and id, and whether it is in the training form."""
    return page.evaluate("""() => { const e = document.activeElement;
        return [e.tagName, e.id, !!e.closest('#train-form')]; }""")


def trained(page, url):
    """Waits for the run the page follows to end, for the page to show the network it made and
    for panel 6 to have measured it (asked once the run ended: the server is not to be stopped
    before it has answered)."""
    with page.expect_response(lambda r: r.url == f"{url}/api/ablate", timeout=60_000):
        page.wait_for_function("document.querySelector('#train-status').textContent"
                               ".startsWith('Training finished')", timeout=60_000)
    version = httpx.get(f"{url}/api/model").json()["model_version"]
    page.wait_for_function("(v) => state.model.model_version === v", arg=version)
    page.wait_for_selector("#off-accuracy[aria-busy=false]")


def links(page):
    """The model switcher's links, as it shows them; [] where it is hidden."""
    return page.evaluate("""() => { const nav = document.getElementById('models');
        return nav.hidden ? [] : [...nav.querySelectorAll('a')].map((a) => a.textContent); }""")


def test_a_page_asks_for_the_token_once_its_server_is_restarted_for_a_class(
        browser, e2e_model, e2e_data_dir, axe_source):
    """Opened on ``digitnet serve`` (open: anyone on this machine may train), then the server
    restarted with --host 0.0.0.0 for a class: Train, pressed before the page has heard of the
    restart, is refused in the page's words, naming the "Teacher's token" field that is now
    there; the token typed and Enter start a run (202). Restarted on this machine again, the
    field goes, and the keyboard's focus in it goes to a button of the form."""
    with serving(e2e_model, e2e_data_dir) as (proc, url, _):
        page, problems = opened(browser, url, r"status of 403|ERR_CONNECTION_REFUSED")
        assert page.query_selector("#train-token") is None
        page.fill("#epochs", "1")  # (a tiny run: 1 epoch of 3,000 digits)
        with restart(proc, e2e_model, e2e_data_dir, url, ("--host", "0.0.0.0")) as (
                proc, url, token):
            page.click("#train")
            page.wait_for_function("document.querySelector('#train-refusal').textContent !== ''")
            assert page.inner_text("#train-refusal") == ONLY_THE_TEACHER
            assert page.is_visible("#train-token")
            # (the refusal says the token is needed: the status line no longer says it too)
            assert page.inner_text("#train-status") == "No training run yet."
            assert page.inner_text("#note").startswith("The server was restarted")
            assert axe_at_both_sizes(page, axe_source) == []

            page.focus("#train-token")
            page.keyboard.type(token)
            with page.expect_response(lambda r: r.url == f"{url}/api/train"
                                      and r.request.method == "POST") as started:
                page.keyboard.press("Enter")
            assert started.value.status == 202, started.value.text()
            trained(page, url)
            assert page.inner_text("#train-refusal") == ""

            # Back on this machine alone (open): the token field goes, even with the focus in it.
            page.focus("#train-token")
            with restart(proc, e2e_model, e2e_data_dir, url) as (_, url, _):
                with page.expect_response(lambda r: r.url == f"{url}/api/train"
                                          and r.request.method == "POST") as started:
                    page.keyboard.press("Enter")  # (the old token, which an open server ignores)
                assert started.value.status == 202, started.value.text()
                page.wait_for_selector("#train-token", state="detached")
                assert page.query_selector("#train-token-hint") is None
                tag, _, in_form = focused(page)
                assert (tag, in_form) == ("BUTTON", True)
                trained(page, url)
                assert axe_at_both_sizes(page, axe_source) == []
    page.context.close()
    assert problems == []


def test_a_page_follows_its_server_restarted_with_other_models_or_without_training(
        browser, e2e_model, e2e_data_dir, wide_models, axe_source):
    """Two models served, then one with --no-train, then three: the model switcher shows the
    models the server serves now (none, for one), and Train and Stop are turned off, then back
    on (Train, not Stop: no run goes). A page on model 2, gone with the restart, says so and
    links to the model there is."""
    first = "1: model.safetensors, pictures (784–16–16–10)"
    with serving([e2e_model, wide_models[0]], e2e_data_dir) as (proc, url, _):
        page, problems = opened(browser, url, r"ERR_CONNECTION_REFUSED")
        second, gone = opened(browser, f"{url}/?model=2", r"status of 404|ERR_CONNECTION_REFUSED")
        assert links(page) == [first, "2: wide-1.safetensors, pictures (784–40–10)"]
        assert page.inner_text("#train-status") == "No training run yet."
        with restart(proc, e2e_model, e2e_data_dir, url, ("--no-train",)) as (proc, url, _):
            draw(page, STROKES["7"])
            shown_digit(page)
            page.wait_for_selector("#models", state="hidden")
            page.wait_for_selector("#train:disabled")
            assert page.is_disabled("#stop")
            assert page.inner_text("#train-status") == TURNED_OFF
            assert links(page) == []
            assert axe_at_both_sizes(page, axe_source) == []

            # The page on model 2 learns by itself, from its next look at the server's runs,
            # that model 2 is gone (not from a drawing: by then it may have hidden the pad).
            second.wait_for_function("document.querySelector('#model-summary').textContent"
                                     ".startsWith('This server has no model 2')")
            assert second.inner_text("#model-summary") == (
                "This server has no model 2. Open the one it serves:")
            assert links(second) == [first]
            assert second.is_hidden("#pad")  # (no panels of a network there is not)
            assert second.is_visible("main #model-summary")  # (but a main part saying so)
            assert axe_at_both_sizes(second, axe_source) == []

            with restart(proc, [e2e_model, *wide_models], e2e_data_dir, url) as (_, url, _):
                page.click("#clear")
                draw(page, STROKES["1"])
                shown_digit(page)
                page.wait_for_selector("#models:not([hidden])")
                assert links(page) == [first, "2: wide-1.safetensors, pictures (784–40–10)",
                                       "3: wide-2.safetensors, pictures (784–40–10)"]
                assert page.get_attribute("#models a[aria-current=page]", "href") == "/?model=1"
                page.wait_for_selector("#train:enabled")
                assert page.is_disabled("#stop")
                assert page.inner_text("#train-status") == "No training run yet."
                assert axe_at_both_sizes(page, axe_source) == []
    page.context.close()
    second.context.close()
    assert problems == [] and gone == []
