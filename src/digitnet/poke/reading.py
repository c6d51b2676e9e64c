"""Reading a description of changes: what :class:`~.changes.Changes` is built from, checked.

A description is JSON-able values (``{"off": [[layer, neuron], ...], "edits": [...]}``, see
:mod:`~.changes` for what each op does), made by hand, sent by the page or read from the file
``digitnet edit`` takes. Each part is read here into the one form :class:`~.changes.Changes`
holds, or refused with a ConfigError of one line naming it (``edits[0].value: ...``):
:func:`read_off` and :func:`read_edits` (whatever network they are meant for: whether it has a
place for them is :meth:`Changes.check <digitnet.poke.changes.Changes.check>`'s to say), and
:func:`whole`, which reads every layer, neuron and label poking takes.
"""

from __future__ import annotations

import math
import numbers
import reprlib

import numpy as np

from ..errors import ConfigError, listed

__all__ = ["LIMIT", "OPS", "read_edit", "read_edits", "read_off", "shown", "whole"]

#: The largest |value| of a bias, weight or scale factor an edit may set.
LIMIT = 1000.0
#: Each op and the fields it takes (besides "op", "layer" and "neuron").
OPS = {"bias": ("value",), "scale": ("factor",), "paint": ("cells",),
       "edge": ("top", "left", "height", "width", "margin", "weight")}

#: How a value is shown in an error: lists and dicts three levels deep and a few items long
#: (repr would read all of a long list, and fail on one nested a thousand deep).
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel = 3


def shown(value) -> str:
    """``value`` as an error shows it: its repr, shortened to 40 characters."""
    text = _SHOWN.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole(value, where: str) -> int:
    """A whole number: an int (NumPy's too, not a bool) or a float with nothing after the point;
    else a ConfigError naming ``where``. Every layer, neuron and label poking takes is read so."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ConfigError(f"{where}: expected a whole number, got {shown(value)}")
    return int(value)


def _number(value, where: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number, got {shown(value)}")
    if not math.isfinite(value):
        raise ConfigError(f"{where}: must be a finite number, got {value}")
    if abs(value) > LIMIT:
        raise ConfigError(f"{where}: must be between {-LIMIT:g} and {LIMIT:g}, got {value:g}")
    return float(value)


def read_off(value) -> tuple[tuple[int, int], ...]:
    """``off``, a list of [layer, neuron] pairs (or an (n, 2) array), as a tuple of int pairs,
    each once, in the order first given."""
    if isinstance(value, np.ndarray) and value.ndim == 2:  # (n, 2), read as the pairs it holds
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"off: expected a list of [layer, neuron] pairs such as "
                          f"[[1, 3], [2, 0]], got {shown(value)}")
    return tuple(dict.fromkeys(_pair(p, f"off[{i}]") for i, p in enumerate(value)))


def read_edits(value) -> tuple[dict, ...]:
    """``edits``, a list of edits, each read by :func:`read_edit` (named ``edits[i]``)."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"edits: expected a list of edits, got {shown(value)}")
    return tuple(read_edit(e, f"edits[{i}]") for i, e in enumerate(value))


def _pair(value, where: str) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(f"{where}: expected a [layer, neuron] pair such as [1, 3], "
                          f"got {shown(value)} (off is a list of such pairs)")
    return whole(value[0], f"{where}[0] (the layer)"), whole(value[1], f"{where}[1] (the neuron)")


def read_edit(value, where: str) -> dict:
    """One edit, a dict of "op", "layer", "neuron" and the op's fields (:data:`OPS`), as a
    new dict of Python ints and floats; a ConfigError naming ``where`` for anything else."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected an object such as {{\"op\": \"bias\", \"layer\": 1, "
                          f"\"neuron\": 3, \"value\": -2}}, got {shown(value)}")
    op = value.get("op")
    if not isinstance(op, str) or op not in OPS:  # (a list cannot even be looked up)
        raise ConfigError(f"{where}.op: expected one of {', '.join(OPS)}, got {shown(op)}")
    known = {"op", "layer", "neuron", *OPS[op]}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: not a field of a {op} edit; it takes "
                          f"{', '.join(OPS[op])}")
    missing = [k for k in ("layer", "neuron", *OPS[op]) if k not in value]
    if missing:  # (all of them at once; an edge edit's defaults are the network's: say how)
        said = (f"{where}.{missing[0]}: missing" if len(missing) == 1 else
                f"{where}: {listed(missing)} missing")
        them = "it" if len(missing) == 1 else "them"
        todo = (f"; give {them}, or let the network fill {them} in: make the edit with "
                "poke.edge_detector(net, ...), or read the changes with "
                "Changes.from_json(changes, net)" if set(missing) <= {"margin", "weight"} else "")
        raise ConfigError(f"{said} from the {op} edit{todo}")
    edit = {"op": op, "layer": whole(value["layer"], f"{where}.layer"),
            "neuron": whole(value["neuron"], f"{where}.neuron")}
    if op == "paint":
        cells = value["cells"]
        if not isinstance(cells, (list, tuple)):
            raise ConfigError(f"{where}.cells: expected a list of {{\"row\", \"col\", "
                              f"\"weight\"}} objects, got {shown(cells)}")
        edit["cells"] = _cells(cells, where)
    elif op == "edge":
        for key in OPS["edge"]:
            edit[key] = (_number if key == "weight" else whole)(value[key], f"{where}.{key}")
    else:
        edit[OPS[op][0]] = _number(value[OPS[op][0]], f"{where}.{OPS[op][0]}")
    return edit


def _cells(value: list | tuple, where: str) -> list[dict]:
    """A paint edit's cells, each read by :func:`_cell`, each place once: a paint edit sets
    each incoming weight of the neuron at most once (the page merges a stroke's repeats)."""
    cells, seen = [], {}
    for i, c in enumerate(value):
        cell = _cell(c, f"{where}.cells[{i}]")
        place = cell["row"], cell["col"]
        if place in seen:
            raise ConfigError(f"{where}.cells[{i}]: cell {place} is painted already by "
                              f"cells[{seen[place]}]; a paint edit sets each weight once, so "
                              "keep one of them")
        seen[place] = i
        cells.append(cell)
    return cells


def _cell(value, where: str) -> dict:
    if not isinstance(value, dict) or set(value) != {"row", "col", "weight"}:
        raise ConfigError(f"{where}: expected {{\"row\": r, \"col\": c, \"weight\": w}}, "
                          f"got {shown(value)}")
    return {"row": whole(value["row"], f"{where}.row"), "col": whole(value["col"], f"{where}.col"),
            "weight": _number(value["weight"], f"{where}.weight")}
