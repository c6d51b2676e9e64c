"""The names of a model's classes: one per output neuron, as its record gives them.

(Read through :mod:`digitnet.inputs`, which re-exports them, as ``inputs.classes_of(net)``.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["classes_of", "classes_problem"]


def classes_of(net) -> list[str]:
    """The name of each output neuron's class: the model's record, or "0", "1", ... (a model
    file's record is checked as the file is read, :mod:`digitnet.modelcheck`, and one that is
    not one distinct name per output neuron refused: :func:`classes_problem`)."""
    names = net.metadata.get("classes")
    if names and len(names) == net.sizes[-1]:
        return [str(n) for n in names]
    return [str(i) for i in range(net.sizes[-1])]


def classes_problem(names, n_outputs: int) -> str | None:
    """What is wrong with ``names`` as the classes of ``n_outputs`` output neurons (one distinct
    name each: text or a number), said after "'classes' ", or None."""
    if not isinstance(names, list) or len(names) != n_outputs:
        return (f"names {len(names)} classes for {n_outputs} output neurons"
                if isinstance(names, list) else f"is {names!r}, not a list of names")
    odd = [n for n in names if not np.isscalar(n) or isinstance(n, (bool, np.bool_)) or n == ""]
    text = [str(n) for n in names]
    twice = len(set(text)) < len(text) and next(n for i, n in enumerate(text) if n in text[:i])
    return (f"holds {odd[0]!r}, which is not a class name" if odd
            else f"names class {twice!r} twice" if twice else None)
