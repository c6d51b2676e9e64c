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


def grid(activation_set: list[str], epochs: list[int]) -> list[dict]:
    recipes = []
    for act in activation_set:
        for opt, lr in [("adam", 0.002), ("adam", 0.005), ("sgd", 0.05)]:
            for shift, n_epochs in itertools.product([0, 1, 2], epochs):
                r = dict(activation=act, optimizer=opt, lr=lr, shift=shift, epochs=n_epochs,
                         batch_size=32, schedule="cosine")
                if opt == "sgd":
                    r["momentum"] = 0.9
                recipes.append(r)
    return recipes


def refine() -> list[dict]:
    """Round 2: around the scan's winners (shift 1 everywhere), longer, more seeds."""
    base = dict(shift=1, epochs=40, batch_size=32, schedule="cosine")
    recipes = [dict(base, activation=act, optimizer="adam", lr=lr)
               for act in ("relu", "leaky_relu") for lr in (0.001, 0.002, 0.003)]
    recipes += [dict(base, activation="sigmoid", optimizer="sgd", momentum=0.9, lr=lr)
                for lr in (0.05, 0.1, 0.2)]
    recipes += [dict(base, activation="sigmoid", optimizer="adam", lr=lr) for lr in (0.01, 0.02)]
    return recipes


def refine_more() -> list[dict]:
    """Round 3: the sigmoid recipes around SGD with momentum, and the ReLU winner's neighbours."""
    base = dict(shift=1, epochs=40, batch_size=32, schedule="cosine")
    sgd = dict(base, activation="sigmoid", optimizer="sgd", momentum=0.9)
    recipes = [dict(sgd, lr=0.02, epochs=60), dict(sgd, lr=0.03, epochs=60),
               dict(sgd, lr=0.05, epochs=60), dict(sgd, lr=0.03),
               dict(sgd, lr=0.05, batch_size=16),
               dict(base, activation="sigmoid", optimizer="adam", lr=0.001)]
    recipes += [dict(base, activation="relu", optimizer="adam", lr=0.004),
                dict(base, activation="relu", optimizer="adam", lr=0.003, epochs=50)]
    return recipes


def refine_sigmoid() -> list[dict]:
    """Round 4: sigmoid with SGD and momentum kept improving with epochs; go further."""
    sgd = dict(shift=1, batch_size=32, schedule="cosine", activation="sigmoid",
               optimizer="sgd", momentum=0.9)
    return [dict(sgd, lr=0.05, epochs=80), dict(sgd, lr=0.07, epochs=60)]


def run_one(args):
    data_dir, recipe, seed = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from digitnet import datasets
    from digitnet import PRESETS
    from digitnet.training import train

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
    p.add_argument("--epochs", default="30", help="comma-separated epoch counts to try")
    p.add_argument("--top", type=int, default=2, help="recipes re-run with more seeds")
    p.add_argument("--seeds", type=int, default=2, help="seeds per finalist")
    p.add_argument("--refine", type=int, choices=[2, 3, 4],
                   help="round 2, 3 or 4: refine(), refine_more() or refine_sigmoid(), "
                        "with --seeds seeds each")
    p.add_argument("--workers", type=int, default=os.cpu_count())
    a = p.parse_args()

    if a.refine:
        recipes = {2: refine, 3: refine_more, 4: refine_sigmoid}[a.refine]()
        with ProcessPoolExecutor(a.workers) as pool:
            runs = list(pool.map(run_one, [(a.data, r, s) for r in recipes for s in range(a.seeds)]))
        write(runs, [], recipes, Path(a.out))
        return
    recipes = grid(a.activations.split(","), [int(e) for e in a.epochs.split(",")])
    with ProcessPoolExecutor(a.workers) as pool:
        stage1 = list(pool.map(run_one, [(a.data, r, 0) for r in recipes]))
        finalists = []
        for act in a.activations.split(","):  # the best few per activation
            mine = [r for r in stage1 if r["recipe"]["activation"] == act]
            mine.sort(key=lambda r: -r["val_accuracy"])
            finalists += [r["recipe"] for r in mine[: a.top]]
        stage2 = list(pool.map(run_one, [(a.data, r, s) for r in finalists
                                         for s in range(1, a.seeds + 1)]))

    write(stage1, stage2, finalists, Path(a.out))


def write(stage1: list[dict], stage2: list[dict], finalists: list[dict], out: Path) -> None:
    summary = []
    for recipe in finalists:
        runs = [r for r in stage1 + stage2 if r["recipe"] == recipe]
        accs = [r["val_accuracy"] for r in runs]
        summary.append({"recipe": recipe, "mean_val_accuracy": statistics.mean(accs),
                        "min": min(accs), "max": max(accs), "runs": len(accs),
                        "train_seconds": statistics.mean(r["train_seconds"] for r in runs)})
    summary.sort(key=lambda s: -s["mean_val_accuracy"])
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
