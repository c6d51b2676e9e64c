"""Side by side: how fast digitnet trains and predicts, against PyTorch, scikit-learn and NumPy.

    pip install -e '.[bench]'                                  # torch==2.13.0 and scikit-learn
    apt-get install dataset-fashion-mnist                      # the full Fashion-MNIST files
    python bench/speed.py --peer-threads 1 --out bench/results/speed   # about 20 minutes, 2 cores
    python bench/speed.py --quick --out bench/results/speed-quick      # a subset, about 5 minutes
    python bench/speed.py --out bench/results/speed --plot docs/images # the pictures
    python bench/speed.py --only accuracy --out bench/results/accuracy # same learning? ~18 min

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

Whether digitnet learns the same as PyTorch is not judged from one run per configuration: from
identical starts, float rounding alone moves a single run's final accuracy by about a point at
these constant, high learning rates (bench/divergence.py follows the parameters step by step).
The accuracy study (``--only accuracy``, or ``--accuracy-seeds N`` alongside the timed runs)
trains digitnet (its Python API, compiled engine), the PyTorch loop, and the same loop in
float64 (the noise floor: PyTorch against itself under another rounding) on seeds 0..N-1 for
ACCURACY_CONFIGS; a seed sets the initial weights and the batch order, the same for all three.
The verdict is computed from the means over seeds (``accuracy_study`` in the JSON).
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
          "pytorch-float64": "PyTorch loop (float64)",
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

# The accuracy study ("the same learning", judged on means over seeds): digitnet and PyTorch, and
# PyTorch in float64 (the same code under another rounding: the noise floor), on seeds
# 0..N-1, each seed giving all three the same initial weights and batch order. Configurations:
# those with targets (Fashion-MNIST, ReLU, SGD and Adam, batch 10, 32, 128) and the other one
# whose single run missed the target (sigmoid, SGD, batch 10), with the grid's lr and epochs.
ACCURACY_CONFIGS = [("relu", "sgd", 10), ("relu", "sgd", 32), ("relu", "sgd", 128),
                    ("relu", "adam", 10), ("relu", "adam", 32), ("relu", "adam", 128),
                    ("sigmoid", "sgd", 10)]
ACCURACY_CONTENDERS = ("digitnet", "pytorch", "pytorch-float64")
ACCURACY_SEEDS = 8


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
                   seed=np.random.default_rng((spec.get("seed", SEED), 1)))


def epoch_order(n: int, epoch: int, seed: int = SEED):
    """The order digitnet's loop visits the images in epoch ``epoch`` (1-based) for ``seed``."""
    import numpy as np

    return np.random.default_rng((seed, 2, epoch)).permutation(n)


# -- contenders (each runs inside a worker process) ---------------------------------------------


