"""A drawing is read where its size allows: the page's own (a 56x56 grid, about 20 KB of JSON)
on the event loop, at once; a large one (a 400x400 grid, over a megabyte) in a worker thread,
parsing included, so that the server goes on answering other requests meanwhile. Both read the
same digit as its 28x28 drawing. Real digits, the real app."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from api_helpers import grid

from digitnet.web import reading


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def where_parsed(monkeypatch):
    """Whether each drawing parsed was parsed on the event loop (True) or in a worker thread."""
    seen, parse = [], reading.parse_drawing

    def parse_and_say_where(raw):
        seen.append(_on_event_loop())
        return parse(raw)

    monkeypatch.setattr(reading, "parse_drawing", parse_and_say_where)
    return seen


@pytest.mark.parametrize("scale, on_loop", [(1, True), (2, True), (15, False)])
def test_a_drawing_is_parsed_on_the_event_loop_only_when_small(client, held_out, where_parsed,
                                                               scale, on_loop):
    image, label = held_out[0][1], held_out[1][1]
    rows = grid(np.kron(image, np.ones((scale, scale), np.uint8)))
    body = json.dumps({"pixels": rows}).encode()
    assert (len(body) <= reading.INLINE_BYTES) == on_loop
    answer = client.post("/api/predict", content=body,
                         headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert where_parsed == [on_loop]
    small = client.post("/api/predict", json={"pixels": grid(image)}).json()
    assert answer.json()["digit"] == small["digit"] == label
