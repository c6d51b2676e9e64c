"""Every error the web API returns is JSON ``{"error": "one line a person can act on"}``.

Validation errors keep FastAPI's status 422 but say in words which value is wrong, e.g.
``pixels[3][5]: must be between 0 and 1, got 1.5; send brightness values (divide 0-255 by 255)``.
A 405 names every method the path takes, in its message and its ``Allow`` header. A JSON body
nested deeper than :data:`digitnet.jsontext.MAX_DEPTH` is refused before it is parsed
(:class:`DepthCheckedRoute`), whatever the depth Python's parser would reach. A client that
goes away before its request is read is not answered, and leaves nothing in the server's output.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount

from ..errors import DigitnetError, one_line
from ..jsontext import MAX_DEPTH, nesting
from ..poke.reading import OPS
from .schemas import EDITS, MAX_GRID, MIN_GRID

__all__ = ["ApiError", "install_error_handlers", "describe_validation_errors", "error_response",
           "allowed_methods", "body_model", "DepthCheckedRoute",
           "check_depth"]


class ApiError(Exception):
    """An answer other than 2xx, with its status and one-line message."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """The answer to every error: ``{"error": message}`` with ``status``. The message stays one
    line whatever it quotes from the request (a field name with a line break in it, say): a
    character that is not printable is written as its escape (``\\n``)."""
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at the request's path, sorted.

    Starlette's own 405 lists only the methods of the first route whose path matched; a path
    served by several routes (GET, POST and DELETE /api/train) takes the methods of them all.
    """
    methods: set[str] = set()
    for route in request.app.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route_methods
    return sorted(methods)


def body_model(request: Request) -> type | None:
    """The model (:mod:`~digitnet.web.schemas`) the request's route reads its JSON body as; None
    for a route that reads no JSON body, or reads it itself (POST /api/predict)."""
    field = getattr(request.scope.get("route"), "body_field", None)
    return getattr(getattr(field, "field_info", None), "annotation", None)


class DepthCheckedRoute(APIRoute):
    """A route whose JSON body, if it reads one, is refused (422) when it is nested deeper than
    :data:`~digitnet.jsontext.MAX_DEPTH`, before FastAPI parses it: Python's parser, which
    FastAPI uses, reads as deep as the interpreter's recursion limit lets it, and other
    libraries raise that limit. (A route that reads its body itself calls :func:`check_depth`.)"""

    def get_route_handler(self):
        handle = super().get_route_handler()
        if self.body_field is None:
            return handle

        async def checked(request: Request):
            ctype = request.headers.get("content-type", "")
            subtype = ctype.split(";")[0].strip().lower().rpartition("/")[2]
            if not ctype or subtype == "json" or subtype.endswith("+json"):  # as FastAPI reads
                check_depth(await request.body(), body_model(request))
            return await handle(request)

        return checked


