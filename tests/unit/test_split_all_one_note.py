"""Every example of a data set, its train and test parts together (``split="all"``, what
``--split all`` scores), read as one: a folder with a bad file in train/ and another in test/ has
one note for the folder the user named, with the total and the files from that folder (it had
two, one per part, each counting only its own). Real data: MNIST digits written as PNG files and
FSDD recordings, copied into class folders or named as FSDD names them; nothing trained."""

from __future__ import annotations

import hashlib
import shutil
import tarfile

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import datasets, idx, recordings
from digitnet.errors import DataError
from digitnet.inputs import Audio
from digitnet.sources import FileSpec


@pytest.fixture(scope="module")
def digits(mnist):
    """30 real digits, 3 of each, from the middle of the prefix."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[1000:1003] for d in range(10)])
    return mnist.x[picks], mnist.labels[picks]


def cut_short(source, to) -> None:
    """A copy of ``source`` with its second half missing, as a cut copy leaves it."""
    data = source.read_bytes()
    to.write_bytes(data[:len(data) // 2])


def test_pictures_with_a_bad_file_in_each_part_are_one_note(tmp_path, digits):
    images, labels = digits
    root = tmp_path / "mine"
    test = np.arange(30) % 3 == 0  # one of each digit
    train = write_digit_folder(root / "train", images[~test], labels[~test], photo_every=0)
    write_digit_folder(root / "test", images[test], labels[test], photo_every=0)
    cut_short(train[0], root / "train" / "3" / "cut.png")
    (root / "test" / "5" / "notes.txt").write_text("my fives")
    data = datasets.load(root, "all")
    assert len(data) == 30 and data.split == "all"
    assert np.array_equal(data.labels, np.concatenate([labels[~test], labels[test]]))
    assert set(data.files) == {"train/", "test/"}
    assert data.note == (f"{root}: skipped 2 of 32 files, which are not pictures of a digit (or "
                         "object): train/3/cut.png (the image file is truncated or corrupt), "
                         "test/5/notes.txt (not a picture); fix or remove them")
    # The parts read alone say what each holds, as before.
    assert datasets.load(root, "train").note.startswith(f"{root / 'train'}: skipped 1 of 21 ")
    # Pictures in no class folder, beside the parts or in one, are named from the folder too.
    shutil.copy(train[1], root / "loose.png")
    shutil.copy(train[1], root / "test" / "inner.png")
    note = datasets.load(root, "all").note
    assert note.startswith(f"{root}: skipped 4 of 34 files, which are not pictures of a digit "
                           "(or object) in a class folder: test/inner.png (in no class folder), "
                           "loose.png (in no class folder), train/3/cut.png (")
    assert "\n" not in note and note.endswith(" and 1 more; move those in no class folder into "
                                              "their class's, fix or remove the others")


def test_recordings_in_class_folders_with_a_bad_file_in_each_part_are_one_note(
        tmp_path, spoken_digits):
    root = tmp_path / "voices"
    for part, numbers in (("train", range(5, 8)), ("test", range(2))):
        for digit in (1, 4, 9):
            (root / part / str(digit)).mkdir(parents=True)
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_george_{i}.wav", root / part / str(digit))
    cut_short(spoken_digits / "4_lucas_9.wav", root / "train" / "4" / "cut.wav")
    (root / "test" / "9" / "take2.txt").write_text("say it again")
    data = datasets.load(root, "all")
    assert len(data) == 15 and isinstance(data.input, Audio) and len(data.sounds) == 15
    assert data.note.startswith(f"{root}: skipped 2 of 17 files, which are not recordings of "
                                "one spoken digit: train/4/cut.wav (")
    assert data.note.endswith("), test/9/take2.txt (not a recording); fix or remove them")
    assert "\n" not in data.note


def test_fsdd_named_parts_with_a_bad_file_in_each_are_one_note(tmp_path, spoken_digits):
    root = tmp_path / "george"
    for part, numbers in (("train", range(5, 8)), ("test", range(2))):
        (root / part).mkdir(parents=True)
        for digit in (2, 6):
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_george_{i}.wav", root / part)
    cut_short(spoken_digits / "6_george_20.wav", root / "train" / "6_george_20.wav")
    shutil.copy(spoken_digits / "2_george_3.wav", root / "test" / "two.wav")  # not FSDD-named
    data = datasets.load(root, "all")
    assert len(data) == 10 and sorted(set(data.groups.tolist())) == ["george"]
    assert data.note.startswith(f"{root}: skipped 2 of 12 files: 1 not a recording of one "
                                "spoken digit, to fix or remove (train/6_george_20.wav (truncated")
    assert data.note.endswith("; and 1 recording whose name does not say its digit (FSDD names "
                              "them digit_speaker_index.wav, as 7_lucas_0.wav), to rename so or "
                              "put in class folders (test/two.wav)")


def test_a_folder_with_pictures_in_train_and_recordings_in_test_is_refused(
        tmp_path, digits, spoken_digits):
    """(The two kinds make pictures of the same size: joined, they would be read as one.)"""
    images, labels = digits
    root = tmp_path / "mixed"
    write_digit_folder(root / "train", images, labels, photo_every=0)
    for digit in range(10):
        (root / "test" / str(digit)).mkdir(parents=True)
        shutil.copy(spoken_digits / f"{digit}_jackson_1.wav", root / "test" / str(digit))
    with pytest.raises(DataError) as info:
        datasets.load(root, "all")
    assert str(info.value) == (f"{root}: train/ holds pictures and test/ recordings; the "
                               "examples of a data set are of one kind: give test/ pictures too")


def test_all_of_other_sources_is_both_parts_or_the_one_there_is(tmp_path, mnist, mnist_dir,
                                                                spoken_digits):
    folder = tmp_path / "idx"
    folder.mkdir()
    for prefix, part in (("train", slice(0, 300)), ("t10k", slice(300, 400))):
        idx.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", mnist.x[part])
        idx.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", mnist.labels[part])
    every = datasets.load(folder, "all")
    assert len(every) == 400 and np.array_equal(every.x, mnist.x[:400]) and every.note is None
    assert set(every.files) == {f"{p}-{k}-idx{n}-ubyte.gz" for p in ("train", "t10k")
                                for k, n in (("images", 3), ("labels", 1))}
    assert len(datasets.load(mnist_dir, "all")) == len(mnist)  # training files alone
    # FSDD's archive, as the cache holds it: recordings 0-4 (test) and the others (train).
    name = recordings.ARCHIVES["spoken-digits"]
    (tmp_path / "cache" / name.name).mkdir(parents=True)
    packed = tmp_path / "cache" / name.name / name.file.filename
    with tarfile.open(packed, "w:gz") as tar:
        for i in (2, 3, 30):
            wav = f"8_nicolas_{i}.wav"
            tar.add(spoken_digits / wav, arcname=name.folder + wav)
    own = recordings.Archive(name.name, FileSpec(packed.name, hashlib.sha256(
        packed.read_bytes()).hexdigest()), (), name.folder, name.speakers)
    sizes = [len(recordings.read_archive(own, s, Audio(), tmp_path / "cache").labels)
             for s in ("train", "test", "all")]
    assert sizes == [1, 2, 3]
