"""How ``digitnet.preprocess.to_mnist`` prepares pictures people already have: real digits and
clothes saved as PNG files, cropped, inverted, letterboxed, photographed.

Sets (every picture made from a real image; PNG files decoded by to_mnist, as ``digitnet
predict`` and folder training read them):

- MNIST: the last 2,000 digits of --data as 28x28 PNGs, and the same digits cropped tight to
  their ink, cropped with a 1-pixel black margin, inverted (dark on white), and drawn dark on
  white paper 36 wide, letterboxed onto the web page's black 56x56 canvas as pad.js lays out an
  uploaded picture (scaled to fit, centred, brightness rounded to 2 decimals). Each is read by a
  default-recipe network trained on the other 22,345 digits: how many are refused as blank,
  and how often its answer is the one it gives for the digit itself (agreement) and right.
- Fashion-MNIST (Debian's /usr/share/datasets/fashion-mnist): the first 3,000 training and
  1,000 test items as PNGs. Refused; test accuracy of networks trained (default recipe,
  --no-deskew, --seeds seeds) on the prepared training pictures, against ones trained on the
  raw 28x28 items; and the raw-trained networks reading the prepared test pictures.
- With --every-crop, every digit of --data cropped to its ink, as it is and inverted: how many
  are refused, and how many come out unlike the digit's own to_mnist.
- With --alternatives, the way weighed for 28x28 pictures and not taken (the ink cleaned as
  to_mnist cleans it, but not cropped, scaled nor moved) on the Fashion-MNIST items, and on
  MNIST digits scaled to fill their 28x28 field (read by the MNIST network both ways).
- scikit-learn's 8x8 digits as PNGs in class folders (--digits8: train/ and test/), and photos of
  MNIST digits (--photos: 64x48 RGB, JPEG, 16-bit PNG, GIF, EXIF-rotated; file names start
  with the digit's index in --data): refused, and the test accuracy of networks trained on the
  prepared training pictures (--seeds of them). The photos' test pictures are also read by the
  MNIST network (agreement with its answer for the digit itself), and laid out as the page
  lays them out (letterboxed) to count refusals.

    python bench/own_pictures.py --digits8 DIR --photos DIR --every-crop --alternatives \
        --label after --write
    # (re)writes that section of bench/results/own-pictures.md

This is a benchmark, not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist-train-prefix"
FASHION = Path("/usr/share/datasets/fashion-mnist")
RESULTS = REPO / "bench" / "results" / "own-pictures.md"
CANVAS, GRID = 280, 56  # the page's pad and the grid it sends (pad.js)


def png(a: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(a).save(buffer, format="PNG")
    return buffer.getvalue()


def tight(digit: np.ndarray, margin: int = 0) -> np.ndarray:
    """``digit`` cropped to its ink (any pixel above 0), with ``margin`` black pixels around."""
    ys, xs = np.nonzero(digit)
    crop = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.pad(crop, margin)


def on_the_page(picture: Image.Image) -> np.ndarray:
    """``picture`` as the page sends it: drawn scaled to fit and centred on the black 280x280
    pad, shrunk to 56x56, brightness rounded to 2 decimals (pad.js's redraw and grid)."""
    s = min(CANVAS / picture.width, CANVAS / picture.height)
    w, h = round(picture.width * s), round(picture.height * s)
    pad = Image.new("RGB", (CANVAS, CANVAS))
    pad.paste(picture.convert("RGB").resize((w, h), Image.Resampling.BILINEAR),
              ((CANVAS - w) // 2, (CANVAS - h) // 2))
    grey = np.asarray(pad.resize((GRID, GRID), Image.Resampling.LANCZOS).convert("L"))
    return np.round(grey / 255, 2).astype(np.float32)


def dark_on_paper(digit: np.ndarray) -> Image.Image:
    """A digit dark on white paper 36 pixels wide (not square: the page letterboxes it)."""
    return Image.fromarray(np.pad(255 - digit, ((0, 0), (4, 4)), constant_values=255))


def prepare(pictures, to_mnist) -> tuple[np.ndarray, np.ndarray]:
    """to_mnist of each picture as uint8 (as folder training stores it; 0 where refused), and
    which were read."""
    from digitnet.errors import ImageError

    out, read = np.zeros((len(pictures), 28, 28), np.uint8), np.zeros(len(pictures), bool)
    for i, p in enumerate(pictures):
        try:
            out[i] = np.round(to_mnist(p) * 255)
            read[i] = True
        except ImageError:
            pass
    return out, read


def fit(x: np.ndarray, y: np.ndarray, deskew: bool, seed: int = 0):
    import digitnet
    from digitnet.training import train

    data = digitnet.datasets.from_arrays(x, y, classes=sorted(set(y.tolist())))
    config = digitnet.PRESETS["default"].replace(deskew=deskew, seed=seed)
    return train(data, config, handle_signals=False).network


def accuracy(net, x, y, read=None) -> float:
    """Accuracy over all of ``x`` (a refused picture counts as a mistake)."""
    right = net.predict(x) == y
    return float(np.mean(right & (read if read is not None else True)))


def mean_of(values: list[float]) -> str:
    """"84.60% (84.50–84.70%)": the mean of the seeds' accuracies, and their range."""
    return f"{np.mean(values):.2%} ({min(values):.2%}–{max(values):.2%})"


def kept_at_scale(picture) -> np.ndarray:
    """The alternative weighed for MNIST-shaped pictures (not what to_mnist does): the
    background found and the ink cleaned and stretched as to_mnist does it, but the picture
    neither cropped, scaled nor moved."""
    from digitnet import background, preprocess

    gray, name = preprocess.read_image(picture)
    ink = preprocess._extract_ink(gray, name, background.flat_background(gray))
    return ink / ink.max()


def filling(digit: np.ndarray, side: int) -> np.ndarray:
    """``digit`` scaled (Lanczos) so its ink's box is ``side`` pixels, centred in 28x28: a digit
    drawn to fill its 28x28 field, as MNIST's 20x20 box does not."""
    crop = tight(digit)
    f = side / max(crop.shape)
    w, h = max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f))
    big = np.asarray(Image.fromarray(crop).resize((w, h), Image.Resampling.LANCZOS))
    field = np.zeros((28, 28), np.uint8)
    field[(28 - h) // 2 : (28 - h) // 2 + h, (28 - w) // 2 : (28 - w) // 2 + w] = big
    return field


def mnist_rows(data_dir: Path, cache: Path) -> list[list[str]]:
    import digitnet
    from digitnet.preprocess import to_mnist

    d = digitnet.datasets.load(str(data_dir), split="train")
    x, y = d.x, d.labels
    if cache.exists():
        net = digitnet.load(cache)
    else:
        net = fit(x[:-2000], y[:-2000], deskew=True)
        digitnet.save(net, cache)
    held, labels = x[-2000:], y[-2000:]
    own = net.predict(held)
    variants = {
        "28x28 PNG as it is": [png(d) for d in held],
        "cropped tight to the ink": [png(tight(d)) for d in held],
        "cropped with a 1-pixel black margin": [png(tight(d, 1)) for d in held],
        "inverted: dark on white": [png(255 - d) for d in held],
        "dark on white paper, letterboxed on the page": [on_the_page(dark_on_paper(d))
                                                         for d in held],
    }
    rows = [["digit as its 28x28 array", "0", "100.00%", f"{np.mean(own == labels):.2%}"]]
    for name, pictures in variants.items():
        prepared, read = prepare(pictures, to_mnist)
        agree = float(np.mean(net.predict(prepared[read]) == own[read])) if read.any() else 0
        rows.append([name, f"{np.count_nonzero(~read)}", f"{agree:.2%}",
                     f"{accuracy(net, prepared, labels, read):.2%}"])
    as_is = prepare(variants["28x28 PNG as it is"], to_mnist)[0] / 255.0
    change = np.abs(as_is - held / 255.0).mean(axis=(1, 2))
    rows.append(["28x28 PNG: mean absolute change per pixel (median, largest)", "",
                 f"{np.median(change):.4f}", f"{change.max():.4f}"])
    return rows


def similar(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 images, the better of every alignment within one pixel."""
    return max(float(np.corrcoef(np.roll(a, (dy, dx), (0, 1)).ravel(), b.ravel())[0, 1])
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def every_crop_rows(data_dir: Path) -> list[list[str]]:
    """Every digit of --data cropped to its ink, light on black and inverted: how many are
    refused, and how many come out unlike the digit itself (correlation under 0.9)."""
    import digitnet
    from digitnet.errors import ImageError
    from digitnet.preprocess import to_mnist

    x = digitnet.datasets.load(str(data_dir), split="train").x
    rows = []
    for name, invert in (("light on black", False), ("inverted: dark on white", True)):
        refused = unlike = 0
        for digit in x:
            crop = tight(digit)
            try:
                unlike += similar(to_mnist(255 - crop if invert else crop), to_mnist(digit)) < 0.9
            except ImageError:
                refused += 1
        rows.append([name, f"{refused:,} of {len(x):,}", f"{unlike:,}"])
    return rows


def idx(path: Path) -> np.ndarray:
    import gzip

    data = gzip.decompress(path.read_bytes())
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_rows(seeds: int, alternatives: bool, n_train: int = 3000,
                 n_test: int = 1000) -> list[list[str]]:
    from digitnet.preprocess import to_mnist

    x = idx(FASHION / "train-images-idx3-ubyte.gz")[:n_train]
    y = idx(FASHION / "train-labels-idx1-ubyte.gz")[:n_train]
    xt = idx(FASHION / "t10k-images-idx3-ubyte.gz")[:n_test]
    yt = idx(FASHION / "t10k-labels-idx1-ubyte.gz")[:n_test]
    raw_nets = [fit(x, y, deskew=False, seed=seed) for seed in range(seeds)]
    rows = [["raw 28x28 items (no PNG, no to_mnist)", "0 / 0",
             mean_of([accuracy(net, xt, yt) for net in raw_nets]), ""]]
    ways = {"PNGs through to_mnist": to_mnist}
    if alternatives:
        ways["PNGs kept at their scale (alternative, not shipped)"] = kept_at_scale
    for name, way in ways.items():
        px, read = prepare([png(a) for a in x], way)
        pxt, readt = prepare([png(a) for a in xt], way)
        nets = [fit(px[read], y[read], deskew=False, seed=seed) for seed in range(seeds)]
        coat = f"{np.count_nonzero(~read & (y == 4))} of {np.count_nonzero(y == 4)}"
        rows.append([f"{name} (Coat refused: {coat})",
                     f"{np.count_nonzero(~read)} / {np.count_nonzero(~readt)}",
                     mean_of([accuracy(net, pxt, yt, readt) for net in nets]),
                     mean_of([accuracy(net, pxt, yt, readt) for net in raw_nets])])
    return rows


def filling_rows(data_dir: Path, cache: Path) -> list[list[str]]:
    """Digits drawn to fill their 28x28 field, read by the MNIST network: the cost of keeping
    28x28 pictures at their scale."""
    import digitnet
    from digitnet.preprocess import to_mnist

    d = digitnet.datasets.load(str(data_dir), split="train")
    net = digitnet.load(cache)
    held, labels = d.x[-2000:], d.labels[-2000:]
    rows = []
    for side in (24, 28):
        pictures = [png(filling(a, side)) for a in held]
        row = [f"ink box {side} pixels"]
        for way in (to_mnist, kept_at_scale):
            prepared, read = prepare(pictures, way)
            row.append(f"{accuracy(net, prepared, labels, read):.2%}")
        rows.append(row)
    return rows


def folder(root: Path, split: str):
    files, labels = [], []
    for cls in sorted(os.listdir(root / split)):
        for f in sorted((root / split / cls).iterdir()):
            files.append(f)
            labels.append(int(cls))
    return files, np.array(labels)


def folder_rows(name: str, root: Path, seeds: int, mnist_net=None,
                mnist=None) -> list[list[str]]:
    from digitnet.preprocess import to_mnist

    files, y = folder(root, "train")
    tfiles, yt = folder(root, "test")
    px, read = prepare(files, to_mnist)
    pxt, readt = prepare(tfiles, to_mnist)
    nets = [fit(px[read], y[read], deskew=True, seed=seed) for seed in range(seeds)]
    refused = (f"{np.count_nonzero(~read)} of {len(files)} / "
               f"{np.count_nonzero(~readt)} of {len(tfiles)}")
    row = [name, refused, mean_of([accuracy(net, pxt, yt, readt) for net in nets])]
    if mnist_net is not None:
        own = mnist_net.predict(mnist[[int(f.name.split("_")[0]) for f in tfiles]])
        agree = np.mean(mnist_net.predict(pxt[readt]) == own[readt])
        pictures = [on_the_page(Image.open(f)) for f in tfiles if "rgbpng" in f.name]
        page_read = prepare(pictures, to_mnist)[1]
        row += [f"{agree:.2%}", f"{np.count_nonzero(~page_read)} of {len(pictures)}"]
    else:
        row += ["", ""]
    return [row]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--digits8", type=Path, help="scikit-learn's digits as class folders")
    parser.add_argument("--photos", type=Path, help="photos of MNIST digits as class folders")
    parser.add_argument("--seeds", type=int, default=3, help="networks trained per accuracy")
    parser.add_argument("--every-crop", action="store_true",
                        help="also every digit of --data cropped to its ink")
    parser.add_argument("--alternatives", action="store_true",
                        help="also the way weighed for 28x28 pictures and not taken")
    parser.add_argument("--model-cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "own-pictures-mnist.safetensors")
    parser.add_argument("--label", default="")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    import digitnet

    parts = ["MNIST's last 2,000 digits, read by a network trained on the other 22,345:\n",
             table(["picture", "refused", "agreement", "accuracy"],
                   mnist_rows(args.data, args.model_cache))]
    if args.every_crop:
        parts += [(f"\nEvery digit of {args.data.name} cropped to its ink (unlike: correlation "
                   "with the digit's own to_mnist under 0.9, the better of every 1-pixel "
                   "shift):\n"),
                  table(["crop", "refused", "unlike"], every_crop_rows(args.data))]
    if args.alternatives:
        parts += [("\nThe same digits scaled to fill their 28x28 field (as a drawing made at "
                   "MNIST's size may), read by that network:\n"),
                  table(["digit", "through to_mnist", "kept at its scale"],
                        filling_rows(args.data, args.model_cache))]
    if FASHION.exists():
        parts += [(f"\nFashion-MNIST, 3,000 training and 1,000 test items (test accuracy, mean "
                   f"of {args.seeds} seeds and range, default recipe with --no-deskew; a refused "
                   "test picture counts as a mistake):\n"),
                  table(["training pictures", "refused (train / test)", "accuracy",
                         "raw-trained networks on them"],
                        fashion_rows(args.seeds, args.alternatives))]
    rows = []
    if args.digits8:
        rows += folder_rows("scikit-learn's 8x8 digits", args.digits8, args.seeds)
    if args.photos:
        d = digitnet.datasets.load(str(args.data), split="train")
        rows += folder_rows("photos of MNIST digits", args.photos, args.seeds,
                            digitnet.load(args.model_cache), d.x)
    if rows:
        parts += [(f"\nClass folders of pictures (test accuracy of networks trained on the "
                   f"prepared training pictures, mean of {args.seeds} seeds and range; a refused "
                   "test picture counts as a mistake):\n"),
                  table(["folder", "refused (train / test)", "accuracy",
                         "MNIST network's agreement", "refused when letterboxed on the page"],
                        rows)]
    body = "\n".join(parts)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    section = (f"## {args.label or 'run'} ({stamp})\n\n"
               f"Command: `python bench/own_pictures.py {shlex.join(argv or sys.argv[1:])}`  \n"
               f"Machine: {platform.machine()}, {os.cpu_count()} cores; "
               f"{time.perf_counter() - started:.0f} s\n\n{body}\n")
    print(section)
    if args.write:
        write_section(args.label, section)
    return 0


def write_section(label: str, section: str) -> None:
    """Replace the section of that label in RESULTS (or add it)."""
    head = ("# to_mnist on pictures people have\n\nWritten by `python bench/own_pictures.py "
            "--label LABEL --write`, one section per label.\n")
    text = RESULTS.read_text() if RESULTS.exists() else head
    sections = text.split("\n## ")
    kept = [sections[0].rstrip("\n") + "\n"] + [
        "## " + s.rstrip("\n") + "\n" for s in sections[1:] if not s.startswith(f"{label} (")]
    RESULTS.write_text("\n".join(kept + [section]))


if __name__ == "__main__":
    sys.exit(main())
