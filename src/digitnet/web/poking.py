"""The API for poking the network: switch neurons off, rewrite them, see what they answer to,
map the layers, distort digits, step through backpropagation, and save the edited network.

Each route reads the learner's changes from its body
(:class:`~digitnet.web.schemas.ChangesRequest`), applies them to a copy of the served network
for this request only (nothing is kept: two people editing at once never see each other's
changes), and answers with a :mod:`digitnet.poke` function run on the server's held-out digits
(:mod:`digitnet.heldout`), in a worker thread so other requests are not held up. The slow ones
(t-SNE maps, robustness curves) run one at a time. The heavy ones (all those over the held-out
digits) are computed once for all who ask the same of the same network at once, and their last
answers kept (:mod:`~digitnet.web.shared_work`): a class pressing "map" together waits for one
map, not for one each.
Every JSON answer says which served network it was computed on (``model_version``, as
/api/predict's does), so a page showing another one knows to load the new one.

===============================  ==============================================================
``POST /api/ablate``             accuracy with the changes against the intact network
``POST /api/ranking``            every hidden neuron by the accuracy lost without it
``POST /api/top``                the held-out digits a neuron answers to most, its classes
``POST /api/map``                a layer's activations laid out in 2-D (PCA or t-SNE)
``GET /api/heldout/{index}``     one held-out digit (for a map's point)
``POST /api/robustness``         accuracy as digits are distorted (noise, rotation, ...)
``POST /api/backprop``           one input and label through backpropagation, one step
``POST /api/neuron/{l}/{i}``     a neuron as GET /api/neuron shows it, with the changes
``POST /api/export``             the changed network as a model file listing its changes, named
                                 for what it is (edited, trained on the page, the served file)
===============================  ==============================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import urllib.parse
import weakref
from collections.abc import Callable

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from .. import inputs, modelfile, poke
from ..heldout import HeldOut
from ..network import Network
from . import poke_schemas as ps
from . import schemas, views
from .errors import ApiError
from .reading import grid_array, heard_picture, to_input
from .served import recalled
from .shared_work import SharedWork

__all__ = ["ERRORS", "add_routes"]

#: What each error status of these routes means (the schema's descriptions).
ERRORS = {
    404: "No held-out digit of that index, no such layer or neuron, or an input_id the server "
         "does not remember (send the input to /api/predict again)",
    409: "The server has no held-out digits (the answer says why and what to do)",
    413: f"Body over {schemas.MAX_BODY_BYTES // (1024 * 1024)} MB",
    422: "Invalid request: a layer or neuron the network does not have, a painted cell outside "
         "its grid, a bias or weight that is not a finite number, an 'off' that is not a list "
         "of [layer, neuron] pairs, a label that is not one of its classes, a drawing with no "
         "digit in it, changes that change no weight or bias (a neuron switched off already, a "
         "scale by 1: /api/ablate, /api/export); the error says which, and what to do",
}


def _errors(*codes: int) -> dict:
    return {c: {"model": schemas.ErrorResponse, "description": ERRORS[c]} for c in codes}


def add_routes(app: FastAPI) -> None:
    """Add the poking routes to ``app``, whose state holds ``served``
    (:class:`~digitnet.web.served.Served`) and ``held_out``
    (:class:`~digitnet.web.served.HeldOutSource`)."""
    app.state.slow_work = asyncio.Semaphore(1)
    app.state.shared_work = SharedWork()
    app.state.held_named = (lambda: None, "")  # the last held-out digits named, and their name
    route, common = app.add_api_route, _errors(409, 413, 422)
    route("/api/ablate", ablate, methods=["POST"], response_model=ps.AblateResponse,
          tags=["poking"], responses=common)
    route("/api/ranking", ranking, methods=["POST"], response_model=ps.RankingResponse,
          tags=["poking"], responses=common)
    route("/api/top", top, methods=["POST"], response_model=ps.TopResponse, tags=["poking"],
          responses=common)
    route("/api/map", layer_map, methods=["POST"], response_model=ps.MapResponse,
          tags=["poking"], responses=common)
    route("/api/heldout/{index}", held_out_digit, response_model=ps.HeldOutDigit,
          tags=["poking"], responses=_errors(404, 409, 422))
    route("/api/robustness", robustness, methods=["POST"], response_model=ps.RobustnessResponse,
          tags=["poking"], responses=common)
    route("/api/backprop", backprop, methods=["POST"], response_model=ps.BackpropResponse,
          tags=["poking"], responses=_errors(404, 413, 422))
    route("/api/neuron/{layer}/{index}", changed_neuron, methods=["POST"],
          response_model=schemas.NeuronResponse, tags=["poking"],
          responses=_errors(404, 413, 422))
    route("/api/export", export, methods=["POST"], response_class=Response, tags=["poking"],
          responses={**_errors(413, 422), 200: ps.EXPORTED})


# -- what every route needs -------------------------------------------------------------------


def _changed(request: Request, body: schemas.ChangesRequest
             ) -> tuple[Network, Network, poke.Changes, int]:
    """(the served network, it with the body's changes, the changes, the network's version);
    422 for a change it has no place for. The network and its version are read together (one
    tuple, swapped whole), so the answer's model_version is that of the network it is about."""
    net, version = request.app.state.served.current
    changes = body.changes(net)
    return net, changes.apply(net), changes, version


