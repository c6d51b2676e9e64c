"""IDX files <-> NumPy arrays, validated.

IDX is the format MNIST ships in (and Fashion-MNIST and KMNIST after it). A file is a header of
big-endian bytes followed by the array, C order, big-endian::

    offset  bytes  meaning
    0       2      0x00 0x00
    2       1      dtype code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                   0x0D float32, 0x0E float64
    3       1      ndim, the number of dimensions
    4       4*ndim the size of each dimension, uint32 big-endian
    ...            prod(sizes) items of the dtype, big-endian

So MNIST's image files start 0x00000803 (uint8, 3-D: count, rows, cols) and its label files
0x00000801 (uint8, 1-D: count). Files are usually gzip-compressed; :func:`read_idx` recognises
gzip by its magic bytes 1f 8b, whatever the file is called.

Every error names the file (its basename) and says what was expected and what the file holds,
e.g. ``train-images-idx3-ubyte.gz: header says 60000 images of 28x28, file holds 24345``.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

from digitnet.errors import DataError, IDXFormatError

__all__ = ["read_idx", "read_images", "read_labels", "write_idx", "encode_idx", "content_sha256",
           "DTYPE_CODES"]

#: IDX dtype code -> NumPy dtype as stored (big-endian).
DTYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF_KIND = {(dt.kind, dt.itemsize): code for code, dt in DTYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_EXPECTED_MAGIC = "expected 0x00000803 for images or 0x00000801 for labels"
_FIRST_READ = 1 << 26  # bytes: an array grows from here (doubling) to the header's count
_MOST_EXTRA = 1 << 20  # bytes past the header's count that are counted, to say how many


def _describe(dims: tuple[int, ...]) -> str:
    """'60000 images of 28x28', '60000 labels' or '10 items of 4x5x6', from an IDX header."""
    if len(dims) == 3:
        return f"{dims[0]} images of {dims[1]}x{dims[2]}"
    if len(dims) == 1:
        return f"{dims[0]} labels"
    return f"{dims[0]} items of {'x'.join(map(str, dims[1:]))}"


def _read_full(stream, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream`` as far as it goes; the number of bytes read."""
    got = 0
    while got < len(buffer):
        n = stream.readinto(buffer[got:])
        if not n:
            break
        got += n
    return got


def _read_growing(stream, expected: int) -> np.ndarray:
    """Up to ``expected`` bytes of ``stream`` into a flat uint8 array that grows as they come
    (doubling, in place), so a header that claims more than the stream holds allocates only
    about what it holds, never what it claims. Fewer than ``expected`` when the stream ends."""
    flat = np.empty(min(expected, _FIRST_READ), np.uint8)
    got = 0
    while True:
        with memoryview(flat) as view:
            got += _read_full(stream, view[got:])
        if got < len(flat) or len(flat) == expected:
            return flat if got == len(flat) else flat[:got]
        flat.resize(min(expected, 2 * len(flat)), refcheck=False)


def _count_rest(stream) -> tuple[int, bool]:
    """(bytes left in ``stream``, counted up to _MOST_EXTRA; whether there are more still)."""
    scratch = memoryview(bytearray(1 << 16))
    count = 0
    while count <= _MOST_EXTRA:
        n = stream.readinto(scratch)
        if not n:
            return count, False
        count += n
    return count, True


def _short(name: str, dims: tuple[int, ...], item_bytes: int, expected: int,
           held: int) -> IDXFormatError:
    """The error of a file holding fewer bytes than its header claims."""
    whole = held // item_bytes if item_bytes else 0
    noun = _describe(dims).split()[1]
    return IDXFormatError(
        f"{name}: header says {_describe(dims)}, file holds {whole} ({expected - held} bytes"
        f" missing: the file has {held} of the {expected} bytes of data); it is truncated or"
        f" not an IDX file of that many {noun}; get the file again"
    )


def _extra(name: str, dims: tuple[int, ...], expected: int, extra: int,
           more: bool) -> IDXFormatError:
    """The error of a file holding more bytes than its header claims (``more``: uncounted)."""
    return IDXFormatError(
        f"{name}: header says {_describe(dims)} ({expected} bytes of data), but the file"
        f" has {'more than ' * more}{extra} extra bytes after them; it is not an IDX file"
        " of that many, or was joined to another: get the file again"
    )


