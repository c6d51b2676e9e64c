"""The web server behind ``digitnet serve``: the drawing page and the API it calls.

::

    from digitnet.web import create_app, serve
    app = create_app("digitnet-model.safetensors")     # or a Network; any ASGI server runs it
    serve(app, "127.0.0.1", 8000)                      # what `digitnet serve MODEL` does

Endpoints (all documented at ``/docs``; every error is JSON ``{"error": "..."}``):

``POST /api/predict``
    A drawing as JSON ``{"pixels": [[...], ...]}`` or an image file as multipart field ``file``;
    answers the digit, the ten probabilities, the 28x28 input the network saw and every layer's
    z and a, plus an ``input_id`` naming the input for the neuron endpoint.
``GET /api/model``
    Sizes, parameter counts, metadata, and every weight and bias (to draw the connections).
``GET /api/neuron/{layer}/{index}``
    A neuron's incoming weights as an image, its bias, and what it computes for the input named
    by ``?input_id=`` (or the last one predicted). ``layer`` counts from 0 at the first hidden
    layer, as ``Network.weights[layer]`` does.
``POST /api/train``, ``GET /api/train``, ``DELETE /api/train``, ``GET /api/train/events``
    Start, inspect or stop a short training run on the server's data; its progress streams as
    server-sent events. The new network is served once the run finishes.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import threading
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, modelfile
from ..errors import DigitnetError
from ..network import Network
from ..config import PRESETS
from . import schemas, views
from .errors import ApiError, BodySizeLimit, describe_validation_errors, install_error_handlers
from .fastpath import FastPredict, InOrder, well_formed_drawing
from .workers import WorkerPool, read_drawing
from .training import Trainer, TrainerBusy, event_stream, last_seen

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"
#: How many recent inputs the neuron endpoint can refer back to.
REMEMBERED_INPUTS = 512
#: Drawings up to this many cells are preprocessed on the event loop (a few ms); larger ones
#: and uploaded files in a worker thread.
INLINE_PIXELS = 160 * 160


def _errors(*codes: int) -> dict:
    text = {404: "Unknown layer, neuron or input_id", 409: "A training run is already going",
            413: "Body over 2 MB", 415: "Neither JSON nor a multipart form",
            422: "Invalid input: wrong grid size, values outside [0, 1], NaN, blank drawing, "
                 "not an image"}
    return {c: {"model": schemas.ErrorResponse, "description": text.get(c, "Error")} for c in codes}


_PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": schemas.PredictRequest.model_json_schema()},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "An image file (PNG, JPEG, ...) of one "
                                                       "digit, dark on light or light on dark."}},
            }},
        },
    },
}


class _Served:
    """The network being served and the inputs recently predicted, shared by all requests.

    ``current`` is one (network, version) tuple, replaced whole when a training run finishes, so
    a request that read it keeps a consistent pair even while the swap happens.
    """

    def __init__(self, net: Network, source: str):
        self.current = (net, 1)
        self.source = source
        self._lock = threading.Lock()
        self._inputs: OrderedDict[str, np.ndarray] = OrderedDict()
        self.last_input_id: str | None = None
        self._model_json: tuple[int, bytes] | None = None

    def swap(self, net: Network, source: str) -> None:
        with self._lock:
            self.current = (net, self.current[1] + 1)
            self.source = source

    def remember(self, x: np.ndarray) -> str:
        input_id = hashlib.blake2b(x.tobytes(), digest_size=8).hexdigest()
        with self._lock:
            self._inputs[input_id] = x
            self._inputs.move_to_end(input_id)
            while len(self._inputs) > REMEMBERED_INPUTS:
                self._inputs.popitem(last=False)
            self.last_input_id = input_id
        return input_id

    def recall(self, input_id: str | None) -> tuple[str, np.ndarray] | None:
        with self._lock:
            if input_id is None:
                input_id = self.last_input_id
                if input_id is None:
                    return None
            x = self._inputs.get(input_id)
        if x is None:
            raise ApiError(404, f"input_id {input_id} is not known (the server keeps the last "
                                f"{REMEMBERED_INPUTS} inputs, and forgets them on restart); "
                                "POST the drawing to /api/predict again")
        return input_id, x

    def model_json(self) -> bytes:
        net, version = self.current
        cached = self._model_json
        if cached is None or cached[0] != version:
            cached = (version, views.dumps(views.describe_model(net, version, self.source)))
            self._model_json = cached
        return cached[1]


def create_app(model: str | Path | Network, *, data: Any = "mnist", workers: int = 0) -> FastAPI:
    """The FastAPI application serving ``model`` and the drawing page.

    Parameters
    ----------
    model : path or Network
        A model file saved by ``digitnet train`` / :func:`digitnet.save`, or a network.
    data : str, path or Dataset
        What training runs started from the page learn from: a dataset name or folder for
        :func:`digitnet.datasets.load` (loaded on the first run), or a Dataset.
    workers : int
        Processes that read drawings beside the server's own (see :mod:`digitnet.web.workers`),
        started with the app's lifespan; 0 reads them in the server's process.
    """
    if isinstance(model, Network):
        net, source = model, "an in-memory network"
    else:
        net, source = modelfile.load(model), str(model)
    served = _Served(net, source)

    def load_data():
        from .. import datasets

        if isinstance(data, (str, Path)):
            return datasets.load(str(data), split="train")
        return data

    pool: WorkerPool | None = None
    pool_version = 1  # the version of the network the workers read with
    folder = None  # where the workers' model files are written

    def finished(new: Network) -> None:
        """A training run's end (in its thread): serve its network, here and in the workers."""
        served.swap(new, "trained from the page")
        if pool is not None:
            version = served.current[1]
            path = modelfile.save(new, Path(folder.name) / f"served-{version}.safetensors")
            loop.call_soon_threadsafe(use_in_workers, str(path), version)

    def use_in_workers(path: str, version: int) -> None:
        nonlocal pool_version
        pool.serve_model(path)
        pool_version = version

    trainer = Trainer(load_data, on_done=finished)

    @asynccontextmanager
    async def lifespan(app):
        nonlocal pool, folder, loop
        _warm_up(served.current[0])
        if workers > 0:
            loop = asyncio.get_running_loop()
            folder = tempfile.TemporaryDirectory(prefix="digitnet-serve-")
            path = Path(folder.name) / "served-1.safetensors"
            await asyncio.to_thread(modelfile.save, served.current[0], path)
            pool = app.state.pool = WorkerPool(workers, str(path), INLINE_PIXELS)
            await pool.start()
        try:
            yield
        finally:
            trainer.cancel()
            await asyncio.to_thread(trainer.join, 10)
            if pool is not None:
                await pool.close()
                pool = app.state.pool = None
                folder.cleanup()

    loop = None

    # FastAPI's /docs loads Swagger UI from a CDN; fastapi-offline serves the same files from
    # its package, so the documentation works with no internet. No /redoc: ReDoc fetches its
    # logo from the web whatever it is given.
    app = FastAPIOffline(
        static_url="/static/docs", redoc_url=None, title="digitnet", version=__version__, lifespan=lifespan,
        description="Draw a digit and watch the network from 3Blue1Brown's \"But what is a neural "
                    "network?\" read it. Layers are numbered from 0 at the first hidden layer. "
                    "Every error is JSON {\"error\": \"...\"}.",
    )
    app.state.served, app.state.trainer, app.state.pool = served, trainer, None
    install_error_handlers(app)

    def identified(reading: tuple[np.ndarray, bytes] | None, version: int) -> bytes | None:
        """The response body for a reading (the input seen, the answer's JSON): the JSON with
        the input's id (remembering the input) and the model version added as its last fields."""
        if reading is None:
            return None
        x, answer = reading
        return b'%s,"input_id":"%s","model_version":%d}' % (
            answer[:-1], served.remember(x).encode(), version)

    def answer(x: np.ndarray) -> bytes:
        """The predict endpoint's response body for one preprocessed input."""
        net, version = served.current
        return identified((x, views.dumps(views.describe_prediction(net, x))), version)

    async def answer_drawing(raw: bytes) -> bytes | None:
        """The response body for a well-formed JSON drawing, read by a worker if one is free;
        None for any other body (the route answers it)."""
        if pool is not None:
            version = pool_version  # before waiting: the network the worker reads with
            reading = await pool.read(raw)
            if reading is not False:
                return identified(reading, version)
        return await in_order(read_inline, raw)

    def read_inline(raw: bytes) -> bytes | None:
        net, version = served.current
        return identified(read_drawing(net, raw, INLINE_PIXELS), version)

    in_order = InOrder()

    # The fast path for drawings goes outside FastAPI's own middleware (error pages, telemetry,
    # its body limit), so that the requests it answers skip those too: about 35 µs of the
    # server's CPU a request, a tenth of what a prediction costs. Whatever it hands on passes
    # through them as usual.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: BodySizeLimit(
        FastPredict(build_stack(), answer=answer_drawing), limit=schemas.MAX_BODY_BYTES)

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.post("/api/predict", response_model=schemas.PredictResponse, tags=["thinking"],
              responses=_errors(413, 415, 422), openapi_extra=_PREDICT_BODY)
    async def predict(request: Request):
        """Read a digit: a drawing as JSON ``{"pixels": [[...], ...]}`` (rows of brightness 0..1,
        ink = 1) or an image file as the multipart field ``file``. The input is centred and
        scaled the way MNIST's digits were, then the network runs on it layer by layer."""
        image, name = await _read_image(request)
        if isinstance(image, bytes) or image.size > INLINE_PIXELS:
            # Decoding a photo can take a while: do it off the event loop, so that other
            # requests (and training's event streams) are not held up meanwhile.
            x = await run_in_threadpool(_to_input, image, name)
        else:
            x = _to_input(image, name)
        return Response(answer(x), media_type="application/json")

    @app.get("/api/model", response_model=schemas.ModelResponse, tags=["the network"])
    async def model_info():
        """The served network: sizes, activation, parameter counts, training metadata, and every
        weight and bias (``layers[l].weights[j][i]`` connects neuron i to neuron j of layer l)."""
        return Response(served.model_json(), media_type="application/json")

    @app.get("/api/neuron/{layer}/{index}", response_model=schemas.NeuronResponse,
             tags=["the network"], responses=_errors(404, 422))
    async def neuron(layer: int, index: int, input_id: str | None = Query(
            None, pattern="^[0-9a-f]{16}$",
            description="From a /api/predict answer; default: the last input predicted.")):
        """Neuron ``index`` of layer ``layer`` (0 = the first hidden layer): its incoming weights,
        as an image of what it looks for, its bias, and z and a for an input."""
        net, _ = served.current
        body = views.describe_neuron(net, layer, index, served.recall(input_id))
        return Response(views.dumps(body), media_type="application/json")

    @app.post("/api/train", response_model=schemas.TrainStatus, status_code=202,
              tags=["learning"], responses=_errors(409, 413, 422))
    async def start_training(request: schemas.TrainRequest):
        """Start training a fresh network (Adam, cosine schedule, 10% held out for validation);
        follow it at ``/api/train/events``. Only one run at a time: 409 while one is going."""
        net, _ = served.current
        hidden = tuple(request.hidden) if request.hidden is not None else net.sizes[1:-1]
        config = PRESETS["default"].replace(
            sizes=(net.sizes[0], *hidden, net.sizes[-1]), activation=request.activation,
            lr=request.lr, epochs=request.epochs, seed=request.seed)
        try:
            trainer.start(config, views.image_shape(net))
        except TrainerBusy as e:
            raise ApiError(409, str(e)) from None
        return _status(trainer)

    @app.get("/api/train", response_model=schemas.TrainStatus, tags=["learning"])
    async def training_status():
        """The current or last training run: its state, options and finished epochs."""
        return _status(trainer)

    @app.delete("/api/train", response_model=schemas.TrainStatus, tags=["learning"],
                responses=_errors(409))
    async def stop_training():
        """Stop the running training run; the served model stays as it was."""
        if not trainer.cancel():
            raise ApiError(409, "no training run is going; start one with POST /api/train")
        return _status(trainer)

    @app.get("/api/train/events", tags=["learning"], response_class=StreamingResponse,
             responses={200: {"description": _EVENTS_DOC,
                              "content": {"text/event-stream": {"schema": _EVENT_SCHEMA}}}})
    async def training_events(request: Request):
        """Server-sent events of the current or last run, from its start (or after the
        ``Last-Event-ID`` the browser sends on reconnecting); the stream ends with the run."""
        log = trainer.log
        seen = last_seen(request.headers.get("last-event-id"), log)
        return StreamingResponse(event_stream(log, seen), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


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
val_loss, val_accuracy, seconds, lr, weight_images: the first layer's weights as 28x28 images),
then one of `done` (history, val_accuracy; the new network is now served), `failed` or
`cancelled` (message). With no run since the server started: a single `idle` event."""


# -- reading inputs ---------------------------------------------------------------------------


async def _read_image(request: Request):
    """The drawing grid (float32 array) or the uploaded file's bytes from a predict request,
    and what to call it in error messages."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        raw = await request.body()
        pixels = well_formed_drawing(raw)
        if pixels is None:  # something is wrong with it: let the schema say what
            try:
                grid = schemas.PredictRequest.model_validate_json(raw).pixels
            except ValidationError as e:
                raise ApiError(422, describe_validation_errors(e.errors())) from None
            widths = {len(row) for row in grid}
            if len(widths) > 1:
                bad = next(i for i, row in enumerate(grid) if len(row) != len(grid[0]))
                raise ApiError(422, f"pixels: every row must have the same length; row 0 has "
                                    f"{len(grid[0])} values, row {bad} has {len(grid[bad])}")
            pixels = np.asarray(grid, dtype=np.float32)
        return pixels, "the drawing"
    if ctype == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=10,
                                      max_part_size=schemas.MAX_BODY_BYTES)
        except StarletteHTTPException as e:
            raise ApiError(422, f"the multipart form cannot be read ({e.detail}); send the image "
                                "as a form field named 'file' (curl -F file=@digit.png)") from None
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise ApiError(422, "file: missing; send the image as a multipart form field "
                                    "named 'file' (curl -F file=@digit.png)")
            data = await upload.read()
        finally:
            await form.close()
        if not data:
            raise ApiError(422, f"file: {upload.filename or 'the upload'} is empty; send an "
                                "image file")
        return data, f"file {upload.filename or 'upload'}"
    raise ApiError(415, f"send JSON {{\"pixels\": [[...], ...]}} (Content-Type: application/json) "
                        f"or an image as multipart/form-data field 'file'; got Content-Type "
                        f"{ctype or 'none'}")


def _warm_up(net: Network) -> None:
    """Read a drawing before any request does, so that the first person to draw waits no longer
    than the next: the imports and caches preprocessing needs are then in place."""
    grid = np.zeros((56, 56))
    grid[8:48, 26:30] = 1  # a 1, and a stroke running off the edge
    grid[30:33, 40:] = 1
    read_drawing(net, views.dumps({"pixels": grid}), INLINE_PIXELS)


def _to_input(image, name: str) -> np.ndarray:
    """Preprocess like MNIST, then flatten: (784,) float32 in [0, 1]."""
    from ..preprocess import to_mnist

    try:
        x = to_mnist(image, name=name)
    except DigitnetError as e:
        raise ApiError(422, str(e)) from None
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1)


def _status(trainer: Trainer) -> dict:
    state, message, config, log = trainer.status()
    history = [d for _, k, d in log.since(0) if k == "epoch"] if log else []
    return {"state": state, "run_id": log.run_id if log else 0,
            "config": config.to_dict() if config else None,
            "history": [{k: v for k, v in d.items() if k != "weight_images"} for d in history],
            "message": message, "events_url": "/api/train/events"}
