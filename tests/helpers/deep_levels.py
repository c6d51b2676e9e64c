"""Real MNIST digits as grey pictures deeper than 8 bits: the same picture as 8-bit levels, as
16-bit levels (x 257, so 255 -> 65535) and as a 12-bit scan's levels kept in a 16-bit file
(x 4095/255, rounded: 0..4095, which Pillow reads as 16 bits, mode "I;16"), and how far apart
their readings may lie: the quantisation of 12 bits, carried through digitnet's preprocessing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEPTHS = ("8-bit", "16-bit", "12-bit")

#: A 12-bit level round(v * 4095 / 255) lies within half a level of v * 4095 / 255; read as
#: level / 4095 it lies within 0.5 / 4095 = 1.22e-4 of the 8-bit reading v / 255. (16-bit levels
#: read exactly as the 8-bit ones: v * 257 / 65535 = v / 255, each rounded once to float32.)
DELTA = 0.5 / 4095
#: float32's rounding of a grey level in [0, 1]: half a unit in the last place at 1 is 6e-8.
F32 = 1e-7
#: The least 90th percentile of ink (levels over 0.08) to_mnist's stretch divides by (below):
#: MNIST's strokes reach 255, and in the digits used here F >= 0.85 (the tests check it).
LEAST_F = 0.85
#: How far to_mnist's 28x28 output for a 12-bit picture may lie from the 8-bit one's, per pixel.
#: On an MNIST digit (background exactly 0 at both depths) to_mnist computes
#: y = (g - 0.02 F) / (0.98 F), clipped to [0, 1], F the 90th percentile of the ink (itself moved
#: by at most DELTA), so |dy| <= DELTA (1 + g / F) / (0.98 F) <= DELTA (1 + 1/0.85) / (0.98 x 0.85)
#: = 2.61 DELTA. A digit box under 20 pixels is then enlarged with Lanczos (the absolute values
#: of its weights sum to at most 1.55 per axis: x 1.55^2 = 2.40) and divided by its brightest
#: pixel, near 1 (x 2: the pixel and the brightest each move): 2.61 x 2.40 x 2 = 12.5 DELTA, so
#: 13 DELTA = 1.6e-3, a fifth of one 8-bit level (the box and the whole-pixel centring are the
#: same at both depths: they move only where a level sits within 13 DELTA of their thresholds).
EPS_X = 13 * DELTA


def levels(digit: np.ndarray) -> dict[str, np.ndarray]:
    """A uint8 digit's grey levels at each of :data:`DEPTHS` (uint8, then uint16 twice)."""
    return {"8-bit": digit,
            "16-bit": digit.astype(np.uint16) * 257,
            "12-bit": np.round(digit * (4095 / 255)).astype(np.uint16)}


def write_pngs(folder: Path, digits, stem: str = "digit") -> dict[str, list[Path]]:
    """Each digit as an 8-bit, a 16-bit and a 12-bit-in-16-bit grey PNG in ``folder``:
    {depth: [the paths, in the order of ``digits``]}."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, list[Path]] = {depth: [] for depth in DEPTHS}
    for i, digit in enumerate(digits):
        for depth, pixels in levels(digit).items():
            path = folder / f"{stem}{i}-{depth}.png"
            Image.fromarray(pixels).save(path)
            paths[depth].append(path)
    return paths


def ink_percentile(digit: np.ndarray) -> float:
    """F: the 90th percentile of a uint8 digit's ink (its levels over 0.08), read in [0, 1]."""
    grey = digit / 255
    return float(np.percentile(grey[grey > 0.08], 90))
