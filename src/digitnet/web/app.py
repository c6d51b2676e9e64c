"""The web server behind ``digitnet serve``: the drawing page and the API it calls.

::

    from digitnet.web import create_app, serve
    app = create_app("digitnet-model.safetensors")     # or a Network; any ASGI server runs it
    serve(app, "127.0.0.1", 8000)                      # what `digitnet serve MODEL` does

Endpoints (all documented at ``/docs``; every error is JSON ``{"error": "..."}``). Layers are
numbered as in ``Network.sizes``: 0 is the input, 1 the first hidden layer, L the output layer.

``POST /api/predict``
    A drawing as JSON ``{"pixels": [[...], ...]}``, or a file as multipart field ``file`` or as
    the raw body: an image, or for a model of spoken digits a recording (soundcheck.FORMATS);
    answers the digit, the ten probabilities, the 28x28 input the network saw (for a recording,
    the picture of its sound) and z and a of layers 1 to L, plus an ``input_id`` naming the
    input for the neuron endpoint.
``GET /api/model``
    Sizes, parameter counts, metadata, and every weight and bias (to draw the connections).
``GET /api/neuron/{layer}/{index}``
    Neuron ``index`` of layer ``layer`` (1 to L): its incoming weights as an image, its bias, and
    what it computes for the input named by ``?input_id=`` (or the last one this client predicted).
``GET /api/models``
    The models served (``digitnet serve MODEL MODEL2 ...``): model N (the others each an app
    of its own, with every endpoint here) at ``/models/N/api/...``, the first at ``/api/...``
    too; the page shows model N at ``/?model=N`` (:mod:`~digitnet.web.addresses`).
``POST /api/train``, ``GET /api/train``, ``DELETE /api/train``, ``GET /api/train/events``
    Start, inspect or stop a short training run on the server's data; its progress streams as
    server-sent events. The new network is served once the run finishes.
``POST /api/voice``, ``POST /api/voice/recordings``
    Teach a model of spoken digits a voice: a few recordings of each digit fine-tune it, as a
    training run; or the recordings back as a zip to keep (:mod:`~digitnet.web.voice`).

A request goes through two middlewares (:class:`~digitnet.web.instance.ServerId`, which names
this server process in every answer's header, and :class:`~digitnet.web.bodylimit.BodySizeLimit`),
then its route here, which reads the request (:mod:`~digitnet.web.reading`), asks the network
(:mod:`~digitnet.web.views`) and answers one dict, serialised once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from .. import __version__, heldout, inputs, soundcheck
from ..heldout import recorded_data
from ..network import Network
from . import addresses, loading, poking, schemas, views, voice
from .bodylimit import BodySizeLimit
from .classroom import TOKEN_HEADER, TrainingAccess
from .errors import ApiError, DepthCheckedRoute, install_error_handlers
from .instance import ServerId
from .reading import read_input
from .served import HeldOutSource, Served, client_of, recalled
from .training import (
    Trainer,
    TrainerBusy,
    event_stream,
    last_seen,
    run_config,
    run_status,
)
from .views import JSONAnswer

__all__ = ["create_app", "recorded_data"]

STATIC = Path(__file__).parent / "static"

_DESCRIPTION = (
    "Draw a digit and watch the network from 3Blue1Brown's \"But what is a neural network?\" "
    "read it. Layers are numbered as in the video: 0 is the input (it has no weights), 1 the "
    "first hidden layer, and L the output layer. Every error is JSON {\"error\": \"...\"}.")


def create_app(model: str | Path | Network, *, data: Any = "mnist", held_out: Any = "auto",
               access: TrainingAccess | None = None,
               more: Sequence[str | Path | Network] = (), source: str | None = None) -> FastAPI:
    """The FastAPI application serving ``model`` and the drawing page (and ``more`` models).

    Parameters
    ----------
    model : path or Network
        A model file saved by ``digitnet train`` / :func:`digitnet.save` or an ``.onnx`` file
        (each read by :func:`digitnet.modelfile.load`), or a network.
    data : str, path or Dataset
        What training runs started from the page learn from: a dataset name or folder for
        :func:`digitnet.datasets.load` (loaded on the first run), or a Dataset.
    held_out : "auto", Dataset or None
        The digits poking the network is scored on: "auto" finds them in ``data`` (the model's
        validation split, else the test split: :func:`digitnet.heldout.held_out`), on first use,
        and again for each network a training run from the page serves.
    access : TrainingAccess, optional
        Who may start and stop training runs; anyone by default.
    more : sequence of paths or Networks
        Further models (a model of spoken digits beside one of handwritten ones, say), each
        served by an app of its own mounted at ``/models/N`` (N = 2, 3, ...), whose data is
        the one it records it was trained on (:func:`digitnet.heldout.own_data`). ``GET
        /api/models`` lists them all; ``model`` is at ``/models/1`` too, as well as ``/``.
    source : str, optional
        What the server calls the model (``GET /api/models``' ``source``): by default its
        file, or "an in-memory network".
    """
    served = [loading.loaded(model, source), *map(loading.loaded, more)]
    app = _model_app(*served[0], data, held_out, access, _heard(served))
    app.state.mounted, app.state.models = [], loading.ServedModels()
    app.state.models.add("1", "/api", app.state.served)
    for number, (net, name) in enumerate(served[1:], start=2):
        sub = _model_app(net, name, heldout.own_data(net), "auto", access, _heard([(net, name)]))
        app.mount(f"/models/{number}", sub)
        app.state.mounted.append(sub)
        app.state.models.add(str(number), f"/models/{number}/api", sub.state.served)
        sub.state.mounted, sub.state.models = [], app.state.models  # (each lists them all)
    addresses.add_routes(app, STATIC / "index.html")  # (model 1 at /models/1 too; no model 4)
    return app


def _heard(served: list[tuple[Network, str]]) -> dict[str, int]:
    """BodySizeLimit's ``heard``: the predict route of each model of recordings served (as
    the first one's app names them) takes a recording of up to MAX_RECORDING_BYTES."""
    return {("/api" if n == 1 else f"/models/{n}/api") + "/predict": schemas.MAX_RECORDING_BYTES
            for n, (net, _) in enumerate(served, start=1) if inputs.audio_of(net) is not None}


def _model_app(net: Network, source: str, data: Any, held_out: Any,
               access: TrainingAccess | None, heard: dict[str, int]) -> FastAPI:
    """The app of one model: its page, its API (:func:`create_app`'s arguments; :func:`_heard`)."""
    served = Served(net, source)
    trainer = Trainer(data, net=net,
                      on_done=lambda net: served.swap(
                          net, "fine-tuned to a voice on the page" if net.metadata.get("init")
                          else "trained from the page"))

    # FastAPI's /docs loads Swagger UI from a CDN; fastapi-offline serves the same files from
    # its package, so the documentation works with no internet. No /redoc: ReDoc fetches its
    # logo from the web whatever it is given.
    app = FastAPIOffline(static_url="/static/docs", redoc_url=None, title="digitnet",
                         version=__version__, description=_DESCRIPTION, lifespan=_lifespan)
    app.router.route_class = DepthCheckedRoute  # (every route below is added as one)
    app.state.served, app.state.trainer = served, trainer
    app.state.held_out = HeldOutSource(served, functools.partial(
        loading.held_out, data=data if held_out == "auto" else held_out))
    app.state.access = access or TrainingAccess()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=schemas.MAX_BODY_BYTES, larger=voice.BODY_LIMITS,
                       heard=heard)
    app.add_middleware(ServerId)  # (outside BodySizeLimit: its header is on the 413s too)
    _add_routes(app)
    poking.add_routes(app)
    voice.add_routes(app)
    return app


