"""Whether two records of data are of the same examples: the files' contents, not their names.

A checkpoint (:meth:`digitnet.checkpoint.Resumed.check_data`) and a study of
:mod:`digitnet.tuning` record the data they were started on, and each continues only on the
same data: files of the same SHA-256, whatever path or name they are read under (a folder
written another way, a copied folder, a renamed copy of a table).
"""

from __future__ import annotations

__all__ = ["same_data", "same_description"]


def same_data(recorded: dict | None, given: dict | None) -> bool:
    """Whether two data fingerprints (a Dataset's ``fingerprint``: name, split, n, files) are of
    the same examples: the same split and number of examples, and files of the same SHA-256,
    whatever path or name they were read under (a folder written another way, a copy). Only
    data with no files (arrays in memory) is told by its name."""
    if recorded is None or given is None:
        return recorded is given
    if recorded.get("split") != given.get("split") or recorded.get("n") != given.get("n"):
        return False
    files, other = recorded.get("files") or {}, given.get("files") or {}
    if not files and not other:
        return recorded.get("name") == given.get("name")
    return sorted(files.values()) == sorted(other.values())


def same_description(recorded: dict, given: dict) -> bool:
    """Whether two descriptions of a piece of work (a study's: ``{"base", "space", "data"}``)
    describe the same work: equal in all but ``data``, whose two records need only be of the
    same examples (:func:`same_data`), under any file names."""
    rest = {key: value for key, value in recorded.items() if key != "data"}
    return (rest == {key: value for key, value in given.items() if key != "data"}
            and same_data(recorded.get("data"), given.get("data")))
