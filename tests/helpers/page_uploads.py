"""Pictures as the web page sends them once uploaded (static/js/pad.js): drawn scaled to fit and
centred on the black 280x280 pad, so a picture of another shape gets black bars along two
opposite edges (letterboxed), then shrunk to the 56x56 grid, brightness rounded to 2 decimals.
And real digits as small photos of paper, the kind people upload."""

from __future__ import annotations

import numpy as np
from PIL import Image

CANVAS, GRID = 280, 56  # the page's pad and the grid it sends


def on_the_page(picture: Image.Image, canvas=(0, 0, 0)) -> np.ndarray:
    """``picture`` as the page sends it, (56, 56) float32 in [0, 1]; on a pad of the colour
    ``canvas`` in place of the page's black, to compare."""
    s = min(CANVAS / picture.width, CANVAS / picture.height)
    w, h = round(picture.width * s), round(picture.height * s)
    pad = Image.new("RGB", (CANVAS, CANVAS), canvas)
    pad.paste(picture.convert("RGB").resize((w, h), Image.Resampling.BILINEAR),
              ((CANVAS - w) // 2, (CANVAS - h) // 2))
    grey = np.asarray(pad.resize((GRID, GRID), Image.Resampling.LANCZOS).convert("L"))
    return np.round(grey / 255, 2).astype(np.float32)


def photographed(digit: np.ndarray, rng: np.random.Generator, wide: bool = True) -> Image.Image:
    """A real digit (uint8 28x28, light on black) as a small photo of paper: dark ink on
    off-white, tinted, with sensor noise, 64x48 (``wide``) or 48x64, RGB."""
    ink = np.asarray(Image.fromarray(digit).resize((40, 40), Image.Resampling.BILINEAR))
    h, w = (48, 64) if wide else (64, 48)
    paper = np.full((h, w), 235.0)
    y, x = (h - 40) // 2, (w - 40) // 2
    paper[y : y + 40, x : x + 40] -= ink * 0.85
    paper += rng.normal(0, 4, paper.shape)
    rgb = np.stack([paper, paper * 0.97, paper * 0.92], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
