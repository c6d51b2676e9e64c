"""What a served model records of itself, as ``GET /api/model`` answers it (its ``metadata``):
the shape of :class:`ModelMetadata` in the API's schema (:mod:`digitnet.web.schemas`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ModelMetadata"]


class ModelMetadata(BaseModel):
    """What the model records of itself (its file's metadata), as recorded: ``input`` and
    ``data`` below, and ``classes``, ``config`` (the training options), ``history`` (one record
    per epoch), ``metrics``, ``init`` (the model a run started from), ``imported`` (the file it
    was imported from), ``changes`` (the edits of an edited network) and a few more. A field
    the model does not record is absent."""

    model_config = ConfigDict(extra="allow")

    input: dict[str, Any] | None = Field(None, description=(
        "What its input layer reads (digitnet.inputs), by `kind`. \"images\": pictures of "
        "`shape` [h, w], one input neuron per pixel, row by row, brightness 0..1 (0: the "
        "background), each picture deskewed first if `deskew` is true. \"table\": rows of the "
        "table's `columns` (their names, one input neuron each, in order), each value "
        "standardised as (value - mean) / std with the training split's `mean` and `std` (one "
        "per column; null: taken as they are). \"audio\": recordings, each as the picture of "
        "its sound that digitnet.audio makes with these settings: resampled to `sample_rate` "
        "Hz, trimmed where over `trim_db` dB below its loudest, windows of `n_fft` samples "
        "every `hop`, `bands` rows (mel bands from `fmin` Hz up, the highest first) by "
        "`frames` columns (moments), the top `range_db` dB as brightness 0..1. Absent for a "
        "model that does not record it (a network built by hand; a file from before digitnet "
        "recorded it: 28x28 images)."),
        examples=[{"kind": "images", "shape": [28, 28], "deskew": True}])
    data: dict[str, Any] | None = Field(None, description=(
        "What it was trained on, as its training run recorded it: `train`, the training "
        "data's fingerprint, {`name` (a dataset name such as \"mnist\", or the folder or "
        "table file read), `split`, `n` (how many examples), `files` (each file read -> the "
        "SHA-256 of its content)}; `val_fraction`, the share of it held out for validation; "
        "`validation`, the fingerprint of a validation set given apart, else null. Absent for "
        "a model digitnet did not train (imported, or built by hand)."))
