"""The exceptions digitnet raises on purpose.

Every error a user can cause is a :class:`DigitnetError`, whose message is one line that names
the thing, says what is wrong and what to do. The command line prints that line and exits with
code 1; anything else is a bug and shows a traceback.

::

    DigitnetError
    ├── ConfigError          an option or argument out of range or inconsistent
    ├── DataError            a dataset or input array is missing, malformed or inconsistent
    │   ├── IDXFormatError   an IDX file's magic, dimensions or size are wrong
    │   ├── ChecksumError    a file's SHA-256 differs from the one on record
    │   ├── ImageError       an image file cannot be read or holds no digit
    │   └── AudioError       a recording cannot be read or holds no spoken digit
    ├── ModelFileError       a model or checkpoint file is missing, corrupt or not digitnet's
    │   ├── ShapeMismatchError  stored arrays disagree with the stored layer sizes
    │   └── UnsupportedModelError  a model from elsewhere (ONNX, PyTorch, scikit-learn) is not
    │                            a fully connected network digitnet can hold
    ├── MissingDependencyError  an optional extra (onnx, torch, audio, ...) is not installed
    └── TrainingError        training cannot go on
        ├── DivergenceError  the loss became NaN or infinite; .network: the last good weights
        └── TrainingInterrupted  Ctrl-C or SIGTERM; .network: the weights trained so far, and
                                 a checkpoint was saved if asked for
"""

from __future__ import annotations

import sys

__all__ = [
    "DigitnetError",
    "ConfigError",
    "DataError",
    "IDXFormatError",
    "ChecksumError",
    "ImageError",
    "AudioError",
    "ModelFileError",
    "ShapeMismatchError",
    "UnsupportedModelError",
    "MissingDependencyError",
    "TrainingError",
    "DivergenceError",
    "TrainingInterrupted",
    "WriteInterrupted",
    "one_line",
    "listed",
]


def one_line(text: str) -> str:
    """``text`` as one line whatever it quotes (a file or field name with a line break in it,
    say): every unprintable character (line breaks, tabs, controls) written as its escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def listed(words) -> str:
    """``words`` as a message lists them: "a", "a and b", "a, b and c"."""
    words = [str(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class DigitnetError(Exception):
    """Base class of every error digitnet raises for bad input or a failed run.

    In IPython and Jupyter it shows as its one line, as the command line shows it, rather than
    a traceback through digitnet (and traitlets, for the widget) of 50 lines or more; ``%tb
    verbose`` shows its traceback (``%xmode verbose``: every one's from then on). Any other
    exception, a bug, shows its traceback as ever.
    """

    def _render_traceback_(self) -> list[str]:
        """The lines IPython shows for this error (it calls this method where one is defined):
        the error's one line and how to see the rest; in a traceback mode other than IPython's
        default, "Context" (``%tb verbose``, ``%xmode plain``), the traceback that mode shows."""
        ipython = sys.modules.get("IPython")  # (imported already: it is what calls this)
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is not None and shell.InteractiveTB.mode != "Context":
            return shell.InteractiveTB.structured_traceback(type(self), self, self.__traceback__)
        return [f"{type(self).__name__}: {one_line(str(self))}",
                "(a digitnet error: %tb verbose shows its traceback)"]


class ConfigError(DigitnetError, ValueError):
    """An option is out of range or options contradict each other."""


class DataError(DigitnetError, ValueError):
    """A dataset, folder or array cannot be used. A ValueError, as scikit-learn and NumPy raise
    for input they cannot use (``except ValueError`` catches it)."""


class IDXFormatError(DataError):
    """An IDX file is malformed: wrong magic number, dimensions or byte count."""


class ChecksumError(DataError):
    """A file's SHA-256 does not match the published one."""


class ImageError(DataError):
    """An image cannot be decoded, is too large, or holds no digit."""


class AudioError(DataError):
    """A recording cannot be decoded, or is silent, noise, clipped, too short or too long."""


class ModelFileError(DigitnetError):
    """A model or checkpoint file is missing, truncated, corrupt or not a digitnet file."""


class ShapeMismatchError(ModelFileError):
    """A model file's arrays do not have the shapes its layer sizes call for."""


class UnsupportedModelError(ModelFileError):
    """A model made elsewhere holds something digitnet's networks have no place for: an operator
    or layer other than fully connected ones and their activations."""


class MissingDependencyError(DigitnetError, ImportError):
    """A feature needs an optional extra that is not installed (``pip install 'digitnet[onnx]'``)."""


class TrainingError(DigitnetError):
    """Training stopped before it finished."""


class DivergenceError(TrainingError):
    """The loss became NaN or infinite; the last good weights are kept.

    Attributes
    ----------
    network : Network or None
        The network holding the last finite weights (those of the last completed epoch).
    """

    def __init__(self, message: str, network=None):
        super().__init__(message)
        self.network = network


class TrainingInterrupted(TrainingError):
    """Training was interrupted by Ctrl-C or SIGTERM (a notebook's "interrupt the kernel"), or
    stopped by its callback's ``should_stop()``; the weights trained so far are kept.

    Attributes
    ----------
    checkpoint : str or None
        Path of the checkpoint written at the interruption, if a checkpoint path was given.
    network : Network or None
        The network as it was when interrupted, perhaps in the middle of an epoch, with the
        metadata a checkpoint's has (its input record, classes, the history of the epochs
        finished): ``except TrainingInterrupted as e: net = e.network`` (in a notebook,
        ``sys.last_value.network`` after the cell stopped).
    """

    def __init__(self, message: str, checkpoint: str | None = None, network=None):
        super().__init__(message)
        self.checkpoint = checkpoint
        self.network = network


class WriteInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, taken as it) while :func:`digitnet.modelfile.atomic_write` wrote
    ``path``: its temporary file is removed, and ``said`` tells what became of the file, as
    "; PATH was not written (the file there is as it was)" or " just after writing PATH"
    (the new file was in place). A KeyboardInterrupt, so that what catches one catches it."""

    def __init__(self, path, written: bool, kept: bool):
        super().__init__(str(path))
        self.path = path
        self.said = (f" just after writing {path}" if written else f"; {path} was not written"
                     + (" (the file there is as it was)" if kept else ""))