def _answer(content: dict, version: int) -> views.JSONAnswer:
    """``content`` as JSON, saying which served network answered (``model_version``)."""
    return views.JSONAnswer({**content, "model_version": version})


async def _held(request: Request) -> HeldOut:
    """The server's held-out digits (loaded on first use, in a worker thread); 409 if none."""
    held, reason = await run_in_threadpool(request.app.state.held_out.get)
    if held is None:
        raise ApiError(409, f"this server has no held-out digits ({reason}); start digitnet "
                            "serve with --data naming the data the model was trained on, or a "
                            "folder with a test split")
    return held


def _examples(net: Network, held: HeldOut, count: int | None = None):
    """The held-out examples as ``net``'s rows, and their labels (the first ``count``)."""
    data = held.data if count is None else held.data.subset(slice(0, count))
    return inputs.of(net).rows(data.x), data.labels.astype(np.intp)


def _image(held: HeldOut, index: int):
    """Held-out example ``index`` as brightness 0..1 rows, or None if it is not a picture."""
    x = held.data.x[index]
    return views.rounded(x / 255.0, 3) if x.ndim == 2 else None


async def _shared(request: Request, body: schemas.ChangesRequest, version: int, held: HeldOut,
                  compute: Callable[[], dict], slow: bool = False) -> Response:
    """``compute()``'s answer (a JSON answer's content), computed and written out in a worker
    thread (one slow one at a time if ``slow``), once for all requests to this route with the
    same body (``off`` in any order) about the same served network and held-out digits:
    identical requests get identical bytes (:class:`~digitnet.web.shared_work.SharedWork`)."""

    def rendered() -> bytes:
        return _answer(compute(), version).body

    async def answer() -> bytes:
        async with request.app.state.slow_work if slow else contextlib.nullcontext():
            return await run_in_threadpool(rendered)

    key = (request.url.path, await _named(request, held), *_question(body))
    content = await request.app.state.shared_work.answer(version, key, answer)
    return Response(content, media_type=views.JSONAnswer.media_type)


async def _named(request: Request, held: HeldOut) -> str:
    """A name for the held-out digits that an answer is computed on, for its key: the SHA-256
    of their examples and labels. Not their object's identity: an answer about digits let go
    could be taken for one about the digits found next at the same address (a request may read
    the network before a swap and the digits after it). Hashed once for each held-out set
    found (their MBs take milliseconds), in a worker thread."""
    last, name = request.app.state.held_named
    if last() is not held:
        name = await run_in_threadpool(_digest, held)
        request.app.state.held_named = (weakref.ref(held), name)
    return name


