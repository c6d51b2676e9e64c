"""JSON written by people, read one way: files given on the command line and the API's bodies.

:func:`read_file` reads the JSON files commands take (``digitnet edit``'s changes, ``--config``,
``tune --space``): UTF-8 with or without the byte-order mark Windows Notepad writes, and every
way it can be unreadable said in one line naming the file and what to write instead. A key
given twice in one object is refused too: JSON's readers keep one of the two without a word
(Python's the last), so the one the writer meant might be dropped.

:func:`nesting` measures how deeply a text's lists and objects are nested before any parser
sees it. Python's parser recurses once per level, so how deep it goes depends on the
interpreter's recursion limit, which other libraries raise (a text 2,000 deep parsed in one
process and not in another). Nothing digitnet reads is nested more than a few levels, so
anything deeper than :data:`MAX_DEPTH` is refused, whatever the limit.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import numpy as np

from .errors import DataError

__all__ = ["MAX_DEPTH", "nesting", "read_file"]

#: The deepest nesting read: what pydantic's parser, which reads the API's drawings, reads.
MAX_DEPTH = 200

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STEP = np.zeros(256, np.int32)  # each byte's step in depth: +1 opens, -1 closes
_STEP[list(b"[{")], _STEP[list(b"]}")] = 1, -1


def nesting(text: bytes | str) -> int:
    """How deeply ``text``'s lists and objects are nested at most (brackets inside strings do
    not count): 0 for a number, 1 for ``[1, 2]``, 3 for ``{"off": [[1, 3]]}``. Counted in one
    pass whether or not the text is valid JSON."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    codes = np.frombuffer(_STRING.sub(b"", raw), np.uint8)
    steps = _STEP[codes]
    return int(np.cumsum(steps[steps != 0]).max(initial=0))  # (brackets only: far fewer)


def read_file(path, what: str, example: str, error: type[Exception] = DataError):
    """The JSON value in the file ``path``, or ``error`` of one line that names the file, what
    is wrong, and what to write: ``what`` names the file's content ("the training options")
    and ``example`` is one written out."""
    write = f"write {what} as JSON such as {example}"
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise error(f"{path}: cannot read {what} ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
            raise error(f"{path}: not UTF-8 text (it is UTF-16); save it as UTF-8 (in "
                        "Notepad: Save as, Encoding UTF-8)") from None
        raise error(f"{path}: not UTF-8 text; {write}") from None
    depth = nesting(raw)
    if depth > MAX_DEPTH:
        raise error(f"{path}: its lists and objects are nested too deeply to read ({depth} "
                    f"levels; at most {MAX_DEPTH} are read); {write}")
    try:
        return json.loads(text, object_pairs_hook=_once_each)
    except _Repeated as e:
        raise error(f"{path}: the key {_key(e.key)} is given twice in one object (JSON keeps "
                    "only one of the two); write it once, with the value you mean") from None
    except ValueError as e:
        raise error(f"{path}: not valid JSON ({e}); {write}") from None


class _Repeated(Exception):
    """A key given twice in one object (found while parsing: raised out of ``json.loads``)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, object]]) -> dict:
    """An object's (key, value) pairs as a dict; :class:`_Repeated` for a key given twice."""
    found = dict(pairs)
    if len(found) < len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Repeated(key)
            seen.add(key)
    return found


def _key(key: str) -> str:
    """``key`` as JSON writes it (quoted, a line break escaped; ``\\ud800`` for a character
    that is no character, as a lone surrogate is), shortened to 40 characters."""
    text = json.dumps(key, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(key)
    return text if len(text) <= 40 else text[:36] + '..."'
