"""The page in a real browser: draw digits with the mouse (and a finger), read the answer, open a
neuron, train from the page. Screenshots land in test-artifacts/e2e/."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from accessibility import axe_violations
from PIL import Image

import digitnet

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Digits as a person draws them: strokes of points in pad coordinates (0..1 across and down).
STROKES = {
    # one downstroke, slightly slanted, a little wobbly
    "1": [[(0.55, 0.17), (0.545, 0.26), (0.535, 0.37), (0.53, 0.48), (0.52, 0.6),
           (0.51, 0.71), (0.505, 0.83)]],
    # an oval, counter-clockwise from the top, closing a little past where it began
    "0": [[(0.5 + 0.21 * math.sin(-t * 2 * math.pi / 20 + 0.2),
            0.5 - 0.31 * math.cos(-t * 2 * math.pi / 20 + 0.2)) for t in range(22)]],
    # a bar, then the diagonal, in one stroke
    "7": [[(0.27, 0.23), (0.38, 0.22), (0.5, 0.215), (0.62, 0.215), (0.73, 0.22),
           (0.68, 0.32), (0.62, 0.44), (0.56, 0.57), (0.51, 0.7), (0.47, 0.82)]],
    # a 7 in two strokes, smaller and off-centre
    "7b": [[(0.2, 0.2), (0.32, 0.2), (0.45, 0.21)], [(0.45, 0.21), (0.4, 0.35), (0.35, 0.5),
                                                     (0.3, 0.62)]],
}


def draw(page, strokes, steps=4):
    """Drag the mouse along each stroke over the drawing pad, as a person would (scrolling to
    the pad first: the mouse can only draw where the window shows it)."""
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    for stroke in strokes:
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(*point), steps=steps)
        page.mouse.up()


def densify(stroke, steps=4):
    """The stroke with ``steps`` points on each segment, as a finger reports them."""
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        out += [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps) for k in range(1, steps + 1)]
    return out


def shown_digit(page) -> str:
    """The digit on the page once the answer for the current drawing has arrived."""
    page.wait_for_selector(".verdict[aria-busy=false]")
    page.wait_for_function("document.querySelector('#prediction').dataset.digit !== ''")
    return page.get_attribute("#prediction", "data-digit")


def canvas_ink(page, selector) -> float:
    """Sum of brightness (0..1 per pixel) in a canvas."""
    return page.evaluate("""(sel) => {
        const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let s = 0; for (let i = 0; i < d.length; i += 4) s += (d[i] + d[i + 1] + d[i + 2]) / 765;
        return s; }""", selector)


@pytest.mark.parametrize("name", ["1", "0", "7", "7b"])
def test_a_drawn_digit_is_read(open_page, artifacts, name, e2e_model):
    page = open_page()
    assert page.inner_text("#prediction") == "?"
    # the picture the network reads is the drawing straightened, for a model that deskews
    deskews = digitnet.inputs.of(digitnet.load(e2e_model)).deskew
    assert page.inner_text("#seen-caption") == ("28×28, centred and scaled like MNIST’s digits"
                                                + ", its slant straightened" * deskews)
    draw(page, STROKES[name])
    assert shown_digit(page) == name[0]
    assert page.inner_text("#prediction") == name[0]
    assert "% sure" in page.inner_text("#confidence")
    assert canvas_ink(page, "#seen") > 15  # the 28x28 image the network saw has the digit
    winner = page.locator("#net .out-label.winner")
    assert winner.count() == 1 and winner.text_content() == name[0]
    assert page.locator("#net .bar.winner").count() == 1
    assert page.locator("#net line").count() > 100  # connections drawn
    lit = page.eval_on_selector_all(  # rgb(20,24,30) is a neuron at activation 0
        "#net .neuron[data-layer='1'] circle",
        "cs => cs.filter(c => c.getAttribute('fill') !== 'rgb(20,24,30)').length")
    assert lit >= 3  # some neurons of hidden layer 1 light up
    page.screenshot(path=artifacts / f"desktop-digit-{name}.png")


def test_undo_and_clear(open_page):
    page = open_page()
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    draw(page, [[(0.3, 0.55), (0.45, 0.55), (0.6, 0.55), (0.7, 0.56)]])  # a cross-bar
    page.wait_for_selector(".verdict[aria-busy=false]")
    page.click("#undo")
    assert shown_digit(page) == "7"
    page.click("#clear")
    assert page.inner_text("#prediction") == "?"
    assert page.is_disabled("#undo") and page.is_disabled("#clear")
    assert canvas_ink(page, "#pad") == 0


def test_a_hidden_neuron_opens_its_panel(open_page, artifacts, server_url):
    page = open_page()
    draw(page, STROKES["7"])
    assert shown_digit(page) == "7"
    page.click("#net .neuron[data-layer='1'][data-index='5']")
    page.wait_for_selector("#neuron-detail:not([hidden])")
    page.wait_for_function("document.querySelector('#neuron-z').textContent.trim() !== 'draw a digit'")
    assert page.inner_text("#neuron-name") == "Hidden layer 1, neuron 5"
    assert page.locator("#net .neuron.selected").count() == 1

    # The panel shows the server's numbers for this drawing.
    input_id = page.evaluate("state.prediction.input_id")
    neuron = page.request.get(f"{server_url}/api/neuron/1/5?input_id={input_id}").json()
    assert neuron["layer"] == 1  # the page and the API count layers alike, from the input's 0
    z, a = neuron["current"]["z"], neuron["current"]["a"]
    assert page.inner_text("#neuron-z") == f"{z:.3f}".replace("-", "−")
    assert page.inner_text("#neuron-a") == f"{a:.3f}".replace("-", "−")
    assert page.inner_text("#neuron-bias") == f"{neuron['bias']:.3f}".replace("-", "−")
    formula = page.inner_text("#neuron-formula")
    assert formula.startswith("a = leaky ReLU(w · a")  # the default recipe's activation
    assert f"leaky ReLU({z:.3f})".replace("-", "−") in formula and "776 smaller terms" in formula
    assert canvas_ink(page, "#neuron-image") > 10  # its weight image is drawn
    assert "784 weights, one per pixel" in page.inner_text("#neuron-image-caption")
    page.screenshot(path=artifacts / "desktop-neuron.png")

    # Keyboard: arrow down to the next neuron, Enter opens it; right moves a layer on.
    page.focus("#net .neuron[data-layer='1'][data-index='5']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    name_is = "document.querySelector('#neuron-name').textContent"
    page.wait_for_function(f"{name_is} === 'Hidden layer 1, neuron 6'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    page.wait_for_function(f"{name_is}.startsWith('Output neuron')")
    assert "softmax" in page.inner_text("#neuron-formula")
    assert "effective template" in page.inner_text("#neuron-image-caption")
    page.keyboard.press("Escape")
    assert page.is_hidden("#neuron-detail")


def test_an_uploaded_photo_of_a_digit_is_read(open_page, mnist):
    """A real digit as dark ink on light paper, enlarged, through the page's file input."""
    image, label = mnist.x[20001], int(mnist.labels[20001])
    paper = 255 - np.kron(image, np.ones((4, 4), np.uint8))
    data = io.BytesIO()
    Image.fromarray(paper).save(data, format="PNG")
    page = open_page()
    page.set_input_files("#upload", files=[{"name": "digit.png", "mimeType": "image/png",
                                            "buffer": data.getvalue()}])
    assert shown_digit(page) == str(label)