def run_pytorch(spec, x, y, xt, yt, dataloader=False):
    import numpy as np
    import torch

    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    dtype = torch.float64 if spec.get("dtype") == "float64" else torch.float32
    net0 = initial_network(spec)
    layers = []
    for l, (w, b) in enumerate(zip(net0.weights, net0.biases)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(linear)
        if l < len(net0.weights) - 1:
            layers.append(torch.nn.ReLU() if spec["activation"] == "relu" else torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt = make_torch_optimizer(torch, model, spec)
    loss_fn = torch.nn.CrossEntropyLoss()
    X = torch.from_numpy(x.astype(np.float32)).to(dtype)
    X /= 255
    Y = torch.from_numpy(y.astype(np.int64))
    b = spec["batch"]
    seconds = []
    for epoch in range(1, spec["epochs"] + 1):
        if dataloader:
            loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                                 batch_size=b, shuffle=True)
        order = torch.from_numpy(epoch_order(len(Y), epoch, spec.get("seed", SEED)))
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
        predicted = model(torch.from_numpy(xt.astype(np.float32)).to(dtype) / 255).argmax(1).numpy()
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
        order = epoch_order(len(y), epoch, spec.get("seed", SEED))
        started = time.perf_counter()
        mlp.train_epoch(X, y, order, spec["batch"])
        seconds.append(time.perf_counter() - started)
    return seconds, float(np.mean(mlp.predict(xt.astype(np.float32) / 255) == yt))


def run_digitnet_library(spec, x, y, xt, yt):
    """digitnet through its Python API (the scaling runs, on subsets of the images)."""
    import numpy as np
    from digitnet.datasets import Dataset
    from digitnet.metrics import evaluate
    from digitnet.training import train

    data = Dataset(x.reshape(-1, 28, 28), y.astype(np.uint8), name="bench", split="train",
                   source="bench")
    result = train(data, digitnet_config(spec), handle_signals=False,
                   engine=spec.get("engine", "auto"))
    return ([r["seconds"] for r in result.history],
            evaluate(result.network, xt, yt).accuracy)


def digitnet_config(spec):
    from digitnet.config import TrainConfig

    optimizer = "adam" if spec["optimizer"] == "adam" else "sgd"
    # Every option the peers' loops do not have is off here, not left to digitnet's default
    # recipe (which decays weights and deskews digits): the same algorithm, or no comparison.
    return TrainConfig(sizes=tuple(spec["sizes"]), activation=spec["activation"], output="softmax",
                       optimizer=optimizer, lr=spec["lr"],
                       momentum=0.9 if spec["optimizer"] == "momentum" else 0.0,
                       batch_size=spec["batch"], epochs=spec["epochs"], schedule="constant",
                       weight_decay=0.0, dropout=0.0, shift=0, deskew=False, elastic_alpha=0.0,
                       val_fraction=0.0, seed=spec.get("seed", SEED))


def digitnet_command(spec, out: str) -> list[str]:
    """``digitnet train`` for a spec: the command users run, and the one checked for targets."""
    c = digitnet_config(spec)
    data = "fashion-mnist" if spec["data"] == "fashion" else str(MNIST_PREFIX_DIR)
    cmd = [sys.executable, "-m", "digitnet", "train", "--data", data,
           "--layers", ",".join(map(str, c.sizes)), "--activation", c.activation,
           "--output", "softmax", "--optimizer", c.optimizer, "--lr", str(c.lr),
           "--batch-size", str(c.batch_size), "--epochs", str(c.epochs),
           "--schedule", "constant", "--shift", "0", "--seed", str(c.seed),
           "--weight-decay", str(c.weight_decay), "--dropout", str(c.dropout),
           "--no-deskew" if not c.deskew else "--deskew", "--elastic-alpha", str(c.elastic_alpha),
           "--val-fraction", "0" if spec["data"] == "fashion" else str(HELD_OUT),
           "--engine", spec.get("engine", "auto"), "--out", out, "--json"]
    if c.optimizer == "sgd":
        cmd += ["--momentum", str(c.momentum)]
    return cmd


# -- inference ----------------------------------------------------------------------------------


def run_inference(spec, x, y, xt, yt):
    """(images/s predicting 10,000 images in one call, median seconds for one image).

    Everyone predicts the same 10,000 Fashion-MNIST test images with a 784-16-16-10 ReLU
    network: the peers from one float32 array in [0, 1] (made before timing, as their tutorials
    do), one image as a (1, 784) slice of it; digitnet from the uint8 pixels, its API's natural
    input (one image as a (28, 28) array), and from the same float32 arrays as the peers.
    ``Network.predict`` is the NumPy loop of network.py whether or not the compiled training
    engine is built.
    """
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
    many = timed(predict_many, repeats=15)
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
               "pytorch-dataloader": lambda *a: run_pytorch(*a, dataloader=True),
               "pytorch-float64": lambda s, *a: run_pytorch(dict(s, dtype="float64"), *a),
               }[spec["contender"]]
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


def run_all(jobs: list[dict], workers: int):
    """Yield (job, record) in job order: timed runs one at a time, then the accuracy study's
    runs ``workers`` at a time (nothing is timed there, so they may share the cores)."""
    from concurrent.futures import ThreadPoolExecutor

    for job in jobs:
        if job["section"] != "accuracy":
            yield job, measure(job)
    study = [j for j in jobs if j["section"] == "accuracy"]
    pool = ThreadPoolExecutor(max(1, workers))
    try:
        yield from zip(study, pool.map(measure, study))
    finally:
        pool.shutdown(cancel_futures=True)


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
        if not configs:  # (--quick has no grid beyond the targets)
            continue
        if i == 1:
            # digitnet predicts on one thread (its BLAS too, like --peer-threads 1)
            for name in ("digitnet", "digitnet-float", "pytorch", "sklearn", "numpy"):
                jobs.append(dict(mode="infer", section="inference", contender=name,
                                 data="fashion", activation="relu", sizes=[784, 16, 16, 10],
                                 round=0, **({"threads": 1} if "digitnet" in name else {})))
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


