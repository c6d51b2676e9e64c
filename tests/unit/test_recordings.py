"""Recordings as data, from real FSDD files: a flat folder named as FSDD names its files (its
test split: recordings 0-4), class folders of recordings, holding a speaker out, and the altered
copies augmentation makes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from digitnet import PRESETS, Network, audio, datasets, recipes, sound_augment
from digitnet.errors import ConfigError, DataError
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


@pytest.mark.parametrize("numbers, side", [(range(0, 5), "0-4"), (range(5, 8), "5 or more")])
def test_a_flat_folder_on_one_side_of_fsdd_split_is_one_set(spoken_digits, tmp_path, numbers,
                                                           side):
    """A learner's 5 recordings of each digit, numbered 0-4 as FSDD numbers its test split,
    are what they train on; the folder has no test part to score, and says so."""
    for digit in (2, 7):
        for i in numbers:
            shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", tmp_path)
    assert not datasets.has_test_split(tmp_path)
    every = datasets.load(str(tmp_path), split="train")
    assert len(every) == 2 * len(numbers) and sorted(set(every.labels.tolist())) == [2, 7]
    with pytest.raises(DataError, match=f"every recording here is numbered {side}, and a folder "
                                        "whose recordings all fall on one side of FSDD's split "
                                        "is read as one set.*--split all"):
        datasets.load(str(tmp_path), split="test")
    other = 40 if side == "0-4" else 0  # one recording from the other side: FSDD's split again
    shutil.copy(spoken_digits / f"2_lucas_{other}.wav", tmp_path)
    assert datasets.has_test_split(tmp_path)
    parts = [len(datasets.load(str(tmp_path), split=s)) for s in ("train", "test")]
    assert parts == ([1, 10] if side == "0-4" else [6, 1])


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


def test_cut_copies_are_pictures_of_the_voice_without_some_of_its_start_or_end(flat):
    """A third of the copies lose a share (up to ``cut``) of their start, a third of their end,
    a third are whole: each copy is the front end's picture of that part of the voice."""
    train = datasets.load(str(flat), split="train")
    config = PRESETS["speech"].replace(copies=6, warp=0.0, cut=0.5, colour=0.0, seed=2)
    made = sound_augment.copies(train.sounds, train.input, config)
    rng = np.random.default_rng((2, 3))  # the copies' stream: two draws a copy, copy by copy
    kinds = []
    for k in range(6):
        for i, voice in enumerate(train.sounds):
            end, share = rng.integers(3), rng.uniform(0, 0.5)
            lost = int(share * len(voice))
            part = {0: voice[lost:], 1: voice[:len(voice) - lost], 2: voice}[int(end)]
            assert (made[k, i] == audio.voice_picture(part, train.input)).all()
            kinds.append(int(end) if lost else 2)
            assert len(part) >= len(voice) / 2
    assert set(kinds) == {0, 1, 2}  # starts cut, ends cut and whole copies among the 48
    assert (made != train.x[None]).any(axis=(2, 3)).sum() >= 48 * 0.5


def test_colour_gives_each_frequency_the_gain_of_its_place_on_the_mel_scale(spoken_digits):
    """colour() multiplies each frequency of the whole sound's spectrum by the gain (in
    decibels) that the curve gives its place on the mel scale: 0 at 0 Hz, 1 at half the rate."""
    voice, rate = audio.read_sound(spoken_digits / "7_lucas_12.wav")
    gain = lambda m: 5 * m - 2 + 3 * np.sin(7 * m)  # noqa: E731 (any curve of the place)
    coloured = sound_augment.colour(voice, rate, gain)
    assert coloured.shape == voice.shape and coloured.dtype == np.float32
    before = np.fft.rfft(voice.astype(np.float64))
    after = np.fft.rfft(coloured.astype(np.float64))
    mel = 2595 * np.log10(1 + np.fft.rfftfreq(len(voice), 1 / rate) / 700)  # HTK's mel scale
    expected = before * 10 ** (gain(mel / mel[-1]) / 20)
    # Storing the coloured sound as float32 moves each sample by at most 2^-24 of itself, so
    # each frequency by at most 2^-24 times the sum of the samples' sizes; the float64 FFTs
    # there and back (rounding grows with log2 of the length, here 12) add well under a
    # thousand 2^-52 of the spectrum's sum.
    bound = 2.0**-24 * np.abs(coloured).sum() + 1e3 * 2.0**-52 * np.abs(expected).sum()
    assert np.abs(after - expected).max() <= bound
    assert np.abs(after - before).max() > 100 * bound  # and the gain did change it


