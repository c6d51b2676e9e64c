"""The model ``digitnet train`` saved last: remembered in the user's state folder for
``digitnet serve``, which serves it when no model is named."""

from __future__ import annotations

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
        modelfile.atomic_write(pointer, str(Path(path).resolve()).encode())
    except (OSError, DigitnetError):
        pass  # a convenience only; never fail a finished training run over it


def last_model() -> Path | None:
    """The model most recently saved by ``digitnet train``, if it still exists."""
    try:
        path = Path(_pointer().read_text().strip())
    except OSError:
        return None
    return path if path.is_file() else None
