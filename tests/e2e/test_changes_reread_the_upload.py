"""Switching neurons off after an upload, in Debian's Chromium: the page reads the uploaded file
again with the network so changed (as it reads a drawing again), so the answer shown is the
API's for that file with those neurons off, and panel 11, which steps from that answer's input
with the same changes, speaks of it; switched back on, the intact network's answer again. The
same for a recording uploaded to a model of spoken digits. The neurons are found through the
API: the fewest of its top-ranked whose switching off changes the file's answer. And as the page
reads its drawing again when the server restarted with another network of the same sizes (which
only the restart tells apart), it sends the uploaded file again: the answer is the new one's."""

from __future__ import annotations

import io
import json

import pytest
from accessibility import axe_violations
from PIL import Image
from test_browser import shown_digit
from test_page_follows_a_restarted_server import restart, serving
from test_server_forgets_refuses_or_is_gone import opened

import digitnet
from digitnet import PRESETS, inputs, modelfile
from digitnet.preprocess import to_mnist
from digitnet.training import train

NEURON = "#net .neuron[data-layer='{}'][data-index='{}']"


def _predict(page, api: str, file: dict, off: list) -> dict:
    """POST {api}/predict's answer for ``file`` (Playwright's {name, mimeType, buffer}) with
    neurons ``off`` ([[layer, index], ...]) switched off, as the page sends an upload."""
    answer = page.request.post(f"{api}/predict", multipart={
        "file": file, "changes": json.dumps({"off": off, "edits": []})})
    assert answer.ok, answer.text()
    return answer.json()


def _changing(page, api: str, files, most: int = 3):
    """(file, its intact answer, the neurons switched off, the answer then) for the first of
    ``files`` ((file, label) pairs) the intact network reads right and whose answer changes
    with the fewest (up to ``most``) of the neurons the API ranks as most needed switched off."""
    ranking = page.request.post(f"{api}/ranking", data={}).json()["neurons"]
    top = [[n["layer"], n["neuron"]] for n in ranking[:most]]
    for file, label in files:
        intact = _predict(page, api, file, [])
        if intact["digit"] != label:
            continue
        for k in range(1, most + 1):
            changed = _predict(page, api, file, top[:k])
            if changed["digit"] != intact["digit"]:
                return file, intact, top[:k], changed
    pytest.fail(f"no file's answer changes with the {most} most needed neurons switched off")


def _switch(page, neurons: list, off: bool):
    """Click each neuron of ``neurons`` in panel 3 (in the mode where a click switches it)."""
    for layer, index in neurons:
        page.click(NEURON.format(layer, index))
        switched = ".neuron.off" if off else ".neuron:not(.off)"
        page.wait_for_selector(NEURON.format(layer, index).replace(".neuron", switched))


def _shown_is(page, answer: dict):
    """The page shows exactly ``answer`` (once the answer it waits for, if any, came)."""
    page.wait_for_selector(".verdict[aria-busy=false]")
    shown = page.evaluate("state.prediction")
    assert page.get_attribute("#prediction", "data-digit") == str(answer["digit"])
    assert shown["digit"] == answer["digit"]
    assert shown["probabilities"] == answer["probabilities"]
    assert shown["layers"] == answer["layers"]


def _read(net, png: bytes) -> int:
    """The digit ``net`` reads in image file ``png``, as the server reads a file."""
    return int(net.forward(inputs.of(net).rows(to_mnist(png).reshape(1, -1))).argmax())


def _png(digit) -> bytes:
    data = io.BytesIO()
    Image.fromarray(digit).save(data, format="PNG")
    return data.getvalue()


def test_switching_neurons_off_reads_the_uploaded_digit_again(open_page, server_url, mnist,
                                                              axe_source):
    page = open_page()
    digits = (({"name": f"digit{i}.png", "mimeType": "image/png", "buffer": _png(mnist.x[i])},
                int(mnist.labels[i])) for i in range(20000, 20200))  # (held out: never learned)
    file, intact, off, changed = _changing(page, server_url + "/api", digits)
    page.set_input_files("#upload", files=[file])
    assert shown_digit(page) == str(intact["digit"])
    _shown_is(page, intact)

    page.click("text=switches it off (or back on)")
    _switch(page, off, True)
    assert page.evaluate("state.changes.off") == off
    _shown_is(page, changed)
    assert page.inner_text("#bp-result") == (
        f"It reads {changed['class']} in the picture you uploaded: choose the digit it really "
        "is, then backpropagate.")
    assert axe_violations(page, axe_source) == []

    _switch(page, off, False)  # back on: the intact network's answer again
    assert page.evaluate("state.changes.off") == []
    _shown_is(page, intact)


def test_switching_neurons_off_reads_the_uploaded_recording_again(open_page, two_models_url,
                                                                  spoken_digits):
    page = open_page(url=two_models_url)
    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    recordings = (({"name": f"{d}_jackson_{i}.wav", "mimeType": "audio/wav",
                    "buffer": (spoken_digits / f"{d}_jackson_{i}.wav").read_bytes()}, d)
                  for i in range(5) for d in range(10))  # (his test recordings: never learned)
    file, intact, off, changed = _changing(page, two_models_url + "/models/2/api", recordings)
    page.set_input_files("#upload-sound", files=[file])
    assert shown_digit(page) == str(intact["digit"])
    _shown_is(page, intact)

    page.click("text=switches it off (or back on)")
    _switch(page, off, True)
    _shown_is(page, changed)
    said = page.inner_text("#bp-result")
    assert said.startswith(f"It hears {changed['class']} in your recording")


@pytest.fixture(scope="module")
def other_model(mnist, tmp_path_factory):
    """Another 784-16-16-10 network, the sizes of ``e2e_model`` with other weights: the default
    recipe, one epoch on 6,000 real digits, seed 1."""
    config = PRESETS["default"].replace(epochs=1, seed=1)
    result = train(mnist.subset(slice(0, 6000), "train"), config, handle_signals=False)
    path = tmp_path_factory.mktemp("other-model") / "other.safetensors"
    modelfile.save(result.network, path)
    return path


def test_a_server_restarted_with_another_network_reads_the_upload_again(
        browser, e2e_model, other_model, e2e_data_dir, mnist):
    first, then = digitnet.load(e2e_model), digitnet.load(other_model)
    assert first.sizes == then.sizes
    pngs = ((i, _png(mnist.x[i])) for i in range(20000, 20300))
    index, png = next((i, png) for i, png in pngs if _read(first, png) != _read(then, png))
    file = {"name": f"digit{index}.png", "mimeType": "image/png", "buffer": png}
    with serving(e2e_model, e2e_data_dir) as (proc, url, _):
        page, problems = opened(browser, url, r"ERR_CONNECTION_REFUSED")  # (a restart)
        page.set_input_files("#upload", files=[file])
        assert shown_digit(page) == str(_read(first, png))
        with restart(proc, other_model, e2e_data_dir, url):
            uploads = []
            page.on("request", lambda r: r.url.endswith("/api/predict") and uploads.append(r))
            page.click("text=Draw the map")  # (a request: the page hears of the restart)
            page.wait_for_function("document.getElementById('note').textContent"
                                   ".startsWith('The server was restarted')")
            answer = _predict(page, url + "/api", file, [])
            assert answer["digit"] == _read(then, png)
            _shown_is(page, answer)
            assert len(uploads) == 1 and "multipart/form-data" in uploads[0].headers["content-type"]
        page.context.close()
    assert problems == []
