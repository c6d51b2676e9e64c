"""The audio front end on real recordings (FSDD, ../shared/data): the 28x28 picture of a spoken
digit, the same at any sample rate from 8 kHz and in any format libsndfile reads, and every kind of
recording that cannot be a spoken digit refused in one line naming it."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from digitnet import audio, inputs
from digitnet.errors import AudioError
from digitnet.inputs import Audio

pytestmark = pytest.mark.engine_independent  # (recordings read into pictures: nothing trains)


def as_bytes(samples, rate, format="WAV", subtype="PCM_16") -> bytes:
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=format, subtype=subtype)
    return out.getvalue()


@pytest.fixture(scope="module")
def seven(spoken_digits):
    return spoken_digits / "7_jackson_0.wav"


def test_a_recording_becomes_a_28x28_picture_like_an_mnist_digit(seven):
    picture = audio.picture(seven)
    assert picture.shape == (28, 28) and picture.dtype == np.uint8
    assert picture.max() == 255  # the loudest pixel is white, as MNIST's ink
    assert (picture == 0).mean() > 0.05  # and the quiet ones, below range_db, black


def test_the_picture_is_the_same_at_another_rate_and_in_another_format(seven):
    """The recording at 8 kHz as FSDD has it, and resampled to 44.1 kHz and saved as FLAC: the
    front end resamples to 8 kHz, so the pictures differ only by what resampling twice and
    16-bit rounding change. A level of 255 is 40/255 dB; rounding to 16 bits (noise near -96
    dBFS) and soxr's resampling (passband ripple far under 0.1 dB) move a pixel well above the
    40 dB floor by much less than one level: only the few at the floor can move by more, so
    the mean change stays under half a level."""
    samples, rate = soundfile.read(seven, dtype="float32")
    high = audio.resample(samples, rate, 44100)
    again = audio.picture(as_bytes(high, 44100, "FLAC"), name="seven.flac")
    assert np.abs(again.astype(int) - audio.picture(seven).astype(int)).mean() < 0.5


def test_the_front_end_is_recorded_and_read_back():
    front_end = Audio(range_db=50.0)
    assert inputs.from_dict(front_end.to_dict()) == front_end
    assert front_end.rows(np.zeros((3, 28, 28), np.uint8)).shape == (3, 784)


def test_real_recordings_are_voices_not_noise(spoken_digits):
    """Every speaker's recordings of every digit pass the checks for silence, clipping and
    noise (a sample: 0 and 9 of each index 0-4, 50 recordings)."""
    for path in sorted(spoken_digits.glob("[09]_*_[0-4].wav")):
        assert audio.picture(path).shape == (28, 28), path


def trimmed(samples: np.ndarray, top_db: float = Audio().trim_db) -> np.ndarray:
    """The voice as trimming alone leaves it, with the front end's windows."""
    import librosa

    return librosa.effects.trim(samples, top_db=top_db, frame_length=audio._WINDOW,
                                hop_length=audio._STEP)[0]


def holds(long: np.ndarray, part: np.ndarray) -> bool:
    """Whether ``part`` is a stretch of ``long``, sample for sample."""
    at = long.tobytes().find(part.tobytes())
    return at >= 0 and at % long.itemsize == 0


def test_no_recording_of_the_dataset_is_taken_for_a_sound_on_a_loop(spoken_digits):
    """All 2,500 recordings are read whole: none is cut as if it repeated itself (the measure
    of repetition has its margin on them, see audio._REPEATS)."""
    for path in sorted(spoken_digits.glob("*.wav")):
        samples, rate = audio.read_sound(path)
        assert len(audio.voice(samples, rate)) == len(trimmed(samples)), path


def test_a_recording_played_on_a_loop_is_read_at_one_repetition(spoken_digits):
    """As Chromium's fake microphone plays a file (on a loop), from anywhere in it, 2.5 to 6
    times: the voice read is a stretch of the sound no longer than the file, holding all of the
    saying within 12 dB of its loudest (trimming at 15 dB may keep or drop a little more at
    either end, by where its windows fall, and cuts where a step of 64 samples falls: one step
    is left out at each end). Recordings whose loop joins with no pause (no quiet
    window at either end) are left out: where one repetition starts cannot be heard there."""
    rng = np.random.default_rng(0)
    checked = 0
    for path in sorted(spoken_digits.glob("*_[01].wav")):  # 100 recordings
        samples, rate = audio.read_sound(path)
        if len(trimmed(samples)) > len(samples) - 2 * audio._STEP:
            continue
        start, times = rng.integers(len(samples)), rng.uniform(2.5, 6)
        looped = np.tile(samples, 8)[start:start + int(times * len(samples))]
        once = audio.voice(looped, rate)  # (at the front end's rate: samples as they were)
        assert holds(looped, once) and len(once) <= len(samples), path
        core = trimmed(samples, Audio().trim_db - 3)[audio._STEP:-audio._STEP]
        assert holds(once, core), path
        checked += 1
    assert checked >= 80


def test_a_loop_caught_less_than_twice_is_cut_around_its_whole_saying(spoken_digits):
    """lucas's 7 (two sounds: "se" and "ven"), from 90% into it for 1.78 times its length: the
    one stretch a repetition long that holds a whole saying is the one read (the stretch's last
    frame is its lag less one: counting one more took in the next saying's start)."""
    samples, rate = audio.read_sound(spoken_digits / "7_lucas_31.wav")
    start = int(0.9 * len(samples))
    looped = np.tile(samples, 3)[start:start + int(1.78 * len(samples))]
    once = audio.voice(looped, rate)
    assert holds(looped, once) and len(once) <= len(samples)
    assert holds(once, trimmed(samples, Audio().trim_db - 3)[audio._STEP:-audio._STEP])


