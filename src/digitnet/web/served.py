"""The network the server answers with, the inputs it was recently asked about, and the
held-out digits it scores changed networks on."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable

import numpy as np

from ..errors import DigitnetError
from ..heldout import HeldOut
from ..network import Network
from .errors import ApiError

__all__ = ["Served", "HeldOutSource", "REMEMBERED_INPUTS"]

#: How many recent inputs the neuron endpoint can refer back to.
REMEMBERED_INPUTS = 512


class Served:
    """The served network and its version, and the last inputs predicted, shared by all requests.

    ``current`` is one (network, version) tuple, replaced whole when a training run finishes, so
    a request that read it keeps a consistent pair even while the swap happens. Inputs are
    remembered under an ``input_id`` (a hash of the input) so that the neuron endpoint can show
    what a neuron computed for them.
    """

    def __init__(self, net: Network, source: str):
        self.current: tuple[Network, int] = (net, 1)
        self.source = source
        self._lock = threading.Lock()
        self._inputs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._last_input_id: str | None = None

    def swap(self, net: Network, source: str) -> None:
        """Serve ``net`` from now on, as the next version."""
        with self._lock:
            self.current = (net, self.current[1] + 1)
            self.source = source

    def remember(self, x: np.ndarray) -> str:
        """Keep input ``x`` (shape (sizes[0],)) for the neuron endpoint; returns its input_id."""
        input_id = hashlib.blake2b(x.tobytes(), digest_size=8).hexdigest()
        with self._lock:
            self._inputs[input_id] = x
            self._inputs.move_to_end(input_id)
            while len(self._inputs) > REMEMBERED_INPUTS:
                self._inputs.popitem(last=False)
            self._last_input_id = input_id
        return input_id

    def recall(self, input_id: str | None) -> tuple[str, np.ndarray] | None:
        """(input_id, x) of a remembered input, or of the last one predicted when ``input_id``
        is None; None if nothing has been predicted yet. Raises ApiError 404 for an id that is
        not (or no longer) remembered."""
        with self._lock:
            if input_id is None:
                input_id = self._last_input_id
                if input_id is None:
                    return None
            x = self._inputs.get(input_id)
        if x is None:
            raise ApiError(404, f"input_id {input_id} is not known (the server keeps the last "
                                f"{REMEMBERED_INPUTS} inputs, and forgets them on restart); "
                                "POST the drawing to /api/predict again")
        return input_id, x


class HeldOutSource:
    """The held-out digits of the poking routes, found (loaded) on first use, then kept.

    ``find()`` returns a :class:`~digitnet.heldout.HeldOut` or raises a DigitnetError saying
    why there is none; :meth:`get` returns (held_out, None) or (None, that reason).
    """

    def __init__(self, find: Callable[[], HeldOut]):
        self._find = find
        self._lock = threading.Lock()
        self._found: tuple[HeldOut | None, str | None] | None = None

    def get(self) -> tuple[HeldOut | None, str | None]:
        with self._lock:
            if self._found is None:
                try:
                    self._found = (self._find(), None)
                except DigitnetError as e:
                    self._found = (None, str(e))
            return self._found
