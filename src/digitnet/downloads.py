"""Downloads of published files, checked by their SHA-256 before they take their place.

:func:`download` fetches one file from the first mirror that serves it with the SHA-256 on
record (pooch's HTTP downloader), into a temporary file beside where it goes, renamed into place
only once it matches: a wrong download is deleted, never kept. :mod:`digitnet.sources` decides
what to fetch and where (the table of files, the cache) and calls this.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from digitnet.errors import ChecksumError, DataError

__all__ = ["NotDownloaded", "download", "sha256"]

_CHUNK = 1 << 20


class NotDownloaded(Exception):
    """Every mirror failed to answer; ``str(error)`` says how each failed."""


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def download(filename: str, expected: str, mirrors: Sequence[str], folder: Path,
             progress: bool = False, before: str | None = None) -> Path:
    """``folder / filename``, fetched from the first of ``mirrors`` that serves it with the
    SHA-256 ``expected``.

    Each try goes to a temporary file in ``folder`` that is renamed into place only once its
    hash matches; a file with the wrong hash is deleted. Raises ChecksumError if some mirror
    served a wrong file and none a right one (starting with ``before``, what was wrong with the
    copy that was in the cache, if any), DataError if the folder cannot be written,
    :class:`NotDownloaded` if no mirror could be reached.
    """
    import pooch
    import requests

    downloader = pooch.HTTPDownloader(
        progressbar=progress and importlib.util.find_spec("tqdm") is not None, chunk_size=1 << 16)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the cache folder {folder} ({exc.strerror});"
                        " pass another cache_dir, or --data DIR") from None
    failures, bad = [], None
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
            os.close(fd)
        except OSError as exc:
            raise DataError(f"cannot write to the cache folder {folder} ({exc.strerror});"
                            " pass another cache_dir, or --data DIR") from None
        try:
            downloader(url, tmp, None)
            got = sha256(Path(tmp))
            if got == expected:
                os.replace(tmp, folder / filename)
                return folder / filename
            bad = bad or (url, got)
        except requests.RequestException as exc:  # (before OSError: it is one)
            failures.append(f"{url}: {_describe_failure(exc)}")
        except OSError as exc:
            raise DataError(f"cannot save {filename} in {folder} ({exc.strerror or exc})") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
    if bad:
        url, got = bad
        raise ChecksumError(f"{before + ', and ' if before else ''}"
                            f"{filename} from {url}: SHA-256 {got[:12]}… differs from the"
                            f" expected {expected[:12]}…; the download was deleted. Retry; if"
                            " it happens again, get the file elsewhere and use --data DIR")
    raise NotDownloaded("; ".join(failures) or "no mirrors")


def _describe_failure(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return {"ConnectTimeout": "timed out", "ReadTimeout": "timed out",
            "ConnectionError": "cannot connect"}.get(type(exc).__name__, type(exc).__name__)
