"""Where a search lives: Optuna studies in a database, and what their trials found.

A study is kept in a database that any number of processes (and machines) can share: a SQLite
file for one machine, a PostgreSQL server for many. ::

    storage = open_storage("tune.db")                 # or "postgresql://user:pw@host/db"
    study = load_study(storage, "digitnet")
    records(study)[:3]                                 # [TrialRecord(number=0, ...), ...]
    best_config(study)                                 # the best trial's TrainConfig

Optuna and the PostgreSQL driver come with the ``tune`` extra (``pip install 'digitnet[tune]'``)
and are imported only here and in :mod:`digitnet.tuning`, when a search is used.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from . import studyfile
from .config import TrainConfig
from .errors import ConfigError, listed

__all__ = ["NewDatabase", "STEADY_IMPORTANCES", "TrialRecord", "open_storage", "storage_url",
           "load_study", "records", "best_records", "best_config", "importances",
           "importances_left_out", "require_optuna", "without_password", "sqlite_file"]

#: Seconds between a running trial's signs of life, and after which a silent one is given up
#: (marked failed and queued again, see :func:`open_storage`).
HEARTBEAT_SECONDS, GRACE_SECONDS = 20, 120


@dataclass(frozen=True)
class TrialRecord:
    """One trial as plain values: its number, state ("COMPLETE", "PRUNED", "FAIL", "RUNNING",
    "WAITING"), validation accuracy (None unless complete), the Optuna parameters it drew, its
    full recipe (None before it started), the epochs it trained, its training seconds,
    whether it was surplus (started after the study had its trials, so never run), why its
    training diverged (None unless it did: a pruned trial), and the interrupted trial it runs
    again, if it does; and when it started and ended."""

    number: int
    state: str
    value: float | None
    params: dict
    config: dict | None
    epochs: int
    seconds: float | None
    surplus: bool = False
    diverged: str | None = None
    retry_of: int | None = None  # the interrupted trial this one runs again
    started: float | None = None  # when it started and ended (POSIX time), None before then
    ended: float | None = None


def require_optuna():
    """The optuna module, or a one-line ConfigError naming the extra that brings it."""
    try:
        import optuna
    except ImportError:
        raise ConfigError("searching for recipes needs the tune extra: pip install "
                          "'digitnet[tune]'") from None
    return optuna


def storage_url(where: str | Path) -> str:
    """A database URL for ``where``: a file path as ``sqlite:///PATH``; a PostgreSQL URL with
    the driver of the tune extra named (``postgresql+psycopg://``: which driver a bare
    ``postgresql://``, or libpq's ``postgres://``, means depends on SQLAlchemy's version); any
    other URL as given."""
    where = str(where)
    if "://" not in where:
        return "sqlite:///" + str(Path(where).expanduser().resolve())
    for scheme in ("postgresql://", "postgres://"):  # (postgres://: libpq's other name)
        if where.startswith(scheme):
            return "postgresql+psycopg://" + where[len(scheme):]
    return where


def without_password(url: str) -> str:
    """``url`` as it may be shown: with its password (if any) masked, however it is written.

    The password is taken to run from the first ":" after the user name to the last "@" of the
    URL, so that one holding "@" or ":" as typed (which a URL parser ends early, putting the
    rest of it in the host) is masked whole; a ``password=`` parameter is masked too.
    """
    split = _split_password(url)
    if split is not None:
        url = f"{split[0]}***{split[2]}"
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", url)


def sqlite_file(where: str | Path) -> Path | None:
    """The file of the SQLite study database that ``where`` names (see :func:`open_storage`),
    or None for a URL of another database."""
    found = re.fullmatch(r"sqlite(?:\+\w+)?:///([^?]+)(?:\?.*)?", storage_url(where))
    return Path(found[1]) if found and found[1] != ":memory:" else None


def _split_password(url: str) -> tuple[str, str, str] | None:
    """``url`` in three: up to its password, the password as written, and from the "@" after
    it on (see :func:`without_password`); None when it has no password (or is SQLite's)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower().startswith("sqlite"):
        return None
    user, colon, password = rest.rpartition("@")[0].partition(":")
    if not colon or not password:
        return None
    start = len(scheme) + len(sep) + len(user) + len(colon)
    return url[:start], password, url[start + len(password):]


def _unreadable(where: str, parsed) -> str | None:
    """Why the database URL ``where`` (``parsed`` by SQLAlchemy, None if it could not be)
    cannot be used as written, or None. A password holding "@" as typed is split by the
    parser at its first "@", the rest read as the host: it must be percent-encoded."""
    if not where.strip():  # (a file name of spaces, or the folder the process runs in)
        return f"{where!r} names no study database; give a file such as tune.db or a URL"
    split = _split_password(where)
    password = None if split is None else unquote(split[1])
    if parsed is not None and (split is None or parsed.password == password):
        return None
    if split is not None and "@" in split[1]:
        held = [c for c in "@:" if c in split[1]]
        return (f"{without_password(where)}: its password holds {' and '.join(held)} as typed, "
                "and a URL's password ends at its first @; percent-encode "
                + ("them (" if len(held) > 1 else "it (")
                + ", ".join(f"{c} as {quote(c)}" for c in held)
                + "), as in postgresql://USER:a%40b@HOST/DB for the password a@b")
    return (f"{without_password(where)}: not a study database; give a file such as tune.db, "
            "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE")


def _scrubbed(text: str, url: str, parsed) -> str:
    """``text`` (a database driver's error) with ``url``'s password masked, should the driver
    echo it (a password of a few letters is left: masking those would garble the text)."""
    split = _split_password(url)
    secrets = {parsed.password, *([split[1], unquote(split[1])] if split else [])}
    for secret in sorted((s for s in secrets if s and len(s) > 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", text)


def open_storage(where: str | Path, *, create: bool = True):
    """The Optuna storage of a study database (a SQLite file path or URL, or PostgreSQL's URL).

    Trials send a heartbeat; one silent for :data:`GRACE_SECONDS` (its process killed, its
    machine gone) is marked failed by the next process that starts a trial, and queued again
    with the same parameters, so no trial is lost. ``create=False`` refuses a SQLite file that
    does not exist yet, and changes nothing of one (for commands that only read a study; in a
    folder that cannot be written in, it is read read-only: :mod:`digitnet.studyfile`).

    Raises
    ------
    ConfigError
        One line for an unknown kind of URL, a missing driver, a database that cannot be
        reached (the password is never shown), a SQLite file that is another program's or
        (to write) cannot be written.
    """
    optuna = require_optuna()
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    url = storage_url(where)
    try:
        parsed = make_url(url)
    except (sqlalchemy.exc.ArgumentError, ValueError):
        parsed = None
    unreadable = _unreadable(str(where), parsed)
    if unreadable:
        raise ConfigError(unreadable)
    shown = without_password(url)
    kind = parsed.get_backend_name()
    if kind == "sqlite":  # (checked, and its folder locked while its tables are made)
        with studyfile.prepared(parsed.database, shown, create) as engine:
            return _rdb_storage(optuna, url, engine, parsed)
    if kind != "postgresql":
        raise ConfigError(f"{shown}: {kind!r} databases are not supported; use a SQLite file "
                          "(tune.db, sqlite:///PATH) or PostgreSQL (postgresql://...)")
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError:
        if parsed.drivername != "postgresql+psycopg":  # (psycopg2, asyncpg, ...)
            raise ConfigError(f"{shown}: its driver ({parsed.drivername}) is not installed; "
                              "write the URL as postgresql://..., whose driver (psycopg) "
                              "the tune extra brings") from None
        raise ConfigError("a PostgreSQL study database needs its driver from the tune extra: "
                          "pip install 'digitnet[tune]'") from None
    return _rdb_storage(optuna, url, {"connect_args": {"connect_timeout": 10}}, parsed)


def _rdb_storage(optuna, url: str, engine: dict, parsed):
    """Optuna's storage of the database ``url`` (``parsed``), opened with the SQLAlchemy
    engine's keyword arguments ``engine``: its tables made, if new, by this process or another
    starting together (see :func:`_lost_race`); else a ConfigError saying why not."""
    import sqlalchemy.exc

    for attempt in range(5):
        try:
            with warnings.catch_warnings():  # the heartbeat's retry callback is "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine,
                    heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback())
        except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError) as e:
            cause = e.__cause__ if isinstance(e, optuna.exceptions.StorageInternalError) else e
            if not _lost_race(cause):
                reason = getattr(cause, "orig", None) or cause or e
                reason = _scrubbed(str(reason), url, parsed).strip().splitlines()
                raise ConfigError(f"{without_password(url)}: cannot open the study database "
                                  f"({reason[0] if reason else type(e).__name__})") from None
            time.sleep(0.2 * (attempt + 1))  # (the tables are there once the winner is done)
    raise ConfigError(f"{without_password(url)}: cannot create the study tables in this "
                      "database; check that its user may create tables")


def _lost_race(error) -> bool:
    """Whether ``error`` (of SQLAlchemy, as Optuna made a database's tables) is one that a
    process gets when another making them at the same time was first: PostgreSQL's
    IntegrityError or ProgrammingError, SQLite's "already exists", or a table read before the
    other had made it (where no lock keeps them apart: see :mod:`digitnet.studyfile`)."""
    import sqlalchemy.exc

    if isinstance(error, (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError)):
        return True
    said = str(getattr(error, "orig", error))
    return isinstance(error, sqlalchemy.exc.OperationalError) and (
        "already exists" in said or said.startswith("no such table"))


class NewDatabase:
    """Around what a command does before it makes its study (``with``), from opening its
    database on: should that stop it (its data refused, Ctrl-C), the SQLite file of ``where``
    is removed again, with its journal, when it was not there before and holds no study, so
    that a command that never started leaves no file behind. A file that was there, and any
    other database (PostgreSQL's), is left as it is. Set :attr:`storage` to the storage opened
    on it, to be closed before the file is removed."""

    def __init__(self, where: str | Path):
        self.file = sqlite_file(where)
        self.new = self.file is not None and not os.path.lexists(self.file)
        self.storage = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None or not self.new:
            return False
        engine = getattr(self.storage, "engine", None)
        if engine is not None:
            engine.dispose()  # (its connections closed: none writes to the file removed)
        if _holds_no_study(self.file):
            for end in ("-wal", "-shm", "-journal", ""):
                Path(f"{self.file}{end}").unlink(missing_ok=True)
        return False


def _holds_no_study(database: Path) -> bool:
    """Whether the SQLite file ``database`` is there and holds no study (no Optuna tables
    yet, or none in them); False when it cannot be told (locked, say)."""
    import sqlite3

    if not database.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM studies").fetchone()[0] == 0
    except sqlite3.OperationalError as e:
        return str(e).startswith("no such table")
    except sqlite3.Error:
        return False


def load_study(storage, name: str | None = None):
    """The study ``name`` in ``storage``; with no name, the only study there (else ConfigError)."""
    optuna = require_optuna()
    names = [s.study_name
             for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    if name is None:
        if len(names) != 1:
            listed = ", ".join(sorted(names)) if names else "none"
            raise ConfigError(f"the database holds {len(names)} studies ({listed}); name one "
                              "with --study")
        name = names[0]
    if name not in names:
        raise ConfigError(f"no study named {name!r} in the database; it holds "
                          f"{', '.join(sorted(names)) or 'none'}")
    return optuna.load_study(study_name=name, storage=storage)


def records(study) -> list[TrialRecord]:
    """Every trial of ``study``, in the order they were created."""
    return [TrialRecord(number=t.number, state=t.state.name,
                        value=t.value if t.state.name == "COMPLETE" else None,
                        params=dict(t.params), config=t.user_attrs.get("config"),
                        epochs=len(t.intermediate_values),
                        seconds=t.user_attrs.get("train_seconds"),
                        surplus=bool(t.user_attrs.get("surplus")),
                        diverged=t.user_attrs.get("diverged"),
                        retry_of=t.user_attrs.get("retry_of"),
                        started=_posix(t.datetime_start), ended=_posix(t.datetime_complete))
            for t in study.get_trials(deepcopy=False)]


def _posix(when) -> float | None:
    return None if when is None else when.timestamp()


def best_records(study, n: int = 10) -> list[TrialRecord]:
    """The ``n`` complete trials with the highest validation accuracy, best first."""
    done = [r for r in records(study) if r.state == "COMPLETE"]
    return sorted(done, key=lambda r: (-r.value, r.number))[:n]


def best_config(study) -> TrainConfig:
    """The recipe of the study's best complete trial (ConfigError if none has finished)."""
    best = best_records(study, 1)
    if not best:
        raise ConfigError(f"study {study.study_name!r} has no finished trial yet; run "
                          "digitnet tune to add some")
    return TrainConfig.from_dict(best[0].config)


def importances(study) -> dict[str, float]:
    """Each searched parameter's importance (summing to 1), by Optuna's PED-ANOVA, which
    weighs how much each parameter's values differ between the best trials and the rest.

    Empty when fewer than two trials are complete (there is nothing to compare yet), or when
    their scores cannot tell the best from the rest; parameters that only one complete trial
    drew are left out. :func:`importances_left_out` says so in words.
    """
    optuna = require_optuna()
    values, drawn = _complete(study)
    rated = [name for name, n in drawn.items() if n >= 2]
    if len(values) < 2 or _alike(values) or not rated:
        return {}
    with warnings.catch_warnings():
        # PED-ANOVA puts the trials that did not draw a parameter (its "when" unmet) apart, and
        # they add nothing to its importance; Optuna warns when they are fewer than two.
        warnings.filterwarnings("ignore", "Some regimes for parameter", UserWarning)
        return optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.PedAnovaImportanceEvaluator(target_quantile=_TOP),
            params=rated)


def importances_left_out(study) -> str | None:
    """Why :func:`importances` leaves parameters out though two trials are complete, in words
    (for a note), or None when it leaves none out."""
    values, drawn = _complete(study)
    alike = _alike(values) if len(values) >= 2 else None
    if alike:
        return f"the importances are left out: {alike}, so nothing tells the parameters apart"
    unrated = [name for name, n in drawn.items() if n < 2] if len(values) >= 2 else []
    if not unrated:
        return None
    one = len(unrated) == 1
    return (f"{listed(unrated)} {'is' if one else 'are'} left out of the importances: only one "
            f"complete trial drew {'it' if one else 'each'}, and telling "
            f"{'its' if one else 'their'} importance takes two")


#: PED-ANOVA weighs each parameter's values in the best tenth of the complete trials (at least
#: one trial, and every trial that scores as well as the tenth's lowest) against all of them.
_TOP = 0.1

#: With fewer complete trials than this, PED-ANOVA's best tenth holds fewer than five, and
#: Optuna's docs of its PedAnovaImportanceEvaluator find it "preferable to include at least 5
#: trials above target_quantile" to stabilize the analysis: the importances drawn from fewer
#: are a rough guide, which `digitnet show search` says (:mod:`digitnet.searchviz`).
STEADY_IMPORTANCES = round(5 / _TOP)


def _complete(study) -> tuple[list[float], Counter]:
    """The complete trials' scores, and how many of them drew each parameter."""
    done = [r for r in records(study) if r.state == "COMPLETE"]
    return [r.value for r in done], Counter(name for r in done for name in r.params)


def _alike(values: list[float]) -> str | None:
    """What makes the best tenth of the trials that scored ``values`` all of them (then
    PED-ANOVA has nothing to weigh it against), or None."""
    ranked = sorted(values, reverse=True)
    lowest = ranked[math.ceil(_TOP * len(ranked)) - 1]  # of the best tenth
    if lowest != ranked[-1]:
        return None
    if ranked[0] == ranked[-1]:
        return f"every complete trial scored {lowest:.2%}"
    return (f"{ranked.count(lowest)} of the {len(ranked)} complete trials scored {lowest:.2%}, "
            "as the lowest of the best tenth did")