def test_coloured_copies_are_the_voice_through_a_smooth_response_of_at_most_colour_db(flat):
    """A coloured copy is the front end's picture of the voice with each frequency made louder
    or quieter by a tilt and a ripple, each up to half of ``colour`` (four draws a copy from the
    copies' stream): never more than ``colour`` decibels either way."""
    train = datasets.load(str(flat), split="train")
    config = PRESETS["speech"].replace(copies=5, warp=0.0, cut=0.0, colour=6.0, seed=1)
    made = sound_augment.copies(train.sounds, train.input, config)
    rng = np.random.default_rng((1, 3))  # the copies' stream
    places, most = np.linspace(0, 1, 1001), []
    for k in range(5):
        for i, voice in enumerate(train.sounds):
            tilt, ripple = rng.uniform(-1, 1) * 3, rng.uniform(0, 1) * 3
            cycles, phase = rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi)

            def gain(m, tilt=tilt, ripple=ripple, cycles=cycles, phase=phase):
                return tilt * (2 * m - 1) + ripple * np.sin(2 * np.pi * cycles * m + phase)

            heard = sound_augment.colour(voice, train.input.sample_rate, gain)
            assert (made[k, i] == audio.voice_picture(heard, train.input)).all()
            most.append(np.abs(gain(places)).max())
    assert 4 < max(most) <= 6  # within 6 dB, and near it for some of the 40 copies
    assert (made != train.x[None]).any(axis=(2, 3)).sum() >= 40 * 0.5
    # the copies made before are kept for the next recipe, but not for one without colour
    uncoloured = sound_augment.copies(train.sounds, train.input, config.replace(colour=0.0))
    assert (uncoloured != made).any(axis=(2, 3)).all()


def test_a_warped_picture_moves_each_band_by_the_factor(flat):
    """warp_bands scales the frequency axis about the lowest band: band b of the result is band
    b / factor of the picture, interpolated between bands, with silence above the top band (so
    between band 27 and "band 28" it fades to silence), as elastic distortions resample."""
    picture = datasets.load(str(flat), split="train").x[0]
    low_first = np.vstack([picture[::-1].astype(float), np.zeros((1, 28))])  # band 28: silent
    assert (sound_augment.warp_bands(picture, 1.0) == picture).all()
    for factor in (1.25, 0.8, 0.99):
        warped = sound_augment.warp_bands(picture, factor)[::-1].astype(float)
        for b in range(28):
            source = b / factor
            if source >= 28:
                assert (warped[b] == 0).all()
                continue
            below, frac = int(source), source - int(source)
            expected = low_first[below] * (1 - frac) + low_first[below + 1] * frac
            # rounded to whole levels, from float32 sums of a few terms up to 255 (each off by
            # at most 255 x 2^-24 = 1.5e-5): within half a level and a hair
            assert np.abs(warped[b] - expected).max() <= 0.5 + 1e-4
    top = picture[0].astype(float)  # band 27
    assert (sound_augment.warp_bands(picture, 0.8)[:5] == 0).all()  # bands 23-27: from 28.75 up
    assert np.abs(sound_augment.warp_bands(picture, 0.8)[5] - top / 2).max() <= 0.5 + 1e-4


def test_copies_are_made_once_for_recipes_that_differ_after_the_picture(flat):
    """The pictures of altered copies are made before the warp, from their own random stream:
    copies warped by different amounts are warps of the same pictures; the first k copies are
    those of a run with k; other voices (a new dataset) get their own."""
    train = datasets.load(str(flat), split="train")
    base = PRESETS["speech"].replace(copies=3, speed=0.1, stretch=0.3, warp=0.0, seed=4)
    plain = sound_augment.copies(train.sounds, train.input, base)
    assert plain.flags.writeable  # the caller's own array
    made = sound_augment._last[0]  # what was made, kept for the next recipe
    for spread in (0.1, 0.2):
        warped = sound_augment.copies(train.sounds, train.input, base.replace(warp=spread))
        rng = np.random.default_rng((4, 5))  # the warp's own stream, copy by copy
        for k in range(3):
            for i in range(len(train)):
                factor = sound_augment._log_uniform(rng, spread)
                assert (warped[k, i] == sound_augment.warp_bands(plain[k, i], factor)).all()
    fewer = sound_augment.copies(train.sounds, train.input, base.replace(copies=2))
    assert (fewer == plain[:2]).all()
    assert sound_augment._last[0] is made  # none of them made the pictures again
    others = datasets.load(str(flat), split="test")
    assert sound_augment.copies(others.sounds, others.input, base).shape[1] == len(others)
    again = datasets.load(str(flat), split="train")  # the same voices, read anew: the same
    assert (sound_augment.copies(again.sounds, again.input, base) == plain).all()


