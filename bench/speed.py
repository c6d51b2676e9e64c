"""Side by side: how fast digitnet trains and predicts, against PyTorch, scikit-learn and NumPy.

    pip install -e '.[bench]'                                  # torch==2.13.0 and scikit-learn
    apt-get install dataset-fashion-mnist                      # the full Fashion-MNIST files
    python bench/speed.py --peer-threads 1 --out bench/results/speed   # about 20 minutes, 2 cores
    python bench/speed.py --quick --out bench/results/speed-quick      # a subset, about 5 minutes
    python bench/speed.py --out bench/results/speed --plot docs/images # the pictures

Every contender trains the same network (784-16-16-10 unless said otherwise, softmax output
with cross-entropy) on the same images with the same settings, starting from the same initial
weights (digitnet's, copied into PyTorch and the NumPy loop) and, except scikit-learn, which
shuffles on its own, seeing the same batches in the same order:

* digitnet: the real command, ``digitnet train ... --json`` (``--engine numpy`` for its NumPy
  path); its per-epoch "seconds" are training time alone.
* PyTorch (CPU): the hand-written loop most tutorials show (index a float tensor per batch,
  forward, loss, zero_grad, backward, optimiser step), and for SGD at batch 32 also the
  DataLoader + TensorDataset version.
* scikit-learn: MLPClassifier.partial_fit, one call per epoch (it shuffles itself).
* plain NumPy: bench/numpy_reference.py, straightforward vectorised mini-batch code.

Each run is its own process, so the peak memory column is the whole process's (ru_maxrss from
wait4), imports, data and all. Contenders are interleaved: every round runs each contender once
per configuration, in an order that rotates between rounds; the first epoch of every run is a
warm-up and is dropped; the tables give the median over the remaining epochs of all rounds.
Each framework uses its default threads unless ``--peer-threads N`` says otherwise (digitnet
uses one). Results: ``OUT.json`` (every epoch of every run) and
``OUT.md`` (the tables); ``--plot DIR`` draws docs/images/speed-*.png from the JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_PREFIX_DIR = REPO.parent / "shared" / "data" / "mnist-train-prefix"
SEED = 0
HELD_OUT = 0.2  # MNIST-prefix has no test files: a stratified 20% is held out as the test set

# Learning rates per (activation, optimiser), the same for every contender.
LEARNING_RATES = {
    ("relu", "sgd"): 0.1, ("relu", "momentum"): 0.01, ("relu", "adam"): 0.002,
    ("sigmoid", "sgd"): 0.5, ("sigmoid", "momentum"): 0.05, ("sigmoid", "adam"): 0.002,
}
CONTENDERS = ("digitnet", "pytorch", "sklearn", "numpy")
LABELS = {"digitnet": "digitnet", "digitnet-numpy": "digitnet (NumPy path)",
          "digitnet-float": "digitnet (float32 input)",
          "pytorch": "PyTorch loop", "pytorch-dataloader": "PyTorch DataLoader",
          "sklearn": "scikit-learn", "numpy": "plain NumPy"}

# The targets: digitnet's median s/epoch at most this fraction of the peer's
# (Fashion-MNIST, 60,000 images, 784-16-16-10, ReLU).
TARGETS = [
    ("sgd", 32, "pytorch", 0.2), ("adam", 32, "pytorch", 0.15),
    ("sgd", 32, "numpy", 0.6), ("adam", 32, "numpy", 0.6),
    ("sgd", 10, "pytorch", 0.25), ("adam", 10, "pytorch", 0.25),
    ("sgd", 128, "numpy", 0.8), ("adam", 128, "numpy", 0.8),
]
MEMORY_TARGET_MIB = 160
ACCURACY_TARGET_POINTS = 0.5


# -- data (lean readers, so the peers' memory is theirs, not a loader's) ------------------------


def read_idx(path: Path):
    import numpy as np

    with gzip.open(path) if path.suffix == ".gz" else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data(spec: dict):
    """(train_pixels uint8 (n, 784), train_labels, test_pixels, test_labels) for a run."""
    import numpy as np

    if spec["data"] == "fashion":
        x = read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz")
        y = read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz")
        xt = read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz")
        yt = read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz")
    else:
        from digitnet.datasets import stratified_split

        x = read_idx(MNIST_PREFIX_DIR / "train-images-idx3-ubyte.gz")
        y = read_idx(MNIST_PREFIX_DIR / "train-labels-idx1-ubyte.gz")
        train_index, test_index = stratified_split(y, HELD_OUT, SEED)
        x, xt, y, yt = x[train_index], x[test_index], y[train_index], y[test_index]
    if spec.get("n_train"):
        x, y = x[: spec["n_train"]], y[: spec["n_train"]]
    return (x.reshape(len(x), -1), y.astype(np.intp), xt.reshape(len(xt), -1), yt.astype(np.intp))


def initial_network(spec: dict):
    """digitnet's initial network for the spec's seed: the weights every contender starts from."""
    import numpy as np
    from digitnet import Network

    return Network(spec["sizes"], spec["activation"], "softmax",
                   seed=np.random.default_rng((SEED, 1)))


def epoch_order(n: int, epoch: int):
    """The order digitnet's loop visits the images in epoch ``epoch`` (1-based)."""
    import numpy as np

    return np.random.default_rng((SEED, 2, epoch)).permutation(n)


