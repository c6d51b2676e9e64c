"""Side by side: poking the network (digitnet.poke) against the same work in PyTorch and done
the plain way, on 10,000 real MNIST digits.

    python bench/poke.py --out bench/results/poke          # a minute or two on 2 cores

The network: 784-16-16-10 (ReLU, softmax), trained for 3 epochs on the first 12,000 digits of
../shared/data/mnist-train-prefix (speed does not depend on the weights); the examples: the
last 10,000 digits of the prefix, as uint8 pixels. What is timed, each as one call:

* ablate: accuracy (overall and per class) with two neurons switched off, and intact; against
  PyTorch (the network as ``net.to_torch()``, the weights out of the two neurons zeroed, two
  forward passes from the uint8 pixels in ``torch.no_grad()``, per-class counts by
  ``bincount``);
* rank: every hidden neuron switched off alone (32 accuracies); against PyTorch (32 forward
  passes of a copy with one neuron's outgoing weights zeroed) and against the plain way in
  digitnet (32 calls of ``poke.ablate``, each a full forward pass);
* profile, embedding (PCA of layer 2), robustness (the four curves, 2,000 digits),
  backprop_step: digitnet only, for the record.

Contenders alternate, ROUNDS times; the tables give medians. One BLAS thread and one torch
thread for both, as the machine's cores are shared. Results: OUT.json (every timing), OUT.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "mnist-train-prefix"
ROUNDS = 7
OFF = ((1, 3), (2, 5))


def setup():
    from digitnet import PRESETS, datasets, inputs
    from digitnet.training import train

    data = datasets.load(str(DATA))
    net = train(data.subset(slice(0, 12000), "train"), PRESETS["default"].replace(epochs=3),
                handle_signals=False).network
    x = data.x[-10000:]
    return net, x, inputs.of(net).rows(x), data.labels[-10000:].astype(np.intp)


def torch_contenders(net, rows, labels):
    import torch

    model = net.to_torch()
    pixels = torch.from_numpy(rows)
    y = torch.from_numpy(labels)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def score(weights_off):  # from uint8 pixels each time, as digitnet's forward pass reads them
        saved = [lin.weight.detach().clone() for lin in linears]
        with torch.no_grad():
            x = pixels.float() / 255
            for layer, neuron in weights_off:
                linears[layer].weight[:, neuron] = 0  # the weights out of it, into layer + 1
            predicted = model(x).argmax(dim=1)
            for lin, w in zip(linears, saved):
                lin.weight.copy_(w)
        right = torch.bincount(y[predicted == y], minlength=10)
        return float((predicted == y).float().mean()), right / torch.bincount(y, minlength=10)

    def ablate():
        return score(OFF), score(())

    def rank():
        return [score(((layer, j),)) for layer in (1, 2) for j in range(16)]

    return ablate, rank


def contenders(net, x, rows, labels):
    from digitnet import poke

    torch_ablate, torch_rank = torch_contenders(net, rows, labels)
    changes = poke.Changes(off=OFF)

    def plain_rank():
        return [poke.ablate(net, rows, labels, poke.Changes(off=((layer, j),)))
                for layer in (1, 2) for j in range(16)]

    return {
        "ablate": {"digitnet.poke.ablate": lambda: poke.ablate(net, rows, labels, changes),
                   "PyTorch": torch_ablate},
        "rank": {"digitnet.poke.rank_neurons": lambda: poke.rank_neurons(net, rows, labels),
                 "PyTorch": torch_rank,
                 "32 x digitnet.poke.ablate": plain_rank},
        "profile": {"digitnet.poke.neuron_profile": lambda: poke.neuron_profile(net, rows, labels, 1, 0)},
        "embedding": {"digitnet.poke.embedding (PCA)": lambda: poke.embedding(net, rows, 2)},
        "robustness": {"digitnet.poke.robustness_curves": lambda: poke.robustness_curves(net, x[:2000], labels[:2000])},
        "backprop": {"digitnet.poke.backprop_step": lambda: poke.backprop_step(net, rows[0], 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "poke")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_limits

    import digitnet

    torch.set_num_threads(1)
    with threadpool_limits(1, user_api="blas"):
        net, x, rows, labels = setup()
        tasks = contenders(net, x, rows, labels)
        times = {task: {name: [] for name in runs} for task, runs in tasks.items()}
        for _ in range(args.rounds):
            for task, runs in tasks.items():
                for name, run in runs.items():
                    start = time.perf_counter()
                    run()
                    times[task][name].append(time.perf_counter() - start)
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "torch": torch.__version__, "digitnet": digitnet.__version__}
    args.out.with_suffix(".json").write_text(json.dumps(
        {"rounds": args.rounds, "n": len(labels), "versions": versions, "seconds": times}, indent=1))
    args.out.with_suffix(".md").write_text(report(times, args.rounds, len(labels), versions))
    print(args.out.with_suffix(".md").read_text())


def report(times, rounds, n, versions) -> str:
    lines = [f"# digitnet.poke, side by side ({datetime.now():%Y-%m-%d %H:%M})", "",
             f"Command: `python bench/poke.py --rounds {rounds}`  ",
             f"Data: the last {n:,} real MNIST digits of mnist-train-prefix (uint8 pixels); "
             "784-16-16-10 ReLU trained 3 epochs; one BLAS and one torch thread; a 2-core "
             "machine shared with other work (medians of alternating rounds).  ",
             f"Versions: {versions}", "",
             "| task | contender | median ms | ratio to digitnet |", "|---|---|---|---|"]
    for task, runs in times.items():
        medians = {name: statistics.median(t) * 1000 for name, t in runs.items()}
        first = next(iter(medians.values()))
        for name, ms in medians.items():
            lines.append(f"| {task} | {name} | {ms:.1f} | {ms / first:.2f} |")
    lines.append("")
    lines.append("ablate: two neurons off against the intact network (two forward passes). rank: "
                 "all 32 hidden neurons off one at a time; digitnet computes each layer's "
                 "activations once and reruns only the layers after it. robustness: four "
                 "curves of 5 or 6 levels on 2,000 digits.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
