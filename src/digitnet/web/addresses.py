"""Where each model a server serves is found, and what an address naming no model answers.

``digitnet serve MODEL MODEL2 ...`` serves model N (as ``GET /api/models`` names it) at
``/models/N/`` (its page) and ``/models/N/api/...`` (its API): model 2 and on are apps of their
own, mounted there. Model 1 is the server's own app, at ``/`` and ``/api/...`` as ever, and at
``/models/1/...`` too (:class:`ModelOne`), so that a client that builds a model's address from
its name reaches model 1 as it reaches the others. Any other ``/models/NAME/...`` is answered
by :func:`no_model`: a 404 saying how many models there are and where, JSON like every error of
the API; ``/models/NAME/`` is the page, whose script says there is no such model and links to
those there are.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import ApiError

__all__ = ["ModelOne", "add_routes", "no_model_message"]

#: Where model 1 is found besides ``/`` and ``/api``.
ONE = "/models/1"
#: An address naming no model is that, whatever the method.
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ModelOne:
    """ASGI middleware: a request to ``/models/1/...`` is answered as ``/...`` is, by the app it
    wraps (model 1's), as if that app were mounted at ``/models/1``: its ``root_path`` says so
    (the address its training run's events are at, its ``/docs``' schema), and its errors name
    the path that was asked. ``/models/1/models/...`` is not: the other models are not under
    model 1's address."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            mount = scope.get("root_path", "") + ONE
            path = scope["path"]
            if path.startswith(mount + "/") and not path.startswith(mount + "/models/"):
                scope = {**scope, "root_path": mount}
        await self.app(scope, receive, send)


def add_routes(app: FastAPI, page: Path) -> None:
    """Model 1 under ``/models/1`` too, and :func:`no_model`'s answer under every other
    ``/models/NAME/`` (after the other models' mounts: a path one of them takes is theirs).
    ``page`` is the page's file."""
    app.add_middleware(ModelOne)

    async def no_model(request: Request):
        """A 404 for an address under ``/models/NAME/`` that no model takes: the page for
        ``/models/NAME/`` itself (it says what there is), else a JSON error saying it."""
        name, rest = request.path_params["name"], request.path_params["rest"]
        models = request.app.state.models
        if any(m["name"] == name for m in models):  # (model 1's, under /models/1/models/...)
            raise StarletteHTTPException(404)
        if not rest and request.method in ("GET", "HEAD"):
            return FileResponse(page, status_code=404, headers={"Cache-Control": "no-cache"})
        raise ApiError(404, no_model_message(request.url.path, name, list(models)))

    app.add_route("/models/{name}/{rest:path}", no_model, methods=_EVERY_METHOD,
                  include_in_schema=False)


def no_model_message(path: str, name: str, models: list[dict]) -> str:
    """The one line an address naming model ``name``, which ``models`` (``GET /api/models``'
    list) does not hold, is answered with."""
    where = ", ".join(f"model {m['name']} at {m['api']}" + (
        f" (or {alias})" if m["api"] != (alias := f"/models/{m['name']}/api") else "")
        for m in models)
    count = f"{len(models)} model{'s' if len(models) != 1 else ''}"
    return (f"{path}: no model {name} on this server, which serves {count}: {where}; ask "
            "one of those (GET /api/models lists them; the page shows model N at /?model=N)")