def test_of_sounds_parted_by_a_pause_the_longest_is_read(spoken_digits):
    """A saying, then a pause longer than any within a word (audio._PAUSE_SECONDS), then the
    first tenth of a second of another saying, as a recording on a loop catches it: the first
    saying is read, not both squeezed into one picture; and a pause shorter than that (within
    a word, or between two parts of one) parts nothing."""
    first, rate = audio.read_sound(spoken_digits / "6_lucas_0.wav")
    second = trimmed(audio.read_sound(spoken_digits / "6_lucas_1.wav")[0])
    for pause, kept in ((audio._PAUSE_SECONDS + 0.05, trimmed(first)), (0.15, None)):
        gap = np.zeros(int(pause * rate), np.float32)
        joined = np.concatenate([trimmed(first), gap, second[: rate // 10]])
        voice = audio.voice(joined, rate)
        if kept is None:
            np.testing.assert_array_equal(voice, trimmed(joined))
        else:
            np.testing.assert_array_equal(voice, kept)


RATE = 8000


def noises():
    rng = np.random.default_rng(0)
    t = np.arange(RATE) / RATE
    return {
        "silence": (np.zeros(RATE), "silent"),
        "a whisper of sound": (rng.normal(0, 1e-4, RATE), "silent"),
        "hiss": (rng.normal(0, 0.2, RATE).clip(-0.9, 0.9), "noise"),
        "hum": (0.3 * np.sin(2 * np.pi * 50 * t), "noise"),
        "clipped": (np.sign(np.sin(2 * np.pi * 200 * t)), "clipped"),
        "a click": (np.r_[np.zeros(RATE // 2), 0.5, np.zeros(RATE // 2)], "too short"),
    }


@pytest.mark.parametrize("kind", list(noises()))
def test_what_cannot_be_a_spoken_digit_is_refused_in_one_line(kind):
    samples, words = noises()[kind]
    with pytest.raises(AudioError, match=words) as e:
        audio.picture(as_bytes(samples, RATE), name=f"{kind}.wav")
    assert str(e.value).startswith(f"{kind}.wav: ") and "\n" not in str(e.value)


def test_files_that_are_not_whole_recordings_are_refused(seven, tmp_path):
    data = seven.read_bytes()
    cases = {"half.wav": (data[: len(data) // 2], "truncated"),
             "picture.wav": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is a picture, not a recording"),
             "empty.wav": (b"", "empty"),
             "long.flac": (as_bytes(np.zeros(RATE * 600), RATE, "FLAC"), "10 minutes long")}
    for name, (content, words) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(AudioError, match=words):
            audio.picture(tmp_path / name)
    with pytest.raises(AudioError, match="no such file"):
        audio.picture(tmp_path / "missing.wav")


@pytest.mark.parametrize("seconds", [4.0, 4.5])
def test_a_digit_in_seconds_of_quiet_is_read_and_the_quiet_alone_is_noise(spoken_digits, seconds):
    """A user who presses start, waits, says the digit and stops a few seconds later: real
    recordings (of five speakers) with ``seconds`` of digital silence, or of hiss at -60
    dBFS, on each side (the word a few percent of the windows) are read, and what is read is the
    word (no longer than the recording, and as loud as its loudest); steady noise as long, and
    the quiet hiss alone, are still noise."""
    rng = np.random.default_rng(1)
    for name in ("7_nicolas_3", "1_yweweler_37", "6_lucas_2", "3_george_0", "9_jackson_4"):
        samples, rate = audio.read_sound(spoken_digits / f"{name}.wav")
        n = int(seconds * rate)
        for quiet in ("silence", "hiss"):
            pad = (np.zeros(n) if quiet == "silence" else rng.normal(0, 10 ** (-60 / 20), n))
            padded = np.concatenate([pad, samples, pad[::-1]]).astype(np.float32)
            spoken = audio.voice(padded, rate, name=f"{name} in {quiet}")
            assert len(spoken) <= len(samples), (name, quiet)
            assert np.abs(spoken).max() == np.abs(samples).max(), (name, quiet)
    t = np.arange(len(padded)) / rate  # as long as the last one padded
    steady = {"hum": 0.3 * np.sin(2 * np.pi * 50 * t),
              "hiss": rng.normal(0, 0.2, len(t)).clip(-0.9, 0.9),
              "quiet hiss": rng.normal(0, 10 ** (-60 / 20), len(t))}
    for kind, samples in steady.items():
        with pytest.raises(AudioError, match=f"{kind}.wav: noise, not speech"):
            audio.picture(as_bytes(samples, rate), name=f"{kind}.wav")


def test_a_recording_sampled_too_slowly_for_the_top_bands_is_refused(seven):
    """A real 7 resampled to 1 kHz (and to 4 kHz) holds nothing above 500 Hz (2 kHz), but the
    front end's bands reach 4 kHz: refused in one line saying what to do, not guessed."""
    samples, rate = soundfile.read(seven, dtype="float32")
    for low in (1000, 4000):
        with pytest.raises(AudioError) as e:
            audio.picture(as_bytes(audio.resample(samples, rate, low), low), name="slow.wav")
        message = str(e.value)
        assert message.startswith(f"slow.wav: sampled at {low:,} Hz") and "\n" not in message
        assert "up to 4,000 Hz" in message and message.endswith("record at 8 kHz or more")
