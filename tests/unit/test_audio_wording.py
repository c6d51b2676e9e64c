"""What digitnet says of a recording it cannot read, and of a folder of recordings with no test
part, says what is so: channels that cancel out are not silence, a quiet word is not silence, a
one-sample file is not "0 ms", and a folder of recordings 0-4 alone is one set. Real recordings
(FSDD), changed as a phone, an editor or a miswired microphone changes them."""

from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest
import soundfile
from audio_refusals import refusal

from digitnet import audio, datasets
from digitnet.errors import DataError

SEVEN = "7_nicolas_3.wav"


@pytest.fixture(scope="module")
def word(spoken_digits) -> tuple[np.ndarray, int]:
    """A real spoken seven: float samples in [-1, 1], and their rate."""
    samples, rate = soundfile.read(spoken_digits / SEVEN, dtype="float32")
    return samples, rate


def wav(samples: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format="WAV", subtype="FLOAT")
    return out.getvalue()



def test_channels_opposite_in_phase_are_said_to_cancel_out_not_to_be_silent(word):
    samples, rate = word
    both = np.stack([samples, -samples], axis=1)  # each channel the clear word
    message = refusal(wav(both, rate), "antiphase.wav")
    assert "silent" not in message
    assert "its 2 channels cancel out when mixed to mono" in message
    assert "use one channel" in message
    for channel in (0, 1):  # either one alone is the word, and heard as one
        assert audio.picture(wav(both[:, channel], rate)).shape == (28, 28)


def test_nearly_cancelling_channels_are_said_too_and_a_stereo_word_is_read(word):
    samples, rate = word
    message = refusal(wav(np.stack([samples, -0.95 * samples], axis=1), rate), "near.wav")
    assert "cancel out when mixed to mono" in message
    alike = np.stack([samples, samples, np.zeros_like(samples)], axis=1)  # one channel silent
    np.testing.assert_array_equal(audio.picture(wav(alike, rate)),
                                  audio.picture(wav(samples, rate)))


def test_a_real_word_too_quiet_is_said_to_be_too_quiet_not_silent(word):
    samples, rate = word
    samples = samples - samples.mean()  # (its offset, which reading takes out, left out)
    scale = 10 ** (-50.5 / 20) / np.abs(samples).max()  # its peak at -50.5 dBFS
    message = refusal(wav(samples * scale, rate), "quiet.wav")
    assert message.startswith("quiet.wav: too quiet, though not silent")
    assert "-50.5 dBFS" in message and "-50 dBFS" in message
    assert "turn its level up" in message


def test_digital_silence_is_still_silent(word):
    _, rate = word
    assert refusal(wav(np.zeros(rate, np.float32), rate), "hush.wav").startswith(
        "hush.wav: silent (digital silence")


@pytest.mark.parametrize("n, length", [(1, "1 sample, under 1 ms"), (7, "7 samples, under 1 ms"),
                                       (80, "10 ms")])
def test_a_recording_too_short_says_its_real_length(word, n, length):
    samples, rate = word
    loudest = int(np.argmax(np.abs(samples)))  # (its loudest samples: not silent, too short)
    message = refusal(wav(samples[loudest:loudest + n], rate), "bit.wav")
    assert message.startswith(f"bit.wav: too short (the whole recording is {length})")
    assert "(0 ms" not in message and " 0 ms" not in message


def test_a_short_sound_in_a_longer_recording_says_how_long_the_sound_is(word):
    samples, rate = word
    loudest = int(np.argmax(np.abs(samples)))
    click = np.zeros(rate, np.float32)
    click[rate // 2:rate // 2 + 40] = samples[loudest:loudest + 40]  # 5 ms of the word
    message = refusal(wav(click, rate), "click.wav")
    found = re.match(r"click\.wav: too short \((\d+) ms of sound\); ", message)
    assert found and 0 < int(found[1]) < 50, message


@pytest.mark.parametrize("numbers, side", [(range(5), "0-4"), (range(5, 8), "5 or more")])
def test_a_folder_of_one_side_of_fsdd_split_says_it_is_one_set(spoken_digits, tmp_path,
                                                                numbers, side):
    """Recordings 0-4 are FSDD's test split, yet a folder of them alone has no test part: the
    message says why (a folder all on one side is one set) and what to do, without seeming to
    contradict itself."""
    for digit in (2, 7):
        for i in numbers:
            shutil.copy(spoken_digits / f"{digit}_lucas_{i}.wav", tmp_path)
    with pytest.raises(DataError) as info:
        datasets.load(str(tmp_path), split="test")
    message = str(info.value)
    assert message.startswith(f"{tmp_path}: every recording here is numbered {side}")
    assert "is read as one set, to train on or to score whole with --split all" in message
    assert "has no test part" not in message and message.endswith("with --split all")
    assert "\n" not in message
    assert len(datasets.load(str(tmp_path), split="train")) == 2 * len(numbers)
