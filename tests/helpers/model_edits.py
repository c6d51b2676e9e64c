"""A model file edited by hand, as a person editing the JSON of its metadata would: the tests
of what digitnet makes of such files (refused in one line, or a record set aside with a note)
write them with this, through the safetensors library, the arrays left as they were; and the
network they start from, with the records training writes."""

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


def recorded_network(**more):
    """The default recipe's network, random weights (nothing trained), with the records a
    trained model's file holds (its recipe, data, input, classes, history and metrics) and the
    ``more`` given (``init=...``, ``changes=[]``...)."""
    from digitnet import Network, TrainConfig, inputs

    config = TrainConfig(epochs=3)
    net = Network(config.sizes, config.activation, config.output, seed=0)
    net.metadata = {
        "config": config.to_dict(),
        "data": {"train": {"name": "mnist", "split": "train", "n": 1777,
                           "files": {"train-images-idx3-ubyte.gz": "ab" * 32}},
                 "val_fraction": 0.1, "validation": None},
        "input": inputs.Images((28, 28), deskew=True).to_dict(),
        "classes": [str(d) for d in range(10)],
        "history": [{"epoch": 1, "train_loss": 0.5, "seconds": 0.1, "lr": 0.002,
                     "val_loss": 0.3, "val_accuracy": 0.9}],
        "metrics": {"val_accuracy": 0.9, "val_loss": 0.3, "epochs_trained": 1},
        **more,
    }
    return net
