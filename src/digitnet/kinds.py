"""What kind of examples a data source holds, told from its name and its files' names alone.

A model reads one kind of example: pictures ("images"), recordings ("audio") or a table's rows
("table"), its :attr:`digitnet.inputs.Input.kind`. Loading data to find out it is of another
kind can take a while (2,500 recordings take seconds to hear), and what loading says first (a
split the data lacks, say) is then beside the point. :func:`kind_of` tells the kind without
reading a single example, as :func:`digitnet.datasets.load` will read the source:

* a known dataset's name: ``mnist``, ``fashion-mnist``, ``kmnist`` hold pictures,
  ``spoken-digits`` recordings;
* a folder of IDX files (``...-ubyte``): pictures;
* a folder of recordings named as FSDD names them (or holding such a ``recordings/``):
  recordings;
* a folder of class folders (maybe inside ``train/`` and ``test/``): the kind of its files, or
  when it holds both, the kind of at least twice as many as the other, which loading reads (a
  stray ``cover.png`` among recordings is skipped and noted: :func:`digitnet.folders.kind_held`);
* a ``.csv`` file: a table.

Anything else (an ``.npz``, which may hold pictures or rows; a folder of pictures and
recordings in numbers too near to tell, or of neither; a name that is nothing) is None: loading
it says what it is.

A file sent to the server has no name to go by: :func:`kind_of_bytes` tells its kind from how
its bytes begin. (It lives in :mod:`digitnet.soundcheck`: the audio front end, which this
module's data loaders read recordings through, tells a picture named ``.wav`` by it.)
"""

from __future__ import annotations

import os
from pathlib import Path

from . import folders, recordings, sources
from .errors import DataError
from .inputs import Input
from .soundcheck import kind_of_bytes

__all__ = ["WORDS", "check", "kind_of", "kind_of_bytes", "mismatch"]

#: Each kind in words, as messages say it: "holds pictures", "reads a table".
WORDS = {"images": "pictures", "audio": "recordings", "table": "a table"}


def kind_of(name_or_dir: str | os.PathLike) -> str | None:
    """"images", "audio" or "table": the kind of examples ``name_or_dir`` (a dataset name, a
    folder or a table file, as ``--data`` takes it) holds, told from names alone (see the
    module); None when that cannot be told without reading it."""
    name = str(name_or_dir)
    if name in sources.KNOWN_NAMES:
        return "images"
    if name in recordings.ARCHIVES:
        return "audio"
    path = Path(name)
    if not name or not path.exists():
        return None
    if path.is_file():
        return "table" if path.suffix.lower() == ".csv" else None
    try:
        if any("-ubyte" in p.name or ".idx" in p.name for p in path.iterdir() if p.is_file()):
            return "images"  # (as datasets.load tells a folder of IDX files)
        if recordings.flat_folder(path) is not None:
            return "audio"
        return folders.kind_held(path)
    except (OSError, DataError):
        return None  # (loading it says what cannot be read)


def check(name_or_dir: str | os.PathLike, model_input: Input, what: str = "the model") -> None:
    """A DataError, before anything is read, when ``name_or_dir`` holds another kind of
    examples than ``model_input`` reads (when :func:`kind_of` can tell): the same words as
    :func:`digitnet.classmatch.check_kind` says after loading."""
    kind = kind_of(name_or_dir)
    if kind is not None and kind != model_input.kind:
        raise mismatch(name_or_dir, kind, model_input, what)


def mismatch(name, kind: str, model_input: Input, what: str = "the model") -> DataError:
    """The error for data ``name`` of ``kind`` given to a model that reads another kind."""
    return DataError(f"{name} holds {WORDS[kind]}, and {what} reads {WORDS[model_input.kind]}; "
                     "give data of the kind it was trained on")
