"""Side by side: trials per minute of ``digitnet tune`` and of the same Optuna study training
PyTorch's hand-written loop, on the same data, in one run.

    pip install -e '.[bench,tune]'                    # torch==2.13.0, optuna
    python bench/tune.py --out bench/results/tune     # 10 trials x 2 rounds each, ~45 minutes

Both searches are the same Optuna study but for what a trial trains with:

* the same search space (digitnet's default: activation, optimiser and momentum, learning rate,
  schedule, batch size, epochs, shifts, weight decay) and base recipe (784-16-16-10, softmax
  with cross-entropy, seed 0), drawn by the same TPE sampler seeded per trial
  (``digitnet.trials.make_sampler``), with no pruner: with one, which trials stop would depend
  on each framework's own scores. The first 10 trials of TPE are its random start-up trials,
  which do not depend on scores either, so both studies train the same 10 recipes; the script
  checks that they did, trial by trial;
* the same data: the 24,345 MNIST digits of ../shared/data/mnist-train-prefix, of which the
  same stratified 10% are held out and score every trial;
* the same storage (a SQLite file opened by ``digitnet.studies.open_storage``), one process
  with one thread for the trials (``digitnet tune --jobs 1``; ``torch.set_num_threads(1)``).

digitnet is the real command, ``digitnet tune --jobs 1 --pruner none``. PyTorch's study runs
in a process of its own (this script with ``--pytorch-study``): ``study.optimize`` whose
objective trains the drawn recipe with bench/speed.py's run_pytorch loop (index a float tensor
per batch, forward, loss, zero_grad, backward, step), given what the recipe asks for: the hidden
activation, SGD with momentum or Adam, L2 weight decay on the weights, the learning rate of
each step (digitnet's cosine schedule), and the shifts (the same moves of the same images as
digitnet's run: the epoch's order and shifts come from the same seeded generator), starting from
digitnet's initial weights. Each epoch's validation accuracy is reported to the trial.

Trials per minute counts from the first trial's start to the last one's end (the study's
timestamps), so start-up is left out of it for both; the command's wall time is given beside.
Rounds alternate which framework goes first; the summary is the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import speed  # the machine and versions lines every benchmark prints

REPO = Path(__file__).resolve().parents[1]
MNIST_PREFIX_DIR = REPO.parent / "shared" / "data" / "mnist-train-prefix"
SEED = 0
STUDY = "bench"


# -- the PyTorch study (in a process of its own) ------------------------------------------------


def pytorch_study(storage: str, trials: int) -> None:
    """The Optuna study of digitnet tune, each trial trained by PyTorch's hand-written loop."""
    import numpy as np
    import optuna
    import torch

    from digitnet import datasets, studies
    from digitnet.config import PRESETS
    from digitnet.searchspace import DEFAULT_SPACE, Space
    from digitnet.trials import make_sampler

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    full = datasets.load(str(MNIST_PREFIX_DIR), split="train")
    train_set, val_set = datasets.train_val_split(full, PRESETS["default"].val_fraction, SEED)
    X = torch.from_numpy(train_set.x.reshape(len(train_set), -1).astype(np.float32) / 255)
    Y = torch.from_numpy(train_set.labels.astype(np.int64))
    Xv = torch.from_numpy(val_set.x.reshape(len(val_set), -1).astype(np.float32) / 255)
    yv = val_set.labels.astype(np.int64)
    space = Space(DEFAULT_SPACE)

    def objective(trial):
        trial.study.sampler = make_sampler(SEED, trial.number)  # as digitnet's trials do
        config = space.sample(trial, PRESETS["default"].replace(seed=SEED))
        trial.set_user_attr("config", config.to_dict())
        started = time.perf_counter()
        accuracy = train_pytorch(config, X, Y, Xv, yv, trial)
        trial.set_user_attr("train_seconds", time.perf_counter() - started)
        return accuracy

    study = optuna.create_study(storage=studies.open_storage(storage), study_name=STUDY,
                                direction="maximize", pruner=optuna.pruners.NopPruner())
    study.optimize(objective, n_trials=trials)


