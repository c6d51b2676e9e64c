"""Where datasets come from: the table of official files, the cache, local copies, downloads.

:data:`SPECS` lists each known dataset's four files with their SHA-256 and the mirrors that
serve them (torchvision keeps a table like it). :func:`fetch` finds the files of one split, in
order: the user cache (``platformdirs.user_cache_dir("digitnet")/<name>/``, or
``cache_dir/<name>/``), then Debian's ``/usr/share/datasets/<name>/`` (``apt-get install
dataset-fashion-mnist``), then a download from each mirror in turn (pooch's HTTP downloader)
into a temporary file in the cache, verified against the table and only then renamed into
place. A file in the cache whose SHA-256 is not the table's is never deleted: it is renamed
``NAME.bad-sha256`` beside it; a note says so when the published file takes its place
(:func:`fetch`'s ``note``), and the error says so when it cannot be had.
:mod:`digitnet.downloads` does the downloading.
:func:`digitnet.datasets.load` reads what it finds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet.downloads import NotDownloaded, download, sha256
from digitnet.errors import ChecksumError, DataError
from digitnet.idx import content_sha256, read_images, read_labels

__all__ = ["FileSpec", "DatasetSpec", "SPECS", "KNOWN_NAMES", "DIGITS", "SAMPLE", "SAMPLE_DIR",
           "NotFound", "fetch", "fetch_file", "sha256", "sample_files", "default_cache"]

DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class FileSpec:
    """One published file: its name and the SHA-256 of its bytes as published.

    ``idx_sha256``, when known, is the SHA-256 of the uncompressed IDX content; it lets a
    recompressed copy (Debian's normalised gzip headers) be verified too.
    """

    filename: str
    sha256: str
    idx_sha256: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset comes from: its four files, mirrors tried in order, and class names.

    ``files`` has the keys "train-images", "train-labels", "test-images", "test-labels".
    """

    name: str
    files: dict[str, FileSpec]
    mirrors: tuple[str, ...]
    classes: tuple[str, ...] = DIGITS
    system_dirs: tuple[str, ...] = ()


# SHA-256 of the published .gz files. MNIST and KMNIST: TensorFlow Datasets' url_checksums.
# Fashion-MNIST: the same list, and checked here against Debian's package, whose files differ
# only in the gzip header (strip-nondeterminism): restoring the name and time stamp gives back
# files with these SHA-256 and the MD5 that Zalando's README publishes.
SPECS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        files={
            "train-images": FileSpec("train-images-idx3-ubyte.gz",
                                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            "train-labels": FileSpec("train-labels-idx1-ubyte.gz",
                                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            "test-images": FileSpec("t10k-images-idx3-ubyte.gz",
                                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            "test-labels": FileSpec("t10k-labels-idx1-ubyte.gz",
                                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        },
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        system_dirs=("/usr/share/datasets/mnist",),
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        files={
            "train-images": FileSpec("train-images-idx3-ubyte.gz",
                                     "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                                     "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            "train-labels": FileSpec("train-labels-idx1-ubyte.gz",
                                     "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                                     "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            "test-images": FileSpec("t10k-images-idx3-ubyte.gz",
                                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            "test-labels": FileSpec("t10k-labels-idx1-ubyte.gz",
                                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                                    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        },
        # The S3 website endpoint is http only; the bucket's REST endpoint serves https.
        mirrors=("https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
                 "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
    ),
    "kmnist": DatasetSpec(
        name="kmnist",
        files={
            "train-images": FileSpec("train-images-idx3-ubyte.gz",
                                     "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
            "train-labels": FileSpec("train-labels-idx1-ubyte.gz",
                                     "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
            "test-images": FileSpec("t10k-images-idx3-ubyte.gz",
                                    "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
            "test-labels": FileSpec("t10k-labels-idx1-ubyte.gz",
                                    "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"),
        },
        mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
                 "https://codh.rois.ac.jp/kmnist/dataset/kmnist/"),
        # kmnist_classmap.csv: お き す つ な は ま や れ を, romanised.
        classes=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        system_dirs=("/usr/share/datasets/kmnist",),
    ),
}
KNOWN_NAMES = tuple(SPECS)

#: 5,000 real MNIST training digits shipped inside digitnet, the fallback when MNIST's own files
#: cannot be had: the first 500 of each digit in the official training files, written as IDX
#: (``digitnet/mnist_sample/README.md`` says how, and credits MNIST, CC BY-SA 3.0).
SAMPLE = DatasetSpec(
    name="mnist-sample",
    files={
        "train-images": FileSpec("train-images-idx3-ubyte.gz",
                                 "f2e94dcb6bf3cf386c07fa2e1ab769c566b628225a1e84bcdc75d2b5f6c4b708"),
        "train-labels": FileSpec("train-labels-idx1-ubyte.gz",
                                 "408e6e5782dd61e46d179df19ffa1e936c3e0cc6928aa2b6b7824aede94543af"),
    },
    mirrors=(),
)
#: Where the sample's two files are: package data beside this module.
SAMPLE_DIR = Path(__file__).resolve().parent / "mnist_sample"


class NotFound(Exception):
    """A file of a split is neither in the cache nor in a system folder, and was not downloaded.

    ``str(error)`` is the one line to show; ``reason`` says why it was not downloaded (for
    :func:`digitnet.datasets.load`, which then falls back to the packaged :data:`SAMPLE` or raises
    a DataError).
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def fetch(spec: DatasetSpec, split: str, cache_root: Path, *, progress: bool = False,
          allow_download: bool = True, note: Callable[[str], None] | None = None
          ) -> dict[str, tuple[Path, str, np.ndarray | None]]:
    """Verified copies of ``split``'s "images" and "labels" files of ``spec``.

    Returns, for each kind, (path, SHA-256 of its bytes, the array already read or None): a
    system folder's recompressed copy is read to be verified, and need not be read again.
    ``note`` is called with one line for the user when a file in the cache was not the published
    one: it was moved aside, and the published file downloaded (or found in a system folder).

    Raises
    ------
    NotFound
        A file is missing and downloads are off or failed.
    ChecksumError
        A mirror served a file whose SHA-256 differs from the table's.
    DataError
        ``spec`` has no files for ``split``, or the cache cannot be written.
    """
    if f"{split}-images" not in spec.files or f"{split}-labels" not in spec.files:
        raise DataError(f"{spec.name} has no {split} files in its table; choose the other split")
    cache = cache_root / spec.name
    found, replaced = {}, []
    why = "downloads are turned off"
    for kind in ("images", "labels"):
        fs = spec.files[f"{split}-{kind}"]
        hit, bad, aside = _cached(fs, cache)
        for system_dir in spec.system_dirs:
            hit = hit or _local_copy(fs, Path(system_dir))
        if hit is None and allow_download:
            try:
                hit = (download(fs.filename, fs.sha256, spec.mirrors, cache, progress, bad),
                       fs.sha256, None)
            except NotDownloaded as exc:
                why = f"could not download {fs.filename} ({exc})"
        if hit is None and bad:
            raise ChecksumError(f"{spec.name}: {bad}, and {why}; get {_url(spec, fs)} (or from"
                                f" any mirror; SHA-256 {fs.sha256}) into that folder, or pass"
                                " --data DIR with a folder of MNIST-style IDX files")
        if hit is None:
            urls = ", ".join(_url(spec, spec.files[f"{split}-{k}"]) for k in ("images", "labels"))
            raise NotFound(f"{spec.name} {split} files not found in {cache} and {why}; get"
                           f" {urls} (or from any mirror) into that folder, or pass --data DIR"
                           " with a folder of MNIST-style IDX files", why)
        if aside:
            replaced.append(_replaced(bad, hit[0], cache))
        found[kind] = hit
    if replaced and note:
        note(f"{spec.name}: " + "; ".join(replaced))
    return found


def fetch_file(name: str, fs: FileSpec, mirrors: tuple[str, ...], cache_root: Path, *,
               progress: bool = False, allow_download: bool = True,
               note: Callable[[str], None] | None = None) -> Path:
    """A verified copy of one published file (an archive) in ``cache_root/<name>/``: the one
    there if its SHA-256 matches, else downloaded from the first of ``mirrors`` that serves it;
    ``note`` as :func:`fetch`'s.

    Raises DataError when it is neither there nor downloaded, ChecksumError when a mirror
    served other bytes.
    """
    cache = cache_root / name
    hit, bad, aside = _cached(fs, cache)
    if hit is not None:
        return hit[0]
    why, spec = "downloads are turned off", DatasetSpec(name, {}, tuple(mirrors))
    if allow_download:
        try:
            path = download(fs.filename, fs.sha256, mirrors, cache, progress, bad)
        except NotDownloaded as exc:
            why = f"could not download {fs.filename} ({exc})"
        else:
            if aside and note:
                note(f"{name}: {_replaced(bad, path, cache)}")
            return path
    if bad:
        raise ChecksumError(f"{name}: {bad}, and {why}; get {_url(spec, fs)} (SHA-256"
                            f" {fs.sha256}) into that folder, or pass --data DIR with a folder"
                            " of the recordings")
    raise DataError(f"{name}: {fs.filename} not found in {cache} and {why}; get"
                    f" {_url(spec, fs)} into that folder, or pass --data DIR with a folder of"
                    " the recordings")


def sample_files() -> tuple[tuple[Path, str], tuple[Path, str]]:
    """(path, SHA-256) of the packaged :data:`SAMPLE`'s images file and labels file.

    Raises
    ------
    ChecksumError
        A file is missing or differs from the one on record: the install is damaged.
    """
    found = []
    for kind in ("images", "labels"):
        fs = SAMPLE.files[f"train-{kind}"]
        path = SAMPLE_DIR / fs.filename
        digest = sha256(path) if path.is_file() else None
        if digest != fs.sha256:
            what = "missing" if digest is None else f"SHA-256 {digest[:12]}… differs from the expected {fs.sha256[:12]}…"
            raise ChecksumError(f"{path}: {what}; this digitnet install is damaged: reinstall "
                                "digitnet, or pass --data DIR with a folder of MNIST IDX files")
        found.append((path, digest))
    return found[0], found[1]


def default_cache() -> Path:
    """Where downloads go: ``platformdirs.user_cache_dir("digitnet")``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("digitnet"))


def _cached(fs: FileSpec, cache: Path
            ) -> tuple[tuple[Path, str, None] | None, str | None, Path | None]:
    """((path, sha256, None) of the verified copy of ``fs`` in our ``cache``, or None; what was
    wrong with the copy there, in words, or None; where that copy was moved, or None).

    A copy whose SHA-256 is not the table's is never deleted (it may be a file the user put
    there): it is renamed out of the way (:func:`_set_aside`), so that the published file can
    take its place.
    """
    path = cache / fs.filename
    if not path.is_file():
        return None, None, None
    digest = sha256(path)
    if digest == fs.sha256:
        return (path, digest, None), None, None
    what = (f"{path} has SHA-256 {digest[:12]}…, not the expected {fs.sha256[:12]}…, so it is"
            " not the published file")
    try:
        aside = _set_aside(path)
    except FileNotFoundError:  # (another digitnet moved it a moment ago, and says so)
        return None, None, None
    except OSError as exc:
        return None, (f"{what}; it could not be moved aside ({exc.strerror or exc}): move or"
                      " delete it"), None
    return None, f"{what}; it was moved to {aside.name} beside it (not deleted)", aside


def _replaced(bad: str, found: Path, cache: Path) -> str:
    """What became of a file in the ``cache`` that was not the published one (``bad``: what
    it was and where it went), the published file having been ``found``."""
    if found.parent == cache:
        return f"{bad}, and the published file was downloaded in its place"
    return f"{bad}, and the published file in {found.parent} is read instead"


def _set_aside(path: Path) -> Path:
    """Rename ``path`` to ``NAME.bad-sha256`` in its folder, or ``NAME.bad-sha256.2``, ... when
    that is taken: never over another file. Returns the new path; raises OSError."""
    for n in range(1, 1000):
        aside = path.with_name(f"{path.name}.bad-sha256{f'.{n}' if n > 1 else ''}")
        try:
            os.link(path, aside)  # (fails when aside exists, where a rename would replace it)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: rename, having looked first
            if aside.exists():
                continue
            os.rename(path, aside)
            return aside
        path.unlink()
        return aside
    raise OSError(f"{path.name}.bad-sha256 to .999 are all taken")


def _local_copy(fs: FileSpec, folder: Path):
    """(path, sha256, array or None) of a verified copy of ``fs`` in a system ``folder`` (a
    system package's), or None. The copy is left alone; it passes if its bytes or, read, its
    uncompressed content match (Debian rewrites gzip headers); the array read is returned.
    """
    path = folder / fs.filename
    if not path.is_file():
        return None
    digest = sha256(path)
    if digest == fs.sha256:
        return path, digest, None
    if fs.idx_sha256:
        try:
            array = read_labels(path) if "labels" in fs.filename else read_images(path)
        except DataError:
            return None
        if content_sha256(array) == fs.idx_sha256:
            return path, digest, array
    return None


def _url(spec: DatasetSpec, fs: FileSpec) -> str:
    """Where ``fs`` is published: at ``spec``'s first mirror (its bare name if it has none)."""
    return spec.mirrors[0].rstrip("/") + "/" + fs.filename if spec.mirrors else fs.filename
