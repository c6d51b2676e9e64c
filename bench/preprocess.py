"""How long ``digitnet.preprocess.to_mnist`` takes per image, on real MNIST digits.

Images, each made from a distinct real digit (the last ones of --data):

- the page's drawing: the 28x28 digit resized to 56x56 with Pillow (bilinear), /255, rounded to
  2 decimals, float32, as the web server decodes the body bench/load.py sends;
- a 28x28 drawing, the same without the resize;
- a scan: the digit scaled up 8 times (bicubic) as dark ink on a white 360x420 page, uint8, as
  tests/unit/test_preprocess.py's ``on_paper`` makes it;
- a photo: the digit scaled up 10 times on grey paper with a lighting gradient and sensor noise,
  RGB uint8 420x380, as that file's photo test makes it (an array: decoding is not timed).

Each call is timed alone; every image is timed --rounds times, in a new random order each round.
An image's time is its median over the rounds; the table gives the median and 90th percentile of
those over the images, and the range of the rounds' own medians (how noisy the machine was).
The reference row times one Pillow call every drawing's path makes (the crop's Lanczos resize),
a floor for any pipeline built on Pillow.

    python bench/preprocess.py                             # print the table
    python bench/preprocess.py --label after --write       # also (re)write that section of
                                                           # bench/results/preprocess.md
    python bench/preprocess.py --variants                  # also the other ways through, where
                                                           # the code under test has them
                                                           # (see code_paths)

This is a benchmark, not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist-train-prefix"
RESULTS = REPO / "bench" / "results" / "preprocess.md"
BUDGET_MS = 0.3  # the page's 56x56 drawing, median


def page_drawing(digit: np.ndarray, size: int) -> np.ndarray:
    """As bench/load.py's bodies() lays a digit out, decoded as the server does (float32)."""
    if size != digit.shape[0]:
        digit = np.asarray(Image.fromarray(digit).resize((size, size), Image.BILINEAR))
    return np.round(digit / 255.0, 2).astype(np.float32)


def scan(digit: np.ndarray) -> np.ndarray:
    """Dark ink on a white 360x420 page, off-centre (the unit tests' ``on_paper``)."""
    big = np.asarray(Image.fromarray(digit).resize((224, 224), Image.Resampling.BICUBIC))
    page = np.zeros((360, 420), np.uint8)
    page[70:294, 30:254] = big
    return 255 - page


def photo(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey paper, a lighting gradient, noise, slightly coloured (the unit tests' photo)."""
    big = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BICUBIC)) / 255.0
    ink = np.zeros((420, 380))
    ink[100:380, 50:330] = big
    h, w = ink.shape
    shade = 0.45 + 0.35 * np.linspace(0, 1, w)[None, :] + 0.1 * np.linspace(0, 1, h)[:, None]
    gray = shade - ink * (shade - 0.12) + rng.normal(0, 0.03, ink.shape)
    rgb = np.clip(gray[..., None] * [1.0, 0.95, 0.85], 0, 1)
    return (rgb * 255).astype(np.uint8)


def workloads(digits: np.ndarray, n_photos: int) -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    return {
        "page drawing 56x56 (float32)": [page_drawing(d, 56) for d in digits],
        "drawing 28x28 (float32)": [page_drawing(d, 28) for d in digits],
        "scan 360x420 (uint8)": [scan(d) for d in digits[:n_photos]],
        "photo 420x380 RGB (uint8)": [photo(d, rng) for d in digits[:n_photos]],
    }


def crop_resize(drawing: np.ndarray) -> Image.Image:
    """The reference: one Pillow Lanczos resize of a 56x56 drawing's crop-sized float image."""
    return Image.fromarray(drawing[4:52, 8:44]).resize((15, 20), Image.Resampling.LANCZOS)


def code_paths(preprocess, variants: bool) -> dict[str, dict[str, object]]:
    """The ways through to_mnist to time: a name, and the attributes of preprocess to set first.

    With ``variants``, code that has the C drawing path is timed with and without it, and code
    with ``_percentile`` (np.percentile's arithmetic, by one partition) also with np.percentile.
    """
    compiled = getattr(preprocess, "_compiled", None)
    if variants and compiled is not None:
        return {"to_mnist, with _drawing.c": {"_compiled": compiled},
                "to_mnist, _compiled = None": {"_compiled": None}}
    if variants and hasattr(preprocess, "_percentile"):
        return {"to_mnist": {"_percentile": preprocess._percentile},
                "to_mnist, np.percentile for _percentile": {
                    "_percentile": lambda values, q: float(np.percentile(values, q))}}
    return {"to_mnist": {}}


