"""Side by side: DigitnetClassifier.fit against scikit-learn's MLPClassifier.fit on MNIST.

    pip install -e '.[sklearn]'
    python bench/estimator.py --out bench/results/estimator      # a few minutes on 2 cores

Both fit the same network (784-16-16-10, ReLU, softmax with cross-entropy) with the same
settings: Adam at a constant 0.003 (beta 0.9, 0.999), batches of 32, no weight decay (alpha 0),
EPOCHS epochs over the same training digits, every epoch run (MLPClassifier's tolerance stop
off), features standardised (DigitnetClassifier does it itself; MLPClassifier gets a
StandardScaler in a Pipeline, whose time is counted). The data: the real MNIST training digits
in ../shared/data/mnist-train-prefix, 20% held out (stratified) to score both. Each fit is
timed whole (wall clock, validation of the input included); the two alternate, ROUNDS times,
and the table gives the medians. Both run with one BLAS thread (threadpoolctl), as the
machine's cores are shared. Results: OUT.json (every fit) and OUT.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "mnist-train-prefix"
EPOCHS = 10
ROUNDS = 3


def contenders(epochs: int):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from digitnet.sklearn import DigitnetClassifier

    return {
        "DigitnetClassifier": lambda: DigitnetClassifier(
            (16, 16), activation="relu", optimizer="adam", lr=0.003, batch_size=32,
            epochs=epochs, schedule="constant", weight_decay=0.0, random_state=0),
        "MLPClassifier": lambda: make_pipeline(StandardScaler(), MLPClassifier(
            (16, 16), activation="relu", solver="adam", learning_rate_init=0.003,
            batch_size=32, max_iter=epochs, alpha=0.0, tol=0.0, n_iter_no_change=epochs + 1,
            shuffle=True, random_state=0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "estimator")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from digitnet import datasets

    data = datasets.load(str(DATA), split="train")
    train_index, test_index = datasets.stratified_split(data.labels, 0.2, seed=0)
    X = data.x.reshape(len(data.x), -1).astype(np.float64)
    y = data.labels
    runs = []
    makers = contenders(args.epochs)
    with threadpool_limits(1):
        for r in range(args.rounds):
            names = list(makers) if r % 2 == 0 else list(reversed(makers))
            for name in names:
                model = makers[name]()
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(X[train_index], y[train_index])
                seconds = time.perf_counter() - started
                accuracy = float(model.score(X[test_index], y[test_index]))
                runs.append({"contender": name, "round": r, "seconds": seconds,
                             "test_accuracy": accuracy})
                print(f"round {r} {name:20s} {seconds:7.2f} s  test accuracy {accuracy:.4f}")
    median = {name: statistics.median(x["seconds"] for x in runs if x["contender"] == name)
              for name in makers}
    accuracy = {name: statistics.median(x["test_accuracy"] for x in runs if x["contender"] == name)
                for name in makers}
    ratio = median["DigitnetClassifier"] / median["MLPClassifier"]
    import digitnet

    report = {"epochs": args.epochs, "rounds": args.rounds, "n_train": len(train_index),
              "n_test": len(test_index), "runs": runs, "median_seconds": median,
              "median_test_accuracy": accuracy, "ratio": ratio,
              "versions": {"python": platform.python_version(), "numpy": np.__version__,
                           "scikit-learn": sklearn.__version__, "digitnet": digitnet.__version__},
              "machine": f"{platform.processor() or platform.machine()}, shared"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    lines = [
        f"# DigitnetClassifier.fit against MLPClassifier.fit ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"Command: `python bench/estimator.py --epochs {args.epochs} --rounds {args.rounds}`  ",
        f"Data: {len(train_index):,} real MNIST training digits (mnist-train-prefix), "
        f"{len(test_index):,} held out; 784-16-16-10 ReLU, Adam 0.003 constant, batch 32, "
        f"{args.epochs} epochs, alpha/weight decay 0, standardised features; one BLAS thread; "
        "a 2-core machine shared with other work.  ",
        f"Versions: {report['versions']}",
        "",
        "| estimator | median fit seconds | per epoch | median test accuracy |",
        "|---|---|---|---|",
    ]
    for name in makers:
        lines.append(f"| {name} | {median[name]:.2f} | {median[name] / args.epochs:.3f} | "
                     f"{accuracy[name]:.4f} |")
    lines += ["", f"DigitnetClassifier / MLPClassifier fit time: **{ratio:.3f}** "
              f"(MLPClassifier takes {1 / ratio:.1f}x as long)."]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
