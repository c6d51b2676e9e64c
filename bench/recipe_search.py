"""Choose the default recipes by validation accuracy on real MNIST (not by guess).

Trains the 784-16-16-10 network with many recipes on the MNIST training digits in --data,
holding out a stratified 10% for validation, and ranks them. Stage 1 scans one seed per
recipe; stage 2 re-runs the best few with more seeds (each seed also draws a different
validation split), so the winner is not a lucky split. Results go to a JSON file and a
markdown table.

    python bench/recipe_search.py --data ../shared/data/mnist-train-prefix --out bench/results/recipes

Runs in parallel worker processes (one per core by default).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def grid(activation_set: list[str]) -> list[dict]:
    recipes = []
    for act in activation_set:
        for opt, lr in [("adam", 0.002), ("adam", 0.004), ("adam", 0.008),
                        ("sgd", 0.05), ("sgd", 0.1)]:
            for shift, epochs, batch in itertools.product([0, 1, 2], [20, 40], [32]):
                r = dict(activation=act, optimizer=opt, lr=lr, shift=shift, epochs=epochs,
                         batch_size=batch, schedule="cosine")
                if opt == "sgd":
                    r["momentum"] = 0.9
                recipes.append(r)
    return recipes


def run_one(args):
    data_dir, recipe, seed = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from digitnet import datasets
    from digitnet.train import PRESETS, train

    data = datasets.load(data_dir, split="train")
    config = PRESETS["default"].replace(**recipe, seed=seed)
    started = time.perf_counter()
    try:
        result = train(data, config, handle_signals=False)
        acc = result.val_accuracy
        seconds = result.seconds
    except Exception as e:  # a diverging recipe simply loses
        acc, seconds = 0.0, time.perf_counter() - started
        print("failed:", recipe, e)
    return {"recipe": recipe, "seed": seed, "val_accuracy": acc, "train_seconds": seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="bench/results/recipes")
    p.add_argument("--activations", default="relu,sigmoid,tanh,leaky_relu")
    p.add_argument("--top", type=int, default=6, help="recipes re-run with more seeds")
    p.add_argument("--seeds", type=int, default=3, help="seeds per finalist")
    p.add_argument("--workers", type=int, default=os.cpu_count())
    a = p.parse_args()

    recipes = grid(a.activations.split(","))
    with ProcessPoolExecutor(a.workers) as pool:
        stage1 = list(pool.map(run_one, [(a.data, r, 0) for r in recipes]))
        finalists = []
        for act in a.activations.split(","):  # the best few per activation
            mine = [r for r in stage1 if r["recipe"]["activation"] == act]
            mine.sort(key=lambda r: -r["val_accuracy"])
            finalists += [r["recipe"] for r in mine[: a.top]]
        stage2 = list(pool.map(run_one, [(a.data, r, s) for r in finalists
                                         for s in range(1, a.seeds + 1)]))

    summary = []
    for recipe in finalists:
        runs = [r for r in stage1 + stage2 if r["recipe"] == recipe]
        accs = [r["val_accuracy"] for r in runs]
        summary.append({"recipe": recipe, "mean_val_accuracy": statistics.mean(accs),
                        "min": min(accs), "max": max(accs), "runs": len(accs),
                        "train_seconds": statistics.mean(r["train_seconds"] for r in runs)})
    summary.sort(key=lambda s: -s["mean_val_accuracy"])
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"stage1": stage1, "summary": summary}, indent=1))
    lines = ["| activation | optimizer | lr | shift | epochs | batch | mean val acc | min..max | runs | train s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        r = s["recipe"]
        lines.append(f"| {r['activation']} | {r['optimizer']}{' (m 0.9)' if 'momentum' in r else ''} "
                     f"| {r['lr']} | {r['shift']} | {r['epochs']} | {r['batch_size']} "
                     f"| {s['mean_val_accuracy']:.4f} | {s['min']:.4f}..{s['max']:.4f} | {s['runs']} "
                     f"| {s['train_seconds']:.1f} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