# -- contenders (each runs inside a worker process) ---------------------------------------------


def run_pytorch(spec, x, y, xt, yt, dataloader=False):
    import numpy as np
    import torch

    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    net0 = initial_network(spec)
    layers = []
    for l, (w, b) in enumerate(zip(net0.weights, net0.biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(linear)
        if l < len(net0.weights) - 1:
            layers.append(torch.nn.ReLU() if spec["activation"] == "relu" else torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt = make_torch_optimizer(torch, model, spec)
    loss_fn = torch.nn.CrossEntropyLoss()
    X = torch.from_numpy(x.astype(np.float32))
    X /= 255
    Y = torch.from_numpy(y.astype(np.int64))
    b = spec["batch"]
    seconds = []
    for epoch in range(1, spec["epochs"] + 1):
        if dataloader:
            loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                                 batch_size=b, shuffle=True)
        order = torch.from_numpy(epoch_order(len(Y), epoch))
        started = time.perf_counter()
        total = 0.0
        if dataloader:
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
        else:
            for start in range(0, len(Y), b):
                index = order[start : start + b]
                loss = loss_fn(model(X[index]), Y[index])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
        seconds.append(time.perf_counter() - started)
    with torch.no_grad():
        predicted = model(torch.from_numpy(xt.astype(np.float32) / 255)).argmax(1).numpy()
    return seconds, float(np.mean(predicted == yt))


def make_torch_optimizer(torch, model, spec):
    lr = spec["lr"]
    if spec["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    return torch.optim.SGD(model.parameters(), lr=lr,
                           momentum=0.9 if spec["optimizer"] == "momentum" else 0.0)


def run_sklearn(spec, x, y, xt, yt):
    import warnings

    import numpy as np
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(spec["sizes"][1:-1]),
        activation="relu" if spec["activation"] == "relu" else "logistic",
        solver="adam" if spec["optimizer"] == "adam" else "sgd", alpha=0.0,
        batch_size=spec["batch"], learning_rate_init=spec["lr"], learning_rate="constant",
        momentum=0.9 if spec["optimizer"] == "momentum" else 0.0, nesterovs_momentum=False,
        shuffle=True, random_state=SEED)
    X = x.astype(np.float32)
    X /= 255
    classes = np.arange(spec["sizes"][-1])
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(spec["epochs"]):
            started = time.perf_counter()
            clf.partial_fit(X, y, classes=classes)
            seconds.append(time.perf_counter() - started)
    return seconds, float(clf.score(xt.astype(np.float32) / 255, yt))


def run_numpy(spec, x, y, xt, yt):
    import numpy as np

    sys.path.insert(0, str(REPO / "bench"))
    from numpy_reference import NumpyMLP

    net0 = initial_network(spec)
    mlp = NumpyMLP(net0.weights, net0.biases, spec["activation"],
                   "adam" if spec["optimizer"] == "adam" else "sgd", spec["lr"],
                   momentum=0.9 if spec["optimizer"] == "momentum" else 0.0)
    X = x.astype(np.float32)
    X /= 255
    seconds = []
    for epoch in range(1, spec["epochs"] + 1):
        order = epoch_order(len(y), epoch)
        started = time.perf_counter()
        mlp.train_epoch(X, y, order, spec["batch"])
        seconds.append(time.perf_counter() - started)
    return seconds, float(np.mean(mlp.predict(xt.astype(np.float32) / 255) == yt))


def run_digitnet_library(spec, x, y, xt, yt):
    """digitnet through its Python API (the scaling runs, on subsets of the images)."""
    import numpy as np
    from digitnet.datasets import Dataset
    from digitnet.train import evaluate, train

    data = Dataset(x.reshape(-1, 28, 28), y.astype(np.uint8), name="bench", split="train",
                   source="bench")
    result = train(data, digitnet_config(spec), handle_signals=False,
                   engine=spec.get("engine", "auto"))
    return ([r["seconds"] for r in result.history],
            evaluate(result.network, xt, yt).accuracy)


def digitnet_config(spec):
    from digitnet.train import TrainConfig

    optimizer = "adam" if spec["optimizer"] == "adam" else "sgd"
    return TrainConfig(sizes=tuple(spec["sizes"]), activation=spec["activation"], output="softmax",
                       optimizer=optimizer, lr=spec["lr"],
                       momentum=0.9 if spec["optimizer"] == "momentum" else 0.0,
                       batch_size=spec["batch"], epochs=spec["epochs"], schedule="constant",
                       shift=0, val_fraction=0.0, seed=SEED)


def digitnet_command(spec, out: str) -> list[str]:
    """``digitnet train`` for a spec: the command users run, and the one checked for targets."""
    c = digitnet_config(spec)
    data = "fashion-mnist" if spec["data"] == "fashion" else str(MNIST_PREFIX_DIR)
    cmd = [sys.executable, "-m", "digitnet", "train", "--data", data,
           "--layers", ",".join(map(str, c.sizes)), "--activation", c.activation,
           "--output", "softmax", "--optimizer", c.optimizer, "--lr", str(c.lr),
           "--batch-size", str(c.batch_size), "--epochs", str(c.epochs),
           "--schedule", "constant", "--shift", "0", "--seed", str(SEED),
           "--val-fraction", "0" if spec["data"] == "fashion" else str(HELD_OUT),
           "--engine", spec.get("engine", "auto"), "--out", out, "--json"]
    if c.optimizer == "sgd":
        cmd += ["--momentum", str(c.momentum)]
    return cmd


# -- inference ----------------------------------------------------------------------------------


def run_inference(spec, x, y, xt, yt):
    """(images/s predicting 10,000 images in one call, median seconds for one image)."""
    import numpy as np

    images = xt[:10_000]
    floats = images.astype(np.float32) / 255
    one = floats[:1]
    name = spec["contender"]
    if name == "digitnet":  # from uint8 pixels, its API's natural input
        net = initial_network(spec)
        predict_many = lambda: net.predict(images)  # noqa: E731
        predict_one = lambda: net.predict(images[0].reshape(28, 28))  # noqa: E731
    elif name == "digitnet-float":  # from the same float32 arrays the peers get
        net = initial_network(spec)
        predict_many = lambda: net.predict(floats)  # noqa: E731
        predict_one = lambda: net.predict(one)  # noqa: E731
    elif name == "pytorch":
        import torch

        if spec.get("threads"):
            torch.set_num_threads(spec["threads"])
        sizes = spec["sizes"]
        layers = []
        for l in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[l], sizes[l + 1]))
            if l < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers).eval()
        many_t, one_t = torch.from_numpy(floats), torch.from_numpy(one)

        def predict_many():
            with torch.no_grad():
                return model(many_t).argmax(1)

        def predict_one():
            with torch.no_grad():
                return model(one_t).argmax(1)
    elif name == "sklearn":
        import warnings

        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=tuple(spec["sizes"][1:-1]), max_iter=1,
                            random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(floats[:500], yt[:500])
        predict_many = lambda: clf.predict(floats)  # noqa: E731
        predict_one = lambda: clf.predict(one)  # noqa: E731
    else:
        sys.path.insert(0, str(REPO / "bench"))
        from numpy_reference import NumpyMLP

        net0 = initial_network(spec)
        mlp = NumpyMLP(net0.weights, net0.biases, spec["activation"])
        predict_many = lambda: mlp.predict(floats)  # noqa: E731
        predict_one = lambda: mlp.predict(one)  # noqa: E731
    many = timed(predict_many, repeats=7)
    single = timed(predict_one, repeats=2000)
    return {"images_per_second": len(images) / many, "one_image_seconds": single}