def accuracy_plan(n_seeds: int) -> list[dict]:
    """The accuracy study's runs, a seed at a time (a run cut short keeps whole seeds).

    Each configuration keeps the grid's learning rate and epochs. digitnet runs through its
    Python API (the compiled engine, as ``digitnet train``) and PyTorch with one thread: no time
    is measured here, only the final test accuracy.
    """
    grid = {(c["activation"], c["optimizer"], c["batch"]): c for c in training_grid(False)
            if c["data"] == "fashion"}
    jobs = []
    for seed in range(n_seeds):
        for config in ACCURACY_CONFIGS:
            c = grid[config]
            for name in ACCURACY_CONTENDERS:
                jobs.append(dict(mode="train", section="accuracy", contender=name, data="fashion",
                                 activation=c["activation"], optimizer=c["optimizer"],
                                 batch=c["batch"], lr=c["lr"], sizes=c["sizes"],
                                 epochs=c["epochs"], seed=seed, threads=1, library=True,
                                 target=False, round=0))
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


def accuracy_study(records: list[dict]) -> list[dict]:
    """Per configuration of the accuracy study: test accuracy (%) over the seeds, and differences.

    Only seeds on which every contender finished count. Differences are paired (same seed: same
    initial weights and batches), in points: digitnet - PyTorch, the comparison the target is
    about; PyTorch float64 - PyTorch float32, the noise floor; and digitnet - PyTorch float64.
    """
    runs: dict[tuple, dict[int, dict[str, float]]] = {}
    settings = {}
    for r in records:
        if r["section"] == "accuracy":
            key = (r["activation"], r["optimizer"], r["batch"])
            runs.setdefault(key, {}).setdefault(r["seed"], {})[r["contender"]] = 100 * r["accuracy"]
            settings[key] = {"lr": r["lr"], "epochs": r["epochs"]}
    rows = []
    for key, by_seed in runs.items():
        seeds = sorted(s for s, got in by_seed.items() if set(ACCURACY_CONTENDERS) <= set(got))
        if not seeds:
            continue
        accuracy = {c: [by_seed[s][c] for s in seeds] for c in ACCURACY_CONTENDERS}
        row = dict(zip(("activation", "optimizer", "batch"), key), **settings[key], seeds=seeds,
                   accuracy=accuracy, mean={c: statistics.mean(v) for c, v in accuracy.items()})
        for name, a, b in (("digitnet_minus_pytorch", "digitnet", "pytorch"),
                           ("float64_minus_float32", "pytorch-float64", "pytorch"),
                           ("digitnet_minus_float64", "digitnet", "pytorch-float64")):
            row[name] = difference_stats([x - y for x, y in zip(accuracy[a], accuracy[b])])
        rows.append(row)
    return rows


def difference_stats(d: list[float]) -> dict:
    """Mean, standard deviation, 95% confidence interval of the mean (Student's t) and RMS."""
    n, mean = len(d), statistics.mean(d)
    sd = statistics.stdev(d) if n > 1 else float("nan")
    if n > 1:
        from scipy.stats import t

        half = float(t.ppf(0.975, n - 1)) * sd / n**0.5
    else:
        half = float("nan")
    return {"per_seed": d, "mean": mean, "sd": sd, "ci95": [mean - half, mean + half],
            "rms": statistics.mean(x * x for x in d) ** 0.5}


