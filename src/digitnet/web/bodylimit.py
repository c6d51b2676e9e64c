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

Installed with ``app.add_middleware(BodySizeLimit, limit=..., larger={"/api/voice": (...)})``:
``larger`` lets a route whose requests are larger by nature (a voice's recordings) take more.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException

from .errors import error_response

__all__ = ["BodySizeLimit", "BodyTooLarge", "DRAIN_BYTES"]

#: Oversized bodies up to this size are read and thrown away before the 413 is sent.
DRAIN_BYTES = 64 * 1024 * 1024
_CLOSE = {"Connection": "close"}


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
                 larger: dict[str, tuple[int, str]] | None = None):
        self.app, self.limit, self.drain = app, limit, drain
        self.larger = larger or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, what = self._limit(scope["path"])
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

    def _limit(self, path: str) -> tuple[int, str]:
        """The limit on a body sent to ``path``, and what to send instead of a larger one:
        ``larger``'s for a path ending in one of its keys (a mounted app's too), else
        ``limit``'s."""
        for end, (limit, what) in self.larger.items():
            if path.endswith(end):
                return limit, what
        return self.limit, "a smaller image or grid"

    @staticmethod
    def message(size: int | None, limit: int, what: str) -> str:
        got = f"{size:,} bytes" if size is not None else "more than that"
        return (f"the request body is too large: at most {limit:,} bytes "
                f"({limit // (1024 * 1024)} MB), got {got}; send {what}")


class _Counted:
    """An ASGI ``receive`` counting body bytes: past ``limit`` it reads and discards the rest
    of the body, then raises :class:`BodyTooLarge`."""

    def __init__(self, receive, owner: BodySizeLimit, limit: int, what: str):
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
