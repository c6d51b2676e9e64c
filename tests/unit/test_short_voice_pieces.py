"""A piece of a word, as a recording stopped early holds, is said to be too short, not noise: a
vowel's 100 ms is as steady as hum. Hiss and hum a little longer than such a piece are still
noise."""

import io
import wave

import numpy as np
import pytest
from audio_refusals import refusal

RATE = 8000


def middle_piece(path, ms: int) -> bytes:
    """``ms`` milliseconds from the middle of the WAV file ``path``, as a WAV file of its own
    (its frames copied as they are, with the wave module)."""
    with wave.open(str(path)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    width, n = params.sampwidth * params.nchannels, params.nframes
    k = ms * params.framerate // 1000
    start = (n - k) // 2
    out = io.BytesIO()
    with wave.open(out, "wb") as piece:
        piece.setparams(params)
        piece.writeframes(frames[start * width:(start + k) * width])
    return out.getvalue()


def as_wav(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


@pytest.mark.parametrize("ms", [50, 100, 150])
def test_a_piece_from_the_middle_of_a_real_digit_is_too_short_not_noise(spoken_digits, ms):
    said = refusal(middle_piece(spoken_digits / "7_jackson_3.wav", ms), "piece.wav")
    assert said.startswith(f"piece.wav: too short ({ms} ms of sound")
    assert "say the whole digit" in said and "noise" not in said


def test_pieces_of_other_speakers_words_are_too_short_too(spoken_digits):
    for name in ("3_george_0", "9_nicolas_4", "0_yweweler_2", "2_lucas_1"):
        said = refusal(middle_piece(spoken_digits / f"{name}.wav", 60), f"{name}.wav")
        assert said.startswith(f"{name}.wav: too short"), said


@pytest.mark.parametrize("seconds", [0.3, 1.0])
def test_hiss_and_hum_longer_than_a_piece_are_still_noise(seconds):
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(3)
    for kind, samples in {"hiss": rng.normal(0, 0.2, len(t)),
                          "hum": 0.3 * np.sin(2 * np.pi * 50 * t)}.items():
        said = refusal(as_wav(samples), f"{kind}.wav")
        assert said.startswith(f"{kind}.wav: noise, not speech"), said