def test_training_from_the_page_draws_the_curve(open_page, artifacts, training_server_url):
    page = open_page(url=training_server_url)
    assert page.get_attribute("#chart", "data-epochs") == "0"
    page.fill("#epochs", "1")
    page.click("#train")
    page.wait_for_selector(".train-status.done", timeout=60_000)
    assert page.get_attribute("#chart", "data-epochs") == "1"
    assert int(page.get_attribute("#chart", "data-points")) >= 3  # progress points and the epoch
    assert "Training finished with" in page.inner_text("#train-status")
    assert page.locator("#filters canvas").count() == 16
    assert canvas_ink(page, "#filters canvas:nth-child(1)") > 1
    assert page.locator("#history tbody tr").count() == 1
    assert page.is_enabled("#train") and page.is_disabled("#stop")
    assert canvas_ink(page, "#chart") > 100  # the curves are drawn
    # The page now asks the new network (one quick epoch: it may still misread digits).
    draw(page, STROKES["1"])
    assert shown_digit(page) in "0123456789"
    assert page.evaluate("state.prediction.model_version") == 2
    assert page.evaluate("state.model.model_version") == 2
    page.locator(".training").screenshot(path=artifacts / "desktop-training.png")


def test_a_phone_draws_with_a_finger(open_page, artifacts):
    page = open_page(PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("#pad").bounding_box()
    assert box["width"] >= 250
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    cdp = page.context.new_cdp_session(page)
    for stroke in STROKES["0"]:
        points = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
                  for x, y in densify(stroke)]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for p in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.screenshot(path=artifacts / "phone-digit-0.png", full_page=True)
    assert shown_digit(page) == "0"


