"""Does digitnet take the same steps as PyTorch? Parameters side by side, step after step.

    python bench/divergence.py                                   # ReLU, SGD at lr 0.1, batch 10
    python bench/divergence.py --activation sigmoid --lr 0.5
    python bench/divergence.py --optimizer adam --lr 0.002 --out bench/results/divergence-adam

From the same initial weights (digitnet's, for ``--seed``) and over the same batches (digitnet's
epoch order), each of these trains 784-16-16-10 with softmax and cross-entropy on Fashion-MNIST:

* ``pytorch-float64``: the hand-written PyTorch loop of bench/speed.py, in float64: the
  reference, exact to about 1e-16 per operation;
* ``pytorch``: the same loop in float32, as bench/speed.py runs it;
* ``digitnet``: digitnet's compiled steps (``--engine compiled``), float32;
* ``digitnet-numpy``: digitnet's NumPy steps (``--engine numpy``), float32;
* ``digitnet-numpy-float64``: the same NumPy steps on a float64 network: digitnet's algorithm
  at the reference's precision, so any systematic difference from PyTorch's algorithm (a mean
  against a sum, a bias, an optimiser detail) shows up far above rounding;
* ``numpy``: bench/numpy_reference.py, float32;
* ``digitnet-1ulp``: digitnet's compiled steps again, with every initial weight moved up by one
  float32 ulp: how fast the smallest possible difference grows (the chaos probe).

After step 1, 10, 100 and 1,000 and after every half epoch, the largest absolute difference of each
run's 13,002 parameters from the reference's (and, for the probe, from ``digitnet``) is recorded,
with each run's final test accuracy. If digitnet's distance from float64 grows like PyTorch
float32's, the two differ by rounding alone. Results: ``OUT.json`` and ``OUT.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speed  # the data, initial weights and epoch order of the benchmark

CHECKPOINTS = (1, 10, 100, 1000)  # steps; then every half epoch
RUNS = ("pytorch-float64", "pytorch", "digitnet", "digitnet-numpy", "digitnet-numpy-float64",
        "numpy", "digitnet-1ulp")


class DigitnetRun:
    """digitnet's own step runner (compiled or NumPy) on a network of ``dtype``."""

    def __init__(self, spec, pixels, labels, engine, dtype=np.float32, nudge=False):
        from digitnet import engines, optimizers

        net = speed.initial_network(spec).astype(dtype)
        if nudge:  # every weight one float32 ulp up
            w = net.params[: net.n_weights]
            w[...] = np.nextafter(w, np.float32(np.inf), dtype=np.float32)
        kwargs = ({"momentum": 0.9 if spec["optimizer"] == "momentum" else 0.0}
                  if spec["optimizer"] != "adam" else {})
        opt = optimizers.make("adam" if spec["optimizer"] == "adam" else "sgd",
                              net.parameter_count, n_decayed=net.n_weights, dtype=net.dtype,
                              **kwargs)
        self.net, self.lr = net, spec["lr"]
        self.steps = engines.choose(engine, net, opt).steps(net, opt, pixels, labels,
                                                            batch_size=spec["batch"])

    def run(self, order, start, stop):
        self.steps.run(order, None, start, stop, [self.lr] * (stop - start))

    def params(self):
        return self.net.params.astype(np.float64)

    def predict(self, pixels):
        return self.net.predict(pixels)


class TorchRun:
    """The hand-written loop of speed.run_pytorch, one step at a time, in ``dtype``."""

    def __init__(self, spec, pixels, labels, dtype):
        import torch

        torch.set_num_threads(1)
        self.torch, self.dtype = torch, dtype
        net0 = speed.initial_network(spec)
        layers = []
        for l, (w, b) in enumerate(zip(net0.weights, net0.biases)):
            linear = torch.nn.Linear(w.shape[1], w.shape[0]).to(dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w.copy()))
                linear.bias.copy_(torch.from_numpy(b.copy()))
            layers.append(linear)
            if l < len(net0.weights) - 1:
                layers.append(torch.nn.ReLU() if spec["activation"] == "relu"
                              else torch.nn.Sigmoid())
        self.model = torch.nn.Sequential(*layers)
        self.linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        self.opt = speed.make_torch_optimizer(torch, self.model, spec)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.X = torch.from_numpy(pixels.astype(np.float32)).to(dtype)
        self.X /= 255
        self.Y = torch.from_numpy(labels.astype(np.int64))
        self.batch = spec["batch"]

    def run(self, order, start, stop):
        order = self.torch.from_numpy(order)
        for s in range(start, stop):
            index = order[s * self.batch : (s + 1) * self.batch]
            loss = self.loss_fn(self.model(self.X[index]), self.Y[index])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def params(self):
        weights = [m.weight.detach().double().numpy().ravel() for m in self.linears]
        biases = [m.bias.detach().double().numpy() for m in self.linears]
        return np.concatenate(weights + biases)

    def predict(self, pixels):
        with self.torch.no_grad():
            x = self.torch.from_numpy(pixels.astype(np.float32)).to(self.dtype) / 255
            return self.model(x).argmax(1).numpy()


