"""Real data written as users have it: scikit-learn's tables as CSV, MNIST digits as picture files
(and Fashion-MNIST's pictures, read as digitnet reads them).

The tables are scikit-learn's copies of UCI data sets (wine, breast cancer, 8x8 digits), which
ship inside its package; the pictures are official MNIST digits (../shared/data), saved as PNG
as they are, as photos (dark ink on grey paper, lit unevenly, with sensor noise), or drawn with
a thicker pen, as a person's own handwriting differs from MNIST's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

TABLES = ("wine", "breast_cancer", "digits")


def fashion_mnist(split: str = "train"):
    """Fashion-MNIST's real pictures (as Debian's dataset-fashion-mnist installs them), read as
    ``--data fashion-mnist`` reads them; a failure, not a skip, when they are not installed."""
    import pytest

    from digitnet import datasets
    from digitnet.errors import DigitnetError

    try:
        return datasets.load("fashion-mnist", split=split, allow_download=False)
    except DigitnetError as e:
        pytest.fail(f"Fashion-MNIST is needed here and was not found ({e}); install it: "
                    "apt-get install dataset-fashion-mnist")


def sklearn_table(name: str):
    """scikit-learn's Bunch for ``name`` (data, target, feature_names, target_names)."""
    import sklearn.datasets

    return getattr(sklearn.datasets, f"load_{name}")()


def write_csv(path: Path, X, labels, columns, target: str = "class", first: bool = False) -> Path:
    """A CSV table with a header: the feature columns then ``target`` (or ``target`` first).

    Numbers are written with repr, so they read back exactly.
    """
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        header = [str(c) for c in columns]
        writer.writerow([target, *header] if first else [*header, target])
        for row, label in zip(np.asarray(X).tolist(), list(labels)):
            cells = [repr(float(v)) for v in row]
            writer.writerow([label, *cells] if first else [*cells, label])
    return path


def wine_csv(path: Path, **kw) -> Path:
    """scikit-learn's wine table with its class names ("class_0", ...) as labels."""
    wine = sklearn_table("wine")
    return write_csv(path, wine.data, wine.target_names[wine.target], wine.feature_names, **kw)


def two_label_wine_csv(path: Path) -> Path:
    """The wine table with two columns that can be the labels, of three classes each: the
    cultivar (0, 1, 2) and, last, the strength (the wine's alcohol in thirds: 0, 1, 2), the
    one read when no --target is given."""
    wine = sklearn_table("wine")
    alcohol = wine.data[:, wine.feature_names.index("alcohol")]
    strength = np.digitize(alcohol, np.quantile(alcohol, [1 / 3, 2 / 3]))
    return write_csv(path, np.column_stack([wine.data, wine.target]), strength,
                     [*wine.feature_names, "cultivar"], target="strength")


def as_photo(digit: np.ndarray, rng: np.random.Generator, thick: int = 0) -> np.ndarray:
    """A real 28x28 digit as a photo of it on paper: enlarged 4x onto a larger page, dark ink
    on grey paper under a lighting gradient, with noise; ``thick`` widens the strokes by that
    many pixels of the enlarged digit on each side (a thicker pen)."""
    from PIL import Image, ImageFilter

    img = Image.fromarray(digit).resize((112, 112), Image.Resampling.BICUBIC)
    if thick:
        img = img.filter(ImageFilter.MaxFilter(2 * thick + 1))
    ink = np.zeros((176, 176))
    ink[32:144, 32:144] = np.asarray(img, dtype=np.float64) / 255
    light = np.linspace(0.9, 0.75, 176)[None, :]  # paper lit from the left
    photo = light * (1 - 0.75 * ink) + rng.normal(0, 0.015, ink.shape)
    return np.clip(np.round(photo * 255), 0, 255).astype(np.uint8)


def write_digit_folder(root: Path, images, labels, *, photo_every: int = 3, thick: int = 0,
                       seed: int = 0, names=None) -> list[Path]:
    """Class folders of real digits (``root/<label>/<i>.png``): every ``photo_every``-th one a
    photo, the others the 28x28 digit as it is (all photos when ``thick``). ``names`` maps a
    label to its folder's name (default the digit)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for i, (digit, label) in enumerate(zip(images, labels)):
        folder = root / (names[int(label)] if names else str(int(label)))
        folder.mkdir(parents=True, exist_ok=True)
        is_photo = thick or (photo_every and i % photo_every == 0)
        pixels = as_photo(digit, rng, thick) if is_photo else digit
        path = folder / f"{i:05d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def voice_form(recordings: Path, numbers=range(2), speaker: str = "nicolas",
               read=Path.read_bytes) -> list:
    """The multipart fields POST /api/voice takes, as the page sends them: FSDD's recordings
    ``numbers`` of ``speaker`` for each digit, each a ``file`` (its bytes, ``read`` from its
    path) followed by its ``digit``."""
    fields = []
    for d in range(10):
        for i in numbers:
            path = recordings / f"{d}_{speaker}_{i}.wav"
            fields += [("file", (path.name, read(path), "audio/wav")), ("digit", (None, str(d)))]
    return fields


def write_mnist_folder(folder: Path, mnist, train, test) -> Path:
    """``folder`` as an MNIST-format folder of real digits: ``mnist``'s examples ``train`` (a
    slice or indices) as its training files and ``test`` as its t10k files, gzip'd as MNIST's."""
    from digitnet import idx

    for prefix, part in (("train", train), ("t10k", test)):
        idx.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", mnist.x[part])
        idx.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", mnist.labels[part])
    return folder