def _digest(held: HeldOut) -> str:
    digest = hashlib.sha256()
    for array in (held.data.x, held.data.labels):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str} {array.shape};".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _question(body: schemas.ChangesRequest) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The body as a key: its fields but ``off`` as JSON, and ``off``'s pairs sorted, each
    once. Which neurons are off is what counts, not in what order they were named (their
    weights out are zeroed, whatever the order), so requests naming them in another order
    share an answer."""
    return body.model_dump_json(exclude={"off"}), tuple(sorted({tuple(p) for p in body.off}))


# -- switching neurons off --------------------------------------------------------------------


async def ablate(request: Request, body: schemas.ChangesRequest):
    """Accuracy, overall and per class, on the server's held-out digits with the neurons in
    ``off`` switched off (and the edits made), against the intact network. An empty ``off``
    is the intact network. Changes that change no weight or bias (a neuron switched off
    already, a scale by 1, edits that undo each other) are refused (422, in the words of
    :meth:`~digitnet.poke.Changes.check_effect`), as ``digitnet edit`` and /api/export refuse
    them."""
    net, _, changes, version = _changed(request, body)
    await run_in_threadpool(changes.check_effect, net)  # (after apply, as digitnet edit does)
    held = await _held(request)

    def compute():
        result = poke.ablate(net, *_examples(net, held), changes)
        return {**result.to_dict(), "classes": inputs.classes_of(net)}

    return await _shared(request, body, version, held, compute)


async def ranking(request: Request, body: schemas.ChangesRequest):
    """Every hidden neuron not already off, by how much held-out accuracy falls when it is
    switched off as well, with the fall for each class; largest first."""
    net, _, changes, version = _changed(request, body)
    held = await _held(request)

    def compute():
        rows, labels = _examples(net, held)
        drops = [d.to_dict() for d in poke.rank_neurons(net, rows, labels, changes)]
        return {**poke.ablate(net, rows, labels, changes).score.to_dict(), "neurons": drops,
                "n": len(labels), "classes": inputs.classes_of(net)}

    return await _shared(request, body, version, held, compute)


# -- what a neuron answers to, and maps -------------------------------------------------------


async def top(request: Request, body: ps.TopRequest):
    """The held-out digits that activate neuron ``neuron`` of ``layer`` most (with their
    pictures), its mean activation for each class, and how often it fires (z > 0)."""
    net, changed, _, version = _changed(request, body)
    held = await _held(request)

    def compute():
        rows, labels = _examples(net, held)
        p = poke.neuron_profile(changed, rows, labels, body.layer, body.neuron, body.count)
        examples = [{"index": int(i), "label": int(labels[i]), "a": float(a),
                     "image": _image(held, i)} for i, a in zip(p.top, p.top_activation)]
        return views.finite({
            "layer": p.layer, "neuron": p.neuron, "examples": examples,
            "class_mean": p.class_mean.tolist(), "class_firing": p.class_firing.tolist(),
            "firing": p.firing, "n": len(labels), "classes": inputs.classes_of(net)})

    return await _shared(request, body, version, held, compute)


async def layer_map(request: Request, body: ps.MapRequest):
    """A layer's activations over the first ``count`` held-out digits laid out in two
    dimensions, one point per digit (PCA; t-SNE takes seconds and at most 1,000 digits)."""
    if body.method == "tsne" and body.count > ps.MAX_TSNE_POINTS:
        raise ApiError(422, f"count: a t-SNE map places at most {ps.MAX_TSNE_POINTS} digits, "
                            f"got {body.count}; ask for fewer, or use the pca method")
    net, changed, _, version = _changed(request, body)
    held = await _held(request)

    def compute():
        rows, labels = _examples(net, held, body.count)
        m = poke.embedding(changed, rows, body.layer, body.method, body.seed)
        return {
            "layer": m.layer, "method": m.method, "points": np.round(m.points, 4),
            "labels": labels, "indices": np.arange(len(labels)),
            "explained": None if m.explained is None else m.explained.tolist(),
            "classes": inputs.classes_of(net)}

    return await _shared(request, body, version, held, compute, slow=True)


async def held_out_digit(request: Request, index: int):
    """Held-out digit ``index`` (as numbered in map and top answers): its label and picture."""
    held = await _held(request)
    if not 0 <= index < len(held.data):
        raise ApiError(404, f"held-out digit {index} does not exist: there are "
                            f"{len(held.data):,}, numbered 0 to {len(held.data) - 1}")
    net, version = request.app.state.served.current
    label = int(held.data.labels[index])
    classes = inputs.classes_of(net)
    return _answer({"index": index, "label": label, "image": _image(held, index),
                    "class_name": classes[label] if label < len(classes) else str(label)},
                   version)


# -- how sturdy it is -------------------------------------------------------------------------


async def robustness(request: Request, body: ps.RobustnessRequest):
    """Accuracy on the first ``count`` held-out digits as noise, rotation, shift and stroke
    thickness grow: for the served network, and with the changes when there are any."""
    net, changed, changes, version = _changed(request, body)
    poke.check_distortable(net)  # 422 for a model of recordings: no distortion means anything
    held = await _held(request)

    def compute():
        data = held.data.subset(slice(0, body.count))
        nets = [net, changed] if changes else [net]
        curves = poke.robustness_curves(nets, data.x, data.labels)
        return {"models": ["served", "with your changes"][: len(nets)],
                "curves": [c.to_dict() for c in curves], "n": len(data)}

    return await _shared(request, body, version, held, compute, slow=True)


# -- backpropagation, one step ----------------------------------------------------------------


async def backprop(request: Request, body: ps.BackpropRequest):
    """Take the input (``input_id``: exactly the one a /api/predict answer names, as that
    prediction read it; or ``pixels``: a drawing, preprocessed as for /api/predict, or for a
    model of recordings the picture of the sound it heard, as /api/predict answered it), then
    backpropagate it with ``label``: the cost, how much each output wants to move, every
    layer's δ, the step's weight changes, and after one gradient step of learning rate ``lr``
    on a copy of the network, the cost and the answer. The served network does not change."""
    _, changed, changes, version = _changed(request, body)
    if inputs.of(changed).kind == "table":  # (no drawing or recording is its input)
        raise ApiError(422, f"this model reads {inputs.of(changed).describe()}, and "
                            "/api/backprop steps from a drawing, a picture or a recording; "
                            "step from a row in Python with digitnet.poke.backprop_step")
    x = await _step_input(request, changed, body)
    step = await run_in_threadpool(poke.backprop_step, changed, x, body.label, body.lr,
                                   changes.off)
    shape = inputs.of(changed).image_shape
    first = step.weight_changes(1)
    return _answer({
        "input": views.rounded(x.reshape(shape) if shape else x[None], 4),
        "label": step.label, "lr": step.lr, "digit": step.digit,
        "probabilities": views.rounded(step.probabilities, 6), "cost": step.cost,
        "wanted": step.wanted, "deltas": [{"layer": l, "delta": d}
                                          for l, d in enumerate(step.deltas, start=1)],
        "first_layer_changes": first.reshape(len(first), *shape) if shape else None,
        "largest_changes": step.described_largest_changes(10),
        "cost_after": step.cost_after, "digit_after": step.digit_after,
        "probabilities_after": views.rounded(step.probabilities_after, 6)}, version)


async def _step_input(request: Request, net: Network, body: ps.BackpropRequest) -> np.ndarray:
    """The input row a step starts from: the one remembered as ``body.input_id`` (the page's
    way: the input its prediction shown read, a file uploaded too), or ``body.pixels`` read."""
    if body.pixels is not None and body.input_id is not None:
        raise ApiError(422, "pixels and input_id: send one of them, not both: 'input_id' steps "
                            "from the input a /api/predict answer names, 'pixels' from a drawing")
    if body.pixels is None and body.input_id is None:
        raise ApiError(422, "pixels or input_id: missing; send 'input_id' from a /api/predict "
                            "answer (the step starts from the input it read), or 'pixels', a "
                            "drawing")
    if body.input_id is not None:
        return recalled(request, body.input_id)[1]
    grid, front_end = grid_array(body.pixels), inputs.audio_of(net)
    if front_end:
        return views.network_input(net, heard_picture(grid, front_end))
    read = await run_in_threadpool(to_input, grid, "the picture sent", inputs.of(net))
    return views.network_input(net, read)


# -- one neuron, and saving -------------------------------------------------------------------


async def changed_neuron(request: Request, layer: int, index: int, body: ps.NeuronRequest):
    """Neuron ``index`` of ``layer`` as GET /api/neuron/{layer}/{index} shows it, in the
    network with the body's changes: its weights, their image, its bias, z and a for an
    input."""
    _, changed, _, version = _changed(request, body)
    remembered = recalled(request, body.input_id)
    return _answer(views.describe_neuron(changed, layer, index, remembered), version)


async def export(request: Request, body: schemas.ChangesRequest):
    """The served network with the changes, as a model file to download; its metadata lists
    the changes (under "changes"), so the file says how it differs from the trained one. With
    no changes, the served network as it is. Changes that change no weight or bias (a neuron
    switched off already, a scale by 1, edits that undo each other) are refused, as ``digitnet
    edit`` refuses them: the file would list changes it does not have. The file is named
    (Content-Disposition) for what it holds: digitnet-edited.safetensors with changes; without,
    the served model's own file name, or digitnet-trained.safetensors after a run on the page."""
    net, version, source = request.app.state.served.now()
    changes = body.changes(net)
    changed = changes.apply(net)
    await run_in_threadpool(changes.check_effect, net)  # (after apply, as digitnet edit does)
    content = await run_in_threadpool(modelfile.to_bytes, changed)
    name = ps.download_name(net, version, source, bool(changes))
    quoted = urllib.parse.quote(name, safe="")  # (RFC 6266's UTF-8 form for any other name)
    disposition = (f'attachment; filename="{name}"' if quoted == name
                   else f"attachment; filename*=utf-8''{quoted}")
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": disposition})

