"""Checks of our own for the schemathesis run in tests/web/test_schema.py (SCHEMATHESIS_HOOKS)."""

import schemathesis

#: Why a request that fits its schema may still be refused with 422: things no JSON Schema says
#: (they depend on the served network, or on what a drawing holds).
DRAWING = (
    "every row must have the same length",
    "no digit found",
    "not an image",
    "is empty; send an image file",
    "the body is empty",  # a file sent as the raw body, with no bytes
)
CHANGES = (
    "does not exist",  # a layer or neuron the network does not have
    "is the input layer",
    "has no hidden layers",  # a neuron switched off in a network without any (784-10)
    "is the output layer, which has nothing after it",
    "is outside the",  # a painted cell outside the grid
    "does not fit the",  # an edge detector's strip larger than the image
    "pixels wide, got",  # ... its border wider than the image
    "fills the whole",  # ... its strip the whole image, leaving no border
    "an edge detector looks at pixels",  # ... on a neuron of another layer than the first
    "makes the network overflow",  # edits that compound past what float32 has room for
    "is painted already by",  # a cell twice in one paint edit (uniqueItems compares whole cells)
    "incoming weights (a",  # more cells than the neuron has weights
)
REASONS_THE_SCHEMA_CANNOT_STATE = {
    "POST /api/predict": DRAWING + CHANGES + ("changes: ",),  # an upload's changes field
    "POST /api/ablate": CHANGES,
    "POST /api/ranking": CHANGES,
    "POST /api/top": CHANGES,
    "POST /api/map": CHANGES + ("a t-SNE map places at most",),
    "POST /api/robustness": CHANGES,
    "POST /api/backprop": DRAWING + CHANGES + ("label must be a class",),
    "POST /api/neuron/{layer}/{index}": CHANGES,
    # changes that change nothing are not saved (a scale by 1, a paint of no cells, a bias set
    # to what it is, a weight set from a neuron switched off; a scale by 2, then by 0.5)
    "POST /api/export": CHANGES + ("changes no weight or bias",
                                   "leave every weight and bias as it was"),
    # the served model reads pictures (the schemathesis run's does): only one that hears learns a
    # voice, or has recordings of one saved
    "POST /api/voice": ("this model reads pictures, not recordings",),
    "POST /api/voice/recordings": ("this model reads pictures, not recordings",),
}


@schemathesis.check
def valid_requests_refused_only_for_reasons_the_schema_cannot_state(ctx, response, case):
    """A request generated to fit the schema is answered 2xx, or 422 for one of
    :data:`REASONS_THE_SCHEMA_CANNOT_STATE` of its operation."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    message = response.json().get("error", "")
    reasons = REASONS_THE_SCHEMA_CANNOT_STATE.get(case.operation.label, ())
    if not any(reason in message for reason in reasons):
        raise AssertionError(f"a request that fits the schema was refused: {message}")
    return None
