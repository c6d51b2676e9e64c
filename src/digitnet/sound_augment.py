"""Augmentation of recordings: altered copies of each training recording, so that the network
hears each digit in more voices than the data holds.

A voice differs from another in pitch and in the size of the vocal tract (together: ``speed``,
a recording played faster or slower, as Kaldi's speed perturbation does; the vocal tract alone:
``warp``), in tempo (``stretch``) and in the room and microphone it was recorded with
(``noise``). A copy is the voice with one random draw of each, within the recipe's bounds
(:class:`~digitnet.config.TrainConfig`):

* speed: resampled (librosa) so that it plays ``f`` times faster, ``f`` drawn log-uniformly from
  [1 - speed, 1 + speed]: higher and shorter, or lower and longer;
* stretch: read by the front end with its hop multiplied by ``g`` (log-uniform in [1 - stretch,
  1 + stretch]), which is the picture of the voice spoken ``g`` times slower at the same pitch;
* noise: white noise with an RMS up to ``noise`` times the voice's (uniform);
* warp: the copy's picture with its frequency axis stretched or squeezed by ``w`` (log-uniform
  in [1 - warp, 1 + warp]) about its lowest band (:func:`warp_bands`): every resonance of the
  voice ``w`` times higher in the picture's bands, as a shorter vocal tract would put it, at the
  same tempo. This is vocal tract length perturbation (Jaitly and Hinton, "Vocal Tract Length
  Perturbation (VTLP) improves speech recognition", 2013), done on the mel bands rather than on
  the spectrum, since the picture is what the network sees.

Pictures cannot be made on the fly without slowing every step, so :func:`copies` makes
``config.copies`` pictures of each training recording once, drawn with the recipe's seed; the
training loop (:func:`digitnet.training.train`) appends them to the examples and lets each epoch
visit every recording as itself or as one of its copies, chosen at random per epoch.
"""

from __future__ import annotations

import math

import numpy as np

from . import audio
from .config import ALTERATIONS_NAMED, TrainConfig
from .errors import ConfigError
from .inputs import Audio

__all__ = ["copies", "altered", "warp_bands"]


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
                          "data holds none; train it with copies 0 (--copies 0)")
    rng = np.random.default_rng((config.seed, 3))
    h, w = front_end.image_shape
    out = np.empty((config.copies, len(sounds), h, w), np.uint8)
    for k in range(config.copies):
        for i, spoken in enumerate(sounds):
            sound, hop = altered(spoken, front_end, config, rng)
            out[k, i] = audio.voice_picture(sound, front_end, hop=hop)
            if config.warp:
                out[k, i] = warp_bands(out[k, i], _log_uniform(rng, config.warp))
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
    if config.noise:
        loudness = float(np.sqrt(np.mean(sound ** 2)))
        hiss = rng.standard_normal(len(sound)).astype(np.float32)
        sound = sound + hiss * (loudness * rng.uniform(0, config.noise))
    return np.asarray(sound, dtype=np.float32), hop


def warp_bands(picture: np.ndarray, factor: float) -> np.ndarray:
    """``picture`` (row 0 the highest band) with its frequency axis scaled by ``factor`` about
    its lowest band: band ``b`` of the result (counted from the lowest, 0) holds what band
    ``b / factor`` held, interpolated linearly between bands; bands that would come from above the
    top band are silent (0). Shape and dtype (uint8) are kept."""
    h = picture.shape[0]
    low_first = picture[::-1].astype(np.float32)
    source = np.arange(h) / factor
    below = np.minimum(np.floor(source).astype(np.int64), h - 1)
    above = np.minimum(below + 1, h - 1)
    frac = (source - below)[:, None]
    out = low_first[below] * (1 - frac) + low_first[above] * frac
    out[source > h - 1] = 0
    return np.round(out[::-1]).clip(0, 255).astype(np.uint8)


def _log_uniform(rng: np.random.Generator, spread: float) -> float:
    """A factor from [1 - spread, 1 + spread], uniform in its logarithm."""
    return math.exp(rng.uniform(math.log(1 - spread), math.log(1 + spread)))
