"""An uploaded photo in Debian's Chromium: the answer shown is the server's reading of the file,
and panel 11's backpropagation step starts from exactly that input, not from the pad's copy of
the picture (drawn letterboxed, shrunk to the 56x56 grid), which can read as another digit: the
step's cost before is the library's for the file, and the digit it says it read is the answer
shown. Panels 4 and 7 call the input the picture uploaded, and a drawing again a drawing."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from accessibility import axe_violations
from page_uploads import on_the_page, photographed
from test_browser import STROKES, draw, shown_digit
from test_page_follows_a_restarted_server import serving
from test_server_forgets_refuses_or_is_gone import forget_the_pages_input, opened

import digitnet
from digitnet import inputs, poke
from digitnet.preprocess import to_mnist

NEURON = "#net .neuron[data-layer='1'][data-index='3']"


def _png(photo) -> bytes:
    data = io.BytesIO()
    photo.save(data, format="PNG")
    return data.getvalue()


def _read(net, picture) -> np.ndarray:
    """``picture`` (a file's bytes, or a grid) as ``net``'s input row, as digitnet reads it."""
    return inputs.of(net).rows(to_mnist(picture).reshape(1, -1))[0]


def _pad_reads_otherwise(net, mnist) -> list[tuple[int, bytes]]:
    """Real held-out digits as small photos (index, PNG bytes) whose copy on the pad, as
    page_uploads.on_the_page makes it, the network reads as another digit than the file."""
    found = []
    for index in range(20000, 20300):
        photo = photographed(mnist.x[index], np.random.default_rng(index), wide=index % 2 == 0)
        png = _png(photo)
        file, pad = (net.forward(_read(net, p)[None]).argmax() for p in (png, on_the_page(photo)))
        if file != pad:
            found.append((index, png))
    return found


def _upload(page, index: int, png: bytes) -> str:
    page.set_input_files("#upload", files=[{"name": f"photo{index}.png", "mimeType": "image/png",
                                            "buffer": png}])
    return shown_digit(page)


def test_the_step_starts_from_the_file_the_answer_read(open_page, server_url, e2e_model, mnist,
                                                       axe_source):
    net = digitnet.load(e2e_model)
    candidates = _pad_reads_otherwise(net, mnist)
    assert len(candidates) >= 3  # (about 5 in 100 of these photos)
    for index, png in candidates:  # the first whose pad, in this browser, reads otherwise too
        page = open_page()  # (a new page: its first answer is this photo's)
        read = _upload(page, index, png)
        pad = page.request.post(server_url + "/api/predict",
                                data={"pixels": page.evaluate("state.grid")}).json()
        if str(pad["digit"]) != read:
            break
    else:
        pytest.fail("no photo's copy on the pad reads as another digit than its file here")
    assert page.inner_text("#bp-result") == (f"It reads {read} in the picture you uploaded: "
                                             "choose the digit it really is, then backpropagate.")
    page.click("text=Backpropagate and take one step")
    page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")
    said = re.search(r"; it read (\d), now reads", page.inner_text("#bp-result"))
    assert said and said.group(1) == read  # the answer shown, not the pad's
    step = poke.backprop_step(net, _read(net, png), int(read), lr=0.01)
    cost = float(page.get_attribute("#bp-result", "data-cost"))
    assert cost == pytest.approx(step.cost, rel=1e-6)
    from_pad = page.request.post(server_url + "/api/backprop", data={
        "pixels": page.evaluate("state.grid"), "label": int(read), "lr": 0.01}).json()
    assert from_pad["digit"] != step.digit  # (what the step took before: another answer)
    assert from_pad["cost"] != pytest.approx(step.cost, rel=1e-3)

    # Panel 4's invitation and panel 7's numbers name the picture, then the drawing.
    assert page.inner_text("#neuron-invite").endswith(
        "the sum it works out for the picture you uploaded:")
    page.click(NEURON)
    page.wait_for_function("document.querySelector('#edit-now').textContent"
                           ".startsWith('For the picture you uploaded: z = ')")
    assert axe_violations(page, axe_source) == []
    page.click("#clear")
    draw(page, STROKES["1"])
    shown_digit(page)
    page.wait_for_function("document.querySelector('#edit-now').textContent"
                           ".startsWith('For your drawing: z = ')")
    page.keyboard.press("Escape")  # (closes the neuron: the invitation again)
    page.wait_for_function("document.querySelector('#neuron-invite').textContent"
                           ".endsWith('the sum it works out for your drawing:')")


def test_a_step_after_the_server_forgot_the_file_sends_it_again(browser, e2e_model,
                                                                e2e_data_dir, mnist):
    """The server has forgotten the photo's input (others' inputs took its place): the page,
    which still shows the photo's answer, uploads the photo again for the step, and steps from
    it (the browser logs the 404 of the input forgotten)."""
    net = digitnet.load(e2e_model)
    index, png = _pad_reads_otherwise(net, mnist)[0]
    with serving(e2e_model, e2e_data_dir) as (proc, url, _):
        page, problems = opened(browser, url, r"status of 404 \(Not Found\)")
        read = _upload(page, index, png)
        forget_the_pages_input(page, url, mnist)
        assert page.get_attribute("#prediction", "data-digit") == read
        uploads = []
        page.on("request", lambda r: r.url.endswith("/api/predict") and uploads.append(r))
        page.click("text=Backpropagate and take one step")
        page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")
        step = poke.backprop_step(net, _read(net, png), int(read), lr=0.01)
        cost = float(page.get_attribute("#bp-result", "data-cost"))
        assert cost == pytest.approx(step.cost, rel=1e-6)
        assert len(uploads) == 1 and "multipart/form-data" in uploads[0].headers["content-type"]
        page.context.close()
    assert problems == []