def test_every_control_has_a_name_and_a_focus_stop(open_page):
    page = open_page()
    unnamed = page.evaluate("""() =>
        [...document.querySelectorAll('button, input, select, canvas[tabindex]')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.textContent.trim())
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unnamed == []
    reached = set()
    for _ in range(16):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("(e => e.id || e.className.baseVal || e.className)"
                                  "(document.activeElement)"))
    assert {"pad", "upload", "epochs", "lr", "activation", "hidden", "train"} <= reached
    assert "neuron" in reached  # one stop for the whole network diagram


def test_the_api_documentation_renders_with_no_internet(browser, server_url, artifacts):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    off, errors = [], []
    page.on("request", lambda r: r.url.startswith(server_url) or r.url.startswith("data:")
            or r.url.startswith("blob:" + server_url) or off.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server_url + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        text = page.inner_text("body")
        page.screenshot(path=artifacts / "api-docs.png")
    finally:
        context.close()
    assert off == [] and errors == []
    for endpoint in ("/api/predict", "/api/model", "/api/neuron/{layer}/{index}", "/api/train"):
        assert endpoint in text


def test_an_empty_hidden_layers_field_is_refused_on_the_page(open_page, training_server_url):
    """Cleared and Enter pressed: no run starts (it would replace everyone's network with one
    without hidden layers); the page says what to give, as it does for "200"."""
    page = open_page(url=training_server_url)
    for bad in ("", "200"):
        page.fill("#hidden", bad)
        page.press("#hidden", "Enter")
        page.wait_for_function("document.querySelector('#train-status').textContent"
                               " !== 'No training run yet.'")  # (said at once, or a run began)
        assert page.get_attribute("#train-status", "class") == "train-status error"
        assert "such as 16, 16" in page.inner_text("#train-status")
        assert page.evaluate("document.activeElement.id") == "hidden"
        assert page.request.get(training_server_url + "/api/train").json()["state"] == "idle"


def test_an_address_naming_no_model_says_so(browser, server_url, axe_source):
    """/?model=5 (and /models/5/) on a server of one model: the page's main part is a sentence
    and a link to the model it serves, with nothing axe-core finds wrong on a desktop and a
    phone (it hid <main> whole before: a page with no main landmark); /?model=abc: model 1,
    and the page says why."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for address in ("/models/5/", "/?model=5"):
            page.set_viewport_size(DESKTOP)
            page.goto(server_url + address)
            page.wait_for_selector("main nav#models a")
            assert page.inner_text("main h2:visible") == "No model 5"
            assert page.inner_text("#model-summary") == ("This server has no model 5. Open the "
                                                         "one it serves:")
            links = page.locator("nav#models a")
            assert links.count() == 1 and links.get_attribute("href") == "/?model=1"
            assert links.inner_text() == "1: model.safetensors, pictures (784–16–16–10)"
            assert page.is_visible("main") and page.is_visible("main nav#models a")
            assert page.is_hidden("#pad") and page.is_hidden("#train-title")  # (no network)
            assert axe_violations(page, axe_source) == []
            page.set_viewport_size(PHONE)
            assert page.is_visible("main nav#models a")
            assert axe_violations(page, axe_source) == []
        page.set_viewport_size(DESKTOP)
        links.click()
        page.wait_for_selector("body[data-ready=true]")
        assert page.is_visible("#pad") and page.inner_text("#note") == ""

        page.goto(server_url + "/?model=abc")
        page.wait_for_selector("body[data-ready=true]")
        assert page.inner_text("#note") == ("“abc” is not a model number, so the page shows "
                                            "model 1.")
        draw(page, STROKES["7"])
        assert shown_digit(page) == "7"
    finally:
        context.close()
    assert errors == []


def test_the_verdict_and_the_bars_round_alike(open_page):
    page = open_page()
    for name in ("1", "7", "0"):
        if page.is_enabled("#clear"):
            page.click("#clear")
        draw(page, STROKES[name])
        digit = shown_digit(page)
        sure = page.inner_text("#confidence")  # "99.7% sure", "over 99.9% sure"
        bars = page.locator("#net .pct").all_text_contents()
        assert bars[int(digit)] == sure.removesuffix(" sure").replace("over ", ">")
        probabilities = page.evaluate("state.prediction.probabilities")
        for p, text in zip(probabilities, bars):  # to a tenth of a percent, never 100% nor 0.0%
            if text == ">99.9%":
                assert p >= 0.9995 - 1e-9
            elif text == "<0.1%":
                assert 0 < p < 0.0005 + 1e-9
            else:
                assert text.endswith("%") and len(text.split(".")[1]) == 2  # one decimal
                assert abs(float(text[:-1]) - 100 * p) <= 0.05 + 1e-9
                assert text != "100.0%" and (text != "0.0%" or p == 0)


def test_a_model_of_spoken_digits_asks_to_speak(open_page, two_models_url):
    page = open_page(url=two_models_url)
    page.click("nav#models a[href='/?model=2']")
    page.wait_for_selector("body[data-ready=true][data-input=audio]")
    assert page.inner_text(".verdict-label") == "It hears"
    assert page.inner_text("#confidence") == "speak or upload a recording to find out"
    page.click("nav#models a[href='/?model=1']")
    page.wait_for_selector("body[data-ready=true][data-input=images]")
    assert page.inner_text(".verdict-label") == "It reads"
    assert page.inner_text("#confidence") == "draw to find out"
