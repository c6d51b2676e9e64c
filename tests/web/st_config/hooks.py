"""Checks of our own for the schemathesis run in tests/web/test_schema.py (SCHEMATHESIS_HOOKS)."""

import schemathesis

#: Why POST /api/predict may refuse a request that fits its schema: things no JSON Schema says.
REASONS_THE_SCHEMA_CANNOT_STATE = (
    "every row must have the same length",
    "no digit found",
    "not an image",
    "is empty; send an image file",
)


@schemathesis.check
def valid_requests_refused_only_for_reasons_the_schema_cannot_state(ctx, response, case):
    """A request generated to fit the schema is answered 2xx, or (for POST /api/predict
    only) 422 for one of :data:`REASONS_THE_SCHEMA_CANNOT_STATE`."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    message = response.json().get("error", "")
    if case.operation.label != "POST /api/predict" or not any(
            reason in message for reason in REASONS_THE_SCHEMA_CANNOT_STATE):
        raise AssertionError(f"a request that fits the schema was refused: {message}")
    return None
