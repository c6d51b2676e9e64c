"""A model file edited by hand, as a person editing the JSON of its metadata would: the tests
of what digitnet makes of such files (refused in one line, or a record set aside with a note)
write them with this, through the safetensors library, the arrays left as they were."""

from __future__ import annotations

import json
from pathlib import Path


def edited(path, out, *, merge: tuple[str, ...] = (), **fields) -> Path:
    """The file at ``path`` with its digitnet metadata's ``fields`` set (a NaN written as
    Python's JSON writes it), saved as ``out``. A field named in ``merge`` that is given an
    object updates the record rather than replacing it: ``merge=("config",), config={"lr":
    -0.5}`` changes one option of the training record."""
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    with safe_open(str(path), "np") as f:
        metadata = f.metadata()
    header = json.loads(metadata["digitnet"])
    for name, value in fields.items():
        if name in merge and isinstance(value, dict):
            value = {**header.get(name, {}), **value}
        header[name] = value
    metadata["digitnet"] = json.dumps(header)
    save_file(load_file(str(path)), str(out), metadata=metadata)
    return Path(out)
