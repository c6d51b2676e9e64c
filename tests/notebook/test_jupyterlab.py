"""The widget in a real JupyterLab (a server on 127.0.0.1 with a token) in Debian's Chromium:
run the cell that shows it, draw a digit with the mouse, see the widget read it and the next
cell read the same digit from ``w.digit``; the keyboard; axe-core; an imported network and an
edited one shown in it. Nothing is fetched from outside the machine. Screenshots land in
test-artifacts/notebook/."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from accessibility import axe_violations
from lab_server import REPO, jupyterlab, write_notebook

# A 7 as a person draws it: a bar, then the diagonal, in one stroke (pad coordinates, 0..1).
SEVEN = [(0.27, 0.23), (0.38, 0.22), (0.5, 0.215), (0.62, 0.215), (0.73, 0.22),
         (0.68, 0.32), (0.62, 0.44), (0.56, 0.57), (0.51, 0.7), (0.47, 0.82)]
# A 0: an oval from the top, counter-clockwise, closing a little past where it began.
ZERO = [(0.5 + 0.21 * math.sin(-t * 2 * math.pi / 20 + 0.2),
         0.5 - 0.31 * math.cos(-t * 2 * math.pi / 20 + 0.2)) for t in range(22)]
KERAS = REPO / "tests" / "data" / "tf2onnx" / "keras.onnx"  # an MLP trained by Keras, via tf2onnx

CELLS = [
    "import digitnet\nw = digitnet.widget({model!r})\nw",
    'print(f"w.digit = {w.digit}")',
    'print(f"after Delete: w.digit = {w.digit}, w.image = {w.image}")',
    'print(f"uploaded: w.digit = {w.digit}")',
    # an imported network, and an edited one: hidden neuron 0 of layer 1 silenced
    f"imported = digitnet.widget({str(KERAS)!r})\nimported",
    "read = int(imported.network.predict(imported.image))\n"
    'print(f"imported.digit = {imported.digit}, predict = {read}")',
    "edited = imported.network.copy()\nedited.weights[1][:, 0] = 0\nimported.network = edited\n"
    'print(f"edited.digit = {imported.digit}, predict = {int(edited.predict(imported.image))}")',
]


def open_notebook(context, url: str, token: str, name: str, off: list, errors: list):
    """A page of JupyterLab open at notebook ``name``, once its kernel is connected and idle.
    Requests to anywhere but the Jupyter server go to ``off``; the page's script errors to
    ``errors``."""
    page = context.new_page()
    page.on("request", lambda r: r.url.startswith((url, url.replace("http", "ws"), "data:",
                                                   "blob:" + url)) or off.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/lab/tree/{name}?token={token}")
    page.wait_for_function("""() => {
        const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const kernel = panel && panel.sessionContext && panel.sessionContext.session
                       && panel.sessionContext.session.kernel;
        return kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
    }""", timeout=60_000)
    return page


def run_cell(page, n: int):
    """Run cell ``n`` (from 0) of the open notebook with Shift+Enter, as a person would; wait
    for its output."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(n)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    cell.locator(".jp-OutputArea-output").first.wait_for(timeout=60_000)
    return cell


def draw(page, pad, stroke, steps=4):
    """Drag the mouse along ``stroke`` over a widget's drawing pad."""
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    page.mouse.move(*at(*stroke[0]))
    page.mouse.down()
    for point in stroke[1:]:
        page.mouse.move(*at(*point), steps=steps)
    page.mouse.up()


def shown_digit(widget) -> str:
    """The digit a widget shows once the answer for its drawing has arrived."""
    widget.locator(".verdict[aria-busy=false]").wait_for()
    widget.locator(".prediction:not([data-digit=''])").wait_for()
    return widget.locator(".prediction").get_attribute("data-digit")


def printed(cell) -> str:
    return cell.locator(".jp-OutputArea-output").inner_text().strip()


