"""The page with a model of a table, in Debian's Chromium: a network trained (for a few epochs)
on scikit-learn's real wine table, written as CSV, served by ``digitnet serve``. The page loads
without an error, draws the network's 13 inputs as a column of input neurons named by their
columns, says of the data what the model was trained on (wine.csv, never MNIST's digits), says
what to do instead of drawing, and axe-core finds no violation on a desktop or a phone screen."""

from __future__ import annotations

import pytest
from accessibility import axe_violations
from ctrl_c import ctrl_c
from real_data import sklearn_table, wine_csv
from serve_process import start
from test_browser import DESKTOP, PHONE

import digitnet
from digitnet import modelfile

WINE = sklearn_table("wine")


@pytest.fixture(scope="module")
def wine_url(tmp_path_factory):
    """``digitnet serve WINE_MODEL``: 13-16-16-3 trained for 30 epochs on the real wine table;
    its held-out rows and training runs come from the table its file records."""
    root = tmp_path_factory.mktemp("wine-page")
    table = wine_csv(root / "wine.csv")
    net = digitnet.train(str(table), epochs=30, handle_signals=False).network
    model = root / "wine.safetensors"
    modelfile.save(net, model)
    proc, _, url = start([model, "--port", "0"])
    yield url
    assert ctrl_c(proc, "digitnet serve")[0] == 0


def visible_text(page) -> str:
    return page.evaluate("document.body.innerText")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_a_table_model_draws_its_columns_and_names_its_data(open_page, wine_url, axe_source,
                                                            viewport):
    page = open_page(viewport, url=wine_url, has_touch=viewport is PHONE)
    assert page.get_attribute("body", "data-input") == "table"
    # the network: 13 input neurons (one per column, not pixels), 16, 16 and 3 neurons
    assert page.locator("#net .input-neuron").count() == len(WINE.feature_names) == 13
    assert page.locator("#net image").count() == 0
    assert [page.locator(f"#net .neuron[data-layer='{l}']").count() for l in (1, 2, 3)] == [16, 16, 3]
    assert page.locator("#net line").count() > 0  # its strongest connections, inputs' too
    labels = page.locator("#net .in-label").all_text_contents()  # (shortened to fit: "alco…")
    assert len(labels) == 13 and all(label.rstrip("…") for label in labels)
    assert all(name.startswith(label.rstrip("…")) for label, name in zip(labels, WINE.feature_names))
    if viewport is DESKTOP:
        assert labels[0] == "alcohol" and labels[-1] == "proline"
    assert page.locator("#net .layer-title").first.text_content() == (
        "input (13)" if viewport is DESKTOP else "input")  # (a phone's titles give no counts)
    assert "13 input neurons, one per column of wine.csv" in page.get_attribute("#net", "aria-label")
    # what it was trained on, named wherever the page names data; and nothing to draw
    text = visible_text(page)
    assert "MNIST" not in text and "draw a digit" not in text.lower()
    assert page.inner_text("#draw-title") == "1. What it reads"
    note = page.inner_text("#table-note")
    assert "rows of a table, wine.csv" in note and "13 numbers (alcohol, malic_acid" in note
    assert "digitnet predict " in note and "wine.safetensors wine.csv" in note
    assert not page.is_visible("#pad") and not page.is_visible("#sees-title")
    assert page.text_content("a.skip") == "Skip to what the network reads"
    assert "server’s table (this one learned from wine.csv)" in page.inner_text(
        "#train-title + .hint")
    assert page.inner_text("#trained-on") == "trained on the table wine.csv"
    assert not page.is_visible("#filters")  # (a table's weights are no pictures)
    assert "held-out rows" in page.inner_text(".poke-off .hint")
    page.wait_for_function("/of \\d+ rows it never trained on/"
                           ".test(document.querySelector('#off-accuracy').textContent)")
    assert page.is_visible("#sturdy-sound") and "rows of a table" in page.inner_text(
        "#sturdy-sound")
    assert page.is_visible("#bp-table") and not page.is_visible("#bp-form")
    assert axe_violations(page, axe_source) == []
    # a hidden neuron opened: its 13 weights, one per column; no row to work its sum out for
    page.click("#net .neuron[data-layer='1'][data-index='3']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    assert page.inner_text("#neuron-z") == "no row given"
    assert "13 weights, one per column before it" in page.inner_text("#neuron-formula")
    assert "draw" not in page.inner_text("#neuron-panel").lower()
    assert axe_violations(page, axe_source) == []
    # an output neuron is named by its class
    page.click("#net .neuron[data-layer='3'][data-index='2']")
    page.wait_for_function("document.querySelector('#neuron-name').textContent"
                           " === 'Output neuron 2 (class_2)'")
    assert "MNIST" not in visible_text(page)