def timed(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# -- worker and runner ----------------------------------------------------------------------------


def worker(spec: dict) -> dict:
    x, y, xt, yt = load_data(spec)
    if spec["mode"] == "infer":
        out = run_inference(spec, x, y, xt, yt)
    else:
        run = {"pytorch": run_pytorch, "sklearn": run_sklearn, "numpy": run_numpy,
               "digitnet": run_digitnet_library,
               "pytorch-dataloader": lambda *a: run_pytorch(*a, dataloader=True)}[spec["contender"]]
        seconds, accuracy = run(spec, x, y, xt, yt)
        out = {"seconds": seconds, "accuracy": accuracy, "n_images": len(y)}
    return out


def run_process(cmd: list[str], timeout: float = 900, threads: int | None = None
                ) -> tuple[str, str, int, float]:
    """Run ``cmd``; return (stdout, stderr, exit code, peak resident MiB of that process)."""
    env = dict(os.environ)
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=REPO)
        started = time.monotonic()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (out.read().decode(), err.read().decode(), proc.returncode,
                usage.ru_maxrss / 1024)


def measure(spec: dict) -> dict:
    """One run of one contender on one configuration, in a fresh process."""
    record = dict(spec)
    if spec["contender"] in ("digitnet", "digitnet-numpy") and spec["mode"] == "train" \
            and not spec.get("library"):
        run_spec = dict(spec, engine="numpy" if spec["contender"] == "digitnet-numpy" else "auto")
        with tempfile.TemporaryDirectory() as tmp:
            stdout, stderr, code, peak = run_process(digitnet_command(run_spec, f"{tmp}/m.safetensors"))
        if code != 0:
            raise RuntimeError(f"digitnet train failed ({code}): {stderr.strip()[-500:]}")
        result = json.loads(stdout)
        accuracy = result["test_accuracy"] if spec["data"] == "fashion" else result["val_accuracy"]
        record.update(seconds=[r["seconds"] for r in result["history"]], accuracy=accuracy,
                      n_images=result["n_train"], peak_mib=peak)
        return record
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    stdout, stderr, code, peak = run_process(cmd, threads=spec.get("threads"))
    if code != 0:
        raise RuntimeError(f"{spec['contender']} failed ({code}): {stderr.strip()[-800:]}")
    record.update(json.loads(stdout.strip().splitlines()[-1]), peak_mib=peak)
    return record