@pytest.mark.slow
def test_the_widget_in_jupyterlab(browser, drawing_model, mnist, tmp_path, artifacts,
                                  axe_source):
    root = tmp_path / "lab"
    root.mkdir()
    cells = [c.replace("{model!r}", repr(str(drawing_model))) for c in CELLS]
    write_notebook(root / "widget.ipynb", cells)
    off, errors = [], []
    with jupyterlab(root, tmp_path / "jupyter.log") as (url, token):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = open_notebook(context, url, token, "widget.ipynb", off, errors)

        # The widget, a 7 drawn with the mouse, and the next cell reading it.
        widget = run_cell(page, 0).locator(".digitnet-widget")
        widget.locator(".net .neuron").first.wait_for()
        assert widget.locator(".prediction").inner_text() == "?"
        assert axe_violations(page, axe_source, within=".digitnet-widget") == []
        draw(page, widget.locator(".pad"), SEVEN)
        assert shown_digit(widget) == "7"
        assert "% sure" in widget.locator(".confidence").inner_text()
        assert widget.locator(".net .out-label.winner").text_content() == "7"
        assert widget.locator(".net line").count() > 100  # the diagram lit up
        assert printed(run_cell(page, 1)) == "w.digit = 7"

        # The keyboard: a neuron opened with the arrow keys and Enter (not the notebook's own
        # shortcuts), Escape closes it, Delete on the pad clears the drawing, in Python too.
        page.focus(".digitnet-widget .neuron[data-layer='1'][tabindex='0']")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        widget.locator("h3", has_text="Hidden layer 1, neuron 1").wait_for()
        widget.locator("[id$='neuron-z']:not(:text('draw a digit'))").wait_for()
        assert page.evaluate("jupyterapp.shell.currentWidget.content.mode") == "command"
        assert page.evaluate("document.activeElement.closest('.digitnet-widget') !== null")
        assert axe_violations(page, axe_source, within=".digitnet-widget") == []
        page.screenshot(path=artifacts / "jupyterlab-widget.png")
        page.keyboard.press("Escape")
        assert widget.locator("[id$='neuron-detail']").is_hidden()
        page.focus(".digitnet-widget .pad")
        page.keyboard.press("Delete")
        widget.locator(".prediction[data-digit='']").wait_for()
        assert printed(run_cell(page, 2)) == "after Delete: w.digit = None, w.image = None"
        # "Upload an image…", the way in without a pointer: a real digit, dark ink on paper
        image, label = mnist.x[20001], int(mnist.labels[20001])
        paper = io.BytesIO()
        Image.fromarray(255 - np.kron(image, np.ones((4, 4), np.uint8))).save(paper, format="PNG")
        widget.locator("input[type=file]").set_input_files(files=[{
            "name": "digit.png", "mimeType": "image/png", "buffer": paper.getvalue()}])
        assert shown_digit(widget) == str(label)
        assert printed(run_cell(page, 3)) == f"uploaded: w.digit = {label}"

        # An imported network (Keras, through tf2onnx), then edited: the widget shows each, and
        # what it shows is what the network itself reads in the widget's image.
        imported = run_cell(page, 4).locator(".digitnet-widget")
        imported.locator(".net .neuron").first.wait_for()
        assert "tanh hidden layers" in imported.locator(".widget-summary").inner_text()
        draw(page, imported.locator(".pad"), ZERO)
        digit = shown_digit(imported)
        assert printed(run_cell(page, 5)) == f"imported.digit = {digit}, predict = {digit}"
        out = printed(run_cell(page, 6))
        edited_digit = out.split(",")[0].split("= ")[1]
        assert out == f"edited.digit = {edited_digit}, predict = {edited_digit}"
        imported.locator(f".prediction[data-digit='{edited_digit}']").wait_for()
        imported.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "jupyterlab-imported.png")
        context.close()
    assert off == [], f"requests off the machine: {off}"
    assert errors == []
