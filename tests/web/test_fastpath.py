"""The fast path for the page's drawings: it must accept only what the documented schema accepts,
read the same numbers, and answer what the FastAPI route would."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from digitnet.web import schemas
from digitnet.web.fastpath import well_formed_drawing


def page_body(image: np.ndarray) -> bytes:
    """A digit as the page's JSON.stringify sends it: 2 decimals, whole numbers as integers."""
    rows = [[int(v) if v.is_integer() else v for v in row]
            for row in np.round(image / 255.0, 2).tolist()]
    return json.dumps({"pixels": rows}).encode()


def schema_reading(raw: bytes) -> np.ndarray | None:
    """What the route's pydantic validation makes of a body (None: it refuses it)."""
    try:
        grid = schemas.PredictRequest.model_validate_json(raw).pixels
    except ValidationError:
        return None
    if len({len(row) for row in grid}) > 1:
        return None
    return np.asarray(grid, dtype=np.float32)


def test_page_drawings_take_the_fast_path_and_read_the_same_numbers(held_out):
    for image in held_out[0][:50]:
        raw = page_body(image)
        fast = well_formed_drawing(raw)
        assert fast is not None and fast.dtype == np.float32
        np.testing.assert_array_equal(fast, schema_reading(raw))


values = st.one_of(
    st.floats(0, 1), st.integers(0, 1), st.floats(-2, 3), st.integers(-3, 3),
    st.just(float("nan")), st.booleans(), st.none(), st.just("0.5"), st.just([0.5]),
    st.just({"v": 1}), st.just({}), st.just([]), st.floats(1e300, 1e308),
    st.integers(2**63, 2**70))


@st.composite
def bodies(draw):
    """JSON bodies near the schema's edges: ragged, wrong sizes, odd values, extra keys."""
    sides = st.one_of(st.integers(8, 11), st.integers(0, 12))  # mostly big enough
    height, width = draw(sides), draw(sides)
    mostly = draw(st.sampled_from([st.floats(0, 1), st.integers(0, 1), values]))
    grid = [[draw(mostly) for _ in range(width)] for _ in range(height)]
    if grid and draw(st.integers(0, 3)) == 0:
        row = draw(st.integers(0, height - 1))
        grid[row] = grid[row][: draw(st.integers(0, width))]  # maybe ragged
    if grid and draw(st.integers(0, 6)) == 0:
        grid[draw(st.integers(0, height - 1))] = draw(values)  # a row that is not a row
    body = {"pixels": grid}
    if draw(st.integers(0, 5)) == 0:
        body["extra"] = 1
    if draw(st.integers(0, 8)) == 0:
        body = {"pixel": grid}
    if draw(st.integers(0, 8)) == 0:
        body = grid
    text = json.dumps(body, allow_nan=True, indent=draw(st.sampled_from([None, 1])))
    if draw(st.integers(0, 10)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return text.encode()


@settings(max_examples=600, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(raw=bodies())
def test_the_fast_path_accepts_only_what_the_schema_accepts(raw):
    fast = well_formed_drawing(raw)
    if fast is not None:
        expected = schema_reading(raw)
        assert expected is not None, raw
        np.testing.assert_array_equal(fast, expected)


def test_page_drawings_are_answered_without_the_route(app, held_out, monkeypatch):
    """The middleware answers a page drawing itself; anything else still reaches the route."""
    from fastapi.testclient import TestClient

    from digitnet.web import server

    calls = []
    route_read = server._read_image

    async def counting(request):
        calls.append(request.url.path)
        return await route_read(request)

    monkeypatch.setattr(server, "_read_image", counting)
    with TestClient(app) as client:
        raw = page_body(held_out[0][3])
        r = client.post("/api/predict", content=raw,
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 200 and r.json()["digit"] == held_out[1][3]
        assert calls == []
        blank = client.post("/api/predict", json={"pixels": [[0] * 28] * 28})
        assert blank.status_code == 422 and "blank" in blank.json()["error"]
        assert calls == ["/api/predict"]


@pytest.mark.parametrize("body", [b'{"pixels": [[0.5, 0.5]]}', b'{"pixels": [[true]]}'])
def test_bodies_the_fast_path_refuses_get_the_schemas_message(client, body):
    r = client.post("/api/predict", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"].startswith("pixels")


def test_a_failure_in_the_fast_path_is_answered_by_the_route(app, held_out, monkeypatch, caplog):
    """Whatever goes wrong in the fast path, the request still gets the route's answer."""
    from fastapi.testclient import TestClient

    from digitnet.web import server

    def broken(net, raw, inline_pixels):
        raise RuntimeError("a bug")

    with TestClient(app) as client:
        monkeypatch.setattr(server, "read_drawing", broken)  # (after the warm-up reading)
        r = client.post("/api/predict", content=page_body(held_out[0][5]),
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["digit"] == held_out[1][5]
    assert "fast path failed" in caplog.text and "RuntimeError: a bug" in caplog.text


def test_in_order_runs_calls_one_at_a_time_in_the_order_asked_letting_others_run_between():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from digitnet.web.fastpath import InOrder

    events = []

    def work(k):
        events.append(f"call {k}")
        if k == 3:
            raise ValueError("three")
        return k * 10

    async def other():
        for k in range(3):
            events.append(f"other {k}")
            await asyncio.sleep(0)

    async def main():
        in_order = InOrder()
        calls = [asyncio.ensure_future(in_order(work, k)) for k in range(6)]
        await asyncio.sleep(0)  # every call queued; then cancel one before its turn
        calls[4].cancel()
        background = asyncio.ensure_future(other())
        results = await asyncio.gather(*calls, return_exceptions=True)
        await background
        return results

    # In a thread of its own: Playwright's tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        results = thread.submit(asyncio.run, main()).result()
    assert results[:3] == [0, 10, 20] and results[5] == 50
    assert isinstance(results[3], ValueError) and isinstance(results[4], asyncio.CancelledError)
    calls = [e for e in events if e.startswith("call")]
    assert calls == ["call 0", "call 1", "call 2", "call 3", "call 5"]  # 4 was cancelled
    # The event loop ran the other task between calls, not only after all of them.
    assert events.index("other 1") < events.index("call 5")