def _read_stream(stream, name: str, size: int | None = None) -> np.ndarray:
    """Read one IDX file from a binary stream, decompressing (if gzip) straight into the array.

    Nothing is held twice: the header is parsed first, the array allocated at its final size
    and filled in place, so reading a 47 MB image file takes 47 MB, not two or three times that.
    ``size`` is the stream's length in bytes when known (a plain file), checked against the
    header before anything is allocated; unknown (gzip), the array grows as the bytes come,
    and no more than the header's count (and one byte) is decompressed, bar a few extra to
    count.
    """
    head = stream.read(4)
    if len(head) < 4:
        raise IDXFormatError(
            f"{name}: not an IDX file ({len(head)} bytes, shorter than the 4-byte magic number);"
            f" {_EXPECTED_MAGIC}"
        )
    magic = int.from_bytes(head, "big")
    zero, code, ndim = struct.unpack(">HBB", head)
    if zero != 0 or ndim == 0:
        raise IDXFormatError(
            f"{name}: not an IDX file (magic number 0x{magic:08x}); {_EXPECTED_MAGIC}"
        )
    if code not in DTYPE_CODES:
        known = ", ".join(f"0x{c:02x}" for c in DTYPE_CODES)
        raise IDXFormatError(
            f"{name}: unknown IDX dtype code 0x{code:02x} in magic number 0x{magic:08x};"
            f" expected one of {known} (0x08 = uint8, as MNIST uses)"
        )
    header_len = 4 + 4 * ndim
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IDXFormatError(
            f"{name}: header is cut short: magic number 0x{magic:08x} announces {ndim}"
            f" dimensions ({header_len} header bytes), file has {4 + len(sizes)} bytes"
        )
    dims = struct.unpack(f">{ndim}I", sizes)
    dtype = DTYPE_CODES[code]
    item_bytes = dtype.itemsize * math.prod(dims[1:])  # Python ints: no overflow
    expected = item_bytes * dims[0]
    if size is not None and size - header_len != expected:  # a plain file: before allocating
        if size - header_len < expected:
            raise _short(name, dims, item_bytes, expected, size - header_len)
        raise _extra(name, dims, expected, size - header_len - expected, False)
    flat = _read_growing(stream, expected)
    if len(flat) < expected:
        raise _short(name, dims, item_bytes, expected, len(flat))
    extra, more = _count_rest(stream)
    if extra:
        raise _extra(name, dims, expected, extra, more)
    array = flat.view(dtype).reshape(dims)
    if dtype.itemsize == 1:
        return array.view(dtype.newbyteorder("="))  # one byte: no order to swap, no copy
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed, into an array.

    Parameters
    ----------
    path : str or PathLike
        The file. Compression is detected from the first two bytes (1f 8b), not the name.

    Returns
    -------
    np.ndarray
        Of the shape in the header, e.g. (n, 28, 28) uint8 for images, (n,) uint8 for labels;
        native byte order, writable.

    Raises
    ------
    DataError
        The file is missing or unreadable.
    IDXFormatError
        Wrong magic number or dtype code, corrupt gzip stream, or a byte count that differs
        from the header's (truncated file or trailing bytes).
    """
    path = Path(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected an IDX file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with f:
        compressed = f.read(2) == _GZIP_MAGIC
        f.seek(0)
        if not compressed:
            return _read_stream(f, path.name, os.fstat(f.fileno()).st_size)
        try:
            with gzip.GzipFile(fileobj=f) as stream:
                return _read_stream(stream, path.name)
        except (EOFError, OSError, zlib.error) as exc:
            raise IDXFormatError(
                f"{path.name}: gzip stream is corrupt or truncated ({exc})") from None


def _read_expecting(path: str | os.PathLike, ndim: int, what: str, magic: int) -> np.ndarray:
    path = Path(path)
    array = read_idx(path)
    if array.ndim != ndim or array.dtype != np.uint8:
        shape = "x".join(map(str, array.shape))
        hint = {1: " (is this a labels file?)", 3: " (is this an images file?)"}.get(array.ndim, "")
        raise IDXFormatError(
            f"{path.name}: expected {what}, a {ndim}-D uint8 IDX file (magic 0x{magic:08x}),"
            f" got a {array.ndim}-D {array.dtype} array of shape {shape}{hint}"
        )
    return array


def read_images(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX images file: (n, rows, cols) uint8, e.g. (60000, 28, 28) for MNIST.

    Raises IDXFormatError if the file is valid IDX but not 3-D uint8 (e.g. a labels file).
    """
    return _read_expecting(path, 3, "images", 0x0803)


def read_labels(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX labels file: (n,) uint8.

    Raises IDXFormatError if the file is valid IDX but not 1-D uint8 (e.g. an images file).
    """
    return _read_expecting(path, 1, "labels", 0x0801)


def encode_idx(array: np.ndarray) -> bytes:
    """The uncompressed IDX bytes of ``array``: header then big-endian data.

    This is the exact inverse of reading: ``encode_idx(read_idx(f))`` equals ``f``'s
    uncompressed bytes, so hashing it fingerprints a file's content whatever its compression.

    Raises
    ------
    DataError
        The dtype has no IDX code, the array is 0-D, or a dimension exceeds 2**32 - 1.
    """
    array = np.asarray(array)
    code = _CODE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise DataError(
            f"cannot write a {array.dtype} array as IDX; use uint8, int8, int16, int32,"
            " float32 or float64"
        )
    if not 1 <= array.ndim <= 255:
        raise DataError(f"cannot write a {array.ndim}-D array as IDX; it needs 1 to 255 dimensions")
    if any(d > 0xFFFFFFFF for d in array.shape):
        raise DataError(f"cannot write shape {array.shape} as IDX; each size must fit in 32 bits")
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=DTYPE_CODES[code]).tobytes()


def content_sha256(array: np.ndarray) -> str:
    """SHA-256 of ``encode_idx(array)``, the uncompressed IDX bytes, without building them.

    For uint8 arrays (MNIST's) the data is hashed where it lies: no 47 MB copy.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or not array.flags.c_contiguous:
        return hashlib.sha256(encode_idx(array)).hexdigest()
    h = hashlib.sha256(struct.pack(f">HBB{array.ndim}I", 0, 0x08, array.ndim, *array.shape))
    h.update(memoryview(array.reshape(-1)))
    return h.hexdigest()


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed if ``path`` ends in ``.gz``.

    The file is written to a temporary name in the same folder and renamed into place, so a
    reader never sees half a file. The gzip header carries no name or time stamp, so equal
    arrays give equal bytes.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    data = encode_idx(array)
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6, mtime=0)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
