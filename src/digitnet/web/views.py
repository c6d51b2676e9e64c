"""The network as the page sees it: the API's answers are :mod:`digitnet.descriptions`' dicts
(the notebook widget shows the same), with what only the web adds: the served model's version
and source, input ids, and 404 for a neuron that is not there.
"""

from __future__ import annotations

import numpy as np
from fastapi.responses import Response

from .. import descriptions, poke
from ..poke import described_prediction as describe_prediction
from ..descriptions import dumps, finite, image_shape, network_input, rounded
from ..errors import ConfigError
from ..network import Network
from .errors import ApiError

__all__ = ["image_shape", "network_input", "describe_prediction", "describe_model", "describe_neuron", "dumps",
           "finite", "rounded", "JSONAnswer"]


class JSONAnswer(Response):
    """A JSON response serialised once by :func:`dumps` (NumPy arrays as numbers)."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        return dumps(content)


def describe_model(net: Network, version: int, source: str) -> dict:
    """:func:`digitnet.descriptions.describe_model`, with the model's version and source."""
    return {**descriptions.describe_model(net), "source": source, "model_version": version}


def describe_neuron(net: Network, layer: int, index: int,
                    remembered: tuple[str, np.ndarray] | None) -> dict:
    """:func:`digitnet.descriptions.describe_neuron` for the remembered (input_id, x), whose id
    its ``current`` carries; ApiError 404 for a layer or neuron the network does not have."""
    try:
        descriptions.check_neuron(net, layer, index)
    except ConfigError as e:
        raise ApiError(404, str(e)) from None
    input_id, x = remembered if remembered is not None else (None, None)
    answer = poke.described_neuron(net, layer, index, x)
    if input_id is not None:
        answer["current"] = {"input_id": input_id, **answer["current"]}
    return answer
