"""digitnet.preprocess: any image of a digit -> MNIST's 28x28, on real MNIST digits."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from digitnet import background, preprocess
from digitnet.errors import ImageError
from digitnet.preprocess import IMAGE_EXTENSIONS, MAX_PIXELS, read_image, to_mnist


@pytest.fixture(scope="module")
def digits(mnist):
    """Twenty real MNIST digits, two of each class, uint8 (20, 28, 28), and their labels."""
    picks = [int(i) for d in range(10) for i in np.flatnonzero(mnist.labels == d)[5:7]]
    return mnist.x[picks], mnist.labels[picks]


def on_paper(digit: np.ndarray, scale: int = 8, page=(360, 420), at=(70, 30)) -> np.ndarray:
    """A real digit as dark ink on white paper: scaled up, placed off-centre on a page (uint8)."""
    big = np.asarray(Image.fromarray(digit).resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC))
    page_ = np.zeros(page, np.uint8)
    page_[at[0] : at[0] + big.shape[0], at[1] : at[1] + big.shape[1]] = big
    return 255 - page_


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def similar(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 images, allowing either to move by up to one pixel."""
    return max(np.corrcoef(np.roll(a, (dy, dx), (0, 1)).ravel(), b.ravel())[0, 1]
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def check_mnist_like(x: np.ndarray) -> None:
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == pytest.approx(1.0)
    rows, cols = np.arange(28), np.arange(28)
    mass = x.sum()
    assert abs(x.sum(axis=1) @ rows / mass - 14) <= 0.75
    assert abs(x.sum(axis=0) @ cols / mass - 14) <= 0.75


# -- MNIST's own digits -----------------------------------------------------------------------


def test_an_mnist_digit_comes_back_almost_unchanged(digits):
    images, _ = digits
    for d in images:
        x = to_mnist(d)
        check_mnist_like(x)
        assert np.abs(x - d / 255).mean() < 0.03  # MNIST's digits are already prepared this way


def test_dark_ink_on_a_large_page_is_found_inverted_cropped_and_centred(digits):
    images, _ = digits
    for d in images:
        x = to_mnist(on_paper(d))
        check_mnist_like(x)
        assert similar(x, to_mnist(d)) > 0.85
        lit = np.argwhere(x > 0.05)  # the page is gone: only the digit, about 20x20, is left
        assert (lit.max(axis=0) - lit.min(axis=0) + 1).max() <= 22


# -- formats and modes ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"])
def test_every_common_file_format(digits, fmt):
    d = digits[0][4]
    data = encode(Image.fromarray(on_paper(d)), fmt)
    x = to_mnist(data)
    check_mnist_like(x)
    assert similar(x, to_mnist(d)) > 0.85


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "1", "CMYK", "I;16", "I", "F"])
def test_pixel_modes(digits, mode):
    d = digits[0][2]
    paper = on_paper(d)
    if mode == "I;16":
        image = Image.fromarray(paper.astype(np.uint16) * 257)
    elif mode == "I":
        image = Image.fromarray(paper.astype(np.int32) * 257)
    elif mode == "F":
        image = Image.fromarray(paper.astype(np.float32) / 255)
    else:
        image = Image.fromarray(paper).convert(mode)
    x = to_mnist(image)
    check_mnist_like(x)
    assert similar(x, to_mnist(d)) > (0.75 if mode == "1" else 0.85)  # "1" is dithered


def test_sixteen_bit_png_file(digits, tmp_path):
    d = digits[0][6]
    path = tmp_path / "deep.png"
    Image.fromarray(on_paper(d).astype(np.uint16) * 257).save(path)
    with Image.open(path) as stored:
        assert stored.mode.startswith("I")
    assert similar(to_mnist(path), to_mnist(d)) > 0.85


