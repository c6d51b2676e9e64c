"""`show ... --out` (and :func:`digitnet.viz.save_figure`) replaces only a picture digitnet drew.

Before, a walker ran `digitnet show weights m1.safetensors --out flat/d1_label0.png` and their
own MNIST digit, d1_label0.png, was replaced by the weights plot ("Saved flat/d1_label0.png"):
a picture could replace any PNG (for a .png name) or SVG, where an export replaces only an
export and a model only a model. Now every picture digitnet draws says so in its metadata (a
PNG's "Software" tEXt chunk before its IDAT, an SVG's creator), and only such a picture is
replaced: a digit of the user's, a plot matplotlib saved outside digitnet (or an older
digitnet's, unmarked) is refused in one line, before any work, and left byte for byte."""

from __future__ import annotations

import io
import shutil

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

import digitnet
from digitnet import viz
from digitnet.errors import ConfigError

_MARK = f"digitnet {digitnet.__version__}"
_AGAIN = "give --out another file name, or delete that file first"


@pytest.fixture
def model(trained, tmp_path):
    return shutil.copy(trained[0], tmp_path / "m1.safetensors")


@pytest.fixture
def own_digit(real_digit_images, tmp_path):
    """A real MNIST 0 the user saved as a PNG with Pillow, as the walker's d1_label0.png."""
    images, labels = real_digit_images
    folder = tmp_path / "flat"
    folder.mkdir()
    path = folder / "d1_label0.png"
    Image.fromarray(images[list(labels).index(0)]).save(path)
    return path


def _matplotlib_plot(path):
    """A plot matplotlib saved outside digitnet, with matplotlib's own metadata."""
    fig = Figure(figsize=(2, 2))
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1, 4])
    fig.savefig(path)
    return path


def _marked(path) -> bool:
    """Whether the picture at ``path`` says digitnet drew it."""
    if path.suffix == ".png":
        with Image.open(path) as picture:
            return picture.text.get("Software") == _MARK
    return f"<dc:title>{_MARK}</dc:title>" in path.read_text()[:4096]


def test_a_real_mnist_digit_of_the_user_is_refused_and_left_byte_identical(run, model,
                                                                           own_digit, one_line):
    before = own_digit.read_bytes()
    result = run("show", "weights", model, "--out", own_digit)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: {own_digit}: is a PNG picture, not one digitnet drew, and saving the "
        f"picture there would replace it; {_AGAIN}")
    assert "Saved" not in result.stdout
    assert own_digit.read_bytes() == before


@pytest.mark.parametrize("name", ["plot.png", "plot.svg"])
def test_a_matplotlib_plot_made_outside_digitnet_is_refused(run, model, tmp_path, one_line,
                                                            name):
    plot = _matplotlib_plot(tmp_path / name)
    before = plot.read_bytes()
    result = run("show", "weights", model, "--out", plot)
    assert result.exit_code == 1, result.output
    what = "a PNG picture" if name.endswith(".png") else "an SVG picture"
    line = one_line(result.stderr)
    assert line.startswith(f"digitnet: error: {plot}: is {what} made by \"Matplotlib v")
    assert line.endswith(f", not one digitnet drew, and saving the picture there would replace "
                         f"it; {_AGAIN}")
    assert plot.read_bytes() == before


@pytest.mark.parametrize("name", ["weights.png", "weights.svg"])
def test_a_picture_show_drew_is_marked_and_replaced(run, model, tmp_path, name):
    out = tmp_path / name
    for _ in range(2):  # drawn, then drawn again over it
        result = run("show", "weights", model, "--out", out)
        assert result.exit_code == 0, result.output
        assert f"Saved {out}" in result.stdout
        assert _marked(out), out.read_bytes()[:600]
    if name.endswith(".png"):  # the mark is a tEXt chunk before the picture's data
        data = out.read_bytes()
        assert data.index(b"tEXtSoftware\0digitnet") < data.index(b"IDAT")


def test_the_library_save_path_replaces_only_its_own_pictures(model, own_digit, tmp_path):
    fig = viz.weights_figure(digitnet.load(model))
    before = own_digit.read_bytes()
    with pytest.raises(ConfigError) as refused:
        viz.save_figure(fig, own_digit)
    assert str(refused.value) == (
        f"{own_digit}: is a PNG picture, not one digitnet drew, and saving the picture there "
        "would replace it; save it under another name, or delete that file first")
    assert own_digit.read_bytes() == before
    for name in ("w.png", "w.svg"):
        path = tmp_path / name
        for _ in range(2):
            assert viz.save_figure(fig, path) == path
            assert _marked(path)
    with Image.open(io.BytesIO(fig._repr_png_())) as shown:  # a notebook's too
        assert shown.text.get("Software") == _MARK


def test_the_out_help_says_what_is_replaced(run):
    result = run("show", "weights", "--help")
    assert "only a picture digitnet drew there is replaced, never a picture of yours" in (
        " ".join(result.stdout.split()))
