"""Teaching a model of spoken digits a voice from the page: ``POST /api/voice``.

The learner says each digit a few times on the page (or uploads recordings); they arrive
together as one multipart form: a ``file`` field for each recording and a ``digit`` field for
each, in the same order, naming what it says. The served network is fine-tuned on them as
``digitnet train --init MODEL --data my-voice/`` fine-tunes it (the default recipe shaped by
:func:`digitnet.recipes.for_data` with ``init``, so :data:`~digitnet.recipes.VOICE`), in the
server's training thread, one run at a time as with ``POST /api/train``: its progress streams
at ``/api/train/events``, and the fine-tuned network is served when it ends.

The last recording of each digit is held out: the ``done`` event gives the accuracy on those
before fine-tuning (``before``) and after (``val_accuracy``), so the learner sees what teaching
changed on recordings it did not learn from. Hence at least :data:`MIN_PER_DIGIT` of each.
A recording the front end refuses (silent, clipped, noise, too long, not audio) is a 422
naming it; nothing is trained then.

``POST /api/voice/recordings`` takes the same form and answers the recordings as one zip file
to keep (``my-voice/DIGIT/N.wav``), so that what was said on the page is not lost with the page
and can teach a model from the command line too.
"""

from __future__ import annotations

import collections
import io
import zipfile
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Header, Request
from fastapi.responses import Response
from fastapi.concurrency import run_in_threadpool

from .. import audio, datasets, inputs, recipes, recordings, words
from ..config import PRESETS
from ..errors import DigitnetError
from ..soundcheck import FORMATS
from . import schemas, views
from .classroom import TOKEN_HEADER
from .errors import ApiError
from .reading import read_form, reader_elsewhere
from .training import TrainerBusy, run_status

__all__ = ["add_routes", "MIN_PER_DIGIT", "MAX_RECORDINGS", "MAX_VOICE_BYTES", "PATHS",
           "BODY_LIMITS"]

#: Recordings of each digit needed: one held out to check on, the others taught.
MIN_PER_DIGIT = 2
#: At most this many recordings in one request.
MAX_RECORDINGS = 200
#: A voice's form may be this large (the other requests: schemas.MAX_BODY_BYTES): the page's
#: recordings are WAV at the microphone's rate, about 100 KB a second.
MAX_VOICE_BYTES = 32 * 1024 * 1024
#: Who the recordings are by, in the fine-tuned model's record of its data.
SPEAKER = "voice"

_FIELDS = "a 'file' field for each recording and a 'digit' field for each, in the same order"
#: The routes' paths, and the body limit they take (BodySizeLimit's ``larger``).
PATHS = ("/api/voice", "/api/voice/recordings")
BODY_LIMITS = {path: (MAX_VOICE_BYTES, "fewer or shorter recordings") for path in PATHS}


def add_routes(app: FastAPI) -> None:
    app.add_api_route(PATHS[0], teach_voice, methods=["POST"],
                      response_model=schemas.TrainStatus, status_code=202, tags=["learning"],
                      openapi_extra=_VOICE_BODY,
                      responses={c: {"model": schemas.ErrorResponse, "description": d}
                                 for c, d in _ERRORS.items()})
    app.add_api_route(PATHS[1], voice_recordings, methods=["POST"],
                      response_class=Response, tags=["learning"], openapi_extra=_VOICE_BODY,
                      responses={200: {"description": "my-voice.zip: the recordings in class "
                                                      "folders, my-voice/DIGIT/N.wav",
                                       "content": {"application/zip": {"schema": {
                                           "type": "string", "format": "binary"}}}},
                                 **{c: {"model": schemas.ErrorResponse, "description": d}
                                    for c, d in _ERRORS.items() if c in (413, 415, 422)}})


