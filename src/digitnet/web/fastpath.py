"""The page's predictions, answered without the web framework's per-request machinery.

The drawing page asks for a prediction every time a stroke changes, and a classroom of pages
at once is many requests a second. FastAPI's middleware, routing, dependency solving and
pydantic validation cost more CPU than the network itself, so a well-formed JSON drawing is
answered by :class:`FastPredict`, an ASGI wrapper at the app's door, straight away, its
numbers parsed by simdjson. Anything else (an upload, a malformed or invalid body, a drawing
too large to preprocess on the event loop) goes on to the FastAPI route, which answers it, or
says what is wrong, exactly as documented at ``/docs``. Both paths preprocess and describe
through the same functions, so their answers are the same bytes.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable

import numpy as np
import simdjson

from . import schemas
from .errors import replay

__all__ = ["FastPredict", "InOrder", "well_formed_drawing"]

log = logging.getLogger("digitnet.web")

_JSON_HEADERS = [(b"content-type", b"application/json")]


def well_formed_drawing(raw: bytes) -> np.ndarray | None:
    """The grid of a valid ``{"pixels": [[...], ...]}`` body as float32, or None if it is not
    one (then :class:`schemas.PredictRequest` validates it, to name what is wrong).

    simdjson parses the numbers straight into one buffer, where pydantic makes a Python float
    of each: 50 µs for the page's 56x56 grid instead of 250. It accepts only what the schema
    accepts, and leaves to the schema whatever is cheaper to refuse here than to look at
    closely: a body with any string but its key goes there, for one.
    """
    # One string (the key) means no brackets hide in strings, so counting them counts arrays:
    # the grid's own and one per row, none nested in a row (as_buffer would flatten those).
    if raw.count(b'"') != 2:
        return None
    try:
        body = simdjson.Parser().parse(raw)
        if not isinstance(body, simdjson.Object) or len(body) != 1:
            return None
        rows = body["pixels"]
        if not isinstance(rows, simdjson.Array) or raw.count(b"[") != len(rows) + 1:
            return None
        widths = {len(row) for row in rows}  # TypeError for a number among the rows
        grid = np.frombuffer(rows.as_buffer(of_type="d"), dtype=np.float64)  # numbers only
    except (ValueError, TypeError, KeyError, RuntimeError):  # RuntimeError: an integer > 64 bits
        return None
    if len(widths) != 1 or grid.size != len(rows) * len(rows[0]):
        return None
    grid = grid.reshape(len(rows), -1).astype(np.float32)
    if min(grid.shape) < schemas.MIN_GRID or max(grid.shape) > schemas.MAX_GRID:
        return None
    # simdjson reads no NaN or Infinity literal, nor a number too large for a double; a
    # double too large for float32 becomes inf, which this refuses too.
    if not (grid.min() >= 0 and grid.max() <= 1):
        return None
    return grid


class FastPredict:
    """ASGI wrapper answering ``POST /api/predict`` with a JSON body straight away.

    ``answer(raw)`` is awaited with the body and returns the response body for a well-formed
    drawing, or None for anything else: then the request goes on to the app, whose route
    answers it or gives the error its usual form (so does an error in ``answer``, which is
    logged). Must sit inside a wrapper that has read the body whole (``BodySizeLimit``), so
    that reading it here costs nothing.
    """

    def __init__(self, app, answer: Callable[[bytes], Awaitable[bytes | None]]):
        self.app, self.answer = app, answer

    async def __call__(self, scope, receive, send):
        if not (scope["type"] == "http" and scope["path"] == "/api/predict"
                and scope["method"] == "POST" and _is_json(scope)):
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        try:
            body = await self.answer(raw)
        except Exception:  # noqa: BLE001 - the route answers, and says what went wrong
            log.exception("the fast path failed on a drawing; the /api/predict route answers it")
            body = None
        if body is None:
            return await self.app(scope, replay(raw, receive), send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON_HEADERS, (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})


class InOrder:
    """Runs calls one at a time in the order they were asked for, letting the event loop look at
    its sockets between any two: ``await in_order(fn, *args)`` returns ``fn(*args)``.

    Why not simply call ``fn`` in each request's task: the event loop reads its sockets once per
    round of ready tasks. When 16 drawings arrive together, every one is read in the round after
    its bytes arrived; a request that just misses the start of a round waits that whole round
    and its own, twice as long as the others. Under load this was one request in 15, and it
    made the slowest hundredth twice as slow as the median. Through here every call is a round
    of its own, so requests are answered in the order they came in.
    """

    def __init__(self):
        self._queue: collections.deque = collections.deque()
        self._task: asyncio.Task | None = None

    async def __call__(self, fn: Callable, *args):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._queue = collections.deque([(future, fn, args)])  # (a loop gone, its queue too)
            self._task = loop.create_task(self._work(self._queue))
        else:
            self._queue.append((future, fn, args))
        return await future

    @staticmethod
    async def _work(queue: collections.deque) -> None:
        while queue:
            future, fn, args = queue.popleft()
            if future.cancelled():  # its client went away while it waited
                continue
            try:
                future.set_result(fn(*args))
            except Exception as e:  # noqa: BLE001 - handed on to the caller
                future.set_exception(e)
            await asyncio.sleep(0)  # the loop reads its sockets, then the next call


def _is_json(scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            ctype = value.split(b";")[0].strip().lower()
            return ctype == b"application/json" or ctype.endswith(b"+json")
    return False
