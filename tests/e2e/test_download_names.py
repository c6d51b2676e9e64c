"""The page's "Save the edited network…" downloads the file under the name the server gives it
(Content-Disposition), not one of its own: the served model's file, unedited; and scalings that
undo each other (×2, then ×½) leave no edit behind (the server refuses a scale by 1, which
changes nothing, as digitnet edit does; the page never sends one)."""

from __future__ import annotations

import numpy as np
from test_browser import STROKES, draw, shown_digit
from test_server_forgets_refuses_or_is_gone import opened

import digitnet


def test_saving_takes_the_servers_name_and_scalings_that_cancel_leave_no_edit(browser, server_url,
                                                                           e2e_model):
    page, problems = opened(browser, server_url, r"status of 422")
    page.click("#net .neuron[data-layer='1'][data-index='2']")
    page.wait_for_selector("#edit-detail:not([hidden])")

    # No changes: the served network as it is, under its file's own name.
    with page.expect_download() as saved:
        page.click("#edit-save")
    assert saved.value.suggested_filename == e2e_model.name == "model.safetensors"
    np.testing.assert_array_equal(digitnet.load(saved.value.path()).params,
                                  digitnet.load(e2e_model).params)
    page.wait_for_function("document.querySelector('#edit-message').textContent"
                           ".includes('as model.safetensors')")

    # Its weights ×2, then ×½: together a scale by 1, which changes nothing, so no edit is left
    # (the server would refuse it: /api/ablate as /api/export and digitnet edit do). Each time,
    # the panel shows the neuron's z for the drawing as it is then.
    # (The server's z for the whole drawing, from the API: the panel shows each stroke's.)
    draw(page, STROKES["7"])
    shown_digit(page)
    asked = {"off": [], "edits": [], "input_id": page.evaluate("state.prediction.input_id")}
    z = page.request.post(server_url + "/api/neuron/1/2", data=asked).json()["current"]["z"]
    shown = f"z = {z:.3f},".replace("-", "−")
    now = "document.querySelector('#edit-now').textContent"
    page.wait_for_function(f"(z) => {now}.includes(z)", arg=shown)
    page.click("[data-scale='2']")
    page.wait_for_function(f"(z) => !{now}.includes(z)", arg=shown)
    assert page.evaluate("state.changes.edits.map((e) => e.factor)") == [2]
    page.click("[data-scale='0.5']")
    page.wait_for_function(f"(z) => {now}.includes(z)", arg=shown)
    assert page.evaluate("state.changes.edits") == []
    assert page.inner_text("#note") == ""  # (nothing refused: nothing to say)
    by_one = {"off": [], "edits": [{"op": "scale", "layer": 1, "neuron": 2, "factor": 1}]}
    words = []
    for path in ("/api/ablate", "/api/export"):
        refusal = page.request.post(server_url + path, data=by_one)
        assert refusal.status == 422
        words.append(refusal.json()["error"])
    assert words[0] == words[1]
    assert words[0].startswith("edits[0]: this scale edit of neuron 2 of layer 1 changes no "
                               "weight")
    # Saved now, it is the served network as it is, under its file's own name again.
    with page.expect_download() as saved:
        page.click("#edit-save")
    assert saved.value.suggested_filename == "model.safetensors"
    page.context.close()
    assert problems == []
