"""Panel 11 (one backpropagation step) for a model of one's own classes, in Debian's Chromium:
a network trained on real MNIST 0s, 1s and 7s in class folders named "07", "1" and "7" (so the
class "7" is output neuron 2) offers the classes by name, says what it read and what the step
did by name, and speaks of the picture uploaded as one, not as a drawing; axe-core finds no
violation. A digit model's panel reads as it did (tests/e2e/test_poking_panels.py)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from accessibility import axe_violations
from ctrl_c import ctrl_c
from PIL import Image
from real_data import write_digit_folder
from serve_process import no_bug, start
from test_browser import STROKES, draw, shown_digit

import digitnet
from digitnet import modelfile

NAMES = {0: "07", 1: "1", 7: "7"}  # (folders sorted: "07", "1", "7"; the 7s are output 2)
CLASSES = ["07", "1", "7"]


@pytest.fixture(scope="module")
def numbered_url(mnist, tmp_path_factory):
    """``digitnet serve`` of a model trained for 5 epochs on 1,500 real 0s, 1s and 7s in class
    folders named by NAMES; it pokes the network with the model's own held-out digits."""
    root = tmp_path_factory.mktemp("numbered-page")
    index = np.flatnonzero(np.isin(mnist.labels[:8000], list(NAMES)))[:1500]
    write_digit_folder(root / "digits", mnist.x[index], mnist.labels[index], photo_every=0,
                       names=NAMES)
    net = digitnet.train(str(root / "digits"), epochs=5, handle_signals=False).network
    model = root / "numbered.safetensors"
    modelfile.save(net, model)
    proc, _, url = start([model, "--port", "0"])
    yield url
    code, _, log = ctrl_c(proc, "digitnet serve")
    assert code == 0 and no_bug(log), log


def _picture(image: np.ndarray, fmt: str) -> bytes:
    """A real digit as a scan would have it: dark ink on white paper, enlarged four times."""
    data = io.BytesIO()
    Image.fromarray(255 - np.kron(image, np.ones((4, 4), np.uint8))).save(data, format=fmt)
    return data.getvalue()


def _upload(page, name: str, data: bytes, mime: str):
    page.set_input_files("#upload", files=[{"name": name, "mimeType": mime, "buffer": data}])


def _real_seven(mnist) -> np.ndarray:
    return mnist.x[20000 + int(np.flatnonzero(mnist.labels[20000:] == 7)[0])]


def _options(page) -> list[tuple[str, str]]:
    """The panel's choices: each option's value (a class's number) and text (its name)."""
    options = page.locator("#bp-label option").all()
    return [(o.get_attribute("value"), o.inner_text()) for o in options]


def _chosen(page) -> str:
    """The text of the class chosen in the panel's list."""
    return page.eval_on_selector("#bp-label", "s => s.options[s.selectedIndex].text")


def _step(page):
    page.click("text=Backpropagate and take one step")
    page.wait_for_function("document.querySelector('#bp-result').dataset.costAfter")


def test_the_step_offers_and_says_the_classes_by_name(open_page, numbered_url, axe_source):
    page = open_page(url=numbered_url)
    assert page.evaluate("state.model.classes") == CLASSES
    assert _options(page) == [("0", "07"), ("1", "1"), ("2", "7")]
    assert page.inner_text("#bp-label-text") == "It is"
    assert page.inner_text("#bp-which") == "Say which class your drawing is."
    draw(page, STROKES["7"])
    read = int(shown_digit(page))  # (the answer's index; the verdict shows its class's name)
    name = CLASSES[read]
    assert page.inner_text("#prediction") == name
    assert _chosen(page) == name
    assert page.inner_text("#bp-result") == (
        f"It reads {name} in your drawing: choose the class it really is, then backpropagate.")
    page.select_option("#bp-label", label="7")
    _step(page)
    r = page.request.post(numbered_url + "/api/backprop",
                          data={"pixels": page.evaluate("state.grid"), "label": 2,
                                "lr": 0.01}).json()
    assert float(page.get_attribute("#bp-result", "data-cost")) == r["cost"]
    said = re.search(r"; it read (.+), now reads (.+) \(([\d.]+)% sure it is (.+)\)\.$",
                     page.inner_text("#bp-result"))
    assert said and said.group(1, 2, 4) == (CLASSES[r["digit"]], CLASSES[r["digit_after"]], "7")
    assert float(said.group(3)) == pytest.approx(100 * r["probabilities_after"][2], abs=0.05)
    assert page.locator("#bp-wanted .tick.x").all_text_contents() == CLASSES
    wanted = page.get_attribute("#bp-wanted", "aria-label")
    assert re.fullmatch(r"How much each output's z wants to move: 07: \S+, 1: \S+, 7: \S+", wanted)
    assert axe_violations(page, axe_source) == []


def test_a_picture_uploaded_is_called_one(open_page, numbered_url, mnist, axe_source):
    page = open_page(url=numbered_url)
    _upload(page, "seven.png", _picture(_real_seven(mnist), "PNG"), "image/png")
    assert CLASSES[int(shown_digit(page))] == "7" and _chosen(page) == "7"
    assert page.inner_text("#bp-which") == "Say which class the picture you uploaded is."
    assert page.inner_text("#bp-result") == ("It reads 7 in the picture you uploaded: choose the "
                                             "class it really is, then backpropagate.")
    _step(page)
    assert re.search(r"; it read 7, now reads 7 \(\d+\.\d% sure it is 7\)\.$",
                     page.inner_text("#bp-result"))
    assert axe_violations(page, axe_source) == []
    draw(page, STROKES["1"])  # a drawing again: called a drawing again
    shown_digit(page)
    page.wait_for_function("document.querySelector('#bp-which').textContent"
                           " === 'Say which class your drawing is.'")


def test_a_picture_the_browser_cannot_show_takes_a_step_from_the_file(open_page,
                                                                      numbered_url, mnist):
    """Chromium shows no TIFF: the pad stays blank, but the server read the file, and the step
    starts from what it read (not "Draw a digit first")."""
    page = open_page(url=numbered_url)
    _upload(page, "seven.tif", _picture(_real_seven(mnist), "TIFF"), "image/tiff")
    assert CLASSES[int(shown_digit(page))] == "7"
    assert page.evaluate("state.grid") is None  # (nothing on the pad)
    _step(page)
    assert re.search(r"; it read 7, now reads 7 \(\d+\.\d% sure it is 7\)\.$",
                     page.inner_text("#bp-result"))


def test_a_step_on_no_digit_names_the_picture_sent(open_page, numbered_url):
    """The server cannot tell a drawing from a picture the page shows: it says "the picture
    sent", true of both."""
    page = open_page(url=numbered_url)
    answer = page.request.post(numbered_url + "/api/backprop",
                               data={"pixels": [[0.0] * 28] * 28, "label": 2, "lr": 0.01})
    assert answer.status == 422
    assert answer.json()["error"].startswith("the picture sent: no digit found: the image is blank")
