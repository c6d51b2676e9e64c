"""`digitnet predict` on real image files and folders, and every `digitnet show` picture."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from digitnet import Network, inputs, modelfile
from digitnet.preprocess import to_mnist


def as_user_file(digit: np.ndarray, path, scale: int = 9, at=(40, 60), photo: bool = False):
    """Save a real digit as a user would have it: dark ink on a larger page (or a grey photo)."""
    size = 28 * scale
    ink = np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)) / 255
    page = np.zeros((size + 120, size + 150))
    page[at[0] : at[0] + size, at[1] : at[1] + size] = ink
    if photo:
        shade = 0.6 + 0.2 * np.linspace(0, 1, page.shape[1])[None, :]
        gray = shade - page * (shade - 0.15) + np.random.default_rng(0).normal(0, 0.02, page.shape)
        image = Image.fromarray(np.uint8(np.clip(gray, 0, 1)[..., None] * [255, 245, 225]), "RGB")
    else:
        image = Image.fromarray(np.uint8(np.round(255 * (1 - page))), "L")
    image.save(path)
    return path


@pytest.fixture(scope="module")
def folder(real_digit_images, tmp_path_factory):
    """Ten real digits as user-style files in nested folders, in five formats; and their labels."""
    images, labels = real_digit_images
    root = tmp_path_factory.mktemp("photos")
    (root / "b").mkdir()
    (root / "a" / "deeper").mkdir(parents=True)
    names = ["a/0.png", "a/1.jpg", "a/deeper/2.bmp", "a/deeper/3.webp", "b/4.gif", "b/5.png",
             "b/6.jpeg", "c7.png", "c8.jpg", "c9.tiff"]
    for i, (name, digit) in enumerate(zip(names, images)):
        as_user_file(digit, root / name, photo=name.endswith((".jpg", ".jpeg")), at=(10 + 9 * i, 20))
    (root / "notes.txt").write_text("not an image: left out, with a note\n")
    return root, sorted(names), labels


@pytest.fixture(scope="module")
def model(trained):
    """The model `digitnet train` trained for 2 epochs on a folder of 3,000 real digits."""
    return trained[0]


# -- predict ----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("default::UserWarning")  # shown as the command shows it: a note
def test_predict_walks_folders_in_order_and_reads_user_style_files(run, small_model, folder,
                                                                   real_digit_images):
    root, names, labels = folder
    result = run("predict", small_model, root)
    assert result.exit_code == 0, result.output
    assert f"note: {root}: 1 other file left out (notes.txt)" in result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [str(root / n) for n in names]
    read = [int(line.split(": ")[1].split()[0]) for line in lines]
    digit_of = [int(n.split("/")[-1].lstrip("c")[0]) for n in names]  # names start with the digit
    assert [int(labels[d]) for d in digit_of] == digit_of
    # The files are read as the model reads the original 28x28 digits, mistakes and all.
    net = modelfile.load(small_model)
    on_originals = [int(net.predict(real_digit_images[0][d] / 255.0)) for d in digit_of]
    assert sum(r == o for r, o in zip(read, on_originals)) >= 9, (read, on_originals)
    assert sum(r == d for r, d in zip(read, digit_of)) >= 7, (read, digit_of)


def test_predict_json_one_object_per_line(run, small_model, folder):
    root, names, _ = folder
    result = run("predict", small_model, root / "b", root / "c7.png", "--json")
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["file"] for o in objects] == [str(root / "b" / "4.gif"), str(root / "b" / "5.png"),
                                            str(root / "b" / "6.jpeg"), str(root / "c7.png")]
    for o in objects:
        assert set(o) == {"file", "class", "index", "probabilities", "top"}  # (--top 3)
        assert len(o["probabilities"]) == 10 and sum(o["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert o["index"] == int(np.argmax(o["probabilities"])) and o["class"] == str(o["index"])


@pytest.mark.parametrize("top", [1, 4])
def test_predict_top_k(run, small_model, folder, top):
    root, _, _ = folder
    result = run("predict", small_model, root / "c8.jpg", "--top", top)
    assert result.exit_code == 0
    listed = result.stdout.split("(")[1]
    assert listed.count("%") == top


def test_save_input_writes_what_the_network_saw(run, small_model, folder, tmp_path):
    root, names, _ = folder
    out = tmp_path / "seen"
    result = run("predict", small_model, root / "a", "--save-input", out)
    assert result.exit_code == 0, result.output
    saved = sorted(p.name for p in out.iterdir())
    assert saved == ["0.png", "1.png", "2.png", "3.png"]
    with Image.open(out / "1.png") as seen:
        assert seen.size == (28, 28) and seen.mode == "L"
        pixels = np.asarray(seen) / 255
    # what the network saw: the file prepared like MNIST, then as the model's input record says
    # (the default recipe deskews)
    seen_by_net = inputs.of(modelfile.load(small_model)).rows(to_mnist(root / "a" / "1.jpg"))
    np.testing.assert_allclose(pixels, seen_by_net.reshape(28, 28), atol=1 / 255 + 1e-6)


def test_save_input_keeps_same_named_files_apart(run, small_model, tmp_path, real_digit_images):
    images, _ = real_digit_images
    for sub, digit in (("x", images[1]), ("y", images[2])):
        (tmp_path / sub).mkdir()
        as_user_file(digit, tmp_path / sub / "digit.png")
    result = run("predict", small_model, tmp_path / "x", tmp_path / "y",
                 "--save-input", tmp_path / "seen")
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "seen").iterdir()) == ["digit-2.png", "digit.png"]


@pytest.mark.filterwarnings("default::UserWarning")
def test_save_input_into_the_photos_folder_keeps_the_photos(run, small_model, tmp_path,
                                                             real_digit_images):
    """--save-input photos/ of the photos read: each photo is kept byte for byte (it was
    replaced by its 28x28 version), what the network saw saved beside it and said in a note;
    a second run replaces only what the first saved."""
    images, _ = real_digit_images
    photos = tmp_path / "photos"
    photos.mkdir()
    for name, digit in (("five", images[5]), ("one", images[1])):
        as_user_file(digit, photos / f"{name}.png")
    before = {p.name: p.read_bytes() for p in photos.iterdir()}
    result = run("predict", small_model, photos, "--save-input", photos)
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in photos.iterdir() if p.name in before} == before
    assert sorted(p.name for p in photos.iterdir()) == [
        "five-2.png", "five.png", "one-2.png", "one.png"]
    assert (f"note: --save-input {photos}: five.png there is not a picture digitnet saved, so "
            "it is kept, and what the network saw of it is saved as five-2.png (1 more kept "
            "so)") in result.stderr
    seen = tmp_path / "seen"
    for _ in range(2):
        assert run("predict", small_model, photos / "five.png", "--save-input",
                   seen).exit_code == 0
    assert [p.name for p in seen.iterdir()] == ["five.png"]  # (its own, replaced)


def test_npy_arrays_still_work(run, small_model, real_digit_images, tmp_path):
    images, labels = real_digit_images
    np.save(tmp_path / "one.npy", images[0])
    np.save(tmp_path / "many.npy", images[:3].reshape(3, 784).astype(np.float32) / 255)
    result = run("predict", small_model, tmp_path / "one.npy", tmp_path / "many.npy", "--json")
    assert result.exit_code == 0, result.output
    files = [json.loads(line)["file"] for line in result.stdout.splitlines()]
    assert files == [str(tmp_path / "one.npy")] + [f"{tmp_path / 'many.npy'}[{i}]" for i in range(3)]


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


def test_bad_files_are_reported_one_line_each_and_the_rest_read(run, small_model, folder,
                                                                tmp_path, locked_folders):
    root, _, _ = folder
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a-text.png").write_text("hello\n")
    (bad / "b-empty.jpg").write_bytes(b"")
    Image.new("L", (200, 150), 255).save(bad / "c-blank.png")
    (bad / "d-huge.png").write_bytes(_png_claiming(9000, 9000))
    whole = io.BytesIO()
    Image.open(root / "a" / "1.jpg").save(whole, "JPEG")
    (bad / "e-cut.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 3])
    (bad / "locked").mkdir()
    (bad / "locked" / "inside.png").write_bytes(b"")
    (tmp_path / "no-images").mkdir()
    (tmp_path / "no-images" / "photo.heic").write_bytes(b"")
    result = run("predict", small_model, bad, root / "c7.png", tmp_path / "missing.png",
                 tmp_path / "no-images")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(f"{root / 'c7.png'}: ")  # the good one is read
    errors = result.stderr.splitlines()
    assert len(errors) == 8, errors
    assert all(e.startswith("digitnet: error: ") for e in errors)
    expected = [("a-text.png", "not an image"), ("b-empty.jpg", "the file is empty (0 bytes)"),
                ("c-blank.png", "no digit found: the image is blank"),
                ("d-huge.png", "81 megapixels), over the 40-megapixel limit"),
                ("e-cut.jpg", "truncated"), ("locked", "cannot read this folder (permission denied)"),
                ("missing.png", "no such file or folder"),
                ("no-images", "no pictures in this folder (looked for .png, .jpg")]
    for line, (name, message) in zip(errors, expected):
        assert name in line and message in line, line


def test_names_with_line_breaks_are_shown_escaped_one_line_each(run, small_model, folder,
                                                                 tmp_path):
    """A file name with a line break in it stays on its answer's line (escaped, as the error
    for a missing one does); --json gives the name as it is."""
    root, _, _ = folder
    odd = tmp_path / "odd"
    odd.mkdir()
    shutil.copy(root / "c7.png", odd / "seven\nof nine.png")
    result = run("predict", small_model, odd / "seven\nof nine.png", odd / "gone\there.png")
    assert result.exit_code == 1
    [answer] = result.stdout.splitlines()
    assert answer.startswith(f"{odd}/seven\\nof nine.png: ")
    assert result.stderr.splitlines() == [
        f"digitnet: error: {odd}/gone\\there.png: no such file or folder"]
    as_json = run("predict", small_model, odd / "seven\nof nine.png", "--json")
    assert json.loads(as_json.stdout)["file"] == f"{odd}/seven\nof nine.png"
    missing = run("info", odd / "no\nmodel.safetensors")  # an error of the whole command
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"digitnet: error: {odd}/no\\nmodel.safetensors: no such")
    assert len(missing.stderr.splitlines()) == 1


# -- show -------------------------------------------------------------------------------------


SHOW = [
    ("weights", []), ("weights", ["--layer", "3"]), ("network", ["IMAGE"]), ("saliency", ["IMAGE"]),
    ("dream", ["--digit", "3"]), ("history", []),
    ("confusion", ["--data", "DATA"]), ("mistakes", ["--data", "DATA", "--split", "val"]),
]


@pytest.mark.parametrize("kind, extra", SHOW)
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_show_command_writes_a_picture(run, model, digits_dir, folder, tmp_path,
                                             kind, extra, suffix):
    root, _, _ = folder
    args = [str(root / "b" / "5.png") if a == "IMAGE" else digits_dir if a == "DATA" else a
            for a in extra]
    out = tmp_path / f"{kind}{suffix}"
    result = run("show", kind, model, *args, "--out", out)
    assert result.exit_code == 0, result.output
    saved, *listed = result.stdout.splitlines()
    assert saved == f"Saved {out}"
    # (show mistakes lists the mistakes it drew, IDX digits by their number in the data)
    assert bool(listed) == (kind == "mistakes")
    assert all(re.fullmatch(r"#[\d,]+: true \d, said \d \(\d+%\)", line) for line in listed)
    data = out.read_bytes()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(out) as picture:
            assert min(picture.size) >= 200
    else:
        assert data.lstrip().startswith(b"<?xml") and b"<svg" in data[:1000]


def test_show_refuses_an_unknown_picture_type_before_working(run, model, tmp_path):
    result = run("show", "dream", model, "--out", tmp_path / "dream.jpg")
    assert result.exit_code == 2
    assert "Invalid value for '--out'" in result.stderr
    assert "unknown picture type '.jpg'; give a file name ending in .png or .svg" in result.stderr
    assert not (tmp_path / "dream.jpg").exists()


def test_show_history_of_a_model_without_history(run, tmp_path):
    plain = tmp_path / "plain.safetensors"
    modelfile.save(Network(seed=0), plain)
    result = run("show", "history", plain, "--out", tmp_path / "h.png")
    assert result.exit_code == 1
    assert result.stderr.startswith("digitnet: error: ")
    assert "plain.safetensors: has no training history" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_show_network_of_a_blank_image_says_so(run, model, tmp_path):
    Image.new("RGB", (120, 90), "white").save(tmp_path / "empty.png")
    result = run("show", "network", model, tmp_path / "empty.png", "--out", tmp_path / "n.png")
    assert result.exit_code == 1
    assert "empty.png: no digit found: the image is blank" in result.stderr


def test_show_weights_of_a_layer_that_does_not_exist(run, model, tmp_path):
    result = run("show", "weights", model, "--layer", "4", "--out", tmp_path / "w.png")
    assert result.exit_code == 2  # (a usage error, as --layer 0 is)
    assert ("Invalid value for '--layer': layer 4 does not exist; this 784-16-16-10 network's "
            "layers with weights are 1 (the first hidden layer) to 3 (the output layer)"
            ) in result.stderr


def test_show_weights_counts_the_neurons_that_look_for_nothing(run, model, tmp_path):
    """Neurons whose weights are all under 1% of the layer's largest (black tiles) are counted;
    one at 2% is not."""
    from digitnet import probes

    net = modelfile.load(model)
    w = net.weights[0]
    largest = float(np.abs(w).max())
    w[[2, 7, 11]] = 0.0
    for row, share in ((5, 0.005), (9, 0.02)):
        w[row] *= share * largest / float(np.abs(w[row]).max())
    assert probes.blank_neurons(net).tolist() == [2, 5, 7, 11]
    quiet = modelfile.save(net, tmp_path / "quiet.safetensors")
    result = run("show", "weights", quiet, "--out", tmp_path / "w.png")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "4 of the 16 neurons of layer 1 look for nothing (black tiles: every weight under 1% of "
        "the layer's largest): whatever the input, they pass on about their bias alone")


def test_show_weights_of_a_deeper_layer_counts_blank_templates(run, model, tmp_path):
    """In a deeper layer a neuron looks for nothing when its template (its weights multiplied
    back to the pixels) is blank, and the message names the template, not its weights."""
    net = modelfile.load(model)
    net.weights[1][[3, 8]] = 0.0
    quiet = modelfile.save(net, tmp_path / "quiet2.safetensors")
    result = run("show", "weights", quiet, "--layer", "2", "--out", tmp_path / "w2.png")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "2 of the 16 neurons of layer 2 look for nothing (black tiles: their whole template under "
        "1% of the layer's largest): whatever the input, they pass on about their bias alone")


def test_predict_with_a_network_that_does_not_take_images_says_so(run, folder, tmp_path):
    root, _, _ = folder
    model = modelfile.save(Network((100, 8, 10)), tmp_path / "not-for-images.safetensors")
    result = run("predict", model, root / "c7.png")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"digitnet: error: {model}: the network takes 100 inputs, not the 784 pixels of a 28x28 "
        "image, so it cannot read pictures; use a model trained on MNIST-style images"]


# -- a model that deskews ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def deskewing_model(run, digits_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("deskew") / "d.safetensors"
    result = run("train", "--data", digits_dir, "--epochs", "2", "--deskew", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.filterwarnings("default::UserWarning")  # (notes.txt's note)
def test_a_deskewing_model_deskews_what_it_reads(run, deskewing_model, folder, real_digit_images,
                                                 tmp_path):
    from digitnet.inputs import deskew

    net = modelfile.load(deskewing_model)
    assert net.metadata["input"]["deskew"] is True and net.metadata["config"]["deskew"] is True
    root, names, _ = folder
    result = run("predict", deskewing_model, root, "--json", "--save-input", tmp_path / "seen")
    assert result.exit_code == 0, result.output
    answers = {json.loads(line)["file"]: json.loads(line) for line in result.stdout.splitlines()}
    for name in names:
        # By hand: prepare like MNIST, deskew, then ask the network.
        by_hand = deskew(to_mnist(root / name)[None])
        expected = net.probabilities(by_hand.reshape(1, 784))[0]
        got = answers[str(root / name)]
        assert got["index"] == int(np.argmax(expected))
        np.testing.assert_allclose(got["probabilities"], expected, atol=1e-6)  # printed rounded
        with Image.open(tmp_path / "seen" / f"{name.rsplit('/', 1)[-1].split('.')[0]}.png") as seen:
            np.testing.assert_allclose(np.asarray(seen) / 255, by_hand[0], atol=0.5 / 255 + 1e-6)
    # uint8 arrays are deskewed as uint8, as the training images were.
    images, _ = real_digit_images
    np.save(tmp_path / "many.npy", images.reshape(10, 784))
    result = run("predict", deskewing_model, tmp_path / "many.npy", "--json")
    probabilities = [json.loads(line)["probabilities"] for line in result.stdout.splitlines()]
    np.testing.assert_allclose(probabilities, net.probabilities(deskew(images).reshape(10, 784)),
                               atol=1e-6)
