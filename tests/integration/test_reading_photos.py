"""Photos and scans of held-out MNIST digits, as users have them, read by a trained network.

The 600 digits of a validation split it never trained on are turned into the kinds of files
users have (scaled up 6 to 12 times, placed at random on a larger page, dark ink on white paper
as PNG and JPEG, RGB photos of grey paper with a lighting gradient and sensor noise), read with
``to_mnist``, and must be read about as well as the original 28x28 digits.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from digitnet import datasets
from digitnet.preprocess import to_mnist


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def user_style_file(digit: np.ndarray, kind: int, rng: np.random.Generator) -> bytes:
    """A real digit as a user would have it, in one of four kinds of file.

    0: dark ink on white paper, PNG; 1: the same as JPEG; 2: an RGB photo of grey paper with a
    lighting gradient and sensor noise, JPEG; 3: the same photo as PNG. Each digit is scaled up
    6 to 12 times (168 to 336 pixels) and placed at a random spot on a larger page.
    """
    scale = int(rng.integers(6, 13))
    size = 28 * scale
    ink = np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)) / 255.0
    h, w = size + int(rng.integers(40, 240)), size + int(rng.integers(40, 240))
    page = np.zeros((h, w))
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    page[y : y + size, x : x + size] = ink
    if kind < 2:
        image = Image.fromarray(np.round((1 - page) * 255).astype(np.uint8), "L")
    else:
        paper, dark = rng.uniform(0.55, 0.85), rng.uniform(0.05, 0.25)
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w]
        light = 0.15 * (np.cos(angle) * xx / w + np.sin(angle) * yy / h - 0.5)
        gray = paper + light - page * (paper - dark)
        rgb = gray[..., None] * np.array([1.0, 0.97, 0.9]) + rng.normal(0, 0.03, (h, w, 3))
        image = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    if kind in (1, 2):
        return encode(image, "JPEG", quality=int(rng.integers(75, 96)))
    return encode(image, "PNG", compress_level=1)


@pytest.fixture(scope="module")
def held_out_model(mnist):
    """A default-recipe network trained for 4 epochs on 6,000 real digits, and 600 it never saw."""
    from digitnet import PRESETS
    from digitnet.training import train

    train_part, val_part = datasets.train_val_split(mnist, 0.1, seed=3)
    result = train(train_part.subset(slice(0, 6000)), PRESETS["default"].replace(epochs=4),
                   handle_signals=False)
    return result.network, val_part.subset(slice(0, 600))


@pytest.mark.slow
def test_user_style_files_are_read_as_well_as_the_original_digits(held_out_model):
    net, held_out = held_out_model
    rng = np.random.default_rng(2024)
    # net.predict reads images as the model does (the default recipe deskews)
    originals = held_out.x.astype(np.float32) / 255
    accuracy_original = float(np.mean(net.predict(originals) == held_out.labels))

    prepared = np.stack([to_mnist(user_style_file(d, i % 4, rng))
                         for i, d in enumerate(held_out.x)])
    correct = net.predict(prepared) == held_out.labels
    accuracy_files = float(np.mean(correct))

    assert len(held_out) >= 500 and accuracy_original > 0.85
    assert abs(accuracy_files - accuracy_original) <= 0.015, (
        f"originals {accuracy_original:.2%}, user-style files {accuracy_files:.2%} "
        f"(by kind: {[f'{correct[k::4].mean():.2%}' for k in range(4)]})")
