"""Which server process answered: every HTTP response says, in its ``X-Digitnet-Server`` header.

A page stays open while ``digitnet serve`` is stopped and started again, perhaps with another
model; the new process numbers its networks' ``model_version`` from 1 again, so that number
alone cannot tell the page its network is gone. The header's value is chosen at random once per
process (the apps mounted at ``/models/N`` share it), so an answer carrying another value than
the first comes from a restarted server: the page then loads the network again
(``static/js/api.js``).

Installed with ``app.add_middleware(ServerId)``, after every other middleware: it is the
outermost, so its header is on their answers too (a 413 of
:class:`~digitnet.web.bodylimit.BodySizeLimit`).
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders

__all__ = ["HEADER", "SERVER_ID", "ServerId"]

#: The response header naming the server process.
HEADER = "X-Digitnet-Server"
#: This process's name: 16 random hex digits, the same in every app it serves.
SERVER_ID = secrets.token_hex(8)


class ServerId:
    """ASGI middleware: every HTTP response carries ``X-Digitnet-Server: SERVER_ID`` (set once,
    even where a mounted app's own copy of this middleware sets it again)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def named(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = SERVER_ID
            await send(message)

        await self.app(scope, receive, named)