def check_depth(raw: bytes | str, model: type | None, whole: str = "the body") -> None:
    """ApiError 422 if the JSON text ``raw``, which ``model`` reads, is nested deeper than
    :data:`~digitnet.jsontext.MAX_DEPTH` (``whole`` names it: "the field")."""
    depth = nesting(raw)
    if depth > MAX_DEPTH:
        raise ApiError(422, f"{_NESTED.replace('the body', whole)} ({depth} levels; at most "
                            f"{MAX_DEPTH} are read); {_send(model)}")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with ``{"error": ...}``: ours, FastAPI's, Starlette's, and bugs."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        return error_response(422, describe_validation_errors(exc.errors(), body_model(request),
                                                              ctype))

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect):
        # The client went away while its request was read (a phone that left the wifi during
        # an upload): nobody is left to answer, and nothing went wrong here to report.
        return None

    @app.exception_handler(DigitnetError)
    async def digitnet_error(request: Request, exc: DigitnetError):
        # 422, or the status the error's class names (409: the server lacks what it needs)
        return error_response(getattr(exc, "http_status", 422), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's answer to a body its JSON parser raised on other than as invalid JSON
            return error_response(422, f"{_unparsed(exc.__cause__)}; {_send(body_model(request))}")
        if exc.status_code == 404 and message == "Not Found":  # (under this app's mount)
            root = _app_root(request)
            message = (f"no such page: {request.url.path}; the page is at {root}/, the API under "
                       f"{root}/api (documented at {root}/docs)")
        elif exc.status_code == 405:
            allowed = ", ".join(allowed_methods(request))
            message = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
            return error_response(405, message, {**(exc.headers or {}), "Allow": allowed})
        return error_response(exc.status_code, message, exc.headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        return error_response(500, f"internal error ({type(exc).__name__}); this is a bug in "
                                   "digitnet, please report it with the request that caused it")


def _app_root(request: Request) -> str:
    """The path the app answering ``request`` is served under: "" for the server's own app,
    "/models/2" for model 2's (behind a proxy, with its prefix), whatever mount of the app's
    own (its ``/static`` files) took the request on."""
    root, inner = request.scope.get("root_path", ""), request.scope.get("endpoint")
    mount = next((r.path for r in request.app.routes if isinstance(r, Mount) and r.app is inner),
                 "")
    return root.removesuffix(mount)


def describe_validation_errors(errors, model: type | None = None,
                               content_type: str | None = None, whole: str = "the body") -> str:
    """One line from pydantic's list of errors: the first, in words, and how many more.

    ``model`` is the request's body model, whose ``example`` an error about the whole body
    shows; ``content_type`` the Content-Type it came with (FastAPI hands a body that is not sent
    as JSON to the model as bytes); ``whole`` what the JSON came as ("the field", for a form's
    field of JSON)."""
    errors = sorted(errors, key=lambda e: e.get("type") != "missing")  # the most useful first
    if not errors:
        return "the request is not valid"
    first = _describe_body(errors[0], model, content_type, whole) or _describe(errors[0], whole)
    more = len(errors) - 1
    return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


_NOT_UTF8 = "the body is not valid JSON: it is not UTF-8 text"
_NESTED = "the body's lists and objects are nested too deeply to read"
#: An edit, as a refusal of something else in its place shows one.
EDIT_EXAMPLE = '{"op": "bias", "layer": 1, "neuron": 3, "value": 2.0}'
#: What a list too long holds, by its field's name.
_ITEMS = {"off": "pairs", "edits": "edits", "cells": "cells", "hidden": "hidden layers"}


def _send(model: type | None) -> str:
    """What to send: a JSON object, such as ``model``'s example if it has one."""
    return "send a JSON object" + _such_as(model)


def _such_as(model: type | None) -> str:
    example = getattr(model, "example", None)
    return f" such as {example}" if example else ""


def _describe_body(e: dict, model: type | None, content_type: str | None,
                   whole: str) -> str | None:
    """The message of an error about the body as a whole: empty, not UTF-8, sent as another
    Content-Type than JSON, or not a JSON object; None for an error about a part of it."""
    kind, value = e.get("type", ""), e.get("input")
    if _where(e.get("loc", ())):
        return None
    raw = value if isinstance(value, (bytes, bytearray)) else None
    if kind == "missing" or (kind == "json_invalid" and raw == b""):
        return f"{whole} is empty; {_send(model)}"
    if kind == "json_invalid" and raw is not None and not _is_utf8(raw):
        return f"{_NOT_UTF8.replace('the body', whole)}; {_send(model)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if raw is not None:  # FastAPI reads a body as JSON only if it is sent as JSON
            return (f"the body is sent as Content-Type {content_type or 'none'}, not as JSON; "
                    f"{_send(model)} with the header Content-Type: application/json")
        return f"{whole} must be a JSON object" + _such_as(model)
    return None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _unparsed(cause: BaseException | None) -> str:
    """Why a body could not be parsed, from what the JSON parser raised: not UTF-8 text, or
    lists and objects nested deeper than it goes."""
    if isinstance(cause, RecursionError):
        return _NESTED
    if isinstance(cause, UnicodeError):
        return _NOT_UTF8
    return f"the body cannot be read as JSON ({type(cause).__name__})"


def _json_kind(value) -> str:
    """What JSON value ``value`` came as: "a list", "an object", "null"."""
    return {list: "a list", dict: "an object", type(None): "null"}.get(
        type(value), "a " + type(value).__name__)


def _where(loc) -> str:
    parts = [p for p in loc if p not in ("body", "path", "query", "header")]
    # An edit's errors name its op after its place ("edits", 0, "bias", "layer"): the op is
    # the edit's own field, not a place in the request.
    parts = [p for i, p in enumerate(parts)
             if not (p in OPS and i >= 2 and isinstance(parts[i - 1], int)
                     and parts[i - 2] == "edits")]
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text


def _describe(e: dict, whole: str = "the body") -> str:
    kind, loc, value = e.get("type", ""), e.get("loc", ()), e.get("input")
    where = _where(loc)
    scalar = isinstance(value, (int, float, str, bool)) and len(repr(value)) < 40
    shown = (json.dumps(value) if isinstance(value, bool) else repr(value)) if scalar else None
    in_pixels = bool(loc) and "pixels" in loc
    if kind == "json_invalid":
        why = e.get("ctx", {}).get("error", e.get("msg"))
        if "recursion limit" in str(why):
            return _NESTED.replace("the body", whole)
        return f"{whole} is not valid JSON ({why})"
    if kind == "missing":
        if where == "pixels" or where.startswith("pixels"):
            return "pixels: missing; send {\"pixels\": [[...], ...]}, rows of brightness 0..1"
        op = loc[-2] if len(loc) > 3 and loc[-4] == "edits" and loc[-2] in OPS else None
        if op is not None:  # an edit's own field: what its op needs, not only the first missing
            needs = ["op", "layer", "neuron", *(k for k in OPS[op]
                                                if EDITS[op].model_fields[k].is_required())]
            return (f"{where}: missing; {'an' if op[0] in 'aeiou' else 'a'} {op} edit needs "
                    f"{', '.join(needs[:-1])} and {needs[-1]}")
        return f"{where}: missing"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("input_id",):
        return (f"{where}: must be an input_id as a /api/predict answer gives it (16 characters, "
                f"0-9 and a-f), got {shown}; POST the input to /api/predict for one")
    if kind in ("union_tag_not_found", "union_tag_invalid"):  # an edit's "op"
        ops, tag = ", ".join(OPS), e.get("ctx", {}).get("tag")
        if kind == "union_tag_not_found":
            return f"{where}.op: missing; one of {ops}"
        return f"{where}.op: must be one of {ops}, got {tag!r}"
    if kind == "list_type" and loc[-1:] == ("edits",):
        return (f"{where}: expected a list of edits such as [{EDIT_EXAMPLE}], got "
                f"{shown or _json_kind(value)}")
    if kind in ("model_type", "model_attributes_type", "dict_type") and loc[-2:-1] == ("edits",):
        return (f"{where}: expected an edit, a JSON object such as {EDIT_EXAMPLE}, got "
                f"{shown or _json_kind(value)}")
    if kind == "extra_forbidden":
        return f"{where}: not a field this request knows; remove it"
    if in_pixels:
        if kind == "finite_number":
            return f"{where}: must be a finite number between 0 and 1, got NaN or infinity"
        if kind in ("float_type", "float_parsing"):
            got = shown or "a " + type(value).__name__
            return f"{where}: must be a number between 0 and 1, got {got}"
        if kind in ("greater_than_equal", "less_than_equal"):
            return (f"{where}: must be between 0 and 1, got {shown}; send brightness values "
                    "(divide 0-255 pixels by 255)")
        if kind in ("too_short", "too_long", "list_type"):
            item = "row" if where == "pixels" else "value"
            n = e.get("ctx", {}).get("actual_length")
            # ("1001 rows", as "8 to 1000 rows" is written: not words.counted's "1,001")
            got = f"{n} {item}{'s' * (n != 1)}" if n is not None else shown or type(value).__name__
            return (f"{where}: must be a list of {MIN_GRID} to {MAX_GRID} {item}s, got {got}; "
                    "send a grid of rows of brightness values, such as 28 rows of 28")
    if kind == "too_long" and loc and isinstance(loc[-1], str):
        ctx = e.get("ctx", {})
        items = _ITEMS.get(loc[-1], "items")
        return (f"{where}: at most {ctx.get('max_length')} {items}, got "
                f"{ctx.get('actual_length')}; send fewer")
    if loc[:2] == ("body", "off") or loc[:1] == ("off",):
        got = f", got {shown or 'a ' + type(value).__name__}"
        if where == "off":
            return f"off: expected a list of [layer, neuron] pairs such as [[1, 3], [2, 0]]{got}"
        if where.count("[") == 1:
            return f"{where}: expected a [layer, neuron] pair such as [1, 3]{got}"
        part = ("layer", "neuron")[where.endswith("[1]")]
        return f"{where}: expected a whole number (the {part}){got}"
    msg = e.get("msg", "is not valid")
    msg = msg[0].lower() + msg[1:] if msg else msg
    return f"{where or 'request'}: {msg}" + (f", got {shown}" if shown else "")
