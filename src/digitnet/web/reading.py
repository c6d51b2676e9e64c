"""What a predict request holds, turned into the input the network reads.

A drawing arrives as JSON ``{"pixels": [[...], ...]}`` (with the learner's changes to the
network, ``off`` and ``edits``, if any), parsed and checked once, by
:class:`~digitnet.web.schemas.PredictRequest`; an image file arrives as the multipart field
``file``. Both then go through :func:`digitnet.preprocess.to_mnist`, as ``digitnet predict``
does, and anything wrong with them is an :class:`ApiError` with a one-line message.
"""

from __future__ import annotations

import itertools

import numpy as np
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import DigitnetError
from ..poke import Changes
from ..preprocess import to_mnist
from . import schemas
from .errors import ApiError, describe_validation_errors

__all__ = ["read_input", "parse_drawing", "grid_array", "to_input", "INLINE_PIXELS"]

#: Drawings up to this many cells are preprocessed on the event loop (well under a millisecond);
#: larger ones, and uploaded files, in a worker thread, so that other requests are not held up.
INLINE_PIXELS = 160 * 160
_UPLOAD_HINT = "send the image as a multipart form field named 'file' (curl -F file=@digit.png)"


async def read_input(request: Request) -> tuple[np.ndarray, Changes]:
    """The preprocessed input of a predict request, shape (784,) float32 in [0, 1], and the
    changes to the network it asks for (none for an uploaded file)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        body = parse_drawing(await request.body())
        grid = grid_array(body.pixels)
        if grid.size <= INLINE_PIXELS:
            return to_input(grid, "the drawing"), body.changes()
        return await run_in_threadpool(to_input, grid, "the drawing"), body.changes()
    if ctype == "multipart/form-data":
        data, name, changes = await _upload(request)
        return await run_in_threadpool(to_input, data, name), changes
    raise ApiError(415, f"send JSON {{\"pixels\": [[...], ...]}} (Content-Type: application/json) "
                        f"or an image as multipart/form-data field 'file'; got Content-Type "
                        f"{ctype or 'none'}")


def parse_drawing(raw: bytes) -> schemas.PredictRequest:
    """A JSON predict body, parsed; ApiError 422 saying what is wrong with any body the schema
    refuses."""
    try:
        return schemas.PredictRequest.model_validate_json(raw)
    except ValidationError as e:
        raise ApiError(422, describe_validation_errors(e.errors())) from None


def grid_array(rows: list[list[float]]) -> np.ndarray:
    """A drawing's rows (checked by the schema to have one length) as one array, shape
    (height, width) float32. (fromiter takes half the time np.asarray does to read a list of
    lists.)"""
    values = itertools.chain.from_iterable(rows)
    return np.fromiter(values, np.float32, len(rows) * len(rows[0])).reshape(len(rows), -1)


def to_input(image, name: str) -> np.ndarray:
    """Preprocess like MNIST (:func:`~digitnet.preprocess.to_mnist`), then flatten: (784,)
    float32 in [0, 1]. ``image`` is a grid or an image file's bytes; ``name`` names it in
    errors."""
    try:
        x = to_mnist(image, name=name)
    except DigitnetError as e:
        raise ApiError(422, str(e)) from None
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1)


async def _upload(request: Request) -> tuple[bytes, str, Changes]:
    """The bytes of the multipart field ``file``, what to call it in errors, and the changes
    of the optional field ``changes`` (JSON, as a JSON body's ``off`` and ``edits``)."""
    try:
        form = await request.form(max_files=1, max_fields=10,
                                  max_part_size=schemas.MAX_BODY_BYTES)
    except StarletteHTTPException as e:
        if e.status_code != 400:  # (413: the body limit's answer)
            raise
        raise ApiError(422, f"the multipart form cannot be read ({e.detail}); "
                            f"{_UPLOAD_HINT}") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, f"file: missing; {_UPLOAD_HINT}")
        extra = sorted(set(form.keys()) - {"file", "changes"})
        if extra:  # (the schema allows no other field)
            raise ApiError(422, f"{extra[0]}: not a field this request knows; send the image "
                                f"as the field 'file' (and the changes, if any, as 'changes')")
        data = await upload.read()
        changes = _form_changes(form.get("changes"))
    finally:
        await form.close()
    name = upload.filename or "upload"
    if not data:
        raise ApiError(422, f"file: {name} is empty; send an image file")
    return data, f"file {name}", changes


def _form_changes(field) -> Changes:
    """The learner's changes sent with an upload, as the form field ``changes``: JSON
    ``{"off": [...], "edits": [...]}``, checked like a JSON body's."""
    if field is None:
        return Changes()
    if not isinstance(field, str):
        raise ApiError(422, "changes: must be a text field holding JSON such as "
                            "{\"off\": [[1, 3]]}, not a file")
    try:
        body = schemas.ChangesRequest.model_validate_json(field)
    except ValidationError as e:
        raise ApiError(422, "changes: " + describe_validation_errors(e.errors())) from None
    return body.changes()
