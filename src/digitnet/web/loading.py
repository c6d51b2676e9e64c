"""The models a server serves, and the data each goes with: each model read by the one loader
of model files (``.safetensors`` and ``.onnx``: :func:`digitnet.modelfile.load`), the data its
training runs learn from and its held-out examples come from, and the drawing that readies the
models of pictures before the first request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import heldout, inputs, modelfile
from ..errors import DataError
from ..heldout import HeldOut
from ..network import Network
from . import views
from .reading import to_input
from .served import Served

__all__ = ["ServedModels", "held_out", "listed", "loaded", "warm_up"]


def loaded(model: str | Path | Network, source: str | None = None) -> tuple[Network, str]:
    """``model``'s network (a model file, read) and what the server calls it: ``source``, else
    its file, or "an in-memory network"."""
    if isinstance(model, Network):
        return model, source or "an in-memory network"
    return modelfile.load(model), source or str(model)


def listed(name: str, api: str, served: Served) -> dict:
    """A served model as ``GET /api/models`` lists it: the network ``served`` serves now."""
    net, _, source = served.now()
    return {"name": name, "api": api, "input": inputs.of(net).kind, "sizes": list(net.sizes),
            "source": source}


class ServedModels(Sequence):
    """The models a server serves, in order, as ``GET /api/models`` lists them.

    Each entry (a dict of :func:`listed`) is computed when it is read, from the network served
    then: once a training run from the page has replaced a network, the list shows the new one
    (its sizes, what it reads, where it came from), never the one it replaced.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[str, str, Served]] = []

    def add(self, name: str, api: str, served: Served) -> None:
        """List the model ``served`` serves as ``name``, its API at ``api``."""
        self._entries.append((name, api, served))

    def reading(self, kind: str, besides: Served) -> dict | None:
        """The first model listed (as :func:`listed`) whose examples are of ``kind`` ("images",
        "audio": an :attr:`~digitnet.inputs.Input.kind`), other than the one ``besides``
        serves; None if there is none."""
        return next((listed(*entry) for entry in self._entries if entry[2] is not besides
                     and inputs.of(entry[2].current[0]).kind == kind), None)

    def knowing(self, input_id: str, client: str, besides: Served) -> dict | None:
        """The first model listed (as :func:`listed`), other than the one ``besides`` serves,
        that remembers ``input_id`` for ``client`` (:meth:`Served.knows`); None if none does."""
        return next((listed(*entry) for entry in self._entries if entry[2] is not besides
                     and entry[2].knows(input_id, client)), None)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [listed(*entry) for entry in self._entries[index]]
        return listed(*self._entries[index])


def held_out(net: Network, data: Any) -> HeldOut:
    """The held-out examples for ``net`` in ``data`` (see :func:`~digitnet.web.create_app`),
    checked to fit ``net``; ``data`` None: a DataError saying why there are none."""
    if data is None:  # (a model of recordings or of a table whose own data is unknown or gone)
        raise DataError("none were given" if heldout.own_data(net) is not None
                        else heldout.no_own_data(net))
    found = heldout.held_out(net, data)
    inputs.of(net).rows(found.data.x[:1])  # a DataError if they do not fit the network
    return found


def warm_up(nets: list[Network]) -> None:
    """Read a drawing as ``POST /api/predict`` reads one, with each of ``nets`` that reads
    pictures of the drawing's size (the caches preprocessing fills are then in place). Models of
    recordings and of tables are left alone: a drawing is not of their kind."""
    grid = np.zeros((56, 56), np.float32)
    grid[8:48, 26:30] = 1  # a 1, and a stroke running off the edge
    grid[30:33, 40:] = 1
    drawing = to_input(grid, "the drawing")
    for net in nets:
        if inputs.of(net).kind == "images" and net.sizes[0] == drawing.size:
            views.describe_prediction(net, views.network_input(net, drawing))
