"""How sturdy a network is: its accuracy as held-out images are distorted more and more.

Four distortions, each at growing levels (level 0 leaves the images as they are):

=============  ==================================================================================
``noise``      Gaussian noise of standard deviation σ added to every pixel (brightness 0..1),
               clipped to [0, 1]
``rotation``   turned by this many degrees about the centre, clockwise or anticlockwise at random
``shift``      moved by this many pixels up, down, left or right at random
``thickness``  strokes thickened (grey dilation by a 3x3 cross, once per step) or, for negative
               steps, thinned (erosion)
=============  ==================================================================================

They are distortions of handwriting, so only a model of pictures has curves: a model of spoken
digits reads pictures of sounds (:class:`~digitnet.inputs.Audio`), where a turn or a thicker
stroke stands for nothing a voice or a room does, and :func:`check_distortable` refuses it in one
line (the web page says so in place of the panel).

Each is NumPy over the whole batch at once (one bilinear resampling for a rotation, one gather
for the shifts of :mod:`digitnet.augment`). Every network compared sees the very same distorted
images, and every level of a curve the same randomness (the noise, each image's direction),
drawn once from the seed and the distortion's name, so levels differ in strength only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np

from .. import inputs
from ..arrays import pixel_values
from ..augment import shift_images
from ..errors import ConfigError, DataError
from ..modelfile import as_network
from ..network import Network
from .activity import check_labels
from .reading import whole

__all__ = ["DISTORTIONS", "Curve", "distort", "robustness_curves", "check_distortable"]

#: name -> (what a level measures, the levels of a curve)
DISTORTIONS: dict[str, tuple[str, tuple[float, ...]]] = {
    "noise": ("σ of the noise added to each pixel (brightness 0..1)", (0, 0.1, 0.2, 0.3, 0.4, 0.5)),
    "rotation": ("degrees turned", (0, 10, 20, 30, 45, 60)),
    "shift": ("pixels moved", (0, 1, 2, 3, 4, 5)),
    "thickness": ("steps of stroke thickening (negative: thinning)", (-1, 0, 1, 2, 3)),
}


@dataclass(frozen=True)
class Curve:
    """Accuracy along one distortion: ``accuracy[m, i]`` is network m's at ``levels[i]``."""

    name: str
    unit: str
    levels: tuple[float, ...]
    accuracy: np.ndarray

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "levels": list(self.levels),
                "accuracy": self.accuracy.tolist()}


def distort(images: np.ndarray, name: str, level: float, rng: np.random.Generator) -> np.ndarray:
    """``images`` (n, h, w) with brightness in [0, 1], distorted by ``name`` at ``level``:
    float32 (n, h, w) in [0, 1]. Randomness (noise, directions) comes from ``rng``."""
    x = np.asarray(images, dtype=np.float32)
    return _apply(x, name, level, _draw(name, x.shape, rng))


def _draw(name: str, shape: tuple, rng: np.random.Generator) -> np.ndarray | None:
    """The randomness of distortion ``name`` for images of ``shape``, the same at every level
    (so a curve's levels differ in strength only): unit noise, or each image's direction."""
    if name not in DISTORTIONS:
        raise ConfigError(f"unknown distortion {name!r}; choose one of {', '.join(DISTORTIONS)}")
    if name == "noise":
        return rng.standard_normal(shape, dtype=np.float32)
    if name == "rotation":
        return rng.choice([-1, 1], shape[0])
    if name == "shift":
        return np.array([(-1, 0), (1, 0), (0, -1), (0, 1)])[rng.integers(0, 4, shape[0])]
    return None


def _apply(x: np.ndarray, name: str, level: float, drawn: np.ndarray | None) -> np.ndarray:
    if name == "noise":
        noisy = x + np.float32(level) * drawn
        return np.clip(noisy, 0, 1, out=noisy)
    if name == "rotation":
        out = np.empty_like(x)
        for s in (-1, 1):
            if (drawn == s).any():
                out[drawn == s] = _rotate(x[drawn == s], s * level)
        return out
    if name == "shift":
        n, h, w = x.shape
        return shift_images(x.reshape(n, h * w), drawn * int(level), (h, w)).reshape(n, h, w)
    return _thicken(x, int(level))


def _rotate(x: np.ndarray, degrees: float) -> np.ndarray:
    """Each image of ``x`` (n, h, w) turned by ``degrees`` about its centre, sampled bilinearly
    (zeros from outside the image)."""
    n, h, w = x.shape
    t = np.deg2rad(degrees)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    y, x_ = np.mgrid[0:h, 0:w].astype(np.float64)
    y, x_ = y - cy, x_ - cx
    # Output pixel p comes from the input at R(-t) p: the inverse turn, so no pixel is missed.
    sy = cy + np.cos(t) * y + np.sin(t) * x_
    sx = cx - np.sin(t) * y + np.cos(t) * x_
    padded = np.zeros((n, h + 2, w + 2), np.float32)
    padded[:, 1:-1, 1:-1] = x
    sy, sx = np.clip(sy, -1, h) + 1, np.clip(sx, -1, w) + 1  # in the padded image
    y0, x0 = np.minimum(np.floor(sy), h).astype(np.intp), np.minimum(np.floor(sx), w).astype(np.intp)
    fy, fx = (sy - y0).astype(np.float32).ravel(), (sx - x0).astype(np.float32).ravel()
    flat, width = padded.reshape(n, -1), w + 2

    def at(dy, dx):
        return np.take(flat, ((y0 + dy) * width + x0 + dx).ravel(), axis=1)

    top = at(0, 0) * (1 - fx) + at(0, 1) * fx
    bottom = at(1, 0) * (1 - fx) + at(1, 1) * fx
    return (top * (1 - fy) + bottom * fy).reshape(n, h, w)


