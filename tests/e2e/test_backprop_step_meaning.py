"""Panel 11 says in one sentence what its step means, in Debian's Chromium, for a real held-out
MNIST digit uploaded to a server of the drawing tests' network: at the default η = 0.01 with a
wrong label, one step on that one example changes its answer to the label (so the panel says
training averages many examples' steps, and that η = 0.001 moves the weights a tenth as far);
at η = 0.001 the cost falls by some share and the answer stays; at η = 0.0001 with the label it
reads, a tiny step. The digit and labels are chosen with the library's own step on the file as
the server reads it; each sentence expected is worked out from the /api/backprop answer the
page got. The result line above it reads as before; axe-core finds no violation."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from accessibility import axe_violations
from PIL import Image
from test_browser import shown_digit

import digitnet
from digitnet import inputs, poke
from digitnet.preprocess import to_mnist

MEANING = "#bp-meaning"


def _scan(image: np.ndarray) -> bytes:
    """A real digit as a scan would have it: dark ink on white paper, enlarged four times, PNG."""
    data = io.BytesIO()
    Image.fromarray(255 - np.kron(image, np.ones((4, 4), np.uint8))).save(data, format="PNG")
    return data.getvalue()


def _case(step) -> str:
    """Which of the panel's four sentences a step's numbers call for (the server's answer, or
    the library's Step): "flip", "rose", "tiny" or "fell"."""
    get = step.get if isinstance(step, dict) else lambda k: getattr(step, k)
    cost, after = get("cost"), get("cost_after")
    if get("digit") != get("label") and get("digit_after") == get("label"):
        return "flip"
    if after - cost > max(1e-6, 1e-6 * cost):
        return "rose"
    return "tiny" if not (cost - after) / cost >= 0.01 else "fell"


def _chosen(net, mnist):
    """(index, PNG, the digit, a wrong label) of the first held-out digit the network reads
    right whose step with that wrong label flips it to the label at η = 0.01, and at 0.001
    lowers its cost by 2% or more and keeps its answer; whose step with its own label at 0.0001
    is tiny."""
    for index in range(20000, 20200):
        png = _scan(mnist.x[index])
        x = inputs.of(net).rows(to_mnist(png).reshape(1, -1))[0]
        digit = int(mnist.labels[index])
        wrong = (digit + 1) % 10
        steps = [(poke.backprop_step(net, x, wrong, lr=0.01), "flip"),
                 (poke.backprop_step(net, x, wrong, lr=0.001), "fell"),
                 (poke.backprop_step(net, x, digit, lr=0.0001), "tiny")]
        if (steps[0][0].digit == steps[1][0].digit_after == digit
                and all(_case(s) == c for s, c in steps)
                and (steps[1][0].cost - steps[1][0].cost_after) / steps[1][0].cost >= 0.02):
            return index, png, digit, wrong
    pytest.fail("no held-out digit of 200 flips to a wrong label in one step of η = 0.01, "
                "keeps its answer at 0.001 and takes a tiny step with its own label at 0.0001")


def _step(page, label: int, lr: str) -> dict:
    """Take the panel's step with ``label`` and η = ``lr``: the /api/backprop answer the page
    got, once the panel shows it."""
    page.select_option("#bp-label", str(label))
    page.fill("#bp-lr", lr)
    with page.expect_response(lambda a: a.url.endswith("/api/backprop")) as answer:
        page.click("text=Backpropagate and take one step")
    r = answer.value.json()
    page.wait_for_selector(f"{MEANING}:not([hidden])")
    assert float(page.get_attribute("#bp-result", "data-cost")) == r["cost"]  # (this step's)
    return r


def _expected(r: dict) -> str:
    """The sentence the panel should say of the step ``r`` (a model of the digits 0 to 9)."""
    fell = (r["cost"] - r["cost_after"]) / r["cost"]
    case = _case(r)
    if case == "flip":
        return (f"One step on this single example was enough to change its answer to "
                f"{r['label']}: training averages the steps of many examples (a batch), so that "
                f"no single one pulls the weights this far; η = {r['lr'] / 10:g}, a tenth of "
                "this one, moves them a tenth as far.")
    if case == "tiny":
        moved = "fell by less than 1% of itself" if fell > 0 else "barely moved"
        return f"The cost {moved}: a tiny step; η = {r['lr'] * 10:g}, ten times larger, steps " \
               "ten times further."
    assert case == "fell", r
    now = (f"it still reads {r['digit']}" if r["digit_after"] == r["digit"]
           else f"it now reads {r['digit_after']}, not {r['digit']}")
    return (f"The cost fell by {min(99, math.floor(100 * fell + 0.5))}% of itself and {now}: "
            "repeated over many examples, such steps are training.")


def test_the_panel_says_what_a_step_means(open_page, e2e_model, mnist, axe_source, artifacts):
    index, png, digit, wrong = _chosen(digitnet.load(e2e_model), mnist)
    page = open_page()
    assert page.is_hidden(MEANING)
    page.set_input_files("#upload", files=[{"name": f"digit{index}.png",
                                            "mimeType": "image/png", "buffer": png}])
    assert shown_digit(page) == str(digit)
    assert page.is_hidden(MEANING)  # (no step yet)

    flip = _step(page, wrong, "0.01")  # the default η, a wrong label: one step flips it
    assert _case(flip) == "flip" and flip["lr"] == 0.01
    said = page.inner_text(MEANING)
    assert said == _expected(flip)
    assert said.startswith(f"One step on this single example was enough to change its answer "
                           f"to {wrong}: ") and "η = 0.001, a tenth of this one" in said
    assert page.inner_text("#bp-result") == (
        f"Cost C = {flip['cost']:.3f} → {flip['cost_after']:.3f} after one step of η = 0.01; it "
        f"read {digit}, now reads {wrong} ("
        f"{100 * flip['probabilities_after'][wrong]:.1f}% sure it is a {wrong}).")
    # the largest changes are of any layer's weights, and their heading says so (it is not the
    # first layer's pictures' above it)
    heading = page.locator("#bp-detail h3", has_text="The weights the step moves most")
    assert heading.inner_text() == "The weights the step moves most, in any layer"
    layers = {int(t.rsplit(" of layer ", 1)[1].split(":")[0])
              for t in page.locator("#bp-largest li").all_inner_texts()}
    assert layers and layers <= {1, 2, 3}, layers
    assert axe_violations(page, axe_source) == []
    page.locator(".poke-backprop").screenshot(path=artifacts / "backprop-step-meaning.png")

    fell = _step(page, wrong, "0.001")  # a tenth of it: the cost falls, the answer stays
    assert _case(fell) == "fell" and fell["digit_after"] == digit
    assert page.inner_text(MEANING) == _expected(fell)
    assert page.inner_text(MEANING).endswith(
        f" of itself and it still reads {digit}: repeated over many examples, such steps are "
        "training.")

    tiny = _step(page, digit, "0.0001")  # the label it reads, a tiny η: a tiny step
    assert _case(tiny) == "tiny"
    assert page.inner_text(MEANING) == _expected(tiny)
    assert page.inner_text(MEANING).endswith(
        ": a tiny step; η = 0.001, ten times larger, steps ten times further.")
