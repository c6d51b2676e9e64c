"""Each example read from a file keeps that file's name (Dataset.names), from the folder given,
row for row with x, labels and groups: past files skipped as unreadable, in each split, in the
split "all", and in subsets; data without files of its own (IDX files, arrays) has none."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import audio, datasets, idx
from digitnet.preprocess import to_mnist

#: Recordings copied: digits 2, 5 and 8 of two speakers, of FSDD's test split (0-1) and its
#: training split (5-6), so that a folder of them has both parts.
RECORDINGS = [f"{d}_{s}_{i}.wav" for d in (2, 5, 8) for s in ("jackson", "lucas")
              for i in (0, 1, 5, 6)]
BROKEN = "5_jackson_1.wav"  # (in the middle: a name skipped there shifts every later one)


@pytest.fixture(scope="module")
def fsdd_layout(spoken_digits, tmp_path_factory):
    """FSDD's own layout, recordings/ inside the folder given, with one recording replaced by
    bytes that are no recording."""
    root = tmp_path_factory.mktemp("fsdd") / "fsdd"
    (root / "recordings").mkdir(parents=True)
    for name in RECORDINGS:
        shutil.copy(spoken_digits / name, root / "recordings")
    (root / "recordings" / BROKEN).write_bytes(b"RIFF" + bytes(range(256)) * 8)
    return root


@pytest.fixture(scope="module")
def digits(mnist):
    """30 real digits, 10 each of 1, 4 and 7, from the middle of the prefix."""
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[2000:2010] for d in (1, 4, 7)])
    return mnist.x[picks], mnist.labels[picks]


def _picture(path) -> np.ndarray:
    return np.round(to_mnist(path) * 255).astype(np.uint8)


def _check_recordings(data, folder) -> None:
    """Row i of ``data`` is the recording ``data.names[i]`` names: its picture, its digit and
    its speaker (both read from its name)."""
    assert len(data.names) == len(data.x) == len(data.labels) == len(data.groups)
    for name, x, label, speaker in zip(data.names, data.x, data.labels, data.groups):
        digit, who, _ = name.split("/")[-1].split("_")
        assert (int(digit), who) == (label, speaker), name
        np.testing.assert_array_equal(x, audio.picture(folder / name), err_msg=name)


@pytest.mark.parametrize("split, numbers", [("train", {"5", "6"}), ("test", {"0", "1"}),
                                            ("all", {"0", "1", "5", "6"})])
def test_flat_recordings_are_named_from_the_folder_given_past_one_skipped(fsdd_layout, split,
                                                                         numbers):
    data = datasets.load(fsdd_layout, split=split)
    expected = sorted(f"recordings/{n}" for n in RECORDINGS
                      if n != BROKEN and n.split("_")[2][0] in numbers)
    assert list(data.names) == expected
    _check_recordings(data, fsdd_layout)
    assert (BROKEN in (data.note or "")) == (split != "train")


def test_the_folder_of_recordings_itself_names_them_bare(fsdd_layout):
    data = datasets.load(fsdd_layout / "recordings", split="all")
    assert data.names[0] == "2_jackson_0.wav" and BROKEN not in data.names
    _check_recordings(data, fsdd_layout / "recordings")


def test_class_folders_of_pictures_keep_their_names_past_one_skipped(tmp_path, digits):
    images, labels = digits
    paths = write_digit_folder(tmp_path, images, labels)  # every third one a photo
    (tmp_path / "4" / "00012.png").write_bytes(b"\x89PNG\r\n\x1a\n not a picture")  # (sorts 3rd)
    data = datasets.load(tmp_path)
    assert "4/00012.png" in data.note and "4/00012.png" not in data.names
    read = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert list(data.names) == [name for name in read if name != "4/00012.png"]
    for name, x, label in zip(data.names, data.x, data.labels):
        assert data.classes[label] == name.split("/")[0]
        np.testing.assert_array_equal(x, _picture(tmp_path / name), err_msg=name)


def test_train_and_test_parts_are_named_from_the_folder_given(tmp_path, digits):
    images, labels = digits
    write_digit_folder(tmp_path / "train", images[::2], labels[::2])
    write_digit_folder(tmp_path / "test", images[1::2], labels[1::2], seed=1)
    (tmp_path / "train" / "7" / "00001.png").write_bytes(b"no picture")
    parts = {s: datasets.load(tmp_path, split=s) for s in ("train", "test", "all")}
    assert all(n.startswith("train/") for n in parts["train"].names)
    assert all(n.startswith("test/") for n in parts["test"].names)
    assert "train/7/00001.png" not in parts["train"].names
    assert parts["all"].names == parts["train"].names + parts["test"].names
    for data in parts.values():
        assert len(data.names) == len(data.x)
        for name, x, label in zip(data.names, data.x, data.labels):
            assert data.classes[label] == name.split("/")[1]
            np.testing.assert_array_equal(x, _picture(tmp_path / name), err_msg=name)


def test_class_folders_of_recordings_and_their_subsets_stay_aligned(spoken_digits, tmp_path):
    """Recordings named as their maker likes (take0.wav) in class folders of train/ and test/:
    named from the folder given; every way of taking some of them keeps the names in step."""
    for part, numbers in (("train", range(5, 9)), ("test", range(2))):
        for digit in (3, 6):
            (tmp_path / part / str(digit)).mkdir(parents=True)
            for i in numbers:
                shutil.copy(spoken_digits / f"{digit}_nicolas_{i}.wav",
                            tmp_path / part / str(digit) / f"take{i}.wav")
    (tmp_path / "train" / "6" / "take6.wav").write_bytes(b"no sound")
    every = datasets.load(tmp_path, split="all")
    assert every.groups is None  # (no speaker in these names)
    assert every.names[:4] == ("train/3/take5.wav", "train/3/take6.wav", "train/3/take7.wav",
                               "train/3/take8.wav")
    assert "train/6/take6.wav" not in every.names and every.names[-1] == "test/6/take1.wav"
    train, val = datasets.train_val_split(datasets.load(tmp_path), 0.3, seed=3)
    picks = [every.subset(np.array([9, 0, 4])), every.subset(every.labels == 6),
             every.subset(slice(2, 7), split="val"), train, val]
    for data in (every, *picks):
        assert len(data.names) == len(data.x) == len(data.sounds)
        for name, x, label in zip(data.names, data.x, data.labels):
            assert data.classes[label] == name.split("/")[1]
            np.testing.assert_array_equal(x, audio.picture(tmp_path / name), err_msg=name)
    assert picks[0].names == tuple(every.names[i] for i in (9, 0, 4))
    assert sorted(train.names + val.names) == sorted(datasets.load(tmp_path).names)


def test_data_without_files_of_its_own_has_no_names(mnist, tmp_path):
    """IDX files (each split, and both joined as "all") and arrays: a row number is all."""
    idx.write_idx(tmp_path / "train-images-idx3-ubyte", mnist.x[:50])
    idx.write_idx(tmp_path / "train-labels-idx1-ubyte", mnist.labels[:50])
    idx.write_idx(tmp_path / "t10k-images-idx3-ubyte", mnist.x[50:70])
    idx.write_idx(tmp_path / "t10k-labels-idx1-ubyte", mnist.labels[50:70])
    for split in ("train", "test", "all"):
        data = datasets.load(tmp_path, split=split)
        assert data.names is None and data.subset(slice(0, 5)).names is None
    assert datasets.from_arrays(mnist.x[:20], mnist.labels[:20]).names is None
    assert mnist.names is None
