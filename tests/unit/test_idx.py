"""IDX reading and writing: hand-made bytes, round trips, and every way a file can be wrong."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from digitnet.errors import DataError, IDXFormatError
from digitnet.idx import encode_idx, read_idx, read_images, read_labels, write_idx

# <repo root>/../shared/data, as CI lays it out (tests/unit/this_file -> parents[2] is the root).
PREFIX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-train-prefix"

# Two 2x3 uint8 images, written out by hand: magic 0x00000803, then n=2, rows=2, cols=3.
IMAGES_BYTES = (b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02" + b"\x00\x00\x00\x02" + b"\x00\x00\x00\x03"
                + bytes([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]))
IMAGES = np.array([[[0, 1, 2], [3, 4, 5]], [[250, 251, 252], [253, 254, 255]]], dtype=np.uint8)
LABELS_BYTES = b"\x00\x00\x08\x01" + b"\x00\x00\x00\x04" + bytes([7, 0, 9, 3])


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def real_image_bytes() -> bytes:
    """The uncompressed bytes of the real MNIST prefix images file (24,345 images)."""
    return gzip.decompress((PREFIX / "train-images-idx3-ubyte.gz").read_bytes())


@pytest.mark.parametrize("compress", [False, True])
def test_reads_hand_made_images(tmp_path, compress):
    data = gzip.compress(IMAGES_BYTES) if compress else IMAGES_BYTES
    images = read_images(put(tmp_path, "images.idx", data))
    np.testing.assert_array_equal(images, IMAGES)
    assert images.dtype == np.uint8 and images.flags.writeable


def test_gzip_is_detected_by_content_not_name(tmp_path):
    gz_without_suffix = put(tmp_path, "labels-idx1-ubyte", gzip.compress(LABELS_BYTES))
    raw_with_gz_suffix = put(tmp_path, "labels-idx1-ubyte.gz", LABELS_BYTES)
    np.testing.assert_array_equal(read_labels(gz_without_suffix), [7, 0, 9, 3])
    np.testing.assert_array_equal(read_labels(raw_with_gz_suffix), [7, 0, 9, 3])


def test_big_endian_dtypes_by_hand(tmp_path):
    int16 = b"\x00\x00\x0b\x01\x00\x00\x00\x02" + b"\x01\x02" + b"\xff\xfe"
    assert read_idx(put(tmp_path, "a", int16)).tolist() == [0x0102, -2]
    float32 = b"\x00\x00\x0d\x01\x00\x00\x00\x01" + struct.pack(">f", -1.5)
    x = read_idx(put(tmp_path, "b", float32))
    assert x.dtype == np.float32 and x.tolist() == [-1.5]


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_round_trip(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 100).astype(dtype)
    path = write_idx(tmp_path / name, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_write_matches_the_hand_made_bytes(tmp_path):
    assert encode_idx(IMAGES) == IMAGES_BYTES
    assert write_idx(tmp_path / "i", IMAGES).read_bytes() == IMAGES_BYTES
    assert gzip.decompress(write_idx(tmp_path / "i.gz", IMAGES).read_bytes()) == IMAGES_BYTES


def test_encode_reproduces_the_real_file():
    raw = real_image_bytes()
    images = read_images(PREFIX / "train-images-idx3-ubyte.gz")
    assert images.shape == (24345, 28, 28)
    assert encode_idx(images) == raw


def test_write_rejects_what_idx_cannot_hold(tmp_path):
    with pytest.raises(DataError, match="cannot write a uint16 array"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.uint16))
    with pytest.raises(DataError, match="0-D"):
        write_idx(tmp_path / "x", np.uint8(3))
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_an_existing_file(tmp_path):
    path = write_idx(tmp_path / "l.gz", np.array([1, 2, 3], dtype=np.uint8))
    write_idx(path, np.array([4], dtype=np.uint8))
    assert read_labels(path).tolist() == [4]


@pytest.mark.parametrize("data, magic", [
    (b"\x01\x02\x08\x03" + IMAGES_BYTES[4:], "0x01020803"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), "0x89504e47"),
    (b"\x00\x00\x08\x00" + bytes(8), "0x00000800"),  # zero dimensions
])
def test_wrong_magic(tmp_path, data, magic):
    with pytest.raises(IDXFormatError) as info:
        read_idx(put(tmp_path, "digits.png", data))
    assert str(info.value) == (f"digits.png: not an IDX file (magic number {magic});"
                               " expected 0x00000803 for images or 0x00000801 for labels")


def test_shorter_than_magic(tmp_path):
    with pytest.raises(IDXFormatError, match=r"^empty: not an IDX file \(0 bytes"):
        read_idx(put(tmp_path, "empty", b""))


def test_wrong_dtype_code(tmp_path):
    with pytest.raises(IDXFormatError, match=r"^x: unknown IDX dtype code 0x0a in magic number 0x00000a01"):
        read_idx(put(tmp_path, "x", b"\x00\x00\x0a\x01\x00\x00\x00\x01\x05"))


def test_header_cut_short(tmp_path):
    with pytest.raises(IDXFormatError, match="announces 3 dimensions"):
        read_idx(put(tmp_path, "x", IMAGES_BYTES[:10]))


def test_truncated_real_file_names_file_and_counts(tmp_path):
    # The real 24,345 images under a header that promises the full 60,000.
    raw = real_image_bytes()
    assert struct.unpack(">I", raw[4:8]) == (24345,)
    lying = raw[:4] + struct.pack(">I", 60000) + raw[8:]
    path = put(tmp_path, "train-images-idx3-ubyte.gz", gzip.compress(lying, compresslevel=1))
    with pytest.raises(IDXFormatError) as info:
        read_images(path)
    message = str(info.value)
    assert message.startswith("train-images-idx3-ubyte.gz: header says 60000 images of 28x28,"
                              " file holds 24345 (")
    assert f"{(60000 - 24345) * 784} bytes missing" in message
    assert "\n" not in message


def test_truncated_mid_item_counts_whole_items(tmp_path):
    with pytest.raises(IDXFormatError, match=r"^i: header says 2 images of 2x3, file holds 1 \(1 bytes missing"):
        read_idx(put(tmp_path, "i", IMAGES_BYTES[:-1]))
    with pytest.raises(IDXFormatError, match=r"^l: header says 4 labels, file holds 2 "):
        read_idx(put(tmp_path, "l", LABELS_BYTES[:-2]))


@pytest.mark.parametrize("compress", [False, True])
def test_trailing_bytes(tmp_path, compress):
    data = LABELS_BYTES + b"\x00\x00\x00"
    with pytest.raises(IDXFormatError, match=r"^l: header says 4 labels \(4 bytes of data\), but the file has 3 extra bytes"):
        read_idx(put(tmp_path, "l", gzip.compress(data) if compress else data))


def test_truncated_gzip_stream(tmp_path):
    gz = (PREFIX / "train-labels-idx1-ubyte.gz").read_bytes()
    path = put(tmp_path, "train-labels-idx1-ubyte.gz", gz[: len(gz) // 2])
    with pytest.raises(IDXFormatError, match=r"^train-labels-idx1-ubyte.gz: gzip stream is corrupt or truncated \(.+\)$"):
        read_labels(path)


def test_corrupt_gzip_stream(tmp_path):
    gz = bytearray((PREFIX / "train-labels-idx1-ubyte.gz").read_bytes())
    gz[len(gz) // 2] ^= 0xFF
    gz[len(gz) // 2 + 1] ^= 0xFF
    with pytest.raises(IDXFormatError, match="gzip stream is corrupt or truncated"):
        read_labels(put(tmp_path, "labels.gz", bytes(gz)))


def test_missing_file_is_a_data_error_naming_it(tmp_path):
    with pytest.raises(DataError, match="nope-idx3-ubyte.gz: no such file") as info:
        read_idx(tmp_path / "nope-idx3-ubyte.gz")
    assert not isinstance(info.value, IDXFormatError)
    with pytest.raises(DataError, match="is a folder"):
        read_idx(tmp_path)


def test_labels_file_read_as_images(tmp_path):
    with pytest.raises(IDXFormatError) as info:
        read_images(PREFIX / "train-labels-idx1-ubyte.gz")
    assert str(info.value) == ("train-labels-idx1-ubyte.gz: expected images, a 3-D uint8 IDX file"
                               " (magic 0x00000803), got a 1-D uint8 array of shape 24345"
                               " (is this a labels file?)")


def test_images_file_read_as_labels(tmp_path):
    with pytest.raises(IDXFormatError, match=r"^i: expected labels, a 1-D uint8 IDX file \(magic 0x00000801\), got a 3-D uint8 array of shape 2x2x3 \(is this an images file\?\)$"):
        read_labels(put(tmp_path, "i", IMAGES_BYTES))


def test_images_must_be_uint8(tmp_path):
    path = write_idx(tmp_path / "f.idx", IMAGES.astype(np.float32))
    with pytest.raises(IDXFormatError, match="got a 3-D float32 array"):
        read_images(path)


def test_content_sha256_hashes_what_encode_idx_would_write():
    import hashlib

    from digitnet.idx import content_sha256

    rng = np.random.default_rng(0)
    for array in (rng.integers(0, 256, (7, 5, 3), dtype=np.uint8), np.arange(12, dtype=np.int16)):
        assert content_sha256(array) == hashlib.sha256(encode_idx(array)).hexdigest()