class NumpyRun:
    """bench/numpy_reference.py, one step at a time."""

    def __init__(self, spec, pixels, labels):
        from numpy_reference import NumpyMLP

        net0 = speed.initial_network(spec)
        self.mlp = NumpyMLP(net0.weights, net0.biases, spec["activation"],
                            "adam" if spec["optimizer"] == "adam" else "sgd", spec["lr"],
                            momentum=0.9 if spec["optimizer"] == "momentum" else 0.0)
        self.X = pixels.astype(np.float32)
        self.X /= 255
        self.labels, self.batch = labels, spec["batch"]

    def run(self, order, start, stop):
        for s in range(start, stop):
            index = order[s * self.batch : (s + 1) * self.batch]
            self.mlp.train_step(self.X[index], self.labels[index])

    def params(self):
        return np.concatenate([w.ravel() for w in self.mlp.weights] + self.mlp.biases).astype(
            np.float64)

    def predict(self, pixels):
        return self.mlp.predict(pixels.astype(np.float32) / 255)


def make_run(name, spec, pixels, labels):
    import torch

    if name == "pytorch-float64":
        return TorchRun(spec, pixels, labels, torch.float64)
    if name == "pytorch":
        return TorchRun(spec, pixels, labels, torch.float32)
    if name == "numpy":
        return NumpyRun(spec, pixels, labels)
    engine = "numpy" if name.startswith("digitnet-numpy") else "compiled"
    dtype = np.float64 if name.endswith("float64") else np.float32
    return DigitnetRun(spec, pixels, labels, engine, dtype, nudge=name == "digitnet-1ulp")


def trajectories(spec: dict) -> dict:
    """Each run's parameters at the checkpoints, compared with the float64 reference."""
    x, y, xt, yt = speed.load_data(spec)
    n, batch = len(y), spec["batch"]
    steps_per_epoch = -(-n // batch)
    marks = [s for s in CHECKPOINTS if s < steps_per_epoch // 2]
    marks += [h * steps_per_epoch // 2 for h in range(1, 2 * spec["epochs"] + 1)]
    snapshots, accuracy, seconds = {}, {}, {}
    for name in RUNS:
        started = time.perf_counter()
        run = make_run(name, spec, x, y)
        snapshots[name] = [run.params()]
        accuracy[name] = [float(np.mean(run.predict(xt) == yt))]
        done = 0
        for mark in marks:
            while done < mark:
                epoch, step = divmod(done, steps_per_epoch)
                stop = min(mark, (epoch + 1) * steps_per_epoch) - epoch * steps_per_epoch
                run.run(speed.epoch_order(n, epoch + 1, spec["seed"]), step, stop)
                done = epoch * steps_per_epoch + stop
            snapshots[name].append(run.params())
            accuracy[name].append(float(np.mean(run.predict(xt) == yt)))
        seconds[name] = time.perf_counter() - started
        print(f"{name:>24}: {seconds[name]:6.1f} s, test accuracy {100 * accuracy[name][-1]:.2f}%",
              file=sys.stderr, flush=True)
    reference = snapshots["pytorch-float64"]
    rows = []
    for i, mark in enumerate([0] + marks):
        row = {"step": mark, "epoch": mark / steps_per_epoch,
               "max_abs_param": float(np.abs(reference[i]).max()), "max_abs_diff": {},
               "test_accuracy": {name: accuracy[name][i] for name in RUNS}}
        for name in RUNS[1:]:
            base = snapshots["digitnet"] if name == "digitnet-1ulp" else reference
            row["max_abs_diff"][name] = float(np.abs(snapshots[name][i] - base[i]).max())
        rows.append(row)
    return {"spec": spec, "rows": rows, "seconds": seconds}


def markdown(result: dict) -> str:
    spec = result["spec"]
    names = RUNS[1:]
    title = (f"# Step by step: digitnet against PyTorch ({spec['activation']}, "
             f"{spec['optimizer']} at lr {spec['lr']}, batch {spec['batch']}, seed {spec['seed']})")
    caption = ("Largest absolute difference of the 13,002 parameters from PyTorch in float64 "
               "(the 1-ulp probe: from digitnet's own run), after each number of steps:")
    lines = [title, "", f"Command: `{result['command']}`", "", caption, "",
             "| step | epoch | max abs parameter | " + " | ".join(names) + " |",
             "|---" * (3 + len(names)) + "|"]
    for row in result["rows"]:
        lines.append(f"| {row['step']:,} | {row['epoch']:.3g} | {row['max_abs_param']:.3f} | "
                     + " | ".join(f"{row['max_abs_diff'][n]:.1e}" for n in names) + " |")
    lines += ["", "Test accuracy (%) after each half epoch:", "",
              "| epoch | " + " | ".join(RUNS) + " |", "|---" * (1 + len(RUNS)) + "|"]
    for row in result["rows"]:
        if row["epoch"] >= 0.5:
            lines.append(f"| {row['epoch']:.3g} | " + " | ".join(
                f"{100 * row['test_accuracy'][n]:.2f}" for n in RUNS) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--activation", default="relu", choices=["relu", "sigmoid"])
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adam"])
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=speed.SEED)
    p.add_argument("--out", default="bench/results/divergence", help="Path stem for .json and .md.")
    args = p.parse_args(argv)
    spec = {"data": "fashion", "sizes": [784, 16, 16, 10], "activation": args.activation,
            "optimizer": args.optimizer, "lr": args.lr, "batch": args.batch,
            "epochs": args.epochs, "seed": args.seed}
    result = trajectories(spec)
    result["command"] = "python bench/divergence.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
