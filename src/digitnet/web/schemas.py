"""The shapes of the web API's requests and responses, as pydantic models.

FastAPI turns these into the OpenAPI schema served at ``/openapi.json`` and shown at ``/docs``,
so every field is described here once. Layers are numbered as in ``Network.sizes`` and the video's
a^(l): layer 0 is the input (784 pixels, no weights), layer 1 the first hidden layer, ..., layer L
the output layer. Each entry of a prediction's and of the model's ``layers`` says its ``layer``,
and ``/api/neuron/{layer}/{index}`` takes the same numbers, 1 to L.

JSON Schema counts ``20.0`` as an integer: so do the integer fields of requests here, which still
refuse ``"20"`` and ``true``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ..network import Network
from ..poke.changes import EDGE_MARGIN, Changes
from ..poke.reading import LIMIT
from .model_metadata import ModelMetadata

#: Largest request body the server reads, in bytes, but for drawings and recordings (below).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Largest drawing POST /api/predict reads, as JSON, in bytes: a grid of MAX_GRID rows of
#: MAX_GRID numbers, each as long as json.dumps writes any float in [0, 1] (up to 23 characters:
#: 1.2345678901234567e-100), with its ", ", and room to spare for the request's changes.
MAX_DRAWING_BYTES = 24 * 1024 * 1024
#: Largest recording a model of recordings reads at /api/predict, in bytes (as the body, or a
#: form's file): audio.MAX_SECONDS (10 s) of the largest format recorded commonly, 48 kHz
#: stereo 32-bit float (RECORDED: phones, browsers, sound cards; 3,840,000 bytes), its header and
#: the form's wrapping (any other request body: MAX_BODY_BYTES; a voice's: voice.MAX_VOICE_BYTES).
MAX_RECORDING_BYTES = 4 * 1024 * 1024
#: That format: samples a second, channels, bytes a sample.
RECORDED = (48_000, 2, 4)
#: The 413 of POST /api/predict and /api/train, as the OpenAPI schema describes it.
TOO_LARGE = (f"Body over {MAX_BODY_BYTES // 2**20} MB (a drawing sent as JSON to /api/predict: "
             f"over {MAX_DRAWING_BYTES // 2**20} MB; a recording sent to a model of spoken "
             f"digits: over {MAX_RECORDING_BYTES // 2**20} MB)")
#: Bounds on a drawn grid's height and width, in cells.
MIN_GRID, MAX_GRID = 8, 1000
#: Bounds on a training run started from the page.
MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_HIDDEN_SIZE = 20, 3, 128

ACTIVATION_NAMES = ("sigmoid", "relu", "leaky_relu", "tanh")


def _whole_number(value: Any) -> Any:
    """A JSON number with no fraction (``20.0``) as the integer it is; anything else unchanged,
    for the strict integer check to accept or refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Integers as JSON Schema means them: 20 or 20.0, never "20" nor true. (The bounds go before
# the validator, which then runs first, so that the JSON Schema shows them as bounds.)
_WHOLE = BeforeValidator(_whole_number)
Epochs = Annotated[int, Field(strict=True, ge=1, le=MAX_EPOCHS), _WHOLE]
HiddenSize = Annotated[int, Field(strict=True, ge=1, le=MAX_HIDDEN_SIZE), _WHOLE]
Seed = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1), _WHOLE]
Brightness = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]
Row = Annotated[list[Brightness], Field(min_length=MIN_GRID, max_length=MAX_GRID)]
#: Which served network an answer is about, in every answer computed on it.
ModelVersion = Annotated[int, Field(
    description="Which served model answered: 1 for the one the server started with, one more "
                "each time another replaces it (a training run from any page finishes, or a "
                "voice is taught). An answer of another version than the model a page shows "
                "was computed on another network: load GET /api/model again.")]


