"""The model ``digitnet train`` saved last: remembered in the user's state folder for
``digitnet serve``, which serves it when no model is named.

The path is kept as the bytes the file system names it by (:func:`os.fsencode`), so that any
name, UTF-8 or not (``w\\xe9.safetensors``, Latin-1's "wé"), is read back as it was written."""

from __future__ import annotations

import os
from pathlib import Path

from .. import modelfile
from ..errors import DigitnetError


def _pointer() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("digitnet")) / "last-model"


def remember_model(path: Path) -> None:
    """Note the newest trained model, for commands that default to it (``digitnet serve``)."""
    try:
        pointer = _pointer()
        pointer.parent.mkdir(parents=True, exist_ok=True)
        modelfile.atomic_write(pointer, os.fsencode(Path(path).resolve()))
    except (OSError, DigitnetError):
        pass  # a convenience only; never fail a finished training run over it


def last_model() -> Path | None:
    """The model most recently saved by ``digitnet train``, if it still exists."""
    try:
        path = Path(os.fsdecode(_pointer().read_bytes().strip()))
    except OSError:
        return None
    return path if path.is_file() else None
