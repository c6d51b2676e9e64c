"""How digitnet's recipe for tables was chosen: accuracy against scikit-learn's MLPClassifier.

For each of scikit-learn's wine, breast-cancer and 8x8-digits tables and each seed, 5-fold
stratified cross-validation (shuffled by the seed): on every fold, scikit-learn's usual MLP
(StandardScaler, then MLPClassifier with its defaults, hidden layers (16, 16), max_iter=2000 so
that it converges) and digitnet with the same hidden layers and each candidate recipe are trained
on the same rows and score the same held-out rows; a run's accuracy is over all rows. digitnet
holds out 10% of each training fold for validation, as `digitnet train` does, so it learns from
fewer rows. The table gives digitnet's accuracy minus MLPClassifier's, in points, per table and
seed, and the mean and worst over all.

    python bench/table_recipe.py            # print the table
    python bench/table_recipe.py --write    # also write bench/results/table-recipe.md

The candidates: "pictures" is the default recipe of digitnet.config with shift 0; "table" is
digitnet.recipes.TABLE on top of it (what `digitnet train` uses for a table); the others are
the alternatives tried beside it. This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import platform
from pathlib import Path

import numpy as np

import digitnet
from digitnet import PRESETS, inputs, recipes

_PICTURES = {k: getattr(PRESETS["default"], k) for k in recipes.TABLE}  # as for pictures
#: Each candidate gives every option of recipes.TABLE, so that none is filled in by it.
CANDIDATES = {
    "pictures": {**_PICTURES, "shift": 0},
    "table": dict(recipes.TABLE),
    "200 epochs": {**_PICTURES, "shift": 0, "epochs": 200},
    "batch 16, 100 epochs": {**_PICTURES, "shift": 0, "batch_size": 16, "epochs": 100},
    "100 epochs, L2 1e-4": {**_PICTURES, "shift": 0, "epochs": 100, "weight_decay": 1e-4},
    "200 epochs, L2 1e-3": {**_PICTURES, "shift": 0, "epochs": 200, "weight_decay": 1e-3},
}
TABLES = ("wine", "breast_cancer", "digits")
RESULTS = Path(__file__).parent / "results" / "table-recipe.md"


def compare(table: str, seed: int) -> dict[str, float]:
    """Accuracy of MLPClassifier ("sklearn") and of each candidate, over all rows."""
    import sklearn.datasets
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(sklearn.datasets, f"load_{table}")(return_X_y=True)
    right = dict.fromkeys(["sklearn", *CANDIDATES], 0)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
        mlp = make_pipeline(StandardScaler(),
                            MLPClassifier((16, 16), max_iter=2000, random_state=seed))
        right["sklearn"] += int((mlp.fit(X[train], y[train]).predict(X[test]) == y[test]).sum())
        for name, options in CANDIDATES.items():
            net = digitnet.train(X[train], y[train], hidden=(16, 16), seed=seed,
                                 handle_signals=False, **options).network
            answers = np.array(inputs.classes_of(net))[net.predict(X[test])]
            right[name] += int((answers == y[test].astype(str)).sum())
    return {k: v / len(y) for k, v in right.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()
    names = list(CANDIDATES)
    lines = ["| table | seed | MLPClassifier | " + " | ".join(names) + " |",
             "|---|---|---|" + "---|" * len(names)]
    gaps = {n: [] for n in names}
    for table in TABLES:
        for seed in range(args.seeds):
            acc = compare(table, seed)
            for n in names:
                gaps[n].append(100 * (acc[n] - acc["sklearn"]))
            lines.append(f"| {table} | {seed} | {acc['sklearn']:.2%} | "
                         + " | ".join(f"{gaps[n][-1]:+.2f}" for n in names) + " |")
            print(lines[-1], flush=True)
    lines.append("| mean | | | " + " | ".join(f"{np.mean(gaps[n]):+.2f}" for n in names) + " |")
    lines.append("| worst | | | " + " | ".join(f"{np.min(gaps[n]):+.2f}" for n in names) + " |")
    print("\n".join(lines[-2:]))
    if args.write:
        candidates = "\n".join(f"- {n}: {CANDIDATES[n]}" for n in names)
        RESULTS.write_text(
            "# digitnet's recipe for tables against scikit-learn's MLPClassifier\n\n"
            f"`python bench/table_recipe.py --write`, {datetime.date.today()}, Python "
            f"{platform.python_version()}, digitnet {digitnet.__version__}. Each cell after "
            "MLPClassifier's accuracy is digitnet's accuracy minus it, in points (5-fold "
            "cross-validation, all rows scored; see the script's docstring). Candidates, on "
            f"top of the default recipe:\n\n{candidates}\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