class ErrorResponse(BaseModel):
    """Every 4xx (and the rare 5xx) answer: one line saying what is wrong and what to do."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(pattern=r"^[^\n]+$",
                       examples=["pixels[3][5]: must be a number between 0 and 1, got 1.5"])


def _rectangular(rows: list[list[float]]) -> list[list[float]]:
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise PydanticCustomError(
                "ragged_grid", "every row must have the same length; row 0 has {width} "
                "values, row {i} has {n}", {"width": width, "i": i, "n": len(row)})
    return rows


#: A drawing: rows of brightness, all of one length.
Grid = Annotated[list[Row], Field(min_length=MIN_GRID, max_length=MAX_GRID),
                 AfterValidator(_rectangular)]


# -- a learner's changes to the network (digitnet.poke.changes), sent with each request -------

Whole = Annotated[int, Field(strict=True), _WHOLE]
Count = Annotated[int, Field(strict=True, ge=0), _WHOLE]
Value = Annotated[float, Field(strict=True, ge=-LIMIT, le=LIMIT, allow_inf_nan=False)]
Pair = Annotated[list[Whole], Field(min_length=2, max_length=2)]
#: Bounds of a request's changes. A paint edit's cells have theirs in Changes: each place once,
#: so no more than the neuron has incoming weights.
MAX_OFF, MAX_EDITS = 1024, 256


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    layer: Whole = Field(description="The neuron's layer: 1 = the first hidden layer, ..., L = "
                                     "the output layer.")
    neuron: Whole = Field(description="Its index in the layer, from 0.")


class BiasEdit(_Edit):
    """Set the neuron's bias."""

    op: Literal["bias"]
    value: Value


class ScaleEdit(_Edit):
    """Multiply the neuron's incoming weights by a factor."""

    op: Literal["scale"]
    factor: Value


class Cell(BaseModel):
    """One incoming weight, at its place on the grid of the layer before."""

    model_config = ConfigDict(extra="forbid")

    row: Count
    col: Count
    weight: Value


class PaintEdit(_Edit):
    """Set single incoming weights, laid out on the grid of the layer before: the input image
    (28x28) for the first hidden layer of an image model, one row of neurons otherwise; each
    cell once (so at most as many as the neuron has incoming weights: 784 on the 28x28 grid)."""

    op: Literal["paint"]
    cells: list[Cell]


class EdgeEdit(_Edit):
    """The video's hand-built edge detector on a first-layer neuron: +weight on a strip of
    pixels, a balancing negative border ``margin`` pixels wide, and a bias so that it fires when
    the strip is clearly brighter than its border. ``margin`` and ``weight`` may be left out:
    they take the served network's defaults (digitnet.poke.edge_defaults), as digitnet edit
    takes them."""

    op: Literal["edge"]
    top: Count
    left: Count
    height: Annotated[int, Field(strict=True, ge=1), _WHOLE]
    width: Annotated[int, Field(strict=True, ge=1), _WHOLE]
    # (None: left out, for Changes.from_json to fill from the network; null is not taken)
    margin: Annotated[int, Field(strict=True, ge=1, le=MAX_GRID), _WHOLE] = Field(
        None, json_schema_extra={"default": EDGE_MARGIN},
        description=f"The border's width in pixels; default {EDGE_MARGIN}.")
    weight: Value = Field(
        None, json_schema_extra=lambda schema: schema.pop("default", None),
        description="+weight on the strip; default: the largest |w| of the served network's "
                    "first layer, so that the neuron keeps the scale of its neighbours.")


#: Each edit's model, by its op.
EDITS = {"bias": BiasEdit, "scale": ScaleEdit, "paint": PaintEdit, "edge": EdgeEdit}


Edit = Annotated[Union[BiasEdit, ScaleEdit, PaintEdit, EdgeEdit], Field(discriminator="op")]


class ChangesRequest(BaseModel):
    """Neurons switched off and neurons rewritten, applied to a copy of the served network for
    this request only (see digitnet.poke.changes). A layer or neuron the network does not have,
    or a painted cell outside its grid, is refused with 422."""

    model_config = ConfigDict(extra="forbid")
    #: A body of this request, in one line: what an error about the whole body shows (each
    #: request that a route reads from JSON has its own).
    example: ClassVar[str] = '{"off": [[1, 3], [2, 0]]}'

    off: list[Pair] = Field(
        default_factory=list, max_length=MAX_OFF,
        description="Hidden neurons switched off, as [layer, neuron] pairs such as [[1, 3], "
                    "[2, 0]]: their output is 0 for every input. Empty: the intact network.")
    edits: list[Edit] = Field(
        default_factory=list, max_length=MAX_EDITS,
        description="Edits of single neurons, applied in order; then the neurons are switched "
                    "off.")

    def changes(self, net: Network) -> Changes:
        """The :class:`digitnet.poke.Changes` these fields describe, for ``net``: read as
        ``Changes.from_json(changes, net)`` reads them (an edge edit's margin and weight left
        out take ``net``'s defaults)."""
        return Changes.from_json(self.model_dump(include={"off", "edits"}, exclude_none=True),
                                 net)


