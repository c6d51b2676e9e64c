"""In a class of 30, a student who clicks a neuron a couple of minutes after drawing is shown
what it computed for that drawing, not told that the server has forgotten it."""

from __future__ import annotations

import numpy as np
from api_helpers import assert_error, grid

STUDENTS = 30
# Two minutes of a class: each student draws a digit every 10 s, and the page sends the drawing
# every 120 ms while the pen moves, about 2 s a digit: 16 partial drawings, each a new input.
DIGITS_EACH, SENT_PER_DIGIT = 12, 16


def partial_drawings(image: np.ndarray) -> list[np.ndarray]:
    """The inputs (784,) a page's drawing of ``image`` makes as its ink grows, in 16 steps."""
    x = (image / 255).astype(np.float32).ravel()
    ink = np.flatnonzero(x)
    out = []
    for k in range(1, SENT_PER_DIGIT + 1):
        part = np.zeros_like(x)
        shown = ink[: len(ink) * k // SENT_PER_DIGIT]
        part[shown] = x[shown]
        out.append(part)
    return out


def test_a_drawing_is_remembered_while_a_class_of_30_draws_for_two_minutes(client, mnist,
                                                                             held_out):
    image = held_out[0][0]
    mine = client.post("/api/predict", json={"pixels": grid(image)}).json()
    asked = client.get(f"/api/neuron/1/3?input_id={mine['input_id']}")
    assert asked.status_code == 200, asked.text

    # What the other 29 draw meanwhile, each input remembered as /api/predict remembers it.
    served = client.app.state.served
    others = mnist.x[: (STUDENTS - 1) * DIGITS_EACH]
    ids = {served.remember(x, f"192.168.1.{100 + i // DIGITS_EACH}")  # (each student's phone)
           for i, digit in enumerate(others) for x in partial_drawings(digit)}
    assert len(ids) == len(others) * SENT_PER_DIGIT  # (every one a new input)

    again = client.get(f"/api/neuron/1/3?input_id={mine['input_id']}")
    assert again.status_code == 200, again.text
    assert again.json()["current"] == asked.json()["current"]  # for the same drawing


def test_an_input_forgotten_is_still_a_404_that_says_what_to_do(client):
    assert_error(client.get("/api/neuron/1/3?input_id=0123456789abcdef"), 404,
                 "input_id 0123456789abcdef is not known",
                 "POST the drawing or image to /api/predict")
