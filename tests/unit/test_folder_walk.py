"""One walk through a folder of files (digitnet.folders.walk), for training's class folders and
for `digitnet predict FOLDER` alike: symbolic links to folders are followed, a link back to a
folder read already is not gone round again; class folder names typed in either Unicode form
are one class; the note on skipped files counts them all, and its reasons keep no stray
bracket. Real MNIST digits and real FSDD recordings throughout."""

from __future__ import annotations

import io
import os
import shutil
import unicodedata

import numpy as np
import pytest
from PIL import Image
from real_data import write_digit_folder

from digitnet import datasets, folders
from digitnet.cli.inputs import read_inputs, read_recordings
from digitnet.errors import DigitnetError
from digitnet.inputs import Audio
from digitnet.preprocess import to_mnist


@pytest.fixture(scope="module")
def digits(mnist):
    """Real MNIST digits: 12 threes and 12 sevens, uint8 28x28."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[:12] for d in (3, 7)])
    return mnist.x[picks], mnist.labels[picks]


def linked_class_folders(tmp_path, digits):
    """``data/3/`` and ``data/7/`` holding 4 real digits each; ``data/7/more`` links to a
    folder elsewhere holding 8 more sevens and 5 files that are not pictures, and a link back
    up to ``data/7`` (round for ever, if followed); ``data/3/same`` links to ``data/3``."""
    images, labels = digits
    root, elsewhere = tmp_path / "data", tmp_path / "elsewhere" / "sevens"
    threes, sevens = images[labels == 3], images[labels == 7]
    write_digit_folder(root, threes[:4], [3] * 4, photo_every=0)
    write_digit_folder(root, sevens[:4], [7] * 4, photo_every=0)
    elsewhere.mkdir(parents=True)
    for i, seven in enumerate(sevens[4:]):
        Image.fromarray(seven).save(elsewhere / f"s{i}.png")
    for i in range(5):
        (elsewhere / f"bad{i}.png").write_text("not a picture, whatever its name says")
    os.symlink(elsewhere, root / "7" / "more")
    os.symlink(root / "7", elsewhere / "up")
    os.symlink(".", root / "3" / "same")
    return root


def test_training_follows_linked_folders_reading_each_once(tmp_path, digits):
    root = linked_class_folders(tmp_path, digits)
    data = datasets.load(root)
    assert len(data) == 16  # 4 threes, 4 + 8 sevens: each once, however many ways lead there
    np.testing.assert_array_equal(np.bincount(data.labels, minlength=10)[[3, 7]], [4, 12])
    # The five bad files in the linked folder: all counted, the first three named.
    assert data.note == (
        f"{root}: skipped 5 of 21 files, which are not pictures of a digit (or object): "
        "7/more/bad0.png (not an image), 7/more/bad1.png (not an image), 7/more/bad2.png "
        "(not an image) and 2 more; fix or remove them")


def test_predict_walks_a_folder_as_training_walks_it(tmp_path, digits):
    root = linked_class_folders(tmp_path, digits)
    read, errors = [], []
    with pytest.warns(UserWarning) as noted:  # the links to folders read already: notes
        for name, x in read_inputs([str(root)]):
            (errors if isinstance(x, DigitnetError) else read).append((name, x))
    names = [os.path.relpath(name, root) for name, _ in read]
    assert names == sorted(names) and len(names) == len(set(names)) == 16
    assert {n.split("/")[0] for n in names} == {"3", "7"}
    assert sum(n.startswith("7/more/s") for n in names) == 8
    np.testing.assert_array_equal(read[0][1], to_mnist(root / names[0]))
    said = sorted(str(e) for _, e in errors)
    assert [s.split(": ")[0] for s in said] == [
        str(root / "7" / "more" / f"bad{i}.png") for i in range(5)]
    assert sorted(str(w.message) for w in noted) == [
        f"{root / link}: links to a folder read already; skipped, not read again"
        for link in ("3/same", "7/more/up")]


def test_predict_hears_recordings_in_linked_folders_once(tmp_path, spoken_digits):
    voice, elsewhere = tmp_path / "voice", tmp_path / "elsewhere"
    voice.mkdir()
    elsewhere.mkdir()
    for i in range(2):
        shutil.copy(spoken_digits / f"7_jackson_{i}.wav", voice)
        shutil.copy(spoken_digits / f"3_jackson_{i}.wav", elsewhere)
    os.symlink(elsewhere, voice / "more")
    os.symlink(voice, elsewhere / "up")  # back to the folder given
    with pytest.warns(UserWarning) as noted:  # the link back: a note, not an error
        answers = list(read_recordings([str(voice)], Audio()))
    heard = [os.path.relpath(n, voice) for n, x in answers if not isinstance(x, DigitnetError)]
    assert heard == ["7_jackson_0.wav", "7_jackson_1.wav", "more/3_jackson_0.wav",
                     "more/3_jackson_1.wav"]
    assert not any(isinstance(x, DigitnetError) for _, x in answers)
    assert [str(w.message) for w in noted] == [
        f"{voice / 'more' / 'up'}: links to a folder read already; skipped, not read again"]


def test_walk_gives_training_its_order_and_each_folder_once(tmp_path, digits):
    """A folder's files before its folders' (the order training has always read, which the data
    set's fingerprint follows); the links that lead back are named, not followed."""
    root = linked_class_folders(tmp_path, digits)
    items = list(folders.walk(root / "7"))
    files = [os.path.relpath(p, root) for p in items if not isinstance(p, folders.NotWalked)]
    assert files[:4] == [f"7/{i:05d}.png" for i in range(4)]
    assert files[4:9] == [f"7/more/bad{i}.png" for i in range(5)] and len(files) == 17
    [again] = [p for p in items if isinstance(p, folders.NotWalked)]
    assert again.again and again.path == root / "7" / "more" / "up"


WORDS = {0: "zéro", 1: "un", 2: "deux", 3: "été"}  # typed as most systems write them: NFC


def nfd_copy(source, target):
    """A copy of class folders with each folder named in NFD, as macOS writes names."""
    for folder in sorted(source.iterdir()):
        name = unicodedata.normalize("NFD", folder.name)
        shutil.copytree(folder, target / name)
    return target


def test_class_names_typed_either_way_are_one_class(tmp_path, mnist):
    index = np.flatnonzero(mnist.labels < 4)[:40]
    write_digit_folder(tmp_path / "nfc", mnist.x[index], mnist.labels[index], names=WORDS)
    nfd = nfd_copy(tmp_path / "nfc", tmp_path / "nfd")
    assert {p.name for p in nfd.iterdir()} != {p.name for p in (tmp_path / "nfc").iterdir()}
    composed, decomposed = datasets.load(tmp_path / "nfc"), datasets.load(nfd)
    assert decomposed.classes == composed.classes == ("deux", "un", "zéro", "été")
    assert all(unicodedata.is_normalized("NFC", c) for c in decomposed.classes)
    # The same pictures of each class (the folders are read in the order of their names on
    # disk, which the two forms sort differently).
    for label in range(4):
        np.testing.assert_array_equal(decomposed.x[decomposed.labels == label],
                                      composed.x[composed.labels == label])
    # train/ typed one way and test/ the other: one set of classes, none "only in test/".
    split = tmp_path / "split"
    shutil.copytree(tmp_path / "nfc", split / "train")
    nfd_copy(tmp_path / "nfc", split / "test")
    train, test = datasets.load(split, "train"), datasets.load(split, "test")
    assert train.classes == test.classes == composed.classes


def _truncated_png(digit: np.ndarray) -> bytes:
    """A real digit's PNG cut off just inside its image data, as an interrupted copy leaves it."""
    buffer = io.BytesIO()
    Image.fromarray(digit).save(buffer, format="PNG")
    return buffer.getvalue()[:41]


def test_a_reason_in_brackets_within_brackets_leaves_no_stray_bracket(tmp_path, digits):
    images, labels = digits
    write_digit_folder(tmp_path, images, labels, photo_every=0)
    cut = tmp_path / "7" / "cut.png"
    cut.write_bytes(_truncated_png(images[0]))
    with pytest.raises(DigitnetError) as raised:  # Pillow's words within digitnet's brackets
        to_mnist(cut, name="7/cut.png")
    assert "(image file is truncated (0 bytes not processed))" in str(raised.value)
    note = datasets.load(tmp_path).note
    assert note == (f"{tmp_path}: skipped 1 of 25 files, which are not pictures of a digit (or "
                    "object): 7/cut.png (the image file is truncated or corrupt); fix or remove "
                    "them")