# -- the plan --------------------------------------------------------------------------------------


def training_grid(quick: bool) -> list[dict]:
    """Configurations of the training comparison; ``rounds`` > 1 for the ones with targets."""
    specs = []
    datas = ["fashion"] if quick else ["fashion", "mnist-prefix"]
    activations = ["relu"] if quick else ["relu", "sigmoid"]
    optimizers = ["sgd", "adam"] if quick else ["sgd", "momentum", "adam"]
    for data in datas:
        for activation in activations:
            for optimizer in optimizers:
                for batch in (10, 32, 128):
                    target = data == "fashion" and activation == "relu" and optimizer != "momentum"
                    contenders = list(CONTENDERS)
                    if target:
                        contenders.append("digitnet-numpy")
                        if batch == 32 and optimizer == "sgd":
                            contenders.append("pytorch-dataloader")
                    specs.append(dict(
                        mode="train", data=data, activation=activation, optimizer=optimizer,
                        batch=batch, lr=LEARNING_RATES[activation, optimizer],
                        sizes=[784, 16, 16, 10], target=target, contenders=contenders,
                        epochs=(3 if target else 2) if not quick else 2,
                        rounds=(3 if target else 1) if not quick else 1))
    return specs


def scaling_grid(quick: bool) -> list[dict]:
    """s/epoch as the hidden layers widen (on 10,000 images) and as the training set grows."""
    base = dict(mode="train", data="fashion", activation="relu", optimizer="sgd", batch=32,
                lr=0.05, target=False, library=True, rounds=1,
                contenders=["digitnet", "pytorch", "sklearn", "numpy"])
    widths = [16, 256] if quick else [16, 64, 256, 1024]
    sizes = [1000, 10_000] if quick else [1000, 3000, 10_000, 30_000, 60_000]
    specs = [dict(base, table="width", sizes=[784, w, w, 10], n_train=10_000, epochs=2,
                  width=w) for w in widths]
    specs += [dict(base, table="images", sizes=[784, 16, 16, 10], n_train=n,
                   epochs=3 if n < 60_000 else 2) for n in sizes]
    return specs