_ERRORS = {
    403: "Training from the page is turned off on this server, or needs the token it printed",
    409: "A training run is already going",
    413: f"A form over {MAX_VOICE_BYTES // (1024 * 1024)} MB",
    415: "Not a multipart form",
    422: "Not a model of spoken digits; a recording that cannot be read; too few recordings of "
         "a digit; fields missing or not matching: the error says which, and what to do",
}

#: What a digit may be called: it names a folder of the zip of recordings.
_DIGIT_NAME = "^[0-9A-Za-z_-]{1,40}$"

_VOICE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "digit"], "additionalProperties": False,
    "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": f"The recordings ({FORMATS}), each of one digit."},
        "digit": {"type": "array", "items": {"type": "string", "pattern": _DIGIT_NAME},
                  "description": "What each recording says, in the same order: one of the "
                                 "model's classes (\"0\" to \"9\")."},
    }}}}}}


async def teach_voice(request: Request, token: str | None = Header(
        None, alias=TOKEN_HEADER, description="The token digitnet serve printed at start, on "
                                              "a server that asks for one.")):
    """Fine-tune the served model of spoken digits on a voice: a few recordings of each digit
    (at least two: the last of each is held out to check on) as the multipart fields ``file``
    and ``digit``. The run is followed at ``/api/train/events`` like any training run; its
    ``done`` event gives the held-out recordings' accuracy before (``before``) and after
    (``val_accuracy``), and the fine-tuned network is then served."""
    request.app.state.access.check(token, "teaching a voice")
    net, _ = request.app.state.served.current
    front_end = _front_end(request, net, PATHS[0])
    sent = await _read_form(request)
    taught, held = await run_in_threadpool(_voice_data, sent, front_end,
                                           inputs.classes_of(net))
    config = recipes.for_data(PRESETS["default"], taught, (), init=net)
    trainer = request.app.state.trainer
    try:
        trainer.start(config, views.image_shape(net), data=taught, val=held, init=net)
    except TrainerBusy as e:
        raise ApiError(409, str(e)) from None
    return run_status(trainer, request.app.state.access, request.scope.get("root_path", ""))