@pytest.mark.parametrize("stroke", ["black", "white"])
def test_transparent_background_counts_as_background(digits, stroke):
    """Strokes on a transparent canvas, in either colour, the hidden pixels black or white."""
    d = digits[0][8]
    ink = np.asarray(Image.fromarray(d).resize((224, 224), Image.Resampling.BICUBIC))
    rgba = np.zeros((300, 260, 4), np.uint8)
    level = 0 if stroke == "black" else 255
    rgba[..., :3] = 255 - level  # colour under the transparent parts: the opposite shade
    rgba[40:264, 20:244, :3] = level
    rgba[40:264, 20:244, 3] = ink
    x = to_mnist(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert similar(x, to_mnist(d)) > 0.85


def test_paper_with_a_transparent_margin(digits):
    d = digits[0][10]
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[20:380, 20:380, :3] = on_paper(d)[:360, :360, None]
    rgba[20:380, 20:380, 3] = 255
    x = to_mnist(Image.fromarray(rgba, "RGBA"))
    assert similar(x, to_mnist(d)) > 0.85


def test_animated_gif_uses_its_first_frame(digits):
    (first, second), labels = digits[0][[0, 18]], digits[1][[0, 18]]
    assert labels[0] != labels[1]
    frames = [Image.fromarray(on_paper(first)), Image.fromarray(on_paper(second))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    x = to_mnist(buffer.getvalue())
    assert similar(x, to_mnist(first)) > 0.85
    assert similar(x, to_mnist(first)) > similar(x, to_mnist(second)) + 0.1


def test_exif_orientation_of_a_phone_photo_is_applied(digits):
    d = digits[0][12]
    upright = Image.fromarray(on_paper(d))
    # Stored sideways with orientation 6 ("rotate 90° clockwise to view"), as phones do.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    x = to_mnist(encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert similar(x, to_mnist(d)) > 0.85


def test_every_kind_of_source_gives_the_same_result(digits, tmp_path):
    d = digits[0][14]
    image = Image.fromarray(on_paper(d))
    path = tmp_path / "digit.png"
    image.save(path)
    expected = to_mnist(path)
    with open(path, "rb") as f:
        from_file_object = to_mnist(f)
    for result in (to_mnist(str(path)), to_mnist(path.read_bytes()), from_file_object,
                   to_mnist(image), to_mnist(np.asarray(image)),
                   to_mnist(np.asarray(image) / 255.0)):
        np.testing.assert_allclose(result, expected, atol=1e-5)


@pytest.mark.parametrize("layout", ["rgb-uint8", "rgba-float", "gray-bool", "gray-uint16",
                                    "gray-int64", "hw1"])
def test_numpy_arrays(digits, layout):
    d = digits[0][16]
    paper = on_paper(d)
    if layout == "rgb-uint8":
        a = np.repeat(paper[..., None], 3, axis=2)
    elif layout == "rgba-float":
        a = np.concatenate([np.repeat(paper[..., None], 3, axis=2) / 255,
                            np.ones(paper.shape + (1,))], axis=2)
    elif layout == "gray-bool":
        a = paper > 128
    elif layout == "gray-uint16":
        a = paper.astype(np.uint16) * 257
    elif layout == "gray-int64":
        a = paper.astype(np.int64)  # plain integers 0..255, as np.array([[0, 255, ...]]) makes
    else:
        a = paper[..., None]
    assert similar(to_mnist(a), to_mnist(d)) > (0.75 if layout == "gray-bool" else 0.85)


def test_a_canvas_drawn_white_on_black_in_floats(digits):
    """What the web page sends: (H, W) floats in [0, 1], light strokes on black."""
    d = digits[0][1]
    canvas = 1 - on_paper(d, scale=10, page=(280, 280), at=(0, 0)).astype(np.float64) / 255
    x = to_mnist(canvas)
    check_mnist_like(x)
    assert similar(x, to_mnist(d)) > 0.9


def test_huge_images_are_shrunk_before_the_work(digits):
    """A 5,000 x 4,000 scan (20 megapixels) is read, and the digit found in it."""
    d = digits[0][3]
    page = np.full((4000, 5000), 255, np.uint8)
    page[1000:3800, 2000:4800] = 255 - np.asarray(Image.fromarray(d).resize((2800, 2800)))
    gray, _ = read_image(page)
    assert max(gray.shape) <= 800
    assert similar(to_mnist(page), to_mnist(d)) > 0.85


# -- noise, lighting, specks ------------------------------------------------------------------


def test_photo_with_grey_paper_noise_and_a_lighting_gradient(digits, rng):
    images, _ = digits
    for d in images[::4]:
        ink = 1 - on_paper(d, scale=10, page=(420, 380), at=(100, 50)) / 255.0
        h, w = ink.shape
        shade = 0.45 + 0.35 * np.linspace(0, 1, w)[None, :] + 0.1 * np.linspace(0, 1, h)[:, None]
        photo = shade - ink * (shade - 0.12) + rng.normal(0, 0.03, ink.shape)
        rgb = np.clip(photo[..., None] * [1.0, 0.95, 0.85], 0, 1)
        data = encode(Image.fromarray((rgb * 255).astype(np.uint8), "RGB"), "JPEG", quality=80)
        assert similar(to_mnist(data), to_mnist(d)) > 0.85


def test_a_stray_speck_far_from_the_digit_is_ignored(digits):
    d = digits[0][5]
    paper = on_paper(d, scale=8, page=(400, 500), at=(40, 40))
    paper[350:356, 450:456] = 0  # a dot of ink in the far corner
    assert similar(to_mnist(paper), to_mnist(d)) > 0.85


# -- drawings from the web page: the fast path gives the plain computation's result ------------


def as_the_page_sends_it(digit: np.ndarray, size: int) -> np.ndarray:
    """A digit as a size x size grid of brightness rounded to 2 decimals (bench/load.py), float32
    as the server decodes it."""
    if size != digit.shape[0]:
        digit = np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR))
    return np.round(digit / 255, 2).astype(np.float32)