def time_calls(calls: dict[str, tuple[object, list]], rounds: int,
               rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Seconds per call: an array (rounds, n) per row, each call timed alone, order shuffled."""
    times = {row: np.zeros((rounds, len(items))) for row, (_, items) in calls.items()}
    jobs = [(row, i) for row, (_, items) in calls.items() for i in range(len(items))]
    clock = time.perf_counter
    for r in range(rounds):
        for k in rng.permutation(len(jobs)):
            row, i = jobs[k]
            function, items = calls[row]
            item = items[i]
            start = clock()
            function(item)
            times[row][r, i] = clock() - start
    return times


def summarise(times: np.ndarray) -> dict[str, float]:
    per_image = np.median(times, axis=0) * 1e3
    per_round = np.median(times, axis=1) * 1e3
    return {"n": times.shape[1], "median": float(np.median(per_image)),
            "p90": float(np.percentile(per_image, 90)),
            "round_low": float(per_round.min()), "round_high": float(per_round.max())}


def table(summary: dict[str, dict[str, float]]) -> str:
    lines = ["| image | code path | images | median ms | p90 ms | rounds' medians ms |",
             "|---|---|---|---|---|---|"]
    for row, s in summary.items():
        image, path = row.split(" | ")
        lines.append(f"| {image} | {path} | {s['n']} | {s['median']:.3f} | {s['p90']:.3f} "
                     f"| {s['round_low']:.3f}–{s['round_high']:.3f} |")
    return "\n".join(lines)


def write_section(label: str, text: str) -> None:
    """Put ``text`` as the section ``## label`` of RESULTS, replacing one of that label."""
    head = ("# to_mnist: time per image\n\nWritten by `python bench/preprocess.py --label LABEL "
            "--write`, one section per label. Times are per call of `digitnet.preprocess.to_mnist` "
            "on arrays (no file decoding); an image's time is its median over the rounds, and the "
            "table gives the median and 90th percentile over distinct real MNIST digits. The "
            "machine (2 cores) was shared with other work while these ran: compare rows of one "
            "section, taken side by side, rather than figures of different sections.\n")
    sections: dict[str, str] = {}
    if RESULTS.exists():
        parts = RESULTS.read_text().split("\n## ")
        for part in parts[1:]:
            title = part.split("\n", 1)[0]
            sections[title.rsplit(" (", 1)[0]] = "## " + part.rstrip() + "\n"  # less the date
    sections[label] = text.rstrip() + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text(head + "".join("\n" + s for s in sections.values()))
    os.replace(tmp, RESULTS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=400, help="distinct digits drawn (default 400)")
    parser.add_argument("--photos", type=int, default=30, help="distinct scans and photos")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--variants", action="store_true",
                        help="also time the other ways through to_mnist (see code_paths)")
    parser.add_argument("--label", default="run")
    parser.add_argument("--write", action="store_true", help=f"write the section to {RESULTS}")
    args = parser.parse_args(argv)

    from digitnet import datasets, preprocess

    digits = datasets.load(str(args.data), split="train").x[-args.n:]
    loads = workloads(digits, args.photos)
    paths = code_paths(preprocess, args.variants)
    originals = {name: getattr(preprocess, name) for patch in paths.values() for name in patch}

    def run_with(patch):
        def run(image):
            for name, value in patch.items():
                setattr(preprocess, name, value)
            return preprocess.to_mnist(image)
        return run

    calls = {f"{image} | {path}": (run_with(patch), items)
             for image, items in loads.items() for path, patch in paths.items()}
    calls["reference: one Pillow Lanczos resize | Image.resize"] = (
        crop_resize, loads["page drawing 56x56 (float32)"])
    for function, items in calls.values():  # warm up: caches, imports, first allocations
        for item in items[:20]:
            function(item)
    load_before = os.getloadavg()
    started = time.perf_counter()
    times = time_calls(calls, args.rounds, np.random.default_rng(1))
    wall = time.perf_counter() - started
    for name, value in originals.items():
        setattr(preprocess, name, value)
    summary = {row: summarise(t) for row, t in times.items()}

    verdict = "; ".join(f"{row.split(' | ')[1]} {s['median']:.3f} ms ("
                        f"{'met' if s['median'] <= BUDGET_MS else 'not met'})"
                        for row, s in summary.items() if row.startswith("page drawing"))
    text = "\n".join([
        f"## {args.label} ({datetime.datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"Command: `python bench/preprocess.py {shlex.join(sys.argv[1:])}`  ",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, shared; "
        f"load average before / after: {' '.join(f'{v:.2f}' for v in load_before)} / "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}  ",
        f"Versions: Python {platform.python_version()}, numpy {np.__version__}, "
        f"Pillow {PIL.__version__}; {args.rounds} rounds, {wall:.1f} s",
        "",
        table(summary),
        "",
        f"Budget: the page's 56x56 drawing in at most {BUDGET_MS} ms (median): {verdict}.",
    ])
    print(text)
    if args.write:
        write_section(args.label, text)


if __name__ == "__main__":
    main()
