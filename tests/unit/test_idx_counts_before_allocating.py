"""An IDX header's counts are checked against the bytes the file holds before an array of that
size is made: a header that claims 2**31 - 1 images over one real one is refused in one line,
not with NumPy's "Unable to allocate 1.53 TiB"; a gzip file is decompressed no further than
the header's count (and a few bytes past it to count them)."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from digitnet.errors import IDXFormatError
from digitnet.idx import read_idx, read_images, read_labels

PREFIX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist-train-prefix"
HUGE = 2**31 - 1


def real_images(n: int) -> bytes:
    """The first ``n`` real MNIST images (28x28 bytes each), without a header."""
    raw = gzip.decompress((PREFIX / "train-images-idx3-ubyte.gz").read_bytes())
    return raw[16:16 + 784 * n]


def images_file(count: int, pixels: bytes) -> bytes:
    return struct.pack(">HBBIII", 0, 0x08, 3, count, 28, 28) + pixels


@pytest.mark.parametrize("compress", [False, True])
def test_a_huge_image_count_over_one_real_image_is_one_line(tmp_path, compress):
    data = images_file(HUGE, real_images(1))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXFormatError) as info:
        read_images(path)
    message = str(info.value)
    expected = HUGE * 784
    assert message == (
        f"train-images-idx3-ubyte: header says {HUGE} images of 28x28, file holds 1"
        f" ({expected - 784} bytes missing: the file has 784 of the {expected} bytes of data);"
        " it is truncated or not an IDX file of that many images; get the file again")


def test_a_huge_label_count_counts_labels(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">HBBI", 0, 0x08, 1, HUGE) + bytes([5, 0, 4])))
    with pytest.raises(IDXFormatError, match=r"file holds 3 \(.* of that many labels; get the"):
        read_labels(path)


def test_dimensions_whose_product_overflows_64_bits_are_refused(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(struct.pack(">HBB4I", 0, 0x08, 4, 2, 2**32 - 1, 2**32 - 1, 2**32 - 1)
                     + bytes(10))
    with pytest.raises(IDXFormatError, match="^x.idx: header says 2 items of .*, file holds 0 "):
        read_idx(path)


def test_gzip_is_not_decompressed_past_the_header_count(tmp_path):
    """50 real images announced, then 200 MB of zeros (as 200 gzip members, 200 KB on disk):
    only about a megabyte past the 50 images is decompressed, to say there are more."""
    member = gzip.compress(bytes(1 << 20), mtime=0)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(images_file(50, real_images(50)), mtime=0) + member * 200)
    with pytest.raises(IDXFormatError) as info:
        read_images(path)
    said = re.fullmatch(
        r"train-images-idx3-ubyte.gz: header says 50 images of 28x28 \(39200 bytes of data\),"
        r" but the file has more than (\d+) extra bytes after them; it is not an IDX file of"
        r" that many, or was joined to another: get the file again", str(info.value))
    assert said, str(info.value)
    assert 1 << 20 < int(said[1]) < 2 << 20  # a megabyte or so counted, of the 200


@pytest.mark.parametrize("compress", [False, True])
def test_real_images_read_whole_still(tmp_path, compress):
    data = images_file(300, real_images(300))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if compress else data)
    images = read_images(path)
    assert images.shape == (300, 28, 28) and images.flags.writeable
    np.testing.assert_array_equal(images.reshape(-1), np.frombuffer(data[16:], np.uint8))


def test_the_command_says_one_line_and_exits_1(tmp_path):
    from click.testing import CliRunner

    import digitnet
    from digitnet.cli import cli

    model = tmp_path / "m.safetensors"
    digitnet.save(digitnet.Network((784, 16, 10), seed=0), model)
    folder = tmp_path / "hidx"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte").write_bytes(images_file(HUGE, real_images(1)))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 8, 1, 1) + b"\x05")
    result = CliRunner().invoke(cli, ["evaluate", str(model), "--data", str(folder)])
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"digitnet: error: t10k-images-idx3-ubyte: header says {HUGE} images of 28x28, file"
        f" holds 1 ({HUGE * 784 - 784} bytes missing: the file has 784 of the {HUGE * 784}"
        " bytes of data); it is truncated or not an IDX file of that many images; get the file"
        " again\n")
