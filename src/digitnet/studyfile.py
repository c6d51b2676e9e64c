"""A study's SQLite file, before Optuna opens it: checked, and opened to write or only to read.

:func:`digitnet.studies.open_storage` opens a SQLite study database inside :func:`prepared`,
which refuses what would fail later or spoil a file (its folder missing or read-only, another
program's database) before anything is changed, and holds a lock on the file's folder while a
writer makes the study's tables: processes started together on a new file would otherwise race
to make them, and all but one fail. A command that only reads a study (``digitnet show
search``) changes nothing of its file (its journal mode is left as it is); in a folder that
cannot be written in, it opens it read-only, and reads it as it is (SQLite's "immutable") when
the file's write-ahead log is not there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from .errors import ConfigError, listed

__all__ = ["prepared"]

#: Seconds a writer waits for another's lock on the file (several processes write one file).
WAIT_SECONDS = 120


@contextlib.contextmanager
def prepared(database: str | None, shown: str, create: bool) -> Iterator[dict]:
    """Around opening the SQLite study database ``database`` (``shown``: its URL as it may be
    shown): the file checked, and the keyword arguments of the SQLAlchemy engine to open it
    with (:func:`_engine`). Until the study's tables are all made, its folder is locked
    meanwhile, that one process at a time makes them, or finds them made.

    Raises
    ------
    ConfigError
        One line for no file named, a missing file (to read) or folder, a read-only folder or
        file (to write), a file that is no SQLite database or holds another program's tables.
    """
    if not database or database == ":memory:":
        raise ConfigError(f"{shown}: a study must live in a file that every process can open; "
                          "give sqlite:///PATH or a file name such as tune.db")
    path = Path(database)
    if not create and not path.is_file():
        raise ConfigError(f"{database}: no such study database; digitnet tune makes one (tune.db "
                          "beside its --out)")
    if not path.parent.is_dir():
        raise ConfigError(f"{database}: folder {path.parent} does not exist; create it first")
    if create:
        _check_writable(path)
    with contextlib.ExitStack() as locked:
        locked.enter_context(_folder_locked(path.parent))  # (a reader too: no half-made study)
        if path.is_file() and _refuse_foreign(path, create):
            locked.close()  # its tables are made: processes open it side by side
        yield _engine(path, create)


def _engine(path: Path, create: bool) -> dict:
    """The SQLAlchemy engine's keyword arguments that open the SQLite file ``path``: to write
    (``create``), once it is in write-ahead-log mode; to read, read-only where it must be (in a
    folder that cannot be written in: elsewhere a read-only reader would leave the log's files
    beside the study, which only a writer removes)."""
    if not create:
        uri = _reader_uri(path)
        return {"connect_args": {"timeout": WAIT_SECONDS}} if uri is None else {
            "creator": lambda: sqlite3.connect(uri, uri=True, timeout=WAIT_SECONDS,
                                               check_same_thread=False)}
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=WAIT_SECONDS)) as db:
            db.execute("PRAGMA journal_mode=WAL")  # recorded in the file: every connection
    except sqlite3.Error as e:
        raise ConfigError(f"{path}: not a SQLite study database ({e})") from None
    return {"connect_args": {"timeout": WAIT_SECONDS}}


def _check_writable(path: Path) -> None:
    """ConfigError, before anything is made, if ``path`` (a study database to write) is in a
    folder that cannot be written in (SQLite writes its journal beside the file), or is a
    read-only file."""
    folder = path.parent
    if not os.access(folder, os.W_OK):
        why = _why_not_writable(folder)
        if not path.exists():  # (as --out says it)
            raise ConfigError(f"{path}: cannot write in folder {folder} ({why}); choose another "
                              "place")
        raise ConfigError(f"{path}: its folder {folder} cannot be written in ({why}), and a "
                          "search writes its trials to the study; copy the file to a folder "
                          "you can write in and give --storage the copy")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{path}: the study database is read-only ({_why_not_writable(path)}), "
                          f"and a search writes its trials to it; make it writable (chmod u+w "
                          f"{path}) or give --storage a copy")


def _why_not_writable(path: Path) -> str:
    """Why ``path`` cannot be written, in the system's words: its file system is read-only,
    or its permissions do not let this user write."""
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # (Windows has no statvfs)
        read_only = False
    return os.strerror(errno.EROFS if read_only else errno.EACCES)


@contextlib.contextmanager
def _folder_locked(folder: Path):
    """An exclusive lock on ``folder`` (flock, which every process that opens a study in it
    takes, released when its descriptor closes), where the system has one; where it has none
    (Windows) or the file system refuses it (NFS), no lock: the caller's retries remain."""
    try:
        import fcntl

        descriptor = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _reader_uri(path: Path) -> str | None:
    """The URI that opens ``path`` read-only where its folder cannot be written in (else None:
    it is opened as ever, and changed only by what it is asked to write). A file in
    write-ahead-log mode whose log (and its index) SQLite cannot make there is read as
    immutable: as it is, which is all of it when no log is there (a writer would have made
    one)."""
    if os.access(path.parent, os.W_OK):
        return None
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return uri
    except sqlite3.OperationalError:
        return f"{uri}&immutable=1"


def _refuse_foreign(path: Path, create: bool) -> bool:
    """Whether the SQLite file ``path`` holds a study database whose tables are all made (as
    Optuna makes them last, alembic's version is recorded); ConfigError if it is no SQLite
    database, or holds tables (or views) that are not an Optuna study database's: another
    program's, which a study would add its tables to. Read without changing it."""
    try:
        uri = _reader_uri(path) or f"file:{quote(str(path.resolve()))}?mode=rw"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=WAIT_SECONDS)) as db:
            names = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")}
            made = "alembic_version" in names and db.execute(
                "SELECT COUNT(*) FROM alembic_version").fetchone()[0] > 0
    except sqlite3.Error as e:
        raise ConfigError(f"{path}: not a SQLite study database ({e})") from None
    foreign = sorted(names - _optuna_tables())
    if foreign:
        some = foreign[:5] + ([f"{len(foreign) - 5} more"] if len(foreign) > 5 else [])
        raise ConfigError(f"{path}: is another program's database (it holds "
                          f"{'the table' if len(foreign) == 1 else 'the tables'} "
                          f"{listed(some)}, which no study has); "
                          + ("a study keeps a file of its own: give --storage a new file name"
                             if create else "name a study database that digitnet tune made"))
    return made


def _optuna_tables() -> set[str]:
    """The tables of an Optuna study database (those of this Optuna, and alembic's)."""
    try:
        from optuna.storages._rdb import models
    except ImportError:  # (a later Optuna that moved them: the tables of Optuna 4)
        return {"studies", "study_directions", "study_system_attributes",
                "study_user_attributes", "trial_heartbeats", "trial_intermediate_values",
                "trial_params", "trial_system_attributes", "trial_user_attributes",
                "trial_values", "trials", "version_info", "alembic_version"}
    return set(models.BaseModel.metadata.tables) | {"alembic_version"}