def plain_to_mnist(drawing: np.ndarray) -> np.ndarray:
    """to_mnist of a drawing, computed the plain way, with no shortcut: the noise from medians
    over every pixel, np.percentile, Pillow's resize, every pass in full."""
    gray, _ = read_image(drawing)
    assert gray.size < 160_000  # to_mnist measures the noise on every pixel too
    ring = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    # The background: what most of the border holds (all of it, unless a stroke runs off the
    # edge), if over half of the drawing holds it too; else a surface fitted as for a photo.
    values, counts = np.unique(ring, return_counts=True)
    common = values[counts.argmax()]
    flat = counts.max() > ring.size / 2 and np.count_nonzero(gray == common) > gray.size / 2
    assert flat or max(gray.shape) < 64  # (to_mnist blurs a larger image without one)
    residual = gray - (common if flat or counts.max() == ring.size
                       else background.fit_background(gray))
    r = residual.ravel()
    for _ in range(2):
        center = np.median(r)
        noise = 1.4826 * float(np.median(np.abs(r - center)))
        r = r[np.abs(r - center) <= max(3 * noise, 0.02)]
    t = max(4 * noise, 0.05)
    darker, lighter = np.maximum(-residual - t, 0).sum(), np.maximum(residual - t, 0).sum()
    ink = np.maximum(-residual if darker > lighter else residual, 0)
    full = float(np.percentile(ink[ink > max(5 * noise, 0.08)], 90))
    floor = min(max(3.5 * noise, 0.02 * full), 0.5 * full)
    ink = np.clip((ink - floor) / (full - floor), 0, 1).astype(np.float32)

    lit = np.where(ink >= 0.25 * ink.max(), ink, 0)
    y0, y1 = preprocess._main_span(lit.sum(axis=1))
    x0, x1 = preprocess._main_span(lit[y0:y1].sum(axis=0))
    y0b, y1b = preprocess._main_span(lit[:, x0:x1].sum(axis=1))
    y0, y1 = max(y0, y0b), min(y1, y1b)
    f = 20 / max(y1 - y0, x1 - x0)
    m = int(np.ceil(4 / f))
    digit = np.ascontiguousarray(np.pad(ink, m)[y0 : y1 + 2 * m, x0 : x1 + 2 * m])
    size = (max(1, round(digit.shape[1] * f)), max(1, round(digit.shape[0] * f)))
    if size != digit.shape[::-1]:
        resample = Image.Resampling.BOX if f < 1 else Image.Resampling.LANCZOS
        digit = np.asarray(Image.fromarray(digit).resize(size, resample))
    digit = np.clip(digit, 0, None)
    digit = digit / digit.max()
    mass = digit.sum()
    oy = round(14 - digit.sum(axis=1) @ np.arange(digit.shape[0]) / mass)
    ox = round(14 - digit.sum(axis=0) @ np.arange(digit.shape[1]) / mass)
    field = np.pad(digit, 28)  # place (0, 0) of the digit at (oy, ox) of the 28x28 field
    return field[28 - oy : 56 - oy, 28 - ox : 56 - ox]