def plan(quick: bool) -> list[dict]:
    """Every run, interleaved: round r runs each configuration's contenders, rotated by r.

    The configurations with targets come first (all their rounds), then inference, the scaling
    tables and the rest of the grid, so that a run cut short still answers the main question.
    """
    jobs = []
    training = training_grid(quick)
    groups = [[("training", c) for c in training if c["target"]],
              [("scaling", c) for c in scaling_grid(quick)],
              [("training", c) for c in training if not c["target"]]]
    for i, configs in enumerate(groups):
        if i == 1:
            for name in ("digitnet", "digitnet-float", "pytorch", "sklearn", "numpy"):
                jobs.append(dict(mode="infer", section="inference", contender=name,
                                 data="fashion", activation="relu", sizes=[784, 16, 16, 10],
                                 round=0))
        for r in range(max(c["rounds"] for _, c in configs)):
            for section, c in configs:
                if r >= c["rounds"]:
                    continue
                # The extra rows (digitnet's NumPy path, PyTorch's DataLoader) run in one round.
                names = [n for n in c["contenders"] if r == 0 or n in CONTENDERS]
                k = r % len(names)
                for name in names[k:] + names[:k]:
                    spec = {key: v for key, v in c.items() if key not in ("contenders", "rounds")}
                    jobs.append(dict(spec, section=section, contender=name, round=r))
    return jobs


# -- summaries --------------------------------------------------------------------------------------


def config_key(r: dict) -> tuple:
    return (r["section"], r.get("table"), r["data"], r["activation"], r.get("optimizer"),
            r.get("batch"), tuple(r["sizes"]), r.get("n_train"))


def summarise(records: list[dict]) -> dict:
    """Median s/epoch (warm-up epochs dropped), peak memory and accuracy per config and contender."""
    table: dict[tuple, dict[str, dict]] = {}
    for r in records:
        if r["mode"] != "train":
            continue
        entry = table.setdefault(config_key(r), {}).setdefault(
            r["contender"], {"epochs": [], "peak_mib": [], "accuracy": [], "n_images": r["n_images"]})
        entry["epochs"] += r["seconds"][1:]
        entry["peak_mib"].append(r["peak_mib"])
        entry["accuracy"].append(r["accuracy"])
    out = {}
    for key, contenders in table.items():
        out[key] = {}
        for name, e in contenders.items():
            median = statistics.median(e["epochs"])
            out[key][name] = {"s_per_epoch": median, "samples_per_s": e["n_images"] / median,
                              "peak_mib": max(e["peak_mib"]), "accuracy": e["accuracy"][-1],
                              "n_epochs": len(e["epochs"]), "n_images": e["n_images"]}
    return out


