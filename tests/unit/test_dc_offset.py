"""A recording with a constant offset (a cheap microphone's or sound card's DC offset: inaudible)
is heard as the same recording without it: real recordings (FSDD), their 16-bit samples moved
by 1-3% of full scale, as such a sound card moves them, give the very same picture, and none is
refused as noise. An offset alone is silence, and clipping is still clipping."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from digitnet import audio
from digitnet.errors import AudioError

#: Offsets of 1%, 2% and -3% of full scale, in whole 16-bit steps, as a sound card adds them.
OFFSETS = tuple(round(share * 32768) for share in (0.01, 0.02, -0.03))


def wav(samples: np.ndarray, rate: int = 8000) -> bytes:
    """16-bit samples (n,) or (n, channels) as the bytes of a WAV file."""
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def shifted(samples: np.ndarray, steps) -> np.ndarray:
    """int16 ``samples`` moved by ``steps`` (a number, or one for each channel)."""
    moved = samples.astype(np.int32) + np.asarray(steps)
    assert moved.min() >= -32768 and moved.max() <= 32767  # (no sample clipped by the move)
    return moved.astype(np.int16)


@pytest.fixture(scope="module")
def test_split(spoken_digits) -> list:
    """Every other recording of FSDD's test split (recordings 0-4 of each speaker and digit):
    125 recordings of five speakers, as 16-bit samples."""
    paths = sorted(spoken_digits.glob("*_[0-4].wav"))[::2]
    return [(p.name, soundfile.read(p, dtype="int16")[0]) for p in paths]


@pytest.mark.parametrize("steps", OFFSETS)
def test_an_offset_leaves_the_picture_as_it_was(test_split, steps):
    """Why the pictures are equal, not merely close: the offset is taken off as the recording's
    mean, in float64. Samples of whole 16-bit steps are exact in float32, and so are they moved
    by whole steps; their float64 sum is exact (multiples of 2^-15 under 2^17 need 32 bits of
    the 53), so the two means differ by the offset to within one rounding of the division,
    2^-53 of it, far under the float32 step the result is rounded to: the samples come out
    bit for bit the same, and so do the pictures (all 2,500 of FSDD, moved by each of these,
    were checked so). Before the offset was taken off, 1, 19 and 25 of these 125 were refused
    at these offsets (as noise, most), and all but one of the others' pictures differed."""
    for name, samples in test_split:
        before = audio.picture(wav(samples), name=name)
        after = audio.picture(wav(shifted(samples, steps)), name=name)
        np.testing.assert_array_equal(after, before, err_msg=f"{name} moved by {steps}")


def test_a_reading_that_flipped_with_an_offset_no_longer_does(spoken_digits):
    """lucas's 6 (recording 2), moved by 1% of full scale, as a sound card moves it: the voice
    read is the voice without the offset, sample for sample (it read as a 7 through a network
    trained on FSDD when the offset was heard)."""
    samples, rate = soundfile.read(spoken_digits / "6_lucas_2.wav", dtype="int16")
    plain, moved = (audio.voice(*audio.read_sound(wav(s, rate))) for s in
                    (samples, shifted(samples, OFFSETS[0])))
    np.testing.assert_array_equal(moved, plain)


def test_channels_with_offsets_of_their_own_are_heard_as_the_recording(spoken_digits):
    """Each channel's offset comes off before they are mixed: a stereo recording of one word,
    its left channel moved by 2% of full scale and its right by -1%, reads as the mono file."""
    samples, rate = soundfile.read(spoken_digits / "6_lucas_2.wav", dtype="int16")
    stereo = shifted(np.stack([samples, samples], axis=1), [OFFSETS[1], -OFFSETS[0]])
    np.testing.assert_array_equal(audio.picture(wav(stereo, rate)),
                                  audio.picture(wav(samples, rate)))


@pytest.mark.parametrize("hush", [0.0, 1e-4])
def test_an_offset_with_no_voice_is_silence_not_noise(hush):
    """A second of a sound card's offset alone (2% of full scale), with nothing or a whisper of
    hiss on it: silence to speak up into, not "noise ... record in a quieter place"."""
    rng = np.random.default_rng(0)
    samples = np.round((0.02 + rng.normal(0, hush, 8000)) * 32768).astype(np.int16)
    with pytest.raises(AudioError) as e:
        audio.picture(wav(samples), name="offset.wav")
    said = "silent (digital silence)" if hush == 0 else "too quiet, though not silent"
    assert str(e.value).startswith(f"offset.wav: {said}"), str(e.value)


def test_a_clipped_recording_with_an_offset_is_still_clipped(spoken_digits):
    """Clipping is at full scale, where the sound card's converter stops, offset or not: a real
    word amplified until its peaks are cut off, with an offset of 2% on it before the cut (as
    the sound card adds it), is refused as clipped, though with the offset taken off its
    clipped samples stand 2% short of full scale."""
    samples, rate = soundfile.read(spoken_digits / "6_lucas_2.wav", dtype="float64")
    loud = np.clip(samples * 20 + 0.02, -1, 32767 / 32768)
    assert np.mean(np.abs(loud) >= 0.999) > audio.CLIPPED_SHARE  # (clipped indeed)
    with pytest.raises(AudioError, match=r"^loud\.wav: clipped \("):
        audio.picture(wav(np.round(loud * 32768).astype(np.int16), rate), name="loud.wav")
