"""The shapes of the requests and answers of poking the network (:mod:`digitnet.web.poking`).

Every poking request may carry the learner's changes, ``off`` and ``edits``
(:class:`~digitnet.web.schemas.ChangesRequest`, see :mod:`digitnet.poke.changes`), which the
server applies to a copy of the served network for that request only: nothing is kept between
requests, so two people editing at once never see each other's changes. Layers are numbered as
everywhere in digitnet: 0 is the input, 1 the first hidden layer, L the output layer.

Some refusals depend on the served network and so cannot be stated by the schema: a layer or
neuron it does not have, a painted cell outside its grid, a label that is not one of its
classes. They are answered 422 with a line saying which.

Every answer says which served network it was computed on (``model_version``, as a
prediction's does): another page's training run may have replaced the one this page shows.
A network saved from the page (/api/export) is named by :func:`download_name`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..poke.maps import METHODS
from ..poke.stepping import DEFAULT_LR, MAX_LR
from .schemas import _WHOLE, ChangesRequest, Count, Grid, ModelVersion, Whole

if TYPE_CHECKING:
    from ..network import Network

#: Bounds of what a request asks for.
MAX_TOP, MAX_MAP_POINTS, MAX_TSNE_POINTS, MAX_ROBUSTNESS = 64, 5000, 1000, 2000

_LAYER = "1 = the first hidden layer, ..., L = the output layer"


class Score(BaseModel):
    accuracy: float
    per_class: list[float] = Field(description="Accuracy on the examples of each class.")


class AblateResponse(Score):
    """Accuracy with the changes, against the intact network, on the server's held-out digits."""

    baseline: Score = Field(description="The intact network's score.")
    n: int = Field(description="How many held-out examples.")
    classes: list[str]
    model_version: ModelVersion


class NeuronDrop(BaseModel):
    layer: int
    neuron: int
    accuracy: float = Field(description="Accuracy with this neuron switched off as well.")
    drop: float = Field(description="How much accuracy falls without it.")
    per_class_drop: list[float] = Field(description="The fall for each class.")


class RankingResponse(BaseModel):
    """Every hidden neuron (not already off) by how much accuracy falls without it."""

    accuracy: float = Field(description="Accuracy of the network with the request's changes.")
    per_class: list[float] = Field(description="Its accuracy for each class, from which each "
                                   "neuron's per_class_drop falls.")
    neurons: list[NeuronDrop] = Field(description="Largest drop first.")
    n: int
    classes: list[str]
    model_version: ModelVersion


class TopRequest(ChangesRequest):
    example: ClassVar[str] = '{"layer": 1, "neuron": 3}'

    layer: Whole = Field(description=_LAYER)
    neuron: Whole
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_TOP), _WHOLE] = 16


class Example(BaseModel):
    index: int = Field(description="Its number among the held-out digits "
                                   "(GET /api/heldout/{index}).")
    label: int
    a: float = Field(description="The neuron's activation for it.")
    image: list[list[float]] | None = Field(description="The picture, brightness 0..1; null "
                                                        "for a model that does not read images.")


class TopResponse(BaseModel):
    """What a neuron answers to, over the held-out digits."""

    layer: int
    neuron: int
    examples: list[Example] = Field(description="The digits that activate it most, most first.")
    class_mean: list[float | None] = Field(description="Its mean activation for each class.")
    class_firing: list[float | None] = Field(description="The share of each class it fires "
                                                         "for (z > 0).")
    firing: float
    n: int
    classes: list[str]
    model_version: ModelVersion


class MapRequest(ChangesRequest):
    example: ClassVar[str] = '{"layer": 1, "method": "pca"}'

    layer: Annotated[int, Field(strict=True, ge=0), _WHOLE] = Field(
        description="0 = the input itself, 1 = the first hidden layer, ..., L = the output layer.")
    method: Literal[METHODS] = "pca"  # type: ignore[valid-type]
    count: Annotated[int, Field(strict=True, ge=5, le=MAX_MAP_POINTS), _WHOLE] = Field(
        1000, description=f"How many held-out digits to place (t-SNE: at most {MAX_TSNE_POINTS}, "
                          "and it takes seconds).")
    seed: Annotated[int, Field(strict=True, ge=0, le=2**31 - 1), _WHOLE] = 0


class MapResponse(BaseModel):
    """One point per held-out digit: a layer's activations laid out in two dimensions."""

    layer: int
    method: str
    points: list[list[float]] = Field(description="[x, y] of each digit.")
    labels: list[int]
    indices: list[int] = Field(description="Each point's digit, for GET /api/heldout/{index}.")
    explained: list[float] | None = Field(description="PCA: the share of the layer's variance "
                                                      "along each axis.")
    classes: list[str]
    model_version: ModelVersion


class HeldOutDigit(BaseModel):
    index: int
    label: int
    class_name: str
    image: list[list[float]] | None
    model_version: ModelVersion


class RobustnessRequest(ChangesRequest):
    example: ClassVar[str] = '{"count": 200}'

    count: Annotated[int, Field(strict=True, ge=10, le=MAX_ROBUSTNESS), _WHOLE] = Field(
        1000, description="How many held-out digits to distort.")


