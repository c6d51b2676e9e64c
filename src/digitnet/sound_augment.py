"""Augmentation of recordings: altered copies of each training recording, so that the network
hears each digit in more voices than the data holds.

A voice differs from another in pitch and in the size of the vocal tract (together: ``speed``,
a recording played faster or slower, as Kaldi's speed perturbation does; the vocal tract alone:
``warp``), in tempo (``stretch``) and in the room and microphone it was recorded with (``noise``,
``colour``). A copy is the voice with one random draw of each, within the recipe's bounds
(:class:`~digitnet.config.TrainConfig`):

* speed: resampled (librosa) so that it plays ``f`` times faster, ``f`` drawn log-uniformly from
  [1 - speed, 1 + speed]: higher and shorter, or lower and longer;
* stretch: read by the front end with its hop multiplied by ``g`` (log-uniform in [1 - stretch,
  1 + stretch]), which is the picture of the voice spoken ``g`` times slower at the same pitch;
* cut: a third of the copies lose a share of their start, drawn uniformly from [0, cut], a
  third as much of their end, and a third are whole: the recording begun late or stopped early,
  as a button pressed after the first sound or a dataset's automatic cutting leaves it (a
  quarter of the recordings of three of FSDD's five speakers start at their loudest, the
  word's first sound gone; bench/results/speech-search5.md);
* noise: white noise with an RMS up to ``noise`` times the voice's (uniform);
* colour: the copy as another microphone or room would colour it (:func:`colour`): each
  frequency made louder or quieter by a gain in decibels that changes smoothly along the mel
  scale, a tilt from the lowest to the highest frequency plus a ripple, each up to half of
  ``colour``; FSDD's speakers each recorded with their own microphone;
* warp: the copy's picture with its frequency axis stretched or squeezed by ``w`` (log-uniform
  in [1 - warp, 1 + warp]) about its lowest band (:func:`warp_bands`): every resonance of the
  voice ``w`` times higher in the picture's bands, as a shorter vocal tract would put it, at the
  same tempo. This is vocal tract length perturbation (Jaitly and Hinton, "Vocal Tract Length
  Perturbation (VTLP) improves speech recognition", 2013), done on the mel bands rather than on
  the spectrum, since the picture is what the network sees.

Pictures cannot be made on the fly without slowing every step, so :func:`copies` makes
``config.copies`` pictures of each training recording once, drawn with the recipe's seed; the
training loop (:func:`digitnet.training.train`) appends them to the examples and lets each epoch
visit every recording as itself or as one of its copies, chosen at random per epoch. The warp is
drawn apart from the other alterations (its own random stream), so a search trying warps and
other options on the same recordings makes the costly pictures once, not once a trial.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from . import audio, augment
from .config import ALTERATIONS_NAMED, TrainConfig
from .errors import ConfigError
from .inputs import Audio

__all__ = ["copies", "altered", "colour", "warp_bands"]


def copies(sounds, front_end: Audio, config: TrainConfig) -> np.ndarray:
    """``config.copies`` altered pictures of each voice in ``sounds``.

    Parameters
    ----------
    sounds : sequence of ndarray, or None
        The training examples' voices (``Dataset.sounds``), float32 at the front end's rate.
    front_end : Audio
        The model's front end: the copies' pictures are made as the originals were.

    Returns
    -------
    ndarray, shape (copies, n, bands, frames), uint8: copy k of voice i at [k, i].

    Raises ConfigError when the data holds no recordings.
    """
    if sounds is None or not isinstance(front_end, Audio):
        raise ConfigError(f"copies, {ALTERATIONS_NAMED} augment recordings, and this "
                          "data holds none; train it with copies=0 (--copies 0)")
    sounds = list(sounds)
    pictures = _pictures(sounds, front_end, config)
    if not config.warp:
        return pictures.copy()
    rng = np.random.default_rng((config.seed, 5))
    out = np.empty_like(pictures)
    for k in range(config.copies):
        for i in range(len(sounds)):
            out[k, i] = warp_bands(pictures[k, i], _log_uniform(rng, config.warp))
    return out


#: The last copies made before warping, and what they were made from (the voices, held weakly):
#: recipes that differ only in what is done to the pictures after (warp, dropout, the learning
#: rate: a search's trials on the same recordings) reuse them. Only a few seconds' work of
#: modest size is kept, as one tuple replaced whole (so threads never see half of one).
_last: list = [None]
_KEEP_BYTES = 64 * 2**20


def _pictures(sounds: list, front_end: Audio, config: TrainConfig) -> np.ndarray:
    """The pictures of ``config.copies`` altered copies of each voice, before any warp: copy k
    of every voice is drawn before copy k + 1 (from ``np.random.default_rng((seed, 3))``), so
    the first k copies of a longer run are those of a shorter one."""
    key = (front_end, config.seed, config.speed, config.stretch, config.cut, config.noise,
           config.colour)
    last = _last[0]
    if last is not None:
        last_key, voices, kept = last
        if (last_key == key and len(kept) >= config.copies and len(voices) == len(sounds)
                and all(v() is s for v, s in zip(voices, sounds))):
            return kept[:config.copies]
    rng = np.random.default_rng((config.seed, 3))
    h, w = front_end.image_shape
    out = np.empty((config.copies, len(sounds), h, w), np.uint8)
    for k in range(config.copies):
        for i, spoken in enumerate(sounds):
            sound, hop = altered(spoken, front_end, config, rng)
            out[k, i] = audio.voice_picture(sound, front_end, hop=hop)
    if out.nbytes <= _KEEP_BYTES:
        out.flags.writeable = False
        _last[0] = (key, [weakref.ref(s) for s in sounds], out)
    return out


def altered(spoken: np.ndarray, front_end: Audio, config: TrainConfig,
            rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One altered copy of a voice: (its samples, the hop to read it with)."""
    sound = spoken
    if config.speed:
        rate = front_end.sample_rate
        sound = audio.resample(sound, rate, max(1, round(rate / _log_uniform(rng, config.speed))))
    hop = front_end.hop
    if config.stretch:
        hop = max(1, round(front_end.hop * _log_uniform(rng, config.stretch)))
    if config.cut:
        sound = _cut(sound, config.cut, rng)
    if config.noise:
        loudness = float(np.sqrt(np.mean(sound ** 2)))
        hiss = rng.standard_normal(len(sound)).astype(np.float32)
        sound = sound + hiss * (loudness * rng.uniform(0, config.noise))
    if config.colour:
        sound = colour(sound, front_end.sample_rate, _colour_gain(rng, config.colour))
    return np.asarray(sound, dtype=np.float32), hop


