"""Whether two records of data are of the same examples: the files' contents, not their names.

A checkpoint (:meth:`digitnet.checkpoint.Resumed.check_data`) and a study of
:mod:`digitnet.tuning` record the data they were started on, and each continues only on the
same data: files of the same SHA-256, whatever path or name they are read under (a folder
written another way, a copied folder, a renamed copy of a table). A table's files do not say
which of its columns holds the labels: the columns read as features do (:func:`label_columns`).
"""

from __future__ import annotations

__all__ = ["label_columns", "same_data", "same_description"]


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


def label_columns(recorded: list | None,
                  given: list | None) -> tuple[str | None, str | None] | None:
    """Whether two readings of one table (the same data: :func:`same_data`) learn other labels,
    told by the columns each read as features: every column of the file but the label column
    (``--target``). None when they read the same columns, or either's are not known: not
    recorded, or never named (an array's x0, x1, ...: they are read in order, whatever the
    table calls them); else the label column of each, (recorded's, given's): the column only
    the other read, or None where that is not one column."""
    if not all(isinstance(c, (list, tuple)) and list(c) != [f"x{i}" for i in range(len(c))]
               for c in (recorded, given)):
        return None
    if list(recorded) == list(given):
        return None
    then = [column for column in given if column not in recorded]  # the recorded labels
    now = [column for column in recorded if column not in given]  # the given ones
    return (then[0] if len(then) == 1 else None, now[0] if len(now) == 1 else None)
