"""Recordings as data, from real FSDD files: a flat folder named as FSDD names its files (its
test split: recordings 0-4), class folders of recordings, holding a speaker out, and the altered
copies augmentation makes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from digitnet import PRESETS, audio, datasets, sound_augment
from digitnet.errors import ConfigError
from digitnet.inputs import Audio
from digitnet.splits import group_split


@pytest.fixture(scope="module")
def flat(spoken_digits, tmp_path_factory):
    """Recordings 3-6 of digits 1 and 8 by two speakers (16 files), and a stray text file."""
    folder = tmp_path_factory.mktemp("flat")
    for digit in (1, 8):
        for speaker in ("jackson", "nicolas"):
            for i in range(3, 7):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    (folder / "README.txt").write_text("not a recording")
    return folder


def test_a_flat_folder_splits_as_fsdd_does(flat):
    train, test = (datasets.load(str(flat), split=s) for s in ("train", "test"))
    assert (len(train), len(test)) == (8, 8)  # recordings 5-6 train, 3-4 test
    assert isinstance(train.input, Audio) and train.x.shape == (8, 28, 28)
    assert train.x.dtype == np.uint8
    assert sorted(set(train.groups.tolist())) == ["jackson", "nicolas"]
    assert train.classes[1] == "1" and sorted(set(train.labels.tolist())) == [1, 8]
    # each picture is the one the front end makes of that file
    first = sorted(flat.glob("1_jackson_[56].wav"))[0]
    assert (train.x[list(train.labels).index(1)] == audio.picture(first)).all()


def test_class_folders_of_recordings(spoken_digits, tmp_path):
    for digit in ("0", "7"):
        (tmp_path / digit).mkdir()
        for i in range(3):
            shutil.copy(spoken_digits / f"{digit}_george_{i}.wav", tmp_path / digit / f"{i}.wav")
    data = datasets.load(str(tmp_path), split="train")
    assert len(data) == 6 and isinstance(data.input, Audio)
    # folders named as digits are the ten digits' classes, as for pictures
    assert data.classes == tuple("0123456789") and sorted(set(data.labels.tolist())) == [0, 7]


def test_a_speaker_is_held_out_whole(flat):
    train = datasets.load(str(flat), split="train")
    rest, held = group_split(train.groups, "nicolas")
    assert set(train.groups[held]) == {"nicolas"} and set(train.groups[rest]) == {"jackson"}
    with pytest.raises(ConfigError, match="no speaker .*'lucas'.* jackson, nicolas"):
        group_split(train.groups, "lucas")
    with pytest.raises(ConfigError, match="who spoke"):
        group_split(None, "lucas")


def test_altered_copies_are_new_pictures_of_the_same_voice(flat):
    """Copies sped up, drawn out and with hiss differ from the original picture, but keep its
    size, and come out the same for the same seed."""
    train = datasets.load(str(flat), split="train")
    config = PRESETS["speech"].replace(copies=2, speed=0.1, stretch=0.3, noise=0.2)
    made = sound_augment.copies(train.sounds, train.input, config)
    assert made.shape == (2, 8, 28, 28) and made.dtype == np.uint8
    assert all((made[k] != train.x).any(axis=(1, 2)).all() for k in range(2))
    assert (sound_augment.copies(train.sounds, train.input, config) == made).all()