def colour(sound: np.ndarray, rate: int, gain) -> np.ndarray:
    """``sound`` (taken ``rate`` times a second) with each frequency ``f`` made ``gain(m)``
    decibels louder, ``m`` its place on the mel scale from 0 (0 Hz) to 1 (half of ``rate``): the
    sound as heard through a microphone or room of that frequency response. The gain is applied
    to the whole sound's spectrum (a smooth gain is a short filter, so wrapping around the ends
    does not matter). Same length, float32."""
    spectrum = np.fft.rfft(np.asarray(sound, dtype=np.float64))
    mel = audio.hz_to_mel(np.fft.rfftfreq(len(sound), 1 / rate))
    decibels = gain(mel / mel[-1])
    return np.fft.irfft(spectrum * 10 ** (decibels / 20), len(sound)).astype(np.float32)


def _colour_gain(rng: np.random.Generator, most: float):
    """A random frequency response of at most ``most`` decibels either way, as a function of
    the place on the mel scale (0 to 1): a tilt of up to ``most / 2`` at either end, one way or
    the other, plus a ripple of up to ``most / 2`` with between half a cycle and two cycles over
    the whole scale, at a random phase."""
    tilt, ripple = rng.uniform(-1, 1) * most / 2, rng.uniform(0, 1) * most / 2
    cycles, phase = rng.uniform(0.5, 2), rng.uniform(0, 2 * math.pi)
    return lambda m: tilt * (2 * m - 1) + ripple * np.sin(2 * math.pi * cycles * m + phase)


def _cut(sound: np.ndarray, most: float, rng: np.random.Generator) -> np.ndarray:
    """``sound`` without a share of its start (one time in three) or of its end (one in three),
    the share uniform in [0, ``most``]; whole one time in three."""
    end, share = rng.integers(3), rng.uniform(0, most)
    lost = int(share * len(sound))
    if not lost or end == 2:
        return sound
    return sound[lost:] if end == 0 else sound[:len(sound) - lost]


def warp_bands(picture: np.ndarray, factor: float) -> np.ndarray:
    """``picture`` (row 0 the highest band) with its frequency axis scaled by ``factor`` about
    its lowest band: band ``b`` of the result (counted from the lowest, 0) holds what band
    ``b / factor`` held, resampled as elastic distortions resample a digit (:func:`digitnet.
    augment.warp`: linearly between bands, silence above the top band). Shape and dtype (uint8)
    are kept."""
    h, w = picture.shape
    rows = np.arange(h, dtype=np.float32)
    moves = np.zeros((1, 2, h, w), np.float32)  # how far away each pixel reads: (rows, columns)
    moves[0, 0] = ((h - 1) - ((h - 1) - rows) / np.float32(factor) - rows)[:, None]
    warped = augment.warp(picture[None].astype(np.float32), moves)[0]
    return np.round(warped).clip(0, 255).astype(np.uint8)


def _log_uniform(rng: np.random.Generator, spread: float) -> float:
    """A factor from [1 - spread, 1 + spread], uniform in its logarithm."""
    return math.exp(rng.uniform(math.log(1 - spread), math.log(1 + spread)))