def _add_routes(app: FastAPI) -> None:
    """The page, its files, and the API, each route added straight to the app (so that the
    app's routes are one list: a 405's ``Allow`` header is computed from it)."""
    route = app.add_api_route
    route("/", page, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    route("/api/predict", predict, methods=["POST"], response_model=schemas.PredictResponse,
          tags=["thinking"], openapi_extra=_PREDICT_BODY, responses=_errors(413, 415, 422))
    route("/api/model", model_info, response_model=schemas.ModelResponse, tags=["the network"])
    route("/api/models", models, response_model=schemas.ModelsResponse, tags=["the network"])
    route("/api/neuron/{layer}/{index}", neuron, response_model=schemas.NeuronResponse,
          tags=["the network"], responses=_errors(404, 422))
    may_train = [Depends(_may_train)]  # (checked before the body is: see _may_train)
    route("/api/train", start_training, methods=["POST"], response_model=schemas.TrainStatus,
          status_code=202, tags=["learning"], responses=_errors(403, 409, 413, 422),
          dependencies=may_train)
    route("/api/train", training_status, response_model=schemas.TrainStatus, tags=["learning"])
    route("/api/train", stop_training, methods=["DELETE"], response_model=schemas.TrainStatus,
          tags=["learning"], responses=_errors(403, 409, 422), dependencies=may_train)
    route("/api/train/events", training_events, response_class=StreamingResponse,
          tags=["learning"], responses={200: {
              "description": _EVENTS_DOC,
              "content": {"text/event-stream": {"schema": _EVENT_SCHEMA}}}})


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """Read one drawing with each served model of pictures before the first request (so that
    its sender waits no longer than the next: preprocessing's caches are filled); stop training
    runs at shutdown (the mounted apps' too: Starlette runs only the outer app's lifespan)."""
    loading.warm_up([each.state.served.current[0] for each in (app, *app.state.mounted)])
    try:
        yield
    finally:
        for each in (app, *app.state.mounted):
            each.state.trainer.cancel()
            await asyncio.to_thread(each.state.trainer.join, 10)


def _served(request: Request) -> Served:
    return request.app.state.served


def _trainer(request: Request) -> Trainer:
    return request.app.state.trainer


_ERROR_TEXT = {
    403: "Training from the page is turned off on this server, or needs the token it printed",
    404: "Unknown layer, neuron or input_id",
    409: "A training run is already going, none is to stop, or there is no data to train on",
    413: schemas.TOO_LARGE,
    415: "Neither JSON, a multipart form nor a file's bytes",
    422: "Invalid input (a grid of the wrong size, values outside [0, 1], a drawing or image "
         "with no digit in it, a file that is not an image, a recording that is silent, noise, "
         "truncated or too long, an option out of range, a prediction asked of a model of a "
         "table): the error says which, and what to do",
}


def _errors(*codes: int) -> dict:
    """OpenAPI ``responses`` for error statuses, each answered as ``{"error": "..."}``."""
    return {c: {"model": schemas.ErrorResponse, "description": _ERROR_TEXT[c]} for c in codes}


# -- the page ---------------------------------------------------------------------------------


async def page():
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


# -- predictions and the network --------------------------------------------------------------

def _component_refs(model) -> dict:
    """``model``'s JSON Schema with its nested models referred to where FastAPI puts them (the
    document's components, present there because other routes take them as bodies)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


_PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _component_refs(schemas.PredictRequest)},
            **{raw: {"schema": {"type": "string", "format": "binary", "description": "A file's "
                                "bytes: an image, or a recording for a model of spoken digits."}}
               for raw in ("application/octet-stream", "audio/wav")},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "additionalProperties": False,
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "An image file (PNG, JPEG, ...) of one "
                                                       "digit, dark on light or light on dark; "
                                                       "for a model of spoken digits, a "
                                                       f"recording ({soundcheck.FORMATS})."},
                               "changes": {"type": "string", "description": "Optional: the "
                                           "changes to the network as JSON, {\"off\": [...], "
                                           "\"edits\": [...]} (see ChangesRequest)."}},
            }},
        },
    },
}


async def predict(request: Request):
    """Read a digit: a drawing as JSON ``{"pixels": [[...], ...]}`` (rows of brightness 0..1,
    ink = 1) or an image file as the multipart field ``file`` or the raw body. The input is
    centred and scaled the way MNIST's digits were, then the network runs on it layer by layer.
    A model of spoken digits takes a recording instead (a format ``file`` lists, up to 10 s), as
    the field ``file`` or the raw body, and reads the 28x28 picture of its sound. A drawing (or
    an upload's ``changes`` field) may carry ``off`` and ``edits`` (as POST /api/ablate takes
    them): the network is then changed for this prediction only, and a neuron switched off
    reads a = 0."""
    served = _served(request)
    net, version = served.current
    if inputs.of(net).kind == "table":
        raise ApiError(422, f"this model reads {inputs.of(net).describe()}, and /api/predict "
                            "reads drawings, pictures and recordings; predict its rows with "
                            "`digitnet predict MODEL TABLE.csv`")
    grid, changes = await read_input(request, net)
    x = views.network_input(net, grid)
    answer = views.describe_prediction(changes.apply(net), x, changes.off)
    answer["input_id"] = served.remember(x, client_of(request))
    answer["model_version"] = version
    return JSONAnswer(answer)


async def model_info(request: Request):
    """The served network: sizes, activation, parameter counts, training metadata, and every
    weight and bias (``layers[k]`` is layer ``k + 1``; its ``weights[j][i]`` connects neuron i
    of the layer before to its neuron j), and which held-out digits poking it is scored on."""
    net, version, source = _served(request).now()
    held, reason = await run_in_threadpool(request.app.state.held_out.get)
    answer = views.describe_model(net, version, source)
    answer["held_out"] = held.to_dict() if held else {"n": 0, "split": None,
                                                       "description": f"none: {reason}"}
    return JSONAnswer(answer)


async def neuron(request: Request, layer: int, index: int, input_id: str | None = Query(
        None, pattern="^[0-9a-f]{16}$",
        description="From a /api/predict answer; default: the last input this client "
                    "predicted.")):
    """Neuron ``index`` of layer ``layer`` (1 = the first hidden layer, L = the output layer;
    layer 0, the input, has no weights): its incoming weights, as an image of what it looks
    for, its bias, and z and a for an input."""
    served = _served(request)
    net, version = served.current
    return JSONAnswer({**views.describe_neuron(net, layer, index, recalled(request, input_id)),
                       "model_version": version})


async def models(request: Request):
    """Every model this server serves, and where its API is: the page lets the user switch
    between them (``/?model=2`` shows the second). Each as it is served now (a training run
    from the page replaces one)."""
    return {"models": list(request.app.state.models)}


# -- training from the page -----------------------------------------------------------------

_TOKEN = Header(None, alias=TOKEN_HEADER, description="The token digitnet serve printed at "
                "start, on a server that asks for one (see GET /api/train's access).")


async def _may_train(request: Request, token: str | None = _TOKEN) -> None:
    """403 unless this request may start or stop a run. A dependency of those routes, so that
    it is checked before their body is: a student without the token is told so, not that the
    epochs asked for are out of range."""
    stopping = request.method == "DELETE"
    request.app.state.access.check(token, "stopping a training run" if stopping else "training")


def _status(request: Request, trainer: Trainer) -> dict:
    """:func:`run_status` of ``trainer``, its events under the path this app is mounted at."""
    return run_status(trainer, request.app.state.access, request.scope.get("root_path", ""))


async def start_training(request: Request, options: schemas.TrainRequest):
    """Start training a fresh network like the served one in what the body leaves out (Adam,
    cosine schedule, 10% held out for validation: :func:`~digitnet.web.training.run_config`);
    follow it at ``/api/train/events``. Only one run at a time: 409 while one is going; 403
    where training is turned off or needs a token this request lacks."""
    net, _ = _served(request).current
    trainer = _trainer(request)
    try:
        trainer.start(run_config(net, options), views.image_shape(net))
    except TrainerBusy as e:
        raise ApiError(409, str(e)) from None
    return _status(request, trainer)


async def training_status(request: Request):
    """The current or last training run: its state, options and finished epochs, and who may
    start and stop runs on this server."""
    return _status(request, _trainer(request))


async def stop_training(request: Request):
    """Stop the running training run; the served model stays as it was."""
    trainer = _trainer(request)
    if not trainer.cancel():
        raise ApiError(409, "no training run is going; start one with POST /api/train")
    return _status(request, trainer)


_EVENT_SCHEMA = {  # one server-sent event; ``data`` is a JSON object, described below
    "type": "object", "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["idle", "loading", "start", "progress", "epoch",
                                             "done", "failed", "cancelled"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string", "pattern": "^[0-9]+:[0-9]+$"},
        "retry": {"type": "integer"},
    },
}

_EVENTS_DOC = """A stream of `event: KIND` / `data: JSON` messages: `loading`, `start` (config,
n_train, n_val), `progress` (epoch, step, n_steps, loss: the mean training loss over the steps
since the previous progress event, position: epochs done so far), `epoch` (epoch, train_loss,
val_loss, val_accuracy, seconds, lr, weight_images: layer 1's weights as 28x28 images),
then one of `done` (history, val_accuracy, and for a voice taught with POST /api/voice
`before`: the held-out recordings' accuracy before fine-tuning; the new network is now
served), `failed` or
`cancelled` (message). With no run since the server started: a single `idle` event."""


async def training_events(request: Request):
    """Server-sent events of the current or last run, from its start (or after the
    ``Last-Event-ID`` the browser sends on reconnecting); the stream ends with the run."""
    log = _trainer(request).log
    seen = last_seen(request.headers.get("last-event-id"), log)
    return StreamingResponse(event_stream(log, seen), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