def _thicken(x: np.ndarray, steps: int) -> np.ndarray:
    """Grey dilation (steps > 0) or erosion (steps < 0) by a 3x3 cross, |steps| times."""
    pick = np.maximum if steps > 0 else np.minimum
    for _ in range(abs(steps)):
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
        x = padded[:, 1:-1, 1:-1].copy()
        for neighbour in (padded[:, :-2, 1:-1], padded[:, 2:, 1:-1], padded[:, 1:-1, :-2],
                          padded[:, 1:-1, 2:]):
            pick(x, neighbour, out=x)
    return x


def robustness_curves(nets, images, labels, distortions=None, seed: int = 0) -> list[Curve]:
    """Accuracy of each network along each distortion.

    Parameters
    ----------
    nets : Network or list of Network
        Image models taking pictures of the images' shape; all see the same distorted images.
    images : ndarray, shape (n, h, w)
        Held-out pictures as the data holds them (``held.x``): uint8 pixels (0..255) or
        brightness in [0, 1]. Unlike the other poking functions, not the input layer's rows:
        each network makes its own of the distorted pictures (``inputs.of(net).rows``).
    labels : array_like of int, shape (n,)
    distortions : dict name -> levels, optional
        Which distortions, at which levels; :data:`DISTORTIONS`' by default.
    seed : int

    Returns
    -------
    list of Curve, one per distortion
    """
    nets = _networks(nets)
    seed = whole(seed, "seed")
    if seed < 0:
        raise ConfigError(f"seed: must be 0 or more, got {seed}")
    chosen = _chosen(distortions)
    images = np.asarray(images)
    if images.ndim != 3:
        raise DataError(f"images: got an array of shape {images.shape}; robustness curves "
                        "distort pictures (n, h, w) as the data holds them, and make each "
                        "network's rows of them: pass the examples themselves (held.x), not "
                        "inputs.of(net).rows(...)")
    images = pixel_values(images, "images")  # (refused before any curve is computed)
    x = images * np.float32(1 / 255) if images.dtype == np.uint8 else images.astype(np.float32)
    for net in nets:
        check_distortable(net, images.shape[1:])
    labels = [check_labels(net, x.reshape(len(x), -1), labels) for net in nets][0]
    curves = []
    for name, levels in chosen.items():
        accuracy = np.zeros((len(nets), len(levels)))
        rng = np.random.default_rng((seed, list(DISTORTIONS).index(name)))
        drawn = _draw(name, x.shape, rng)
        for i, level in enumerate(levels):
            seen = _apply(x, name, level, drawn)
            for m, net in enumerate(nets):
                predicted = np.argmax(net.forward(inputs.of(net).rows(seen)), axis=1)
                accuracy[m, i] = np.mean(predicted == labels)
        curves.append(Curve(name, DISTORTIONS[name][0], tuple(levels), accuracy))
    return curves


def _networks(nets) -> list[Network]:
    """``nets`` (a Network, or a list of them) as a list of at least one; else a
    ConfigError of one line saying what to pass (:func:`digitnet.modelfile.as_network`'s)."""
    if not np.iterable(nets) or isinstance(nets, (str, dict, Network)):
        return [as_network(nets, "poke.robustness_curves")]
    listed = list(nets)
    if not listed:
        raise ConfigError("nets: an empty list; pass the network, or [net, other] to compare two")
    return [as_network(net, f"nets[{i}]: poke.robustness_curves") for i, net in
            enumerate(listed)]


def _chosen(distortions) -> dict[str, tuple[float, ...]]:
    """``distortions`` (None: all of :data:`DISTORTIONS` at their levels) as name -> levels,
    each name one of them and each level a finite number; else a ConfigError of one line."""
    if distortions is None:
        return {name: levels for name, (_, levels) in DISTORTIONS.items()}
    if not isinstance(distortions, dict):
        raise ConfigError(f"distortions: expected a dict of name -> levels such as "
                          f"{{\"noise\": [0, 0.2]}}, got {type(distortions).__name__}")
    chosen = {}
    for name, levels in distortions.items():
        if name not in DISTORTIONS:
            raise ConfigError(f"unknown distortion {name!r}; choose from "
                              f"{', '.join(DISTORTIONS)}")
        numbers = isinstance(levels, (list, tuple, range)) and all(
            isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) for v in levels)
        if not numbers:
            raise ConfigError(f"distortions[{name!r}]: expected a list of levels (numbers) such "
                              f"as {list(DISTORTIONS[name][1][:3])}, got {levels!r:.40}")
        chosen[name] = tuple(levels)
    return chosen


def check_distortable(net: Network, shape: tuple[int, int] | None = None) -> None:
    """ConfigError unless ``net`` reads pictures of handwriting (of ``shape`` (h, w), if given):
    a table model has no pictures, and a model of recordings hears pictures of sounds, which the
    distortions here would not distort the way anything distorts a sound."""
    image_shape = inputs.of(net).image_shape
    if inputs.audio_of(net) is not None:
        raise ConfigError("robustness curves are for image models: they distort handwriting "
                          "(noise, rotation, shift, stroke thickness), which means nothing for "
                          "this network's pictures of recorded sounds")
    if image_shape is None:
        raise ConfigError(f"robustness curves distort pictures, and this network reads a table "
                          f"of {net.sizes[0]} columns; use an image model")
    if shape is not None and tuple(image_shape) != tuple(shape):
        raise DataError(f"the network reads {image_shape[0]}x{image_shape[1]} pictures, the "
                        f"held-out images are {shape[0]}x{shape[1]}")