@pytest.mark.parametrize("size", [28, 56])
@pytest.mark.parametrize("inverted", [False, True], ids=["light-on-dark", "dark-on-light"])
def test_drawings_come_out_as_the_plain_computation_makes_them(mnist, size, inverted):
    for k, digit in enumerate(mnist.x[-300:]):
        drawing = as_the_page_sends_it(digit, size)
        if k % 5 == 0:  # a slip of the pen: a stray dot apart from the digit
            drawing[1 : 1 + size // 28, -3 - size // 28 : -3] = 1
        if inverted:
            drawing = 1 - drawing
        np.testing.assert_allclose(to_mnist(drawing), plain_to_mnist(drawing), atol=1e-6,
                                   err_msg=f"digit {len(mnist) - 300 + k}")


def drawings(mnist, rng):
    """Real digits drawn every way the page or a script might send them: the page's 56x56
    grid, MNIST's 28x28, a large 150x150 and a small digit on a big page (so its crop is scaled
    up: Lanczos), with stray dots, strokes off the edge, dark-on-light, a grey background."""
    for k, digit in enumerate(mnist.x[-160:]):
        size = (56, 28, 150, 56)[k % 4]
        drawing = as_the_page_sends_it(digit, size)
        if k % 4 == 3:  # a small digit on a big page
            page = np.zeros((120, 140), np.float32)
            page[40:54, 70:84] = drawing[::4, ::4]  # 14 pixels high
            drawing = page
        if k % 5 == 0:  # a slip of the pen: a stray dot apart from the digit
            drawing[1:3, -5:-3] = 1
        if k % 7 == 0:  # a stroke running off the right edge
            drawing[drawing.shape[0] // 2 : drawing.shape[0] // 2 + 2, -8:] = 1
        if k % 3 == 1:
            drawing = 1 - drawing
        elif k % 3 == 2:  # grey paper, ink a little lighter or darker than it
            drawing = (0.3 + drawing * rng.choice([-0.3, 0.6])).astype(np.float32)
        yield k, drawing


def test_every_kind_of_drawing_comes_out_as_the_plain_computation_makes_them(mnist, rng):
    """Through the drawing shortcut (a background of one exact value, found once) and back."""
    for k, drawing in drawings(mnist, rng):
        np.testing.assert_allclose(to_mnist(drawing), plain_to_mnist(drawing), atol=1e-6,
                                   err_msg=f"drawing {k}")


def test_a_drawing_of_one_dot_is_refused():
    blank = np.zeros((56, 56), np.float32)
    blank[10, 10] = 1  # one dot is no digit
    with pytest.raises(ImageError, match="no digit found"):
        to_mnist(blank)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10, 11, 150, 601, 20_000])
def test_the_percentile_of_the_strokes_is_numpys(n, rng):
    """_percentile stands in for np.percentile(values, 90): both interpolate between the same
    two order statistics a <= b, at the same fraction t. numpy does it in float32, rounding t,
    b - a, its product with t and the sum a + product (b - product with 1 - t, for t >= 0.5);
    as all values are >= 0, the result is at least t * b (at least b / 2), so each rounding
    moves it by at most one float32 ulp of the result. _percentile rounds in float64, 2**29
    times finer. They differ by under 4 ulps: 4 * 2**-23 < 1e-6 relative."""
    values = np.round(rng.random(n), 2).astype(np.float32)  # with ties, as drawings have
    expected = float(np.percentile(values, 90))
    assert preprocess._percentile(values.copy(), 90) == pytest.approx(expected, rel=1e-6, abs=0)


# -- refusing bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("shade", [0, 128, 255])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_blank_image_is_refused_not_guessed(shade, fmt):
    data = encode(Image.new("L", (300, 200), shade), fmt)
    with pytest.raises(ImageError, match=r"blank\.png: no digit found: the image is blank"):
        to_mnist(data, name="blank.png")


