"""Helpers of the web API tests: digits as the page and files send them, and the error check."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image


def grid(image: np.ndarray) -> list[list[float]]:
    """A uint8 MNIST image as the page sends it: rows of brightness 0..1."""
    return np.round(image / 255.0, 3).tolist()


def png(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


def assert_error(response, status: int, *words: str) -> str:
    """The response has ``status`` and a body of exactly {"error": one line naming ``words``}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    message = body["error"]
    assert isinstance(message, str) and message and "\n" not in message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def events(client, headers=None) -> list[tuple[str, str | None, dict]]:
    """Read /api/train/events to its end: (kind, id, data) per event."""
    out, kind, event_id = [], None, None
    with client.stream("GET", "/api/train/events", headers=headers or {}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                out.append((kind, event_id, json.loads(line[6:])))
                kind, event_id = None, None
    return out


def post_raw(client, body: bytes, content_type="application/json"):
    return client.post("/api/predict", content=body, headers={"content-type": content_type})


def page_body(image: np.ndarray) -> bytes:
    """A digit as the page's JSON.stringify sends it: 2 decimals, whole numbers as integers."""
    rows = [[int(v) if v.is_integer() else v for v in row]
            for row in np.round(image / 255.0, 2).tolist()]
    return json.dumps({"pixels": rows}).encode()