def same_learning(study: list[dict], single: list[float], numpy_single: list[float]) -> list[str]:
    """The "same learning" verdict, from the accuracy study's means over seeds when there is one.

    ``single`` and ``numpy_single`` are the grid's one-run differences (digitnet - PyTorch and
    plain NumPy - PyTorch, in points), shown for scale; alone they give no verdict.
    """
    lines = []
    if study:
        means = [row["digitnet_minus_pytorch"]["mean"] for row in study]
        floor = [row["float64_minus_float32"]["mean"] for row in study]
        runs = [abs(x) for row in study
                for name in ("digitnet_minus_pytorch", "float64_minus_float32")
                for x in row[name]["per_seed"]]
        met = max(map(abs, means)) <= ACCURACY_TARGET_POINTS
        n = min(len(row["seeds"]) for row in study)
        lines += ["", f"Same learning, judged on means over seeds (at least {n} per "
                  f"configuration, the accuracy study below), not on single runs: in the "
                  f"{len(study)} configurations studied, digitnet's mean test accuracy minus "
                  f"PyTorch's ranges from {min(means):+.2f} to {max(means):+.2f} points (target: "
                  f"within ±{ACCURACY_TARGET_POINTS}; {'met' if met else '**not met**'}). For "
                  f"scale, PyTorch in float64 minus the same loop in float32: {min(floor):+.2f} to "
                  f"{max(floor):+.2f} points in the means; single paired runs of either pair "
                  f"differ by up to {max(runs):.2f} points."]
    if single:
        lines += ["", f"Single runs (seed {SEED}; the grid below): over the {len(single)} "
                  f"Fashion-MNIST configurations, digitnet's test accuracy minus PyTorch's ranges "
                  f"from {min(single):+.2f} to {max(single):+.2f} points, equal to 0.01 point in "
                  f"{sum(abs(d) < 0.01 for d in single)} of them"
                  + ("." if study else "; one run per configuration gives no verdict (run the "
                     "accuracy study: `--only accuracy`).")]
        if numpy_single:
            lines += [f"The plain NumPy loop, the same algorithm again, minus PyTorch: from "
                      f"{min(numpy_single):+.2f} to {max(numpy_single):+.2f} points. Float "
                      "rounding differs between any two implementations, and over thousands of "
                      "steps at a high learning rate it grows into differences of this size."]
    return lines


def accuracy_markdown(study: list[dict]) -> list[str]:
    """The accuracy study's table and the sentences that read it."""
    if not study:
        return []
    n = max(len(row["seeds"]) for row in study)
    lines = ["", f"## The same learning, over {n} seeds (Fashion-MNIST, 784-16-16-10, "
             "test accuracy in %)", "",
             "Each seed gives digitnet, the PyTorch loop and the same loop in float64 the same "
             "initial weights and the same batches; lr and epochs as in the grid. Differences are "
             "per seed, then averaged: mean ± standard deviation [95% confidence interval of the "
             "mean]. PyTorch float64 − float32 is the same code under another rounding: the "
             "noise floor.", "",
             "| σ | optimiser | batch | lr | epochs | seeds | digitnet | PyTorch | "
             "PyTorch float64 | digitnet − PyTorch | PyTorch float64 − float32 | within ±0.5 |",
             "|---" * 12 + "|"]
    for row in study:
        m = row["mean"]
        d, f = row["digitnet_minus_pytorch"], row["float64_minus_float32"]
        ok = abs(d["mean"]) <= ACCURACY_TARGET_POINTS
        lines.append(
            f"| {row['activation']} | {row['optimizer']} | {row['batch']} | {row['lr']} | "
            f"{row['epochs']} | {len(row['seeds'])} | {m['digitnet']:.2f} | {m['pytorch']:.2f} | "
            f"{m['pytorch-float64']:.2f} | {fmt_diff(d)} | {fmt_diff(f)} | "
            f"{'yes' if ok else '**no**'} |")
    every = [x for row in study for x in row["digitnet_minus_pytorch"]["per_seed"]]
    floor = [x for row in study for x in row["float64_minus_float32"]["per_seed"]]
    pooled, pooled_floor = difference_stats(every), difference_stats(floor)
    lines += ["", f"All {len(every)} paired runs together: digitnet − PyTorch "
              f"{fmt_diff(pooled)} points, root mean square {pooled['rms']:.2f}; PyTorch "
              f"float64 − float32 {fmt_diff(pooled_floor)}, root mean square "
              f"{pooled_floor['rms']:.2f}. "
              "Per seed: `accuracy_study` in the JSON."]
    return lines


