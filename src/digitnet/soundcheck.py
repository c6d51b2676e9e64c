"""What cannot be a spoken digit, told from its bytes or its samples: the checks the audio front
end (:mod:`digitnet.audio`) makes before and after it finds the voice in a recording. Each
raises an :class:`~digitnet.errors.AudioError`, one line naming the recording, what is wrong
and what to do.

* a picture, whatever its name (a PNG named ``seven.wav``): its bytes begin as a picture's do
  (:func:`kind_of_bytes`, also :func:`digitnet.kinds.kind_of_bytes`; it lives here because
  :mod:`digitnet.kinds` imports the data loaders, which read through the front end, so the
  front end cannot import kinds);
* a WAV file whose sound stops before its header says it ends (truncated);
* noise with nothing spoken in it: hiss, or a sound whose loudness hardly changes;
* channels that cancel out when mixed to mono (opposite in phase).
"""

from __future__ import annotations

import io
import math
import struct
import warnings

import numpy as np

from .errors import AudioError

__all__ = ["check_not_a_picture", "check_not_cancelled", "check_not_noise",
           "check_wav_complete", "kind_of_bytes"]

# Noise with nothing spoken in it: a spectrum as flat as hiss where the sound is loud (a voice's
# harmonics and formants make it lumpy where it is voiced: the flatness of the loud part's
# windows, at its lower quartile, is under 0.09 in every recording of the Free Spoken Digit
# Dataset, their offsets taken off, about 0.52 in white noise; not at its median, which reaches
# 0.33 in words whose hiss-like consonants fill half of them, "three", "six"), or a loudness that
# hardly changes (a voice rises out of the quiet around it and falls: the loudest twentieth of
# the windows of its loud part, what trimming keeps, are at least 6.3 dB above the quietest
# twentieth of the whole recording's, 1.1 dB in white noise, 3.4 dB in rumble, 0.5 in hum). The
# loud level is taken over the loud part, not the whole recording, so that a word in seconds of
# quiet, a few percent of its windows, still reaches it. tests/unit/test_audio.py checks both
# sides.
_NOISE_FLATNESS, _FLAT_PERCENTILE = 0.3, 25
_STEADY_DB = 5.0
_CANCELLED_DB = 20.0  # channels whose mix is this far under their own loudness cancel


def kind_of_bytes(data: bytes) -> str | None:
    """"audio" for the bytes of a recording (WAV, FLAC, OGG, MP3), "images" for those of a
    picture (PNG, JPEG, GIF, BMP, WebP, TIFF), told by how such files begin (an upload's name
    says nothing); else None."""
    if data[:4] == b"RIFF":
        return {b"WAVE": "audio", b"WEBP": "images"}.get(data[8:12])
    if data.startswith((b"RF64", b"fLaC", b"OggS", b"ID3")) or (
            len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):  # (an MP3 frame)
        return "audio"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")) or (
            data[:2] == b"BM" and data[6:10] == bytes(4)):  # (a BMP: "BM", size, 4 zero bytes)
        return "images"
    return None


def check_not_a_picture(data: bytes, name: str) -> None:
    """A file whose bytes are a picture's (:func:`kind_of_bytes`), whatever its name, is not a
    recording: say so, with its format as Pillow names it from the first bytes ("PNG"), rather
    than libsndfile's "Format not recognised"."""
    if kind_of_bytes(data) != "images":
        return
    from PIL import Image, UnidentifiedImageError

    try:  # (Pillow names the format from the file's first bytes, reading no more)
        with warnings.catch_warnings():  # (a picture too large to decode is still a picture)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        fmt = ""
    raise AudioError(f"{name}: is a picture{f' ({fmt})' if fmt else ''}, not a recording; record "
                     "one spoken digit, or use a recording of one (WAV, FLAC, OGG or MP3)")


def check_wav_complete(data: bytes, name: str) -> None:
    """A WAV file whose sound data stops before the length its header gives is truncated.
    (libsndfile would read what is there without a word.) Streaming writers that leave the
    length at 0 or 0xFFFFFFFF are let through."""
    if data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        return
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        if chunk == b"data":
            have = len(data) - at - 8
            if size not in (0, 0xFFFFFFFF) and data[:4] == b"RIFF" and have < size:
                raise AudioError(f"{name}: truncated: the WAV file holds {have:,} of the "
                                 f"{size:,} bytes of sound its header announces; record or "
                                 "export it again, or send the whole file")
            return
        at += 8 + size + (size & 1)
    raise AudioError(f"{name}: truncated: a WAV header with no sound data after it; record or "
                     "export it again, or send the whole file")


def check_not_noise(librosa, samples: np.ndarray, spoken: np.ndarray, name: str, *,
                    window: int, step: int) -> None:
    """AudioError when the recording is hiss or a steady sound rather than a voice (see the
    thresholds' comment above): ``samples`` is the whole recording, ``spoken`` its loud part,
    both without a constant offset; ``window`` and ``step`` (samples) those of the trimming.
    How loud the voice is comes from the loud part, how quiet the quiet is from the whole."""
    flatness = float(np.percentile(librosa.feature.spectral_flatness(
        y=spoken, n_fft=window, hop_length=step, center=False), _FLAT_PERCENTILE))
    loud, whole = (20 * np.log10(librosa.feature.rms(
        y=y, frame_length=window, hop_length=step, center=False)[0] + 1e-10)
        for y in (spoken, samples))
    spread = np.percentile(loud, 95) - np.percentile(whole, 5)
    if flatness > _NOISE_FLATNESS or spread < _STEADY_DB:
        kind = "hiss" if flatness > _NOISE_FLATNESS else "a steady sound"
        raise AudioError(f"{name}: noise, not speech ({kind} with no rise and fall of a voice); "
                         "record in a quieter place, and say one digit")


def check_not_cancelled(channels: np.ndarray, mono: np.ndarray, name: str) -> None:
    """AudioError when the channels (n, channels) cancel out in their mix to ``mono``, as those
    opposite in phase do (a miswired microphone, an editor's phase inversion); others (alike,
    silent, unrelated) mix to about their mean loudness, never :data:`_CANCELLED_DB` under.
    ``channels`` are without their constant offsets, which mixing would keep (a sound card
    adds the same to both), hiding the cancelling."""
    uncancelled = float(np.abs(channels).mean(axis=1).max())  # the mix, had nothing cancelled
    mixed = float(np.abs(mono).max())
    if channels.shape[1] > 1 and uncancelled > 0 and (
            mixed == 0 or 20 * math.log10(mixed / uncancelled) < -_CANCELLED_DB):
        mix = "is digital silence" if mixed == 0 else f"at {20 * math.log10(mixed):.0f} dBFS"
        loudest = 20 * math.log10(float(np.abs(channels).max()))
        raise AudioError(f"{name}: its {channels.shape[1]} channels cancel out when mixed to "
                         f"mono (they are opposite in phase: the loudest peaks at "
                         f"{loudest:.0f} dBFS, their mix {mix}); use one channel alone: save "
                         "it as a mono recording (sox IN.wav OUT.wav remix 1)")