def fmt_s(v):
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def markdown(meta: dict, records: list[dict]) -> str:
    summary = summarise(records)
    lines = [f"# digitnet speed, side by side ({meta['date']})", "",
             f"Command: `{meta['command']}`  ", f"Machine: {meta['machine']}  ",
             f"Load average before / after: {meta['load_before']} / {meta['load_after']}  ",
             f"Versions: {meta['versions']}  ",
             f"digitnet engine: {meta['engine']}; threads of the peers: "
             f"{meta.get('peer_threads', 'library defaults')}; wall time of the whole run: "
             f"{meta['wall_minutes']:.1f} min", ""]
    # targets
    lines += ["## Targets (Fashion-MNIST, 60,000 images, 784-16-16-10, ReLU; median s/epoch)", "",
              "| optimiser | batch | digitnet s/epoch | peer | peer s/epoch | digitnet / peer | target | met |",
              "|---|---|---|---|---|---|---|---|"]
    for optimizer, batch, peer, limit in TARGETS:
        key = ("training", None, "fashion", "relu", optimizer, batch, (784, 16, 16, 10), None)
        row = summary.get(key, {})
        if "digitnet" not in row or peer not in row:
            continue
        ratio = row["digitnet"]["s_per_epoch"] / row[peer]["s_per_epoch"]
        lines.append(f"| {optimizer} | {batch} | {fmt_s(row['digitnet']['s_per_epoch'])} | "
                     f"{LABELS[peer]} | {fmt_s(row[peer]['s_per_epoch'])} | {ratio:.3f} | "
                     f"≤ {limit} | {'yes' if ratio <= limit else '**no**'} |")
    acc_rows, numpy_rows, mem = [], [], []
    for key, row in summary.items():
        if key[0] == "training" and key[2] == "fashion" and "digitnet" in row and "pytorch" in row:
            acc_rows.append(100 * (row["digitnet"]["accuracy"] - row["pytorch"]["accuracy"]))
            if "numpy" in row:
                numpy_rows.append(100 * (row["numpy"]["accuracy"] - row["pytorch"]["accuracy"]))
        if key[0] == "training" and key[2] == "fashion" and "digitnet" in row:
            mem.append(row["digitnet"]["peak_mib"])
    if acc_rows:
        worst = max(acc_rows, key=abs)
        lines += ["", f"Same learning: over the {len(acc_rows)} Fashion-MNIST configurations, "
                  f"digitnet's test accuracy minus PyTorch's ranges from {min(acc_rows):+.2f} to "
                  f"{max(acc_rows):+.2f} points (target: within ±{ACCURACY_TARGET_POINTS}; "
                  f"{'met' if abs(worst) <= ACCURACY_TARGET_POINTS else '**not met**'}); "
                  f"equal to 0.01 point in {sum(abs(d) < 0.01 for d in acc_rows)} of them."]
        if numpy_rows:
            lines += [f"For scale: the plain NumPy loop, the same algorithm again, minus PyTorch: "
                      f"from {min(numpy_rows):+.2f} to {max(numpy_rows):+.2f} points. Float "
                      "rounding differs between any two implementations, and over thousands of "
                      "steps at a high learning rate it grows into differences of this size."]
    if mem:
        lines += [f"Peak memory of `digitnet train` on the 60,000 images: at most {max(mem):.0f} MiB "
                  f"(target ≤ {MEMORY_TARGET_MIB} MiB; "
                  f"{'met' if max(mem) <= MEMORY_TARGET_MIB else '**not met**'})."]
    # training grid
    names = ["digitnet", "digitnet-numpy", "pytorch", "pytorch-dataloader", "sklearn", "numpy"]
    lines += ["", "## Training: median seconds per epoch (× = the peer's time / digitnet's)", "",
              "| data | σ | optimiser | batch | " + " | ".join(LABELS[n] for n in names) +
              " | digitnet samples/s |", "|---" * (5 + len(names)) + "|"]
    for key, row in summary.items():
        if key[0] != "training":
            continue
        d = row.get("digitnet", {}).get("s_per_epoch")
        cells = []
        for n in names:
            if n not in row:
                cells.append("")
                continue
            s = row[n]["s_per_epoch"]
            cells.append(fmt_s(s) if n == "digitnet" or not d else f"{fmt_s(s)} ({s / d:.1f}×)")
        sps = row.get("digitnet", {}).get("samples_per_s", 0)
        lines.append(f"| {key[2]} | {key[3]} | {key[4]} | {key[5]} | " + " | ".join(cells) +
                     f" | {sps:,.0f} |")
    lines += ["", "## Training: final test accuracy (%) and whole-process peak memory (MiB)", "",
              "| data | σ | optimiser | batch | " + " | ".join(LABELS[n] for n in names) + " |",
              "|---" * (4 + len(names)) + "|"]
    for key, row in summary.items():
        if key[0] != "training":
            continue
        cells = [f"{100 * row[n]['accuracy']:.2f} / {row[n]['peak_mib']:.0f}" if n in row else ""
                 for n in names]
        lines.append(f"| {key[2]} | {key[3]} | {key[4]} | {key[5]} | " + " | ".join(cells) + " |")
    target_runs = [r for r in records if r.get("target")]
    other_runs = [r for r in records if r["mode"] == "train" and r["section"] == "training"
                  and not r.get("target")]
    rounds = 1 + max((r["round"] for r in target_runs), default=0)
    note = (f"Epochs per run: {target_runs[0]['epochs']} for the target rows ({rounds} rounds)"
            if target_runs else "")
    if other_runs:
        note += f", {other_runs[0]['epochs']} for the others (1 round)"
    lines += ["", note + "; the first epoch of each run is a warm-up, dropped from the medians. "
              "Accuracy is after the last epoch, on Fashion-MNIST's 10,000 test images, or on a "
              "stratified 20% of the MNIST prefix held out from training."]
    # scaling
    scal = ["digitnet", "pytorch", "sklearn", "numpy"]
    for table, title, col in (("width", "Scaling with hidden width (784-W-W-10, 10,000 Fashion "
                               "images, ReLU, SGD, batch 32): s/epoch", "W"),
                              ("images", "Scaling with the training set (784-16-16-10, ReLU, "
                               "SGD, batch 32): s/epoch", "images")):
        lines += ["", f"## {title}", "", f"| {col} | " + " | ".join(LABELS[n] for n in scal) + " |",
                  "|---" * (1 + len(scal)) + "|"]
        for key, row in summary.items():
            if key[0] != "scaling" or key[1] != table:
                continue
            d = row.get("digitnet", {}).get("s_per_epoch")
            label = key[6][1] if table == "width" else f"{row['digitnet']['n_images']:,}"
            cells = [(fmt_s(row[n]["s_per_epoch"]) + ("" if n == "digitnet" or not d
                      else f" ({row[n]['s_per_epoch'] / d:.1f}×)")) if n in row else "" for n in scal]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    # inference
    inf = [r for r in records if r["mode"] == "infer"]
    if inf:
        lines += ["", "## Inference (784-16-16-10)", "",
                  "| | images/s, predict on 10,000 images | one image through the Python API (µs) |",
                  "|---|---|---|"]
        for r in inf:
            lines.append(f"| {LABELS[r['contender']]} | {r['images_per_second']:,.0f} | "
                         f"{1e6 * r['one_image_seconds']:.0f} |")
        lines += ["", "digitnet predicts from uint8 pixels (its API's natural input; the "
                  "conversion is part of the time) and from the float32 array in [0, 1] that the "
                  "peers get; `Network.predict` also checks its input is finite."]
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.processor()}, {os.cpu_count()} cores, {platform.system()}"