class Curve(BaseModel):
    name: str
    unit: str
    levels: list[float]
    accuracy: list[list[float]] = Field(description="accuracy[m][i]: model m at levels[i].")


class RobustnessResponse(BaseModel):
    """Accuracy as the held-out digits are distorted more and more."""

    models: list[str] = Field(description="The served network, and with the request's changes "
                                          "when there are any.")
    curves: list[Curve]
    n: int
    model_version: ModelVersion


class BackpropRequest(ChangesRequest):
    """One input, named by ``input_id`` (as /api/predict read it) or sent as ``pixels`` (a
    drawing): one of the two."""

    # (the schema says it: each field alone is optional, and null is neither)
    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["pixels"]},
                                                           {"required": ["input_id"]}]})
    example: ClassVar[str] = '{"pixels": [[0, 0.5, ...], ...], "label": 7}'

    pixels: Grid = Field(None, description="A drawing, as for POST /api/predict (for a model of "
                                           "recordings, the picture of the sound it heard, as "
                                           "/api/predict's answer gives it in `input`).")
    input_id: str = Field(None, pattern="^[0-9a-f]{16}$",
                          description="In place of pixels: an input /api/predict read, named by "
                                      "its answer's input_id; the step starts from exactly that "
                                      "input (an image file, a drawing or a recording, as the "
                                      "prediction used it).")
    label: Count = Field(description="The class the input should be read as (0 to 9 for "
                                     "digits).")
    lr: float = Field(DEFAULT_LR, gt=0, le=MAX_LR, allow_inf_nan=False, strict=True,
                      description="The learning rate η of the step.")


class LayerDelta(BaseModel):
    layer: int
    delta: list[float] = Field(description="δ = ∂C/∂z of each neuron of the layer.")


class WeightChange(BaseModel):
    layer: int
    neuron: int
    input: int = Field(description="The neuron of the layer before (a pixel for layer 1).")
    change: float
    source: str = Field(description="Where the weight comes from, in the words digitnet info "
                                    "says a painted weight in: 'pixel (3, 7)' (row, column) "
                                    "into layer 1 of a model of pictures, 'mel band 3 from the "
                                    "top, time frame 7' of recordings, 'neuron 5 of layer 1' "
                                    "into a later layer.")


class BackpropResponse(BaseModel):
    """One input through backpropagation, and one gradient step on a copy of the network."""

    input: list[list[float]]
    label: int
    lr: float
    digit: int
    probabilities: list[float]
    cost: float = Field(description="C for this input and label, before the step.")
    wanted: list[float] = Field(description="How much each output neuron's z wants to move: -δ "
                                            "of the output layer.")
    deltas: list[LayerDelta] = Field(description="δ of layers 1 to L.")
    first_layer_changes: list[list[list[float]]] | None = Field(
        description="The step's change to each first-layer neuron's weights, as 28x28 images "
                    "(null for a model that does not read images).")
    largest_changes: list[WeightChange] = Field(
        description="The 10 weights the step changes most, the largest change first.")
    cost_after: float
    digit_after: int
    probabilities_after: list[float]
    model_version: ModelVersion


class NeuronRequest(ChangesRequest):
    input_id: str | None = Field(None, pattern="^[0-9a-f]{16}$",
                                 description="From a /api/predict answer; default: the last "
                                             "input this client predicted.")


#: POST /api/export's answer, a file (the schema's 200; what the file is named, and why:
#: :func:`download_name`).
EXPORTED = {
    "description": "The changed network as a model file (safetensors) whose metadata lists the "
                   "changes; open it with digitnet.load or digitnet serve. Without changes, "
                   "the served network as it is.",
    "headers": {"Content-Disposition": {
        "description": "attachment, named for what the file holds: "
                       "digitnet-edited.safetensors with changes; without, the served model's "
                       "own file name, or digitnet-trained.safetensors (digitnet-fine-tuned."
                       "safetensors) for a network trained (taught a voice) on the page, else "
                       "digitnet-model.safetensors",
        "schema": {"type": "string"}}},
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


def download_name(net: Network, version: int, source: str, changed: bool) -> str:
    """What a download of ``net`` (served as ``version``, from ``source``; ``changed`` or not)
    is named: digitnet-edited.safetensors with changes; a network made on the page (version 2
    on) digitnet-trained.safetensors, or digitnet-fine-tuned.safetensors if it records a
    network it started from (a voice taught, as app.py tells them apart); the one the server
    started with, its own file's name where ``source`` names one (a .safetensors name for an
    .onnx file), else digitnet-model.safetensors."""
    if changed:
        return "digitnet-edited.safetensors"
    if version > 1:
        return f"digitnet-{'fine-tuned' if net.metadata.get('init') else 'trained'}.safetensors"
    path = PurePath(source)
    if path.suffix.lower() in (".safetensors", ".onnx") and path.stem:
        return path.stem + ".safetensors"
    return "digitnet-model.safetensors"
