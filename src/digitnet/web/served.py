"""The network the server answers with, the inputs it was recently asked about, and the
held-out digits it scores changed networks on."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from .. import inputs
from ..errors import DigitnetError
from ..heldout import HeldOut
from ..network import Network
from .errors import ApiError

__all__ = ["REMEMBERED_INPUTS", "HeldOutSource", "Served", "client_of", "recalled"]

#: How many recent inputs the neuron endpoint can refer back to, for everyone together. A page
#: sends a drawing every 120 ms or so while its pen moves (each a new input), and nothing while
#: its student looks at the answer: a class of 30, each drawing a digit in about 2 s every 10 s
#: or so, sends some 60 inputs a second, so each student's last drawings are kept for over two
#: minutes (and for some 25 s even if all 30 drew without a pause; each one's very last is kept
#: apart, below). Each input is 784 float32, about 3.4 KB with what keeps it: at most some 28 MB.
REMEMBERED_INPUTS = 8192
#: How many clients' (addresses') last inputs are kept apart from those: a class, and more.
REMEMBERED_CLIENTS = 1024


def client_of(request) -> str:
    """Who asked, for :meth:`Served.remember`: the client's address (each phone in a class has
    its own; everything on this computer is one)."""
    return request.client.host if request.client is not None else ""


class Served:
    """The served network and its version, and the last inputs predicted, shared by all requests.

    ``current`` is one (network, version) tuple, replaced whole when a training run finishes, so
    a request that read it keeps a consistent pair even while the swap happens. Inputs are
    remembered under an ``input_id`` (a hash of the input) so that the neuron endpoint can show
    what a neuron computed for them; each client's last one (by its address: a phone in a
    class) is also kept apart, so that it is neither shown to others nor forgotten while they
    draw.
    """

    def __init__(self, net: Network, source: str):
        self.current: tuple[Network, int] = (net, 1)
        self.source = source
        self._lock = threading.Lock()
        self._inputs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._last: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()  # client -> input

    def swap(self, net: Network, source: str) -> None:
        """Serve ``net`` from now on, as the next version."""
        with self._lock:
            self.current = (net, self.current[1] + 1)
            self.source = source

    def now(self) -> tuple[Network, int, str]:
        """(network, version, source) served now: one consistent triple, never a network with
        the source of the one it replaced (:meth:`swap` changes both at once)."""
        with self._lock:
            return (*self.current, self.source)

    def remember(self, x: np.ndarray, client: str) -> str:
        """Keep input ``x`` (shape (sizes[0],)) for the neuron endpoint, as ``client``'s last;
        returns its input_id."""
        input_id = hashlib.blake2b(x.tobytes(), digest_size=8).hexdigest()
        with self._lock:
            self._inputs[input_id] = x
            self._inputs.move_to_end(input_id)
            while len(self._inputs) > REMEMBERED_INPUTS:
                self._inputs.popitem(last=False)
            self._last[client] = (input_id, x)
            self._last.move_to_end(client)
            while len(self._last) > REMEMBERED_CLIENTS:
                self._last.popitem(last=False)
        return input_id

    def recall(self, input_id: str | None, client: str,
               api: str = "/api") -> tuple[str, np.ndarray] | None:
        """(input_id, x) of a remembered input, or of ``client``'s last one when ``input_id``
        is None (never another client's); None if ``client`` has predicted nothing yet.
        Raises ApiError 404 for an id that is not (or no longer) remembered, saying what to
        send again and where: :meth:`send_again` (``api``: where this model's API is)."""
        found = self._found(input_id, client)
        if found is None and input_id is not None:
            raise ApiError(404, f"input_id {input_id} is not known (the server keeps the last "
                                f"{REMEMBERED_INPUTS} inputs, and forgets them on restart); "
                                f"{self.send_again(api)} again")
        return found

    def knows(self, input_id: str, client: str) -> bool:
        """Whether :meth:`recall` would find ``input_id`` for ``client``."""
        return self._found(input_id, client) is not None

    def _found(self, input_id: str | None, client: str) -> tuple[str, np.ndarray] | None:
        """(input_id, x) remembered for ``client`` (its last input, when ``input_id`` is
        None), or None: the one lookup of :meth:`recall` and :meth:`knows`."""
        with self._lock:
            last = self._last.get(client)
            if input_id is None or (last is not None and last[0] == input_id):
                return last
            x = self._inputs.get(input_id)
        return None if x is None else (input_id, x)

    def send_again(self, api: str) -> str:
        """How to get an input_id of this model: "POST the recording to
        /models/2/api/predict" for a model of recordings whose API is at ``api``
        ("/models/2/api"), "POST the drawing or image to /api/predict" for one of pictures (it
        reads both, as JSON pixels or as a file)."""
        heard = inputs.audio_of(self.current[0]) is not None
        return f"POST the {'recording' if heard else 'drawing or image'} to {api}/predict"


def recalled(request, input_id: str | None) -> tuple[str, np.ndarray] | None:
    """:meth:`Served.recall` of the model ``request`` asked, for the client that asked. Its 404
    names this model's own address to send the input to again (``/models/2/api/predict`` for
    model 2); and when another model of the server made ``input_id`` (each remembers only the
    inputs it read), it says so, naming that model (``request.app.state.models``: the served
    models, :class:`~digitnet.web.loading.ServedModels`), rather than that it was forgotten."""
    served, client = request.app.state.served, client_of(request)
    api = request.scope.get("root_path", "").rstrip("/") + "/api"
    try:
        return served.recall(input_id, client, api)
    except ApiError as e:
        models = getattr(request.app.state, "models", None)
        maker = models.knowing(input_id, client, besides=served) if models else None
        if maker is None:
            raise
        raise ApiError(e.status, f"input_id {input_id} is not known to this model ({api}): "
                                 f"model {maker['name']} of this server made it (at "
                                 f"{maker['api']}/predict), and each model remembers only the "
                                 f"inputs it read; {served.send_again(api)} for an input_id of "
                                 "this model") from None


class HeldOutSource:
    """The held-out digits of the poking routes: those the served network was not trained on.

    Found (loaded) on first use, then kept while the network is served; when another takes its
    place (a training run from the page finished), found again for it on next use, from its own
    record: a run with another seed sets other examples aside, and the old ones would be digits
    it trained on. A network fine-tuned from the one they were found for (a voice taught on the
    page), whose own cannot be found, keeps them: it learned only from what it was fine-tuned on.

    ``find(net)`` returns a :class:`~digitnet.heldout.HeldOut` or raises a DigitnetError saying
    why there is none; :meth:`get` returns (held_out, None) or (None, that reason) for the
    network served now.
    """

    def __init__(self, served: Served, find: Callable[[Network], HeldOut]):
        self._served, self._find = served, find
        self._lock = threading.Lock()
        self._found: tuple[HeldOut | None, str | None] | None = None
        self._for: tuple[int, Network] | None = None  # the version and network they are for
        self._found_as = ""  # what find() said they are, for a network fine-tuned from it

    def get(self) -> tuple[HeldOut | None, str | None]:
        net, version = self._served.current
        with self._lock:
            if self._for is None or self._for[0] != version:
                try:
                    self._found = (self._find(net), None)
                    self._found_as = self._found[0].description
                except DigitnetError as e:
                    self._found = self._fine_tuned(net) or (None, str(e))
                self._for = (version, net)
            return self._found

    def _fine_tuned(self, net: Network) -> tuple[HeldOut, None] | None:
        """The held-out digits kept, if ``net`` records being fine-tuned from the network they
        were found for (:func:`digitnet.finetune.start_from` records its parameters' hash)."""
        held = self._found[0] if self._found else None
        init = net.metadata.get("init") or {}
        if held is None or not init.get("params_sha256") or init["params_sha256"] != \
                hashlib.sha256(self._for[1].params.tobytes()).hexdigest():
            return None
        learned = ((net.metadata.get("data") or {}).get("train") or {}).get("name") or "other data"
        return HeldOut(held.data, f"those of the network it was fine-tuned from, which "
                                  f"fine-tuning on {learned} did not learn from: "
                                  f"{self._found_as}"), None
