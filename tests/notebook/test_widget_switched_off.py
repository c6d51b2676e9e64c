"""The widget of a network with a neuron switched off (digitnet.poke.Changes.apply) shows it as the
page shows one: drawn switched off in the diagram (the page's network.js, its ", switched off"
name) and, opened in panel 4, sending a = 0 whatever its z (the panel wrote "= σ(−3.496) =
0.000", σ(−3.496) being 0.029); its heading says it was edited, in the words of the network's
own summary table, where it said only "validation accuracy 90.3%".

The widget's real code (digitnet.notebook.bundle.esm(), imported from a blob: URL as anywidget
imports it) runs in Debian's Chromium on a plain page, talking to the real Python half
(digitnet.widget) through a stand-in for anywidget's model: its messages go to the widget's
own handler, and its answers come back as anywidget delivers them."""

from __future__ import annotations

import re

import numpy as np
import pytest

import digitnet
from digitnet import inputs, poke
from digitnet.notebook import bundle

ORIGIN = "http://widget.test/"
HELD_OUT = 20005  # a real digit the model was not trained on

# anywidget's part, as the widget uses it: the module imported from a blob: URL (a new module
# for each widget, as anywidget's loadEsm does), a model whose get/on/off/send the widget calls,
# render({model, el}) into an element of its own.
MOUNT = """async ([n, state, esm]) => {
  const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
  const module = await import(url);
  URL.revokeObjectURL(url);
  const heard = {};
  const hear = (msg) => (heard["msg:custom"] || []).forEach((f) => f(msg));
  const model = {
    get: (key) => state[key],
    on: (event, f) => { (heard[event] ||= []).push(f); },
    off: (event, f) => { heard[event] = (heard[event] || []).filter((g) => g !== f); },
    send: async (msg) => { for (const answer of await window.pythonAnswers(n, msg)) hear(answer); },
  };
  const el = document.createElement("div");
  el.dataset.widget = String(n);
  document.body.append(el);
  module.default.render({model, el});
}"""


def show_widgets(browser, *widgets):
    """A page showing each of ``widgets`` (digitnet.widget's), in order, each asking its own
    Python half; the page and the script errors seen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(ORIGIN + "**", lambda route: route.fulfill(
        content_type="text/html",
        body=f"<!doctype html><html lang=en><title>widgets</title><style>{bundle.css()}</style>"))
    page.goto(ORIGIN)
    outboxes = []
    for w in widgets:
        outboxes.append([])
        w.send = lambda content, buffers=None, box=outboxes[-1]: box.append(content)

    def answers(n, message):
        widgets[n]._on_message(widgets[n], message, [])
        sent, outboxes[n][:] = list(outboxes[n]), []
        return sent

    page.expose_function("pythonAnswers", answers)
    esm = bundle.esm()
    for n, w in enumerate(widgets):
        page.evaluate(MOUNT, [n, {"_model": w._model}, esm])
        page.locator(f"[data-widget='{n}'] .net .neuron").first.wait_for()
    return page, errors


def open_neuron(root, layer: int, index: int):
    """Open neuron ``index`` of ``layer`` with panel 4's form, as a person may."""
    root.locator("[id$='-pick-layer']").select_option(str(layer))
    root.locator("[id$='-pick-index']").fill(str(index))
    root.locator("[id$='-pick'] button[type=submit]").click()
    root.locator("[id$='-neuron-name']", has_text=f"neuron {index}").wait_for()


@pytest.fixture(scope="module")
def trained(small_model):
    return digitnet.load(small_model)


def test_a_neuron_switched_off_is_shown_switched_off(browser, trained, mnist):
    image = mnist.x[HELD_OUT]
    z = trained.trace(inputs.of(trained).rows(image)).zs[0][0]  # layer 1's z for it
    neuron = int(np.argmax(z))  # the neuron of layer 1 firing most: σ(z) is far from 0
    assert z[neuron] > 0.5
    off = poke.Changes(off=((1, neuron),)).apply(trained)
    w = digitnet.widget(off)
    w.image = image
    page, errors = show_widgets(browser, w)
    root = page.locator("[data-widget='0']")

    # the diagram: that neuron, and only it, drawn and named as switched off
    marked = root.locator(".net .neuron.off")
    marked.first.wait_for()
    assert marked.count() == 1
    assert (marked.get_attribute("data-layer"), marked.get_attribute("data-index")) == (
        "1", str(neuron))
    assert f"hidden layer 1, neuron {neuron}, switched off." in marked.get_attribute("aria-label")

    # panel 4: z as computed, a = 0 because it is switched off, no σ(z) = 0 said
    open_neuron(root, 1, neuron)
    name = root.locator("[id$='-neuron-name']").inner_text()
    assert name == f"Hidden layer 1, neuron {neuron}, switched off"
    z_shown = root.locator("[id$='-neuron-z']").inner_text()
    assert float(z_shown.replace("−", "-")) == pytest.approx(z[neuron], abs=1e-3)
    assert root.locator("[id$='-neuron-a']").inner_text() == "0 (switched off)"
    formula = root.locator("[id$='-neuron-formula']").inner_text()
    assert formula.startswith("z = w · aprev + b\n")  # (its sum; σ(z) is not what it sends)
    assert not re.search(r"(σ|ReLU|tanh)\(", formula) and not re.search(r"\) = [\d.]+", formula)
    assert f"= {z_shown}\nSwitched off, it sends a = 0 to the next layer, whatever z is." in formula
    # another neuron of the layer is as it was: a = σ(z)
    other = 0 if neuron else 1
    open_neuron(root, 1, other)
    assert root.locator("[id$='-neuron-name']").inner_text() == f"Hidden layer 1, neuron {other}"
    assert "switched off" not in root.locator("[id$='-neuron-formula']").inner_text()

    # the heading: edited, in the summary table's words, the accuracy from before the edits
    table = dict(re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>",
                            off._repr_html_()))
    edited = table["edited"]  # the network's own summary table says it so
    assert edited == "by hand after training: 1 neuron switched off (digitnet info lists them)"
    heading = root.locator(".widget-summary").inner_text()
    accuracy = f"{off.metadata['metrics']['val_accuracy'] * 100:.1f}%"
    assert heading.endswith(f" · edited {edited} · validation accuracy {accuracy} before the "
                            "edits"), heading
    assert errors == []
    page.close()


def test_the_intact_network_shows_none_off(browser, trained, mnist):
    w = digitnet.widget(trained)
    w.image = mnist.x[HELD_OUT]
    page, errors = show_widgets(browser, w)
    root = page.locator("[data-widget='0']")
    open_neuron(root, 1, 3)
    assert root.locator(".net .neuron.off").count() == 0
    assert root.locator("[id$='-neuron-name']").inner_text() == "Hidden layer 1, neuron 3"
    assert "edited" not in root.locator(".widget-summary").inner_text()
    assert errors == []
    page.close()
