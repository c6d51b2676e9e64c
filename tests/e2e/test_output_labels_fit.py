"""Panel 3's outputs, in Debian's Chromium: for a real held-out MNIST digit the network reads
with more than 99.9% (uploaded, so the page draws it into the pad), every output's label and
its probability (the winner's ">99.9%", in bold, the widest the page writes) lie wholly inside
the diagram and the panel, right of their bar, on a phone (390x844), a small phone (320x640)
and a desktop (1280x800); the columns' titles stay apart; nothing in the panel runs past its
edge; axe-core finds no violation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from accessibility import axe_violations
from PIL import Image
from test_browser import DESKTOP, PHONE, shown_digit

import digitnet
from digitnet import inputs
from digitnet.preprocess import to_mnist

SMALL_PHONE = {"width": 320, "height": 640}

# Each output's boxes on the screen, and the diagram's and the panel's (its padding inside).
BOXES = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const net = document.querySelector('#net'), card = net.closest('.card');
  const pad = getComputedStyle(card), inner = box(card);
  inner.left += parseFloat(pad.paddingLeft); inner.right -= parseFloat(pad.paddingRight);
  const all = (s) => [...net.querySelectorAll(s)];
  const bars = all('.bar-bg'), pcts = all('.pct');
  return {net: box(net), card: inner, overflow: [card.scrollWidth, card.clientWidth],
          page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
          titles: all('.layer-title').map(box),
          labels: all('.out-label').map((e) => ({text: e.textContent, ...box(e)})),
          pcts: pcts.map((e, j) => ({text: e.textContent, winner: e.classList.contains('winner'),
                                     bar: box(bars[j]).right, ...box(e)}))};
}"""


def _scan(image: np.ndarray) -> bytes:
    """A real digit as a scan would have it: dark ink on white paper, enlarged four times, PNG."""
    data = io.BytesIO()
    Image.fromarray(255 - np.kron(image, np.ones((4, 4), np.uint8))).save(data, format="PNG")
    return data.getvalue()


@pytest.fixture(scope="module")
def sure_digit(e2e_model, mnist) -> tuple[bytes, int]:
    """(PNG, digit) of the first held-out digit the network reads right with more than 99.9%
    (shown as ">99.9%"), as the server reads the file."""
    net = digitnet.load(e2e_model)
    for index in range(20000, 20500):
        png = _scan(mnist.x[index])
        p = net.probabilities(inputs.of(net).rows(to_mnist(png).reshape(1, -1)))[0]
        if p.argmax() == mnist.labels[index] and p.max() >= 0.9996:
            return png, int(mnist.labels[index])
    pytest.fail("no held-out digit of 500 is read right with more than 99.96%")


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["left"] >= outer["left"] - 0.5 and inner["right"] <= outer["right"] + 0.5
            and inner["top"] >= outer["top"] - 0.5 and inner["bottom"] <= outer["bottom"] + 0.5)


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE, DESKTOP],
                         ids=["390x844", "320x640", "1280x800"])
def test_every_output_label_fits_in_panel_3(open_page, sure_digit, axe_source, artifacts,
                                            viewport):
    png, digit = sure_digit
    page = open_page(viewport)
    page.set_input_files("#upload", files=[{"name": "digit.png", "mimeType": "image/png",
                                            "buffer": png}])
    assert shown_digit(page) == str(digit)
    page.locator("#net").scroll_into_view_if_needed()
    shown = page.evaluate(BOXES)
    name = f"{viewport['width']}x{viewport['height']}"
    page.locator("#net").screenshot(path=artifacts / f"output-labels-{name}.png")

    winners = [p for p in shown["pcts"] if p["winner"]]
    assert [p["text"] for p in winners] == [">99.9%"], shown["pcts"]
    assert [label["text"] for label in shown["labels"]] == [str(j) for j in range(10)]
    for text in shown["labels"] + shown["pcts"]:
        assert _inside(text, shown["net"]), (text, shown["net"])
        assert _inside(text, shown["card"]), (text, shown["card"])
    for p in shown["pcts"]:
        assert p["left"] >= p["bar"], p  # right of its bar, not over it
    titles = shown["titles"]  # (the columns' titles stay apart, as the outputs take room)
    assert all(a["right"] + 2 <= b["left"] for a, b in zip(titles, titles[1:])), titles
    assert shown["overflow"][0] <= shown["overflow"][1], shown["overflow"]
    assert shown["page"][0] <= shown["page"][1], shown["page"]
    assert axe_violations(page, axe_source) == []


def test_a_wider_font_is_squeezed_into_the_room(open_page, sure_digit):
    """A font that draws the probabilities wider than the page's room for them (here: larger)
    has them squeezed into it, not run past the diagram's edge."""
    png, digit = sure_digit
    page = open_page(PHONE)
    page.add_style_tag(content=".digitnet .net .pct { font-size: 22px; }")
    page.set_input_files("#upload", files=[{"name": "digit.png", "mimeType": "image/png",
                                            "buffer": png}])
    assert shown_digit(page) == str(digit)
    shown = page.evaluate(BOXES)
    assert [p["text"] for p in shown["pcts"] if p["winner"]] == [">99.9%"]
    for p in shown["pcts"]:
        assert _inside(p, shown["net"]) and p["left"] >= p["bar"], (p, shown["net"])