async def voice_recordings(request: Request):
    """The recordings of a voice (the fields ``file`` and ``digit``, as ``POST /api/voice``
    takes them; any number of each digit) back as one zip file to keep: class folders of them,
    ``my-voice/7/1.wav``, which ``digitnet train --init MODEL --data my-voice/`` reads. Each
    is checked as teaching checks it (one of the served model's digits, a recording its front
    end reads), so that what is saved teaches. The server keeps nothing."""
    net, _ = request.app.state.served.current
    front_end = _front_end(request, net, PATHS[1])
    sent = await _read_form(request)
    if not sent:
        raise ApiError(422, f"no recordings to save; send {_FIELDS}")
    classes = inputs.classes_of(net)
    await run_in_threadpool(_read, _items(sent, classes), classes, front_end, "saved")
    kept, per_digit = io.BytesIO(), {}
    with zipfile.ZipFile(kept, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, digit in sent:
            per_digit[digit] = per_digit.get(digit, 0) + 1
            suffix = Path(name).suffix.lower()
            suffix = suffix if suffix in audio.AUDIO_EXTENSIONS else ".wav"
            archive.writestr(f"my-voice/{digit}/{per_digit[digit]}{suffix}", data)
    return Response(kept.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="my-voice.zip"'})


async def _read_form(request: Request) -> list[tuple[str, bytes, str]]:
    """(name, bytes, digit) of each recording sent."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != \
            "multipart/form-data":
        raise ApiError(415, f"send a multipart form: {_FIELDS}")
    form = await read_form(request, f"send {_FIELDS}, at most {MAX_RECORDINGS} recordings",
                           max_files=MAX_RECORDINGS, max_fields=2 * MAX_RECORDINGS,
                           max_part_size=MAX_VOICE_BYTES)
    try:
        extra = sorted(set(form.keys()) - {"file", "digit"})
        if extra:
            raise ApiError(422, f"{extra[0]}: not a field this request knows; send {_FIELDS}")
        files, digits = form.getlist("file"), form.getlist("digit")
        if any(isinstance(f, str) for f in files) or any(not isinstance(d, str) for d in digits):
            raise ApiError(422, f"'file' fields must be files and 'digit' fields text; send "
                                f"{_FIELDS}")
        if len(files) != len(digits):
            raise ApiError(422, f"{words.counted(len(files), 'recording')} and "
                                f"{words.counted(len(digits), 'digit')}; send {_FIELDS}")
        sent = []
        for k, (upload, digit) in enumerate(zip(files, digits, strict=True), start=1):
            sent.append((upload.filename or f"recording {k}", await upload.read(), digit.strip()))
        return sent
    finally:
        await form.close()


def _voice_data(sent: list[tuple[str, bytes, str]], front_end: inputs.Audio,
                classes: list[str]) -> tuple[datasets.Dataset, datasets.Dataset]:
    """The recordings as data (each made into the picture of its sound by the model's front
    end): those taught, and the last of each digit, held out."""
    items = _items(sent, classes)
    counts = collections.Counter(label for _, _, label, _ in items)
    few = [c for k, c in enumerate(classes) if counts[k] < MIN_PER_DIGIT]
    if few:
        raise ApiError(422, f"say each digit at least {MIN_PER_DIGIT} times (the last of each "
                            f"is kept to check on): too few of {', '.join(few)}")
    found = _read(items, classes, front_end)
    voice = datasets.from_recordings(found, "the voice taught on the page", "train", front_end)
    last = {label: i for i, label in enumerate(voice.labels.tolist())}
    held = np.isin(np.arange(len(voice)), list(last.values()))
    return voice.subset(~held), voice.subset(held, split="val")


def _front_end(request: Request, net, path: str) -> inputs.Audio:
    """The served model's front end for recordings; for a model of pictures, a 422 naming the
    model of this server that hears recordings (its address for ``path``, one of
    :data:`PATHS`), if one does (:func:`~digitnet.web.reading.reader_elsewhere`)."""
    front_end = inputs.audio_of(net)
    if front_end is None:
        other = reader_elsewhere(request, "audio")
        where = (f": model {other['name']} of this server is one; send the recordings to "
                 f"{other['api']}{path.removeprefix('/api')}, or open its page, "
                 f"/?model={other['name']}" if other
                 else " (serve one trained with --preset speech)")
        raise ApiError(422, "this model reads pictures, not recordings; teaching a voice is for "
                            "a model of spoken digits" + where)
    return front_end


def _items(sent: list[tuple[str, bytes, str]], classes: list[str]) -> list[tuple]:
    """(name, bytes, label, speaker) of each recording sent, its digit one of ``classes``."""
    items = []
    for name, data, digit in sent:
        if digit not in classes:
            raise ApiError(422, f"digit {digit!r} of {name}: not one of the model's classes "
                                f"({', '.join(classes)})")
        if not data:
            raise ApiError(422, f"{name}: empty; record the digit again")
        items.append((name, data, classes.index(digit), SPEAKER))
    return items


def _read(items: list[tuple], classes: list[str], front_end: inputs.Audio,
          done: str = "trained"):
    """The recordings read by the model's front end; a 422 naming each it cannot read, and
    why, when any: then nothing is ``done`` ("trained", "saved") with the others either."""
    try:
        found = recordings.read_items(items, tuple(classes), front_end, "voice/",
                                      "the recordings sent")
    except DigitnetError as e:
        raise ApiError(422, f"{e}; nothing was {done}") from None
    if found.skipped:  # some could not be read: say which, and keep nothing
        n, them = len(found.skipped), "them" if len(found.skipped) > 1 else "it"
        raise ApiError(422, f"{words.counted(n, 'recording')} of the {len(items)} sent cannot "
                            f"be used: {', '.join(found.skipped)}; record {them} again, or leave "
                            f"{them} out; nothing was {done}")
    return found