def fmt_diff(s: dict) -> str:
    return f"{s['mean']:+.2f} ± {s['sd']:.2f} [{s['ci95'][0]:+.2f}, {s['ci95'][1]:+.2f}]"


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
    study = accuracy_study(records)
    if all(r["section"] == "accuracy" for r in records):  # the accuracy study run alone
        lines[0] = f"# digitnet and PyTorch: the same learning? ({meta['date']})"
        lines[-2] = (f"digitnet engine: {meta['engine']}; PyTorch with one thread; wall time: "
                     f"{meta['wall_minutes']:.1f} min")
        return "\n".join(lines + same_learning(study, [], []) + accuracy_markdown(study)) + "\n"
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
    lines += same_learning(study, acc_rows, numpy_rows)
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
    lines += accuracy_markdown(study)
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
        what = {"digitnet": "digitnet, uint8 pixels", "digitnet-float": "digitnet, float32",
                "pytorch": "PyTorch (nn.Sequential, no_grad), float32",
                "sklearn": "scikit-learn (MLPClassifier.predict), float32",
                "numpy": "plain NumPy forward, float32"}
        for r in inf:
            lines.append(f"| {what[r['contender']]} | {r['images_per_second']:,.0f} | "
                         f"{1e6 * r['one_image_seconds']:.1f} |")
        lines += ["", "The same 10,000 Fashion-MNIST test images for everyone (median of 15 calls; "
                  "one image: median of 2,000). The peers get one float32 array in [0, 1], made "
                  "before timing; digitnet gets the uint8 pixels (the conversion is part of its "
                  "time; one image as a (28, 28) array) and the same float32 array. "
                  "`Network.predict` also checks that its input is finite. digitnet runs on one "
                  "thread; the peers on the threads given by --peer-threads."]
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


def versions(names=("numpy", "torch", "scikit-learn")) -> str:
    import importlib.metadata as md

    parts = [f"Python {platform.python_version()}"]
    for name in names:
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
                        "pytorch-dataloader, sklearn, numpy), 'accuracy' for the accuracy "
                        "study and 'inference' for every inference row; default all.")
    p.add_argument("--accuracy-seeds", type=int, metavar="N",
                   help=f"Seeds of the accuracy study (default: {ACCURACY_SEEDS} when --only "
                        "names 'accuracy', else no study).")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="Runs of the accuracy study at once (default 2; it times nothing). "
                        "Timed runs always go one at a time.")
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
    from digitnet import engines

    jobs = plan(args.quick)
    if args.peer_threads:
        for job in jobs:
            if job["contender"] not in ("digitnet", "digitnet-numpy", "digitnet-float"):
                job["threads"] = args.peer_threads
    seeds = args.accuracy_seeds
    if seeds is None:
        seeds = ACCURACY_SEEDS if "accuracy" in (args.only or "").split(",") else 0
    jobs += accuracy_plan(seeds)
    if args.only:
        keep = set(args.only.split(","))
        jobs = [j for j in jobs if ("accuracy" if j["section"] == "accuracy" else j["contender"])
                in keep or (j["section"] == "inference" and "inference" in keep)]
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "versions": versions(),
            "command": "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "load_before": " ".join(f"{v:.2f}" for v in os.getloadavg()),
            "engine": "compiled engine" if engines.available() else "NumPy engine (compiled one not built)",
            "peer_threads": args.peer_threads or "library defaults"}
    started = time.perf_counter()
    records = []
    for i, (job, record) in enumerate(run_all(jobs, args.workers), 1):
        records.append(record)
        what = (f"{job['contender']:>18} {job['section']:9} {job['data']:12} "
                f"{job.get('activation', ''):7} {job.get('optimizer', ''):8} b={job.get('batch', '')}"
                f" {'-'.join(map(str, job['sizes']))} n={record.get('n_images', '')}"
                + (f" seed={job['seed']}" if "seed" in job else ""))
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
    out.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "records": records, "accuracy_study": accuracy_study(records)}, indent=1))
    out.with_suffix(".md").write_text(markdown(meta, records))
    out.with_suffix(".partial.json").unlink(missing_ok=True)
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
