"""What an ONNX file digitnet writes says besides its graph: what its input holds
(``doc_string``, :func:`doc_string`), and the changes made to the network by hand
(``metadata_props``).

A model file (:mod:`digitnet.modelfile`) keeps, beside the network, records that do not change
what it computes (:data:`digitnet.modelread.OPTIONAL`). An ONNX export
(:func:`~digitnet.interop.onnx.to_onnx`) carries those of :data:`RECORDS` the network has, each
under a key of its name, its JSON exactly as the model file stores it: the ``changes`` made to
it by hand (``digitnet edit``, the page's "Save": :meth:`digitnet.poke.Changes.apply`). So a
network read back (:func:`~digitnet.interop.onnx.read_onnx`) still says that it was changed,
and how: ``digitnet info model.onnx`` lists its changes as for the model file, and everything
that shows a neuron switched off (:func:`digitnet.poke.off_neurons`) finds it.

Read back (:func:`records_of`, from files digitnet wrote: the keys are digitnet's), the records
are checked as a model file's are (:mod:`digitnet.modelread`): one that is not valid is set
aside, under ``changes_ignored``, with a warning, the network reading as ever.

The changes say what the network in the file is: not the one its training made. How it was
trained (``config``, ``history``, ``metrics``, ``data``, ``init``) is not carried: the network
computes the same without it, every trained model's export would grow by that record, and the
model file, which the export is made from, keeps it.
"""

from __future__ import annotations

import json

from ..errors import UnsupportedModelError
from ..inputs import Audio, Images
from ..modelread import checked, jsonable
from .dense import Dense

__all__ = ["RECORDS", "doc_string", "records_props", "records_of"]

#: The records of a model file (:data:`digitnet.modelread.OPTIONAL`) that an ONNX export
#: carries, each under a ``metadata_props`` key of its name.
RECORDS = ("changes",)


def records_props(net) -> dict[str, str]:
    """The ``metadata_props`` that carry ``net``'s :data:`RECORDS`: each it has, as JSON text
    written as a model file writes it (:func:`digitnet.modelfile.save`)."""
    return {record: json.dumps(net.metadata[record], allow_nan=False, default=jsonable)
            for record in RECORDS if record in net.metadata}


def records_of(props: dict[str, str], dense: Dense, name: str) -> dict:
    """The :data:`RECORDS` in ``props``, the ``metadata_props`` of the ONNX file ``name``, for
    the network ``dense`` read from it, as they go into the network's metadata: each checked as
    a model file's is (one not valid set aside, under ``changes_ignored``..., with a warning)."""
    found = {record: _parsed(props[record]) for record in RECORDS if record in props}
    if not found:
        return {}
    try:
        held = dense.check()
    except UnsupportedModelError:
        return {}  # a network digitnet cannot hold, which network_of refuses, saying why
    network = {"kind": "model", "sizes": list(held.sizes), "activation": held.activation,
               "output": held.output}
    kept = checked({**network, **found}, name)
    return {k: v for k, v in kept.items() if k not in network}


def doc_string(record) -> str:
    """What the graph's ``input`` holds, and its output, in one line for ``doc_string``."""
    if isinstance(record, Audio):
        what = (f"the recording's {record.bands}x{record.frames} log-mel picture (bands x frames) "
                "as digitnet's front end makes it (digitnet.audio.picture, settings in metadata "
                "'input'; compute it the same way), row by row from the highest band, brightness "
                "0 (quiet) to 1 (loudest)")
    elif isinstance(record, Images):
        h, w = record.shape
        deskew = ", each deskewed first as digitnet.inputs.deskew does" if record.deskew else ""
        what = f"{h}x{w} pixels row by row, brightness 0 (background) to 1 (ink){deskew}"
    else:
        scaled = "standardised in the graph" if record.mean is not None else "not standardised"
        what = f"the table's {record.n_inputs} raw columns (named in metadata 'input'), {scaled}"
    return f"input: {what}; output: the probability of each class (metadata 'classes')"


def _parsed(text: str):
    """A record's JSON text as its value; text that is not JSON as it is (which the check then
    sets aside: it is no record of the kind its key names)."""
    try:
        return json.loads(text)
    except ValueError:
        return text