class PredictRequest(ChangesRequest):
    """A drawing: rows of brightness values, 0 for background and 1 for ink (white on black,
    as MNIST's digits are). Any height and width from 8 to 1000 cells; all rows the same length.
    The server reads it as the model reads pictures (``digitnet.preparation.picture``): a model
    of digits scales and centres it the way MNIST's digits were (``digitnet.preprocess.to_mnist``),
    one of frames (Fashion-MNIST's) reads it as it is, resized to its size.
    ``off`` and ``edits`` change the network for this prediction only.
    """

    example: ClassVar[str] = '{"pixels": [[0, 0.5, ...], ...]}'

    pixels: Grid


class LayerActivity(BaseModel):
    """What one layer computed: its weighted inputs z = W a_prev + b and activations a = σ(z)."""

    layer: int = Field(description="Its number: 1 for the first hidden layer, ..., L for the "
                                   "output layer (0, the input, is the answer's `input`).")
    z: list[float]
    a: list[float]


class PredictResponse(BaseModel):
    """The network's reading of a drawing, with every layer's activity."""

    model_config = ConfigDict(populate_by_name=True)

    digit: int = Field(description="The most likely class's index: the brightest output neuron.")
    class_name: str = Field(alias="class", description="That class's name (\"7\" for MNIST's "
                                                       "digits, \"Ankle boot\" for Fashion-MNIST).")
    probabilities: list[float] = Field(description="One per output neuron, summing to 1.")
    input: list[list[float]] = Field(
        description="The 28x28 image the network saw after preprocessing, brightness 0..1.")
    layers: list[LayerActivity] = Field(
        description="One entry per layer after the input, layers 1 to L: the hidden layers, "
                    "then the output.")
    input_id: str = Field(
        description="Names this input for GET /api/neuron/{layer}/{index}?input_id=... "
                    "(the server remembers the last few hundred inputs).")
    model_version: ModelVersion


class LayerInfo(BaseModel):
    """Layer l's incoming weights: ``weights[j][i]`` connects neuron i of layer l - 1 to neuron j
    of layer l."""

    layer: int = Field(description="Its number l, 1 to L (the input, layer 0, has no weights).")
    n_in: int
    n_out: int
    activation: str = Field(description="σ of this layer: the hidden activation, or the output "
                                        "function (softmax or sigmoid) for the last layer.")
    weights: list[list[float]] = Field(description="Shape (n_out, n_in), the video's W.")
    biases: list[float] = Field(description="Shape (n_out,).")


class HeldOutInfo(BaseModel):
    """Labelled examples the served model was not trained on."""

    n: int = Field(description="How many (0: none; the description says why).")
    split: str | None = Field(description="\"val\": the model's own validation split of its "
                                          "training data; \"test\": the data's test split.")
    description: str


class ModelResponse(BaseModel):
    """The served network: architecture, parameters and how it was trained."""

    sizes: list[int] = Field(description="Neurons per layer, input first, e.g. [784, 16, 16, 10].")
    activation: str
    output: str
    cost: str
    classes: list[str] = Field(description="The name of each output neuron's class.")
    parameters: int
    parameter_breakdown: str
    input_shape: list[int] | None = Field(
        description="[28, 28] when the input layer is a square image, else null.")
    layers: list[LayerInfo]
    metadata: ModelMetadata = Field(
        description="How it was made and what it reads: training configuration, per-epoch "
                    "history, metrics, what its input layer reads (`input`) and the data it "
                    "learned from (`data`).")
    source: str = Field(description="The model file served, or where the model came from.")
    model_version: ModelVersion
    held_out: HeldOutInfo = Field(description="The held-out digits the poking endpoints "
                                              "(/api/ablate, ...) are scored on.")