def torch_model(config, torch):
    """digitnet's initial network for ``config``, as a torch Sequential of Linear layers."""
    import numpy as np

    from digitnet import Network

    assert config.output == "softmax"
    net = Network(config.sizes, config.activation, config.output,
                  seed=np.random.default_rng((config.seed, 1)))
    hidden = {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
              "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[config.activation]
    layers = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(linear)
        if l < len(net.weights) - 1:
            layers.append(hidden())
    return torch.nn.Sequential(*layers)


def train_pytorch(config, X, Y, Xv, yv, trial) -> float:
    """run_pytorch's loop (bench/speed.py) for ``config``; returns the validation accuracy."""
    import numpy as np
    import torch

    from digitnet.augment import shift_offsets
    from digitnet.config import learning_rate

    model = torch_model(config, torch)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    groups = [{"params": weights, "weight_decay": config.weight_decay},
              {"params": biases, "weight_decay": 0.0}]
    if config.optimizer == "adam":
        opt = torch.optim.Adam(groups, lr=config.lr, betas=(config.beta1, config.beta2))
    else:
        opt = torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    n, b, s = len(Y), min(config.batch_size, len(Y)), config.shift
    steps = -(-n // b)
    total = steps * config.epochs
    padded = torch.nn.functional.pad(X.view(n, 28, 28), (s, s, s, s))
    offsets = torch.tensor(shift_offsets(s))
    grid = torch.arange(28)
    accuracy = 0.0
    for epoch in range(1, config.epochs + 1):
        rng = np.random.default_rng((config.seed, 2, epoch))  # digitnet's order and shifts
        order = torch.from_numpy(rng.permutation(n))
        shift_ids = torch.from_numpy(rng.integers(0, (2 * s + 1) ** 2, size=n)) if s else None
        for step, start in enumerate(range(0, n, b)):
            index = order[start : start + b]
            if s:
                dy, dx = offsets[shift_ids[start : start + b]].T
                rows = grid[None, :, None] + (s - dy)[:, None, None]
                cols = grid[None, None, :] + (s - dx)[:, None, None]
                xb = padded[index[:, None, None], rows, cols].reshape(len(index), -1)
            else:
                xb = X[index]
            for group in opt.param_groups:
                group["lr"] = learning_rate(config, (epoch - 1) * steps + step, total)
            loss = loss_fn(model(xb), Y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            accuracy = float(np.mean(model(Xv).argmax(1).numpy() == yv))
        trial.report(accuracy, epoch)
    return accuracy


# -- the runs, side by side ---------------------------------------------------------------------


def run_side(framework: str, trials: int, folder: Path) -> dict:
    """One study of ``trials`` trials by ``framework``, in a process of its own; its figures."""
    storage = folder / f"{framework}.db"
    if framework == "digitnet":
        command = [sys.executable, "-m", "digitnet", "tune", "--data", str(MNIST_PREFIX_DIR),
                   "--trials", str(trials), "--jobs", "1", "--pruner", "none",
                   "--seed", str(SEED), "--storage", str(storage), "--study", STUDY,
                   "--out", str(folder / "best.json")]
    else:
        command = [sys.executable, __file__, "--pytorch-study", str(storage),
                   "--trials", str(trials)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{framework} failed:\n{done.stderr}")
    return summary(framework, storage, wall)


def summary(framework: str, storage: Path, wall: float) -> dict:
    from digitnet import studies

    study = studies.load_study(studies.open_storage(storage), STUDY)
    trials = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    first = min(t.datetime_start for t in trials)
    last = max(t.datetime_complete for t in trials)
    minutes = (last - first).total_seconds() / 60
    return {"framework": framework, "trials": len(trials), "minutes": minutes,
            "trials_per_minute": len(trials) / minutes, "wall_seconds": wall,
            "per_trial": [{"number": t.number, "params": t.params, "value": t.value,
                           "seconds": (t.datetime_complete - t.datetime_start).total_seconds(),
                           "epochs": t.user_attrs["config"]["epochs"]} for t in trials]}


def check_same_recipes(runs: list[dict]) -> None:
    """Every run trained the same recipes, trial by trial (TPE's random start-up trials)."""
    reference = [t["params"] for t in runs[0]["per_trial"]]
    for run in runs[1:]:
        if [t["params"] for t in run["per_trial"]] != reference:
            raise SystemExit(f"{run['framework']} drew other recipes than {runs[0]['framework']}")


def markdown(runs: list[dict], meta: dict) -> str:
    by = {f: [r for r in runs if r["framework"] == f] for f in ("digitnet", "pytorch")}
    median = {f: statistics.median(r["trials_per_minute"] for r in rs) for f, rs in by.items()}
    lines = ["# Trials per minute: digitnet tune against the same study with PyTorch's loop",
             "", f"{meta['date']}; {meta['machine']}; {meta['versions']}. The machine was "
             "shared with other work while this ran: figures are medians over rounds.", "",
             f"**digitnet: {median['digitnet']:.2f} trials per minute, PyTorch's loop: "
             f"{median['pytorch']:.2f}: {median['digitnet'] / median['pytorch']:.1f}x as many "
             f"trials in the same time** ({meta['trials']} trials per study, "
             f"{meta['rounds']} rounds, one process of one thread each, no pruning).", "",
             "| round | framework | trials | minutes (first start to last end) | trials/min "
             "| command wall s |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(runs):
        lines.append(f"| {i // 2 + 1} | {r['framework']} | {r['trials']} | {r['minutes']:.2f} "
                     f"| {r['trials_per_minute']:.2f} | {r['wall_seconds']:.1f} |")
    lines += ["", "The recipes, the same in both studies, and what each framework made of them "
              "(first round; trial seconds include validation after every epoch):", "",
              "| trial | activation | optimizer | lr | batch | epochs | shift | digitnet val acc "
              "| PyTorch val acc | digitnet s | PyTorch s |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for d, p in zip(by["digitnet"][0]["per_trial"], by["pytorch"][0]["per_trial"]):
        q = d["params"]
        optimizer = q["optimizer"] + (f" (m {q['momentum']:.2f})" if "momentum" in q else "")
        lines.append(f"| {d['number']} | {q['activation']} | {optimizer} | {q['lr']:.3g} "
                     f"| {q['batch_size']} | {d['epochs']} | {q['shift']} | {d['value']:.2%} "
                     f"| {p['value']:.2%} | {d['seconds']:.1f} | {p['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=10, help="trials per study (10: all random)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", default="bench/results/tune")
    p.add_argument("--pytorch-study", metavar="DB", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.pytorch_study:
        return pytorch_study(a.pytorch_study, a.trials)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(a.rounds):
            order = ("digitnet", "pytorch") if round_ % 2 == 0 else ("pytorch", "digitnet")
            this_round = []
            for framework in order:
                folder = Path(tmp) / f"{round_}-{framework}"
                folder.mkdir()
                this_round.append(run_side(framework, a.trials, folder))
                print(f"round {round_ + 1} {framework}: "
                      f"{this_round[-1]['trials_per_minute']:.2f} trials/min", flush=True)
            runs += sorted(this_round, key=lambda r: r["framework"])  # digitnet, then pytorch
    check_same_recipes(runs)
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": speed.machine(),
            "versions": speed.versions(("numpy", "torch", "optuna")),
            "trials": a.trials, "rounds": a.rounds}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1,
                                                   default=str))
    out.with_suffix(".md").write_text(markdown(runs, meta))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
