"""What a predict request holds, turned into the input the network reads.

A drawing arrives as JSON ``{"pixels": [[...], ...]}`` (with the learner's changes to the
network, ``off`` and ``edits``, if any), parsed and checked once, by
:class:`~digitnet.web.schemas.PredictRequest`; a file arrives as the multipart field ``file``,
or as the raw bytes of the body (Content-Type ``audio/*``, ``image/*`` or
``application/octet-stream``). For a model of pictures, drawings and image files are read as it
reads pictures (:func:`digitnet.preparation.picture`: a model of digits through
:func:`digitnet.preprocess.to_mnist`, one of frames as they are); a model of recordings
(:class:`~digitnet.inputs.Audio`) hears a recording through its own front end
(:func:`digitnet.audio.picture`), as ``digitnet predict`` does. Anything wrong with them is an
:class:`ApiError` with a one-line message.
"""

from __future__ import annotations

import itertools

import numpy as np
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import inputs, kinds
from ..errors import DigitnetError
from ..inputs import Audio
from ..network import Network
from ..poke import Changes
from ..preparation import picture
from . import schemas
from .errors import ApiError, check_depth, describe_validation_errors

__all__ = ["read_input", "read_form", "parse_drawing", "grid_array", "to_input", "heard",
           "heard_picture", "elsewhere", "reader_elsewhere", "INLINE_BYTES"]

#: Drawings whose JSON is up to this many bytes (the page's 56x56 grid takes about 20 KB) are
#: parsed and preprocessed on the event loop (about a millisecond); larger ones, and uploaded
#: files, in a worker thread, so that other requests are not held up meanwhile (parsing a
#: 1000x1000 drawing's JSON alone takes a good part of a second).
INLINE_BYTES = 64 * 1024


_RAW = ("audio/", "image/", "application/octet-stream")  # a body that is a file's bytes


async def read_input(request: Request, net: Network) -> tuple[np.ndarray, Changes]:
    """The input of a predict request as ``net`` reads it, shape (sizes[0],) float32 in [0, 1],
    and the changes to the network it asks for (none for a file sent as the raw body)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    front_end = inputs.audio_of(net)
    if ctype == "application/json" or ctype.endswith("+json"):
        if front_end is not None:
            raise ApiError(422, f"this model hears recordings, not drawings: {_HINT_SOUND}"
                                + elsewhere(request, "drawing"))
        raw = await request.body()
        if len(raw) <= INLINE_BYTES:
            return _drawing_input(raw, net)
        return await run_in_threadpool(_drawing_input, raw, net)
    if ctype == "multipart/form-data":
        data, name, changes = await _upload(request, net)
    elif ctype.startswith(_RAW):
        data, name, changes = await request.body(), "the body", Changes()
        if not data:
            raise ApiError(422, f"the body is empty; {_hint(front_end)}")
    else:
        raise ApiError(415, f"{_hint(front_end)}; got Content-Type {ctype or 'none'}")
    try:
        if front_end is not None:
            return await run_in_threadpool(heard, data, front_end, name), changes
        return await run_in_threadpool(to_input, data, name, inputs.of(net)), changes
    except ApiError as e:  # a recording sent to a model of pictures, say: which model hears it?
        kind = kinds.kind_of_bytes(data)
        if kind is None or kind == inputs.of(net).kind:
            raise
        raise ApiError(e.status, e.message + elsewhere(request, kind)) from None


#: What a model of each kind does with its examples, and what they are called (kinds.WORDS; a
#: drawing, the page's own example, is read by a model of pictures).
_KINDS = {"audio": ("hears", kinds.WORDS["audio"]), "images": ("reads", kinds.WORDS["images"]),
          "drawing": ("reads", "drawings")}


def elsewhere(request: Request, kind: str) -> str:
    """Where to take an example of ``kind`` ("audio", "images" or "drawing") that the model
    asked does not read, when another model of the server does: "; model 2 of this server
    hears recordings: open its page, /?model=2 (its API: /models/2/api/predict)"; else "".
    The page shows these words to whoever uploaded the file, so its page comes first."""
    other = reader_elsewhere(request, kind)
    if not other:
        return ""
    does, what = _KINDS[kind]
    return (f"; model {other['name']} of this server {does} {what}: open its page, "
            f"/?model={other['name']} (its API: {other['api']}/predict)")


def reader_elsewhere(request: Request, kind: str) -> dict | None:
    """The first other model of the server the request asked whose examples are of ``kind``
    ("audio", "images" or "drawing"), as ``GET /api/models`` lists it (its ``name`` and
    ``api``, "/models/2/api"); None if there is none."""
    models = getattr(request.app.state, "models", None)
    return models.reading("images" if kind == "drawing" else kind,
                          besides=request.app.state.served) if models else None


_HINT_IMAGE = ("send JSON {\"pixels\": [[...], ...]} (Content-Type: application/json), or an "
               "image as the multipart form field 'file' (curl -F file=@digit.png) or as the body")
_HINT_SOUND = ("send a recording as the multipart form field 'file' (curl -F file=@seven.wav) "
               "or as the body (Content-Type: audio/wav)")


def _hint(front_end: Audio | None) -> str:
    return _HINT_IMAGE if front_end is None else _HINT_SOUND


def _drawing_input(raw: bytes, net: Network) -> tuple[np.ndarray, Changes]:
    """A JSON predict body's drawing as the network reads it, and the changes it asks for
    (of ``net``: an edge edit's defaults are its)."""
    body = parse_drawing(raw)
    return to_input(grid_array(body.pixels), "the drawing", inputs.of(net)), body.changes(net)


def parse_drawing(raw: bytes) -> schemas.PredictRequest:
    """A JSON predict body, parsed; ApiError 422 saying what is wrong with any body the schema
    refuses."""
    check_depth(raw, schemas.PredictRequest)
    try:
        return schemas.PredictRequest.model_validate_json(raw)
    except ValidationError as e:
        message = describe_validation_errors(e.errors(), schemas.PredictRequest)
        raise ApiError(422, message) from None


def grid_array(rows: list[list[float]]) -> np.ndarray:
    """A drawing's rows (checked by the schema to have one length) as one array, shape
    (height, width) float32. (fromiter takes half the time np.asarray does to read a list of
    lists.)"""
    values = itertools.chain.from_iterable(rows)
    return np.fromiter(values, np.float32, len(rows) * len(rows[0])).reshape(len(rows), -1)


def heard(recording: bytes, front_end: Audio, name: str) -> np.ndarray:
    """The picture of a recording's sound that a model of recordings hears
    (:func:`digitnet.audio.picture` with its front end), flattened: (bands * frames,) float32
    in [0, 1], as training scales the pictures. ``name`` names it in errors."""
    from .. import audio

    try:
        picture = audio.picture(recording, front_end, name=name)
    except DigitnetError as e:
        raise ApiError(422, str(e)) from None
    # times float32(1 / 255), as training and every other path scale uint8 pixels (the same bits)
    return np.multiply(picture.reshape(-1), np.float32(1 / 255), dtype=np.float32)


def heard_picture(grid: np.ndarray, front_end: Audio) -> np.ndarray:
    """A picture a model of recordings heard, sent back (the ``input`` of /api/predict's answer),
    as its input row: (bands * frames,) float32 in [0, 1] as it came; a drawing is refused, as
    no preprocessing turns one into a sound."""
    if grid.shape != front_end.image_shape:
        bands, frames = front_end.image_shape
        raise ApiError(422, f"this model hears recordings: send the picture of the sound it heard, "
                            f"{bands} rows (mel bands) of {frames} values (time frames), as "
                            f"/api/predict's answer gives it in 'input'; got {grid.shape[0]} rows "
                            f"of {grid.shape[1]}")
    return np.ascontiguousarray(grid, dtype=np.float32).reshape(-1)


def to_input(image, name: str, reads=None) -> np.ndarray:
    """Read as a model of input record ``reads`` reads a picture
    (:func:`digitnet.preparation.picture`; None: like MNIST's digits, by
    :func:`~digitnet.preprocess.to_mnist`), then flatten: (784,) float32 in [0, 1]. ``image``
    is a grid or an image file's bytes; ``name`` names it in errors."""
    try:
        x = picture(image, reads, name=name)
    except DigitnetError as e:
        raise ApiError(422, str(e)) from None
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1)