def versions() -> str:
    import importlib.metadata as md

    parts = [f"Python {platform.python_version()}"]
    for name in ("numpy", "torch", "scikit-learn"):
        try:
            parts.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            parts.append(f"{name} missing")
    return ", ".join(parts)


def plot(records: list[dict], folder: Path) -> list[Path]:
    """Bar chart of the target configurations and a log-log scaling chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = summarise(records)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["digitnet", "numpy", "sklearn", "pytorch"]
    colors = {"digitnet": "#2a7ab0", "numpy": "#8c8c8c", "sklearn": "#f0a030", "pytorch": "#d04030"}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=False)
    for ax, optimizer in zip(axes, ("sgd", "adam")):
        batches = [10, 32, 128]
        width = 0.2
        for i, n in enumerate(names):
            values = []
            for b in batches:
                row = summary.get(("training", None, "fashion", "relu", optimizer, b,
                                   (784, 16, 16, 10), None), {})
                values.append(row.get(n, {}).get("s_per_epoch", float("nan")))
            xs = [j + (i - 1.5) * width for j in range(len(batches))]
            bars = ax.bar(xs, values, width, label=LABELS[n], color=colors[n])
            for bar, v in zip(bars, values):
                ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2f}", ha="center",
                        va="bottom", fontsize=7)
        ax.set_xticks(range(len(batches)), [f"batch {b}" for b in batches])
        ax.set_title(f"{'SGD' if optimizer == 'sgd' else 'Adam'}: one epoch of 60,000 "
                     "Fashion-MNIST images")
        ax.set_ylabel("seconds per epoch (median; lower is better)")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(frameon=False)
    fig.suptitle("Training 784-16-16-10 (ReLU) on a 2-core CPU", fontsize=11)
    fig.tight_layout()
    paths = [folder / "speed-training.png"]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, table, xlabel in ((axes[0], "width", "hidden layer width W (784-W-W-10, 10,000 images)"),
                              (axes[1], "images", "training images (784-16-16-10)")):
        for n in names:
            xs, ys = [], []
            for key, row in summary.items():
                if key[0] == "scaling" and key[1] == table and n in row:
                    xs.append(key[6][1] if table == "width" else row[n]["n_images"])
                    ys.append(row[n]["s_per_epoch"])
            ax.plot(xs, ys, "o-", label=LABELS[n], color=colors[n])
        ax.set_xscale("log")
        ax.set_yscale("log")
        if table == "width":
            widths = sorted({k[6][1] for k in summary if k[0] == "scaling" and k[1] == "width"})
            ax.set_xticks(widths, [str(w) for w in widths])
            ax.minorticks_off()
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seconds per epoch")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(frameon=False)
    fig.suptitle("How the cost of an epoch grows (ReLU, SGD, batch 32)", fontsize=11)
    fig.tight_layout()
    paths.append(folder / "speed-scaling.png")
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="bench/results/speed", help="Path stem for .json and .md.")
    p.add_argument("--quick", action="store_true", help="A small subset (about 5 minutes).")
    p.add_argument("--plot", metavar="DIR", help="Draw speed-*.png into DIR from OUT.json and stop.")
    p.add_argument("--only", metavar="NAMES",
                   help="Comma-separated contenders to run (digitnet, digitnet-numpy, pytorch, "
                        "pytorch-dataloader, sklearn, numpy); default all.")
    p.add_argument("--peer-threads", type=int, metavar="N",
                   help="Threads for PyTorch, scikit-learn and NumPy's BLAS (default: each "
                        "library's own default). On a machine other programs keep busy, 1 is "
                        "their fastest setting.")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    out = Path(args.out)
    if args.plot:
        records = json.loads(out.with_suffix(".json").read_text())["records"]
        for path in plot(records, Path(args.plot)):
            print(path)
        return
    if not (FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
        sys.exit(f"Fashion-MNIST not found in {FASHION_DIR}: apt-get install dataset-fashion-mnist")
    sys.path.insert(0, str(REPO / "src"))
    from digitnet import kernels

    jobs = plan(args.quick)
    if args.peer_threads:
        for job in jobs:
            if job["contender"] not in ("digitnet", "digitnet-numpy", "digitnet-float"):
                job["threads"] = args.peer_threads
    if args.only:
        keep = set(args.only.split(","))
        jobs = [j for j in jobs if j["contender"] in keep]
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "versions": versions(),
            "command": "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "load_before": " ".join(f"{v:.2f}" for v in os.getloadavg()),
            "engine": "compiled kernel" if kernels.available() else "NumPy (kernel not built)",
            "peer_threads": args.peer_threads or "library defaults"}
    started = time.perf_counter()
    records = []
    for i, job in enumerate(jobs, 1):
        record = measure(job)
        records.append(record)
        what = (f"{job['contender']:>18} {job['section']:9} {job['data']:12} "
                f"{job.get('activation', ''):7} {job.get('optimizer', ''):8} b={job.get('batch', '')}"
                f" {'-'.join(map(str, job['sizes']))} n={record.get('n_images', '')}")
        if job["mode"] == "train":
            detail = " ".join(f"{s:.3f}" for s in record["seconds"])
            detail += f"  acc {record['accuracy']:.4f}  {record['peak_mib']:.0f} MiB"
        else:
            detail = (f"{record['images_per_second']:,.0f} images/s, one image "
                      f"{1e6 * record['one_image_seconds']:.0f} us")
        print(f"[{i}/{len(jobs)} {time.perf_counter() - started:5.0f}s] {what}: {detail}",
              flush=True)
        partial = out.with_suffix(".partial.json")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"meta": meta, "records": records}))
    meta["load_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    meta["wall_minutes"] = (time.perf_counter() - started) / 60
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "records": records}, indent=1))
    out.with_suffix(".md").write_text(markdown(meta, records))
    out.with_suffix(".partial.json").unlink(missing_ok=True)
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