def test_blank_paper_photographed_with_noise_is_refused(rng):
    paper = 0.7 + 0.1 * np.linspace(0, 1, 400)[None, :] + rng.normal(0, 0.03, (300, 400))
    data = encode(Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8)), "JPEG")
    with pytest.raises(ImageError, match="no digit found: the image is blank"):
        to_mnist(data)


@pytest.mark.parametrize("shape", [(28, 28), (200, 300)])
def test_a_picture_of_noise_is_called_noise_not_blank(rng, shape):
    """Random pixels (the smallest kind, and a photo-sized one that is smoothed first) hold no
    digit, and are not blank either: the error says which, so the user looks for the noise."""
    data = encode(Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)), "PNG")
    with pytest.raises(ImageError, match=r"noise\.png: no digit found: the image is noise all "
                                         r"over \(no ink stands out from it\); write or draw"):
        to_mnist(data, name="noise.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but which holds one row of pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(8000, 6000), (30000, 30000)])
def test_images_over_40_megapixels_are_refused_before_decoding(tmp_path, width, height):
    """The file holds almost no pixel data: decoding it would fail as truncated, not as large."""
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(width, height))
    assert width * height > MAX_PIXELS
    with pytest.raises(ImageError, match=r"bomb\.png: the image is .*40-megapixel limit"):
        to_mnist(path)


def test_a_large_array_is_refused_too():
    with pytest.raises(ImageError, match="megapixel"):
        to_mnist(np.broadcast_to(np.uint8(0), (7000, 6000)))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_a_truncated_file_names_the_file(digits, tmp_path, fmt):
    data = encode(Image.fromarray(on_paper(digits[0][0])), fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=rf"cut\.{fmt.lower()}: .*(truncated|corrupt)"):
        to_mnist(path)


@pytest.mark.parametrize("content", [b"", b"hello, this is text\n", b"\x89PNG\r\n\x1a\n"])
def test_not_an_image(tmp_path, content):
    path = tmp_path / "notes.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=r"notes\.png: (not an image|the file is empty|.*truncated)"):
        to_mnist(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        to_mnist(tmp_path / "nothing.png")
    with pytest.raises(ImageError, match="is a folder"):
        to_mnist(tmp_path)


@pytest.mark.parametrize("array, message", [
    (np.zeros((5, 5, 5, 5)), "array of shape"),
    (np.full((30, 30), 3.0), "expected floats in"),
    (np.full((30, 30), 70_000), "pixel values run from 70000 to 70000"),
    (np.full((30, 30), np.nan), "NaN"),
    (np.zeros((30, 30), complex), "dtype"),
    (np.zeros((0, 30)), "empty"),
])
def test_bad_arrays(array, message):
    with pytest.raises(ImageError, match=message):
        to_mnist(array)


def test_an_unsupported_object():
    with pytest.raises(ImageError, match="cannot read a dict"):
        to_mnist({"pixels": 1})


# -- walking folders --------------------------------------------------------------------------


def test_walk_recurses_sorted_leaving_hidden_files_out(tmp_path):
    from digitnet.folders import walk

    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deeper").mkdir(parents=True)
    for name in ["b/2.PNG", "a/deeper/1.jpg", "a/0.webp", "notes.txt", "z.gif", ".hidden.png",
                 "model.safetensors"]:
        (tmp_path / name).write_bytes(b"")
    found = [p.relative_to(tmp_path).as_posix() for p in walk(tmp_path)]
    # a folder's own files first, then its folders', each sorted (training's order)
    assert found == ["model.safetensors", "notes.txt", "z.gif", "a/0.webp", "a/deeper/1.jpg",
                     "b/2.PNG"]
    assert ".png" in IMAGE_EXTENSIONS and ".jpeg" in IMAGE_EXTENSIONS


def test_an_unreadable_folder_is_reported_and_the_rest_walked(tmp_path, locked_folders):
    from digitnet.folders import NotWalked, walk

    (tmp_path / "locked").mkdir()
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "3.png").write_bytes(b"")
    items = list(walk(tmp_path))
    assert isinstance(items[0], NotWalked) and not items[0].again
    assert str(items[0].error) == (f"{tmp_path / 'locked'}: cannot read this folder "
                                   "(permission denied)")
    assert items[1].name == "3.png"


# -- the check the maintainers run: user-style files, same accuracy ---------------------------
