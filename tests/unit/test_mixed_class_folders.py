"""Class folders holding recordings and pictures both: read as the kind of at least twice as many
of their files as the other, whose files are skipped and named in the data set's note (a stray
cover.png among a voice's recordings); refused, naming how many of each and one of each, when
neither kind is twice the other. kinds.kind_of tells, from the names alone, the kind that loading
then reads. Real recordings (FSDD) and real handwritten digits (MNIST) as the stray pictures."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from digitnet import datasets, kinds
from digitnet.errors import DataError


@pytest.fixture(scope="module")
def digit_pictures(mnist):
    """Real MNIST digits, one of each class, uint8 28x28."""
    return [mnist.x[np.flatnonzero(mnist.labels == d)[5]] for d in range(10)]


def voice_folder(root, spoken_digits, takes: int = 3, digits=(3, 8)):
    """Class folders ``root/<digit>/`` of ``takes`` real recordings each (jackson's 0, 1, ...)."""
    for digit in digits:
        (root / str(digit)).mkdir(parents=True, exist_ok=True)
        for i in range(takes):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", root / str(digit))
    return root


def picture(path, digit_pictures, digit: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(digit_pictures[digit]).save(path)


def test_a_stray_picture_among_recordings_is_skipped_and_named(tmp_path, spoken_digits,
                                                               digit_pictures):
    """The walk's myvoice/: recordings in every class folder and one cover.png (a real 5) in
    0/. It was read as pictures ("class '3' has no pictures"): now as the recordings, the
    picture named in the note."""
    voice = voice_folder(tmp_path / "myvoice", spoken_digits, digits=(0, 3, 8))
    picture(voice / "0" / "cover.png", digit_pictures, 5)
    data = datasets.load(voice)
    assert data.input.kind == "audio" and len(data.x) == 9 and data.sounds is not None
    assert data.note == (f"{voice}: skipped 1 of 10 files, which are not recordings of one "
                         "spoken digit: 0/cover.png (a picture); fix or remove them")
    assert kinds.kind_of(voice) == "audio"


def test_recordings_three_to_one_are_read_and_the_pictures_named(tmp_path, spoken_digits,
                                                                 digit_pictures):
    """The walk's mixcls/: 6 recordings and 2 pictures in two class folders. It was read as
    the 2 pictures, the recordings skipped: now the 6 recordings, the pictures skipped."""
    mixed = voice_folder(tmp_path / "mixcls", spoken_digits)
    picture(mixed / "3" / "img0_label5.png", digit_pictures, 5)
    picture(mixed / "8" / "img2_label4.png", digit_pictures, 4)
    data = datasets.load(mixed)
    assert data.input.kind == "audio" and len(data.x) == 6
    np.testing.assert_array_equal(data.labels, [3, 3, 3, 8, 8, 8])
    assert "skipped 2 of 8 files" in data.note
    assert "3/img0_label5.png (a picture), 8/img2_label4.png (a picture)" in data.note
    assert kinds.kind_of(mixed) == "audio"


def test_a_stray_recording_among_pictures_is_named_as_a_recording(tmp_path, spoken_digits,
                                                                  digit_pictures):
    """The other way round: 6 real digits and one real recording among them, read as the
    pictures, the recording named for what it is (it was "not a picture")."""
    for digit in (3, 8):
        for i in range(3):
            picture(tmp_path / str(digit) / f"{i}.png", digit_pictures, digit)
    shutil.copy(spoken_digits / "8_jackson_0.wav", tmp_path / "8")
    data = datasets.load(tmp_path)
    assert data.input.kind == "images" and len(data.x) == 6
    assert "8/8_jackson_0.wav (a recording)" in data.note
    assert kinds.kind_of(tmp_path) == "images"


def test_as_many_recordings_as_pictures_is_refused_naming_both(tmp_path, spoken_digits,
                                                               digit_pictures):
    """A recording and a picture of each digit (a picture of each sound saved beside it, say):
    neither kind is clearly the data set, so it is refused, with how many of each and one of
    each, before a network of either kind learns from half of it (it was read as the
    pictures); kinds.kind_of cannot tell either."""
    mixed = voice_folder(tmp_path / "half", spoken_digits, takes=1)
    picture(mixed / "3" / "a.png", digit_pictures, 3)
    picture(mixed / "8" / "a.png", digit_pictures, 8)
    with pytest.raises(DataError) as e:
        datasets.load(mixed)
    assert str(e.value) == (
        f"{mixed}: its class folders hold 2 recordings (such as 3/3_jackson_0.wav) and 2 "
        "pictures (such as 3/a.png), neither twice as many as the other; the examples of a "
        "data set are of one kind: move the pictures or the recordings out of the class "
        "folders")
    assert kinds.kind_of(mixed) is None


@pytest.mark.parametrize("pictures, kind", [(0, "audio"), (1, "audio"), (2, "audio"),
                                            (3, None), (4, None), (6, None), (8, "images"),
                                            (12, "images")])
def test_the_kind_told_from_names_is_the_kind_loading_reads(tmp_path, spoken_digits,
                                                            digit_pictures, pictures, kind):
    """train/ and test/ of 2 recordings each, and 0 to 12 pictures dealt between them (train/
    first): each part is read as the kind of at least twice as many of its files as the other
    (folderkinds.CLEAR_MAJORITY), and refused when neither is (3 pictures: 2 of them in train/);
    kind_of says what load then reads, and None where load refuses."""
    for part in ("train", "test"):
        voice_folder(tmp_path / part, spoken_digits, takes=1)
    for i in range(pictures):
        part, digit = ("train", "test")[i % 2], (3, 8)[i // 2 % 2]
        picture(tmp_path / part / str(digit) / f"p{i}.png", digit_pictures, digit)
    assert kinds.kind_of(tmp_path) == kind
    if kind is None:
        with pytest.raises(DataError, match="neither twice as many as the other"):
            datasets.load(tmp_path, split="all")
    else:
        data = datasets.load(tmp_path, split="all")
        assert data.input.kind == kind
        assert len(data.x) == (4 if kind == "audio" else pictures)