def test_warped_copies_need_copies_and_differ_from_the_voice(flat):
    train = datasets.load(str(flat), split="train")
    with pytest.raises(ConfigError, match="warp alters copies"):
        PRESETS["speech"].replace(copies=0, warp=0.1)
    config = PRESETS["speech"].replace(copies=2, warp=0.1)
    made = sound_augment.copies(train.sounds, train.input, config)
    assert all((made[k] != train.x).any(axis=(1, 2)).all() for k in range(2))
    assert (made.sum(axis=(2, 3)) > 0).all()


@pytest.mark.parametrize("recorded, expected", [(0.3, 0.3), (0.0, 0.0), (None, 0.0),
                                                ("0.3", 0.0), (True, 0.0), (1.5, 0.0)])
def test_fine_tuning_to_a_voice_keeps_the_dropout_the_model_was_trained_with(flat, recorded,
                                                                               expected):
    """A model trained with dropout (the speech preset: 0.3) is fine-tuned with it; one trained
    without (the video's 784-16-16-10 by the default recipe), or recording none or nonsense (an
    imported model), without it. An explicit --dropout wins."""
    data = datasets.load(flat)
    net = Network((784, 8, 2), activation="relu", seed=0)
    net.metadata = {"input": data.input.to_dict(), "classes": list(data.classes)}
    if recorded is not None:
        net.metadata["config"] = {**PRESETS["speech"].to_dict(), "dropout": recorded}
    config = recipes.for_data(PRESETS["default"], data, init=net)
    assert config.dropout == expected
    assert (config.copies, config.epochs, config.shift) == (16, 100, 0)  # the rest of VOICE
    given = recipes.for_data(PRESETS["default"].replace(dropout=0.1), data, {"dropout"}, init=net)
    assert given.dropout == 0.1


def test_recordings_train_without_shifts_unless_asked(flat):
    """Moving a picture of sound up or down changes its pitch: `digitnet train --data
    RECORDINGS` and `tune` (whose space searches no shifts for recordings) start from no shift,
    as the speech preset does; an explicit --shift is kept. Pictures keep the default's."""
    from digitnet.inputs import Images
    from digitnet.web.schemas import TrainRequest
    from digitnet.web.training import run_config

    data = datasets.load(flat)
    assert PRESETS["default"].shift == 1
    assert recipes.for_data(PRESETS["default"], data).shift == 0
    assert recipes.for_data(PRESETS["default"].replace(shift=2), data, {"shift"}).shift == 2
    assert recipes.for_input(PRESETS["default"], Images((28, 28))).shift == 1
    # the page's run for a served model of recordings, from the same rule
    net = Network((784, 8, 2), activation="relu", seed=0)
    net.metadata = {"input": data.input.to_dict(), "classes": list(data.classes)}
    config = run_config(net, TrainRequest(epochs=2))
    assert (config.shift, config.deskew, config.epochs) == (0, False, 2)


def test_a_model_of_images_fine_tuned_on_recordings_says_which_is_which(flat):
    """Both are 28x28 pictures; the refusal names recordings as recordings (and the network,
    given as one, as Python's init, not the command line's --init FILE)."""
    from digitnet import finetune
    from digitnet.inputs import Images

    data = datasets.load(flat)
    images = Network((784, 8, 2), seed=0)
    images.metadata = {"input": Images((28, 28)).to_dict()}
    with pytest.raises(ConfigError, match=r"the model reads 28x28 images, the data has recordings "
                                          r"\(28x28 pictures of their sound\); train on data of "
                                          r"the model's kind, or without init$"):
        finetune.start_from(images).input_for(data.input)


def test_a_folder_is_fsdd_named_whichever_of_its_files_is(spoken_digits, tmp_path):
    """One FSDD-named recording among 400 others makes a flat folder, wherever the folder's
    listing puts it (the files' names only are read here)."""
    from digitnet import recordings

    for i in range(400):
        (tmp_path / f"take{i}.wav").touch()
    assert recordings.flat_folder(tmp_path) is None
    shutil.copy(spoken_digits / "7_george_3.wav", tmp_path)
    assert recordings.flat_folder(tmp_path) == tmp_path
