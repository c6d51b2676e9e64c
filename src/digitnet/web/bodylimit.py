"""Request bodies over the limit are answered 413 with a JSON error that every client can read.

A client such as Python's urllib writes a whole request body before it reads anything. A server
that answers "too large" and closes the connection while body bytes are still arriving makes the
kernel reset the connection, and the client sees "Connection reset by peer" instead of the 413.
So :class:`BodySizeLimit` reads the oversized body to its end, throwing it away, and only then
answers (with ``Connection: close``). It does so before the answer because once a response is
complete, uvicorn's ``receive()`` reports the client gone rather than the rest of the body.

Reading is bounded: a body declared larger than :data:`DRAIN_BYTES` is refused at once, unread
(its client may then see the reset; no honest client of this API sends one). So is a body whose
client waits for ``100 Continue`` before sending it (curl does, for bodies over 1 MB): nothing of
it is on its way yet.

Installed with ``app.add_middleware(BodySizeLimit, limit=..., larger={"/api/voice": (...)},
heard={"/api/predict": ...})``: ``larger`` lets a route whose requests are larger by nature (a
voice's recordings) take more, and ``heard`` a route of a model of recordings take a recording
(:data:`~digitnet.web.schemas.MAX_RECORDING_BYTES`) larger than a picture. A drawing sent as JSON
to ``/api/predict`` (:data:`DRAWN`) of a model that reads drawings may be larger still
(:data:`~digitnet.web.schemas.MAX_DRAWING_BYTES`): a grid of the most rows and columns the API
takes, of numbers as long as ``json.dumps`` writes them.

A 413 says what was sent and what to send instead, by the body's Content-Type; a file in a form
or of ``application/octet-stream`` could be either a recording or an image, so the path tells
them apart: a recording on ``heard``'s routes, an image on any other (a model of pictures).
"""

from __future__ import annotations

import math

from starlette.exceptions import HTTPException
from starlette.routing import get_route_path

from .errors import error_response
from .schemas import MAX_DRAWING_BYTES, MAX_GRID, RECORDED

__all__ = ["BodySizeLimit", "BodyTooLarge", "DRAIN_BYTES", "DRAWN"]

#: Oversized bodies up to this size are read and thrown away before the 413 is sent.
DRAIN_BYTES = 64 * 1024 * 1024
_CLOSE = {"Connection": "close"}
#: The route a drawing is sent to as JSON (a mounted app's too: ``/models/2/api/predict``).
DRAWN = "/api/predict"


class BodyTooLarge(HTTPException):
    """A body without a declared length ran over the limit while the app read it (413)."""


class BodySizeLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413, JSON-shaped.

    A body whose Content-Length is over the limit is read and discarded (up to ``drain``
    bytes), then refused before the app sees the request. A body of undeclared length (chunked)
    is counted as the app reads it; past the limit the rest is read and discarded and the
    reading raises :class:`BodyTooLarge`, which the app's error handler answers.
    """

    def __init__(self, app, limit: int, drain: int = DRAIN_BYTES,
                 larger: dict[str, tuple[int, str]] | None = None,
                 heard: dict[str, int] | None = None):
        self.app, self.limit, self.drain = app, limit, drain
        self.larger, self.heard = larger or {}, heard or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, what = self._limit(scope, _header(scope, b"content-type") or b"")
        length = _header(scope, b"content-length")
        declared = int(length) if length is not None and length.isdigit() else None
        if declared is None:
            return await self.app(scope, _Counted(receive, self, limit, what), send)
        if declared > limit:
            # A client waiting for "100 Continue" has sent nothing yet; any other is sending.
            waiting = _header(scope, b"expect") == b"100-continue"
            if not waiting and declared <= self.drain:
                if not await _discard_body(receive, self.drain):
                    return  # the client went away: nobody to answer
            response = error_response(413, self.message(declared, limit, what), _CLOSE)
            return await response(scope, receive, send)
        await self.app(scope, receive, send)

    def _limit(self, scope, content_type: bytes) -> tuple[int, tuple[str, str]]:
        """The limit on a body sent to the request's path, and (what the body is, what to send
        instead of a larger one): ``larger``'s for a path ending in one of its keys (a mounted
        app's too); ``heard``'s for a recording (a file, by its ``content_type``) sent to one of
        its paths, as this app's routes name them (``/api/predict``; a mounted app's,
        ``/models/2/api/predict``); MAX_DRAWING_BYTES for JSON sent to :data:`DRAWN` of a model
        that reads drawings (not one of ``heard``'s); else ``limit``'s, the body named by its
        ``content_type``."""
        for end, (limit, what) in self.larger.items():
            if scope["path"].endswith(end):
                return limit, ("the request body", what)
        heard = self.heard.get(get_route_path(scope))
        media = content_type.split(b";")[0].strip()
        if heard is None and scope["path"].endswith(DRAWN) and (
                media == b"application/json" or media.endswith(b"+json")):
            return MAX_DRAWING_BYTES, ("the JSON body", _DRAWING)
        for start, sent, instead in _SENT:
            if content_type.startswith(start):
                if heard is not None and start in _RECORDINGS:
                    return heard, (sent, _HEARD.format(mb=heard // (1024 * 1024),
                                                       seconds=heard // math.prod(RECORDED)))
                return self.limit, (sent, instead.format(mb=self.limit // (1024 * 1024)))
        return self.limit, ("the request body", "a smaller one")

    @staticmethod
    def message(size: int | None, limit: int, what: tuple[str, str]) -> str:
        """The 413's message: ``what`` is (what the body is, what to send instead)."""
        got = f"{size:,} bytes" if size is not None else "more than that"
        return (f"{what[0]} is too large: at most {limit:,} bytes "
                f"({limit // (1024 * 1024)} MB), got {got}; send {what[1]}")


_DIGIT = "one spoken digit, about a second long"
_PHOTO = "scale the photo down, or crop it to the digit"
#: What a body too large is, by the start of its Content-Type, and what to send instead
#: (``{mb}``: the limit in MB). A form's file or a body of octet-stream is an image here: one
#: sent to a route of a model of recordings (``heard``'s) is a recording, said by _HEARD.
_SENT = ((b"audio/", "the recording", f"a shorter one, under {{mb}} MB: {_DIGIT}"),
         (b"image/", "the image", f"a smaller one ({_PHOTO})"),
         (b"multipart/form-data", "the form", f"a smaller image of one digit ({_PHOTO})"),
         (b"application/octet-stream", "the file", f"a smaller image of one digit ({_PHOTO})"),
         (b"application/json", "the JSON body", "a smaller grid (28 rows of 28 values are "
                                                "plenty) or fewer changes"))
#: What to send instead of a drawing's JSON over MAX_DRAWING_BYTES.
_DRAWING = (f"a grid of at most {MAX_GRID} rows of {MAX_GRID} numbers (28 rows of 28 are plenty), "
            "or fewer changes")
#: The bodies that may be a recording, and what to send instead of one over ``heard``'s limit
#: (``{seconds}``: how long a recording of the largest format in common use it holds).
_RECORDINGS = (b"audio/", b"multipart/form-data", b"application/octet-stream")
_HEARD = ("a shorter recording, or one at a lower rate or in mono ({mb} MB holds {seconds} s at "
          f"{RECORDED[0] // 1000} kHz, stereo, {8 * RECORDED[2]}-bit float; a spoken digit takes "
          "about a second)")


class _Counted:
    """An ASGI ``receive`` counting body bytes: past ``limit`` it reads and discards the rest
    of the body, then raises :class:`BodyTooLarge`."""

    def __init__(self, receive, owner: BodySizeLimit, limit: int, what: tuple[str, str]):
        self.receive, self.owner, self.size = receive, owner, 0
        self.limit, self.what = limit, what

    async def __call__(self):
        message = await self.receive()
        self.size += len(message.get("body", b""))
        if self.size > self.limit:
            if message.get("more_body", False):
                await _discard_body(self.receive, self.owner.drain - self.size)
            raise BodyTooLarge(413, self.owner.message(None, self.limit, self.what), _CLOSE)
        return message


async def _discard_body(receive, bound: int) -> bool:
    """Read the request body to its end (or past ``bound`` bytes) and throw it away; False if
    the client disconnected first."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > bound:
            return True


def _header(scope, name: bytes) -> bytes | None:
    """The value of header ``name`` (lower case), lower-cased; None if it is not there."""
    for key, value in scope["headers"]:
        if key == name:
            return value.lower()
    return None
