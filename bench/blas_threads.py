"""How many BLAS threads the NumPy engine should train with: one, or as many as BLAS takes.

The NumPy engine (the one that trains recipes with dropout, such as ``--preset speech`` and
``--preset large``) does its matrix products through NumPy's BLAS, which by default splits each
across every core. On a machine busy with other work, threads that wait for each other can make
that slower than one thread; and a product split across another number of threads rounds
differently, so the same run gives other weights on another machine.

For each recipe, training is timed side by side in this one process, with BLAS on one thread
(what the NumPy engine does unless told otherwise) and as it is by default (as when the user
sets ``OPENBLAS_NUM_THREADS``), alternating, ``--repeats`` times each; then the same with
another process keeping one core busy (a user's other work). The weights are compared too: one
thread against the default. Run it with no BLAS thread variable set:

    env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS python bench/blas_threads.py --repeats 3 \
        --write bench/results/blas-threads.md

This is a benchmark, not a test: it asserts nothing. Times are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from digitnet import PRESETS, datasets, recipes
from digitnet.training import train

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _busy(stop) -> None:
    """Keep one core busy until ``stop`` is set: another program's work."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def _cases(epochs_large: int):
    """(name, Dataset, TrainConfig) of each recipe timed."""
    speech = datasets.load(str(DATA / "free-spoken-digits" / "recordings"), split="train")
    mnist = datasets.load(str(DATA / "mnist-train-prefix"), split="train")
    yield "speech preset (FSDD, 50 epochs)", speech, recipes.for_data(
        PRESETS["speech"], speech, set())
    yield f"large preset (MNIST prefix, {epochs_large} epochs)", mnist, recipes.for_data(
        PRESETS["large"].replace(epochs=epochs_large), mnist, {"epochs"})
    yield "default recipe, NumPy engine (MNIST prefix, 10 epochs)", mnist, recipes.for_data(
        PRESETS["default"].replace(epochs=10), mnist, {"epochs"})


def _timed(data, config, limit):
    """Seconds to train, and the network: on ``limit`` BLAS threads, or None: as many as BLAS
    takes by default (the engine, which computes on one unless the user set BLAS's threads, is
    told they were set)."""
    chosen = os.environ.get("OPENBLAS_NUM_THREADS")
    if limit is None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(multiprocessing.cpu_count())
    try:
        with threadpool_limits(limit):
            start = time.perf_counter()
            net = train(data, config, handle_signals=False, engine="numpy").network
            return time.perf_counter() - start, net
    finally:
        if chosen is None:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)
        else:
            os.environ["OPENBLAS_NUM_THREADS"] = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs-large", type=int, default=2)
    parser.add_argument("--write", type=Path, help="write the table (markdown) here")
    args = parser.parse_args()
    blas = [(p["internal_api"], p["num_threads"]) for p in threadpool_info()
            if p["user_api"] == "blas"]
    rows = []
    for name, data, config in _cases(args.epochs_large):
        for load in ("idle", "one core busy"):
            stop = multiprocessing.Event()
            other = multiprocessing.Process(target=_busy, args=(stop,)) if load != "idle" else None
            if other:
                other.start()
            times = {1: [], None: []}
            nets = {}
            _timed(data, config.replace(epochs=1), None)  # (warm: caches, pages, BLAS threads)
            try:
                for _ in range(args.repeats):
                    for limit in (1, None):
                        seconds, nets[limit] = _timed(data, config, limit)
                        times[limit].append(seconds)
            finally:
                if other:
                    stop.set()
                    other.join()
            same = all(np.array_equal(a, b) for a, b in zip(nets[1].weights, nets[None].weights))
            one, default = np.median(times[1]), np.median(times[None])
            rows.append((name, load, one, default, default / one, same))
            print(name, load, {k: [round(t, 2) for t in v] for k, v in times.items()}, flush=True)
    lines = [f"# BLAS threads for the NumPy engine's training ({time.strftime('%Y-%m-%d')})", "",
             f"`python bench/blas_threads.py --repeats {args.repeats} --epochs-large "
             f"{args.epochs_large}`, Python {platform.python_version()}, NumPy {np.__version__}, "
             f"BLAS {blas} (library, default threads), {multiprocessing.cpu_count()} cores; "
             "medians of the repeats, one thread and the default alternating in one process.", "",
             "| recipe | machine | 1 thread (s) | default threads (s) | default / 1 thread "
             "| same weights |", "|---|---|---|---|---|---|"]
    lines += [f"| {n} | {load} | {a:.1f} | {b:.1f} | {r:.2f} | {'yes' if s else 'no'} |"
              for n, load, a, b, r, s in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