class ServedModel(BaseModel):
    """One of the models a server serves (``digitnet serve MODEL MODEL2 ...``)."""

    name: str = Field(description="\"1\", \"2\": the models in the order they were given.")
    api: str = Field(description="Where its API is: \"/api\" for the first, "
                                 "\"/models/2/api\" for the second; the page shows it at "
                                 "/?model=NAME.")
    input: str = Field(description="What it reads: \"images\", \"table\" or \"audio\" "
                                   "(recordings).")
    sizes: list[int] = Field(description="Neurons per layer, input first, of the network "
                                         "served now.")
    source: str = Field(description="The model file served, or where the network served now "
                                    "came from (\"trained from the page\", \"fine-tuned to a "
                                    "voice on the page\").")


class ModelsResponse(BaseModel):
    """Every model the server serves; the page lets the user switch between them."""

    models: list[ServedModel]


class Term(BaseModel):
    """One term w_i · a_i of a neuron's weighted sum."""

    index: int = Field(description="Neuron i of the layer before (a pixel for the first layer).")
    w: float
    a_prev: float
    product: float


class NeuronActivity(BaseModel):
    """What the neuron computes for one input: a = σ(w·a_prev + b)."""

    input_id: str
    weighted_sum: float = Field(description="w·a_prev, the sum of all the terms.")
    z: float = Field(description="w·a_prev + b.")
    a: float = Field(description="The neuron's activation σ(z) (for softmax, its share of e^z).")
    top_terms: list[Term] = Field(description="The terms with the largest |w_i a_i|, largest "
                                              "first (at most 8).")
    n_terms: int


class NeuronResponse(BaseModel):
    """One neuron: its incoming weights, bias, and what it does for an input."""

    layer: int = Field(description="1 for the first hidden layer, ..., L for the output layer.")
    index: int
    kind: Literal["hidden", "output"]
    activation: str
    bias: float
    weights: list[float] = Field(description="Its incoming weights, one per neuron before it.")
    image: list[list[float]] | None = Field(
        description="What it looks for, as an image of the input: for the first hidden layer "
                    "its weights laid out as 28x28; for deeper layers the effective template "
                    "w W^(l-1) ... W^(1), its weights multiplied back through the earlier layers "
                    "(the straight-line view that ignores σ). Null when the input is not a "
                    "square image.")
    image_kind: Literal["weights", "effective_template"] | None
    current: NeuronActivity | None = Field(
        description="For the input named by input_id, or without it the last input this "
                    "client (its address) predicted; null when it has predicted nothing yet.")
    model_version: ModelVersion


class TrainRequest(BaseModel):
    """A short training run on the server's data, from fresh random weights: a network like
    the served one (its output function, whether it deskews) in what is not given here."""

    model_config = ConfigDict(extra="forbid")
    example: ClassVar[str] = '{"epochs": 3}'

    epochs: Epochs = Field(3,
                        description=f"Passes over the training images, 1 to {MAX_EPOCHS}.")
    lr: float = Field(0.004, gt=0, le=1, allow_inf_nan=False, strict=True,
                      description="Learning rate (the peak of a cosine schedule; Adam).")
    activation: Literal[ACTIVATION_NAMES] | None = Field(  # type: ignore[valid-type]
        None, description="The hidden layers' σ. Default: that of the served model.")
    hidden: list[HiddenSize] | None = Field(
        None, max_length=MAX_HIDDEN_LAYERS,
        description=f"Hidden layer sizes, e.g. [16, 16] (the video's); up to {MAX_HIDDEN_LAYERS} "
                    f"layers of up to {MAX_HIDDEN_SIZE}. Default: those of the served model.")
    seed: Seed = Field(0,
                      description="Seed for the initial weights, the split and the shuffling.")


class TrainStatus(BaseModel):
    """The current (or last) training run started from the page."""

    state: Literal["idle", "running", "done", "failed", "cancelled"]
    run_id: int = Field(description="Counts runs since the server started; 0 before the first.")
    config: dict[str, Any] | None = None
    history: list[dict[str, Any]] = Field(default_factory=list,
                                          description="One record per finished epoch.")
    message: str | None = Field(None, description="Why a run failed or was cancelled.")
    events_url: str = Field(description="Where the run's events stream: /api/train/events, or "
                                        "a further model's (/models/2/api/train/events).")
    access: Literal["open", "token", "off"] = Field(
        "open", description="Who may start and stop runs: anyone, whoever sends the token "
                            "digitnet serve printed (header X-Digitnet-Token), or nobody.")