async def _upload(request: Request, net: Network) -> tuple[bytes, str, Changes]:
    """The bytes of the multipart field ``file``, what to call it in errors, and the changes
    of the optional field ``changes`` (JSON, as a JSON body's ``off`` and ``edits``) to
    ``net``."""
    front_end = inputs.audio_of(net)
    form = await read_form(request, _hint(front_end), max_files=1, max_fields=10,
                           max_part_size=schemas.MAX_BODY_BYTES)
    try:
        upload = form.get("file")
        if upload is None:
            raise ApiError(422, f"file: missing; {_hint(front_end)}")
        if isinstance(upload, str):  # (curl -F file=digit.png, without the @, sends its name)
            raise ApiError(422, "file: is a text field, not an uploaded file (curl uploads a "
                                f"file given with an @ before its name); {_hint(front_end)}")
        extra = sorted(set(form.keys()) - {"file", "changes"})
        if extra:  # (the schema allows no other field)
            raise ApiError(422, f"{extra[0]}: not a field this request knows; send the "
                                f"{'image' if front_end is None else 'recording'} as the field "
                                "'file' (and the changes, if any, as 'changes')")
        data = await upload.read()
        changes = _form_changes(form.get("changes"), net)
    finally:
        await form.close()
    name = upload.filename or "upload"
    if not data:
        raise ApiError(422, f"file: {name} is empty; send "
                            f"{'an image file' if front_end is None else 'a recording'}")
    return data, f"file {name}", changes


async def read_form(request: Request, hint: str, **limits):
    """The request's multipart form (Starlette's ``request.form(**limits)``); a form that cannot
    be read, or goes past ``limits``, is an ApiError 422 ending with ``hint``, what to send."""
    try:
        return await request.form(**limits)
    except StarletteHTTPException as e:
        if e.status_code != 400:  # (413: the body limit's answer)
            raise
        raise ApiError(422, f"the multipart form cannot be read ({e.detail}); {hint}") from None


def _form_changes(field, net: Network) -> Changes:
    """The learner's changes to ``net`` sent with an upload, as the form field ``changes``:
    JSON ``{"off": [...], "edits": [...]}``, checked like a JSON body's."""
    if field is None or (isinstance(field, str) and not field.strip()):
        return Changes()  # (an HTML form sends its empty fields)
    if not isinstance(field, str):
        raise ApiError(422, "changes: must be a text field holding JSON such as "
                            "{\"off\": [[1, 3]]}, not a file")
    check_depth(field, schemas.ChangesRequest, whole="changes: the field")
    try:
        body = schemas.ChangesRequest.model_validate_json(field)
    except ValidationError as e:
        raise ApiError(422, "changes: " + describe_validation_errors(
            e.errors(), schemas.ChangesRequest, whole="the field")) from None
    return body.changes(net)
