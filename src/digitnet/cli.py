"""The ``digitnet`` command: parse arguments, call the library, turn errors into one line.

Exit codes: 0 success, 1 a data, model or training error (one line on stderr), 2 a usage error
(click's message), 130 interrupted (Ctrl-C or SIGTERM; a checkpoint is saved when asked for).
``digitnet --debug COMMAND`` shows the traceback instead of the one line.
"""

from __future__ import annotations

import contextlib
import os
import io
import json
import sys
import time
from pathlib import Path

import click
import numpy as np

from . import __version__, datasets, modelfile
from .errors import DigitnetError, DivergenceError, ModelFileError, TrainingInterrupted
from .network import Network
from .config import PRESETS
from .metrics import evaluate
from .training import Callback, train

DEFAULT_MODEL = "digitnet-model.safetensors"
EXIT_INTERRUPTED = 130


class DigitnetGroup(click.Group):
    """A click group that maps digitnet's errors to one line on stderr and an exit code."""

    def invoke(self, ctx):
        debug = ctx.params.get("debug", False)
        try:
            return super().invoke(ctx)
        except TrainingInterrupted as e:
            if debug:
                raise
            click.echo(f"digitnet: {e}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except DigitnetError as e:
            if debug:
                raise
            click.echo(f"digitnet: error: {e}", err=True)
            ctx.exit(1)
        except OSError as e:
            if debug:
                raise
            what = f"{e.filename}: " if e.filename else ""
            click.echo(f"digitnet: error: {what}{e.strerror or e}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("digitnet: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=DigitnetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="digitnet")
def cli(debug):
    """digitnet: the neural network from "But what is a neural network?", made real.

    \b
    Start with:
      digitnet train                     train 784-16-16-10 on MNIST, save digitnet-model.safetensors
      digitnet evaluate MODEL            accuracy on the test set
      digitnet predict MODEL digit.png   read a digit (any photo or scan; folders too)
      digitnet show weights MODEL        pictures of what it learned (see digitnet show --help)
      digitnet info MODEL                architecture, parameters, training history
      digitnet serve [MODEL]             draw digits in a browser at http://127.0.0.1:8000
    """


# -- train ------------------------------------------------------------------------------------

_TRAIN_FIELDS = {  # CLI option name -> TrainConfig field
    "layers": "sizes", "activation": "activation", "output": "output",
    "optimizer": "optimizer", "lr": "lr", "momentum": "momentum",
    "weight_decay": "weight_decay", "batch_size": "batch_size", "epochs": "epochs",
    "schedule": "schedule", "shift": "shift", "val_fraction": "val_fraction",
    "early_stopping": "early_stopping", "patience": "patience", "seed": "seed",
}


def _parse_layers(ctx, param, value):
    if value is None:
        return None
    try:
        sizes = tuple(int(v) for v in value.replace("-", ",").split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated layer sizes such as 784,16,16,10, got {value!r}")
    if len(sizes) < 2 or min(sizes) < 1:
        raise click.BadParameter(f"need at least two positive sizes (input and output), got {value!r}")
    return sizes


@cli.command("train")
@click.option("--data", default="mnist", show_default=True, metavar="DIR|NAME",
              help="A folder of MNIST-format IDX files, or mnist, fashion-mnist, kmnist.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="default", show_default=True,
              help="A named recipe: default (best for 784-16-16-10) or video (sigmoid hidden layers).")
@click.option("--layers", callback=_parse_layers, metavar="SIZES",
              help="Layer sizes, input first  [default: 784,16,16,10].")
@click.option("--activation", type=click.Choice(["sigmoid", "relu", "leaky_relu", "tanh"]),
              help="Hidden layers' activation.")
@click.option("--output", type=click.Choice(["softmax", "sigmoid"]),
              help="softmax with cross-entropy, or sigmoid with the video's squared error.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]))
@click.option("--lr", type=float, help="Learning rate (peak, with the cosine schedule).")
@click.option("--momentum", type=float, help="SGD momentum, 0 for plain SGD.")
@click.option("--weight-decay", type=float, help="L2 penalty on weights.")
@click.option("--batch-size", type=int, help="Images per gradient step.")
@click.option("--epochs", type=int, help="Passes over the training images.")
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), help="Learning-rate schedule.")
@click.option("--shift", type=int, help="Augment: shift training images by up to N pixels (0 = off).")
@click.option("--seed", type=int, help="Seed for split, initial weights, shuffling, augmentation.")
@click.option("--val-fraction", type=float, help="Fraction held out for validation, stratified.")
@click.option("--early-stopping/--no-early-stopping", default=None,
              help="Stop when validation loss stops improving; keep the best weights.")
@click.option("--patience", type=int, help="Epochs without improvement before early stopping.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), metavar="PATH",
              help="Save a resumable checkpoint here after every epoch and on Ctrl-C.")
@click.option("--resume", type=click.Path(dir_okay=False), metavar="PATH",
              help="Continue the run saved in this checkpoint (its options are used).")
@click.option("--out", type=click.Path(dir_okay=False), default=DEFAULT_MODEL, show_default=True,
              help="Where to save the trained model.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the results.")
@click.option("--engine", type=click.Choice(["auto", "compiled", "numpy"]), default="auto",
              show_default=True,
              help="Compute the steps with digitnet's compiled kernel or with plain NumPy "
                   "(auto: compiled when it was built; with --resume, the engine the run "
                   "started with).")
@click.pass_context
def train_command(ctx, data, preset, checkpoint, resume, out, as_json, engine, **options):
    """Train a network on MNIST (or any MNIST-format data) and save it.

    With no options this trains the video's 784-16-16-10 shape with the recipe that reached
    the best validation accuracy, holds out 10% of the training images for validation,
    reports accuracy (also on the test set when one is available) and saves the model.
    """
    given = {k: v for k, v in options.items() if v is not None}
    if resume is not None:
        if given or ctx.get_parameter_source("preset") == click.core.ParameterSource.COMMANDLINE:
            flags = ", ".join("--" + k.replace("_", "-") for k in given) or "--preset"
            raise click.UsageError(f"{flags} cannot be changed when resuming: a checkpoint "
                                   "carries its own training options")
        config = None
    else:
        config = PRESETS[preset].replace(**{_TRAIN_FIELDS[k]: v for k, v in given.items()})

    interactive = sys.stderr.isatty()
    train_set = _load_data(data, "train", progress=interactive)
    if train_set.note:
        click.echo(train_set.note, err=True)
    progress = _RichProgress() if interactive else Callback()
    started = time.perf_counter()
    try:
        with progress if interactive else contextlib.nullcontext():
            result = train(train_set, config, callback=progress, checkpoint=checkpoint,
                           resume=resume, engine=engine)
    except DivergenceError as e:
        if e.network is not None and e.network.metadata.get("history"):
            modelfile.save(e.network, out)
            raise DivergenceError(f"{e} (saved them to {out})") from None
        raise
    net, config = result.network, result.config

    test = _test_evaluation(net, data, train_set)
    if test is not None:
        net.metadata.setdefault("metrics", {})["test_accuracy"] = test.accuracy
    path = modelfile.save(net, out)
    _remember_model(path)
    total = time.perf_counter() - started

    if as_json:
        click.echo(json.dumps({
            "model": str(path), "epochs": len(result.history),
            "val_accuracy": result.val_accuracy, "val_loss": result.val_loss,
            "test_accuracy": test.accuracy if test else None,
            "best_epoch": result.best_epoch, "stopped_early": result.stopped_early,
            "seconds": result.seconds, "wall_seconds": total,
            "parameters": net.parameter_count, "config": config.to_dict(),
            "data": train_set.name, "n_train": result.n_train, "n_val": result.n_val,
            "history": result.history,
        }))
        return
    sizes = "-".join(map(str, net.sizes))
    click.echo(f"Trained {sizes} ({config.activation} hidden, {net.output_function.name} + "
               f"{net.output_function.cost.replace('_', ' ')}, {net.parameter_count:,} parameters) "
               f"on {train_set.name} for {_plural(len(result.history), 'epoch')} in {result.seconds:.1f} s"
               + (" (stopped early)" if result.stopped_early else ""))
    if result.val_accuracy is not None:
        click.echo(f"Validation accuracy: {result.val_accuracy:.2%}"
                   + (f" (best epoch {result.best_epoch})" if result.best_epoch else ""))
    if test is not None:
        click.echo(f"Test accuracy: {test.accuracy:.2%} on {test.n:,} test images")
    click.echo(f"Saved the model to {path}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _RichProgress(Callback):
    """A progress bar per run and a line per epoch, on stderr (used only on a terminal)."""

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4f}"),
                                 TimeRemainingColumn(), console=self.console, transient=True)
        self.progress.__enter__()
        self.task = None
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def on_train_start(self, config, n_train, n_val, start_epoch):
        sizes = "-".join(map(str, config.sizes))
        resumed = f", resuming after epoch {start_epoch}" if start_epoch else ""
        self.epochs = config.epochs
        self.console.print(f"Training {sizes} ({config.activation}, {config.optimizer}, "
                           f"lr {config.lr:g}, batch {config.batch_size}) on {n_train:,} images, "
                           f"validating on {n_val:,}{resumed}")

    def on_epoch_start(self, epoch, n_steps):
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task("", total=n_steps, epoch=f"{epoch}/{self.epochs}", loss=0.0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.progress.update(self.task, completed=step, loss=loss)

    def on_epoch_end(self, epoch, record, network):
        self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        val = (f"  val loss {record['val_loss']:.4f}  val accuracy {record['val_accuracy']:.2%}"
               if "val_accuracy" in record else "")
        self.console.print(f"epoch {epoch:>3}/{self.epochs}  train loss {record['train_loss']:.4f}"
                           f"{val}  {record['seconds']:.2f} s")


def _test_evaluation(net: Network, data: str, train_set):
    """Accuracy on the matching test split, when the data source has one; else None."""
    if train_set.name == "mnist-sample":
        return None
    try:
        test_set = datasets.load(data, split="test", allow_download=False, allow_sample=False)
    except DigitnetError:
        return None
    return evaluate(net, test_set.images, test_set.labels)


def _remember_model(path: Path) -> None:
    """Note the newest trained model, for commands that default to it (``digitnet serve``)."""
    import platformdirs

    try:
        state = Path(platformdirs.user_state_dir("digitnet"))
        state.mkdir(parents=True, exist_ok=True)
        modelfile.atomic_write(state / "last-model", str(Path(path).resolve()).encode())
    except (OSError, DigitnetError):
        pass  # a convenience only; never fail a finished training run over it


def last_model() -> Path | None:
    """The model most recently saved by ``digitnet train``, if it still exists."""
    import platformdirs

    pointer = Path(platformdirs.user_state_dir("digitnet")) / "last-model"
    try:
        path = Path(pointer.read_text().strip())
    except OSError:
        return None
    return path if path.is_file() else None


def _load_data(data: str, split: str, *, progress: bool = False):
    return datasets.load(data, split=split, progress=progress)


# -- evaluate ---------------------------------------------------------------------------------


@cli.command("evaluate")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--data", default="mnist", show_default=True, metavar="DIR|NAME",
              help="A folder of MNIST-format IDX files, or mnist, fashion-mnist, kmnist.")
@click.option("--split", type=click.Choice(["test", "train", "val"]), default="test",
              show_default=True, help="val: the validation images held out when MODEL was trained.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(model, data, split, as_json):
    """Accuracy, loss, per-digit accuracy and confusion matrix of MODEL on a data split."""
    net = modelfile.load(model)
    if split == "test":
        images = datasets.load(data, split="test", progress=sys.stderr.isatty())
        subset = images
    else:
        full = _load_data(data, "train", progress=sys.stderr.isatty())
        subset = _split_like_training(net, full, split, model)
    ev = evaluate(net, subset.images, subset.labels)
    if as_json:
        click.echo(json.dumps(ev.to_dict()))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    classes = subset.classes
    console.print(f"{model} on {subset.name} ({split}, {ev.n:,} images)")
    console.print(f"Accuracy: {ev.accuracy:.2%}   Loss: {ev.loss:.4f}")
    table = Table(title="Confusion matrix (rows: true, columns: predicted)", show_lines=False)
    table.add_column("true", justify="right")
    for j in range(len(ev.confusion)):
        table.add_column(str(j), justify="right")
    table.add_column("accuracy", justify="right")
    for i, row in enumerate(ev.confusion):
        label = classes[i] if i < len(classes) else str(i)
        cells = [f"[bold]{v}[/bold]" if i == j else (str(v) if v else "·") for j, v in enumerate(row)]
        table.add_row(label, *cells, f"{ev.per_class[i]:.1%}")
    console.print(table)


def _split_like_training(net: Network, full, split: str, model: str):
    """The train or val part of ``full`` exactly as it was split when ``net`` was trained."""
    config = net.metadata.get("config")
    if config is None:
        raise DigitnetError(f"{model}: has no training configuration, so its validation split "
                            "is unknown; use --split test or train")
    fraction, seed = config["val_fraction"], config["seed"]
    train_part, val_part = datasets.train_val_split(full, fraction, seed)
    trained_on = net.metadata.get("data", {}).get("train", {}).get("files")
    if trained_on and trained_on != full.files:
        raise DigitnetError(f"{model}: was trained on other files than {full.source}; its "
                            "validation split cannot be rebuilt from them")
    if split == "val" and len(val_part) == 0:
        raise DigitnetError(f"{model}: was trained without a validation split (val_fraction 0)")
    return val_part if split == "val" else train_part


# -- predict ----------------------------------------------------------------------------------


@cli.command("predict")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="FILE|FOLDER...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True,
              help="How many of the most likely digits to list.")
@click.option("--save-input", type=click.Path(file_okay=False), metavar="DIR",
              help="Save the 28x28 image the network saw for each input here, as PNG.")
def predict_command(model, files, as_json, top, save_input):
    """Read the digit in each image FILE, or in every image under each FOLDER.

    Pictures of any size and kind (PNG, JPEG, BMP, GIF, WebP, TIFF; dark ink on paper or light
    on dark; photos) are prepared the way MNIST's digits were: cropped to the digit, scaled to
    fit 20x20 and centred by mass in 28x28 (see digitnet.preprocess). .npy files holding arrays
    of shape (28, 28) or (n, 784) are read as MNIST-style pixels as they are. A file that cannot
    be read is reported and skipped; the exit code is then 1.
    """
    net = modelfile.load(model)
    if net.sizes[0] != 28 * 28:
        raise ModelFileError(f"{model}: the network takes {net.sizes[0]} inputs, not the 784 "
                             "pixels of a 28x28 image, so it cannot read pictures; use a model "
                             "trained on MNIST-style images")
    saver = _InputSaver(save_input) if save_input else None
    failed = 0
    for name, x in _read_inputs(files):
        if isinstance(x, DigitnetError):
            click.echo(f"digitnet: error: {x}", err=True)
            failed += 1
            continue
        proba = np.atleast_2d(net.predict_proba(x))
        rows = np.asarray(x).reshape(len(proba), -1)
        for i, p in enumerate(proba):
            label = name if len(proba) == 1 else f"{name}[{i}]"
            digit = int(np.argmax(p))
            if saver is not None:
                saver.save(name, i if len(proba) > 1 else None, rows[i])
            if as_json:
                click.echo(json.dumps({"file": label, "digit": digit,
                                       "probabilities": [round(float(v), 6) for v in p]}))
            else:
                ranked = np.argsort(p)[::-1][:top]
                others = "  ".join(f"{j}: {p[j]:.1%}" for j in ranked)
                click.echo(f"{label}: {digit}  ({others})")
    if failed:
        sys.exit(1)


def _read_inputs(files):
    """Yield (name, array or DigitnetError) for each input file, walking folders."""
    from . import preprocess
    from .errors import DataError

    for name in files:
        path = Path(name)
        if path.is_dir():
            found = 0
            for item in preprocess.image_files(path):
                found += 1
                if isinstance(item, DigitnetError):
                    yield str(path), item
                else:
                    yield from _read_inputs([str(item)])
            if not found:
                yield name, DataError(f"{name}: no image files in this folder (looked for "
                                      f"{', '.join(preprocess.IMAGE_EXTENSIONS)})")
            continue
        try:
            if not path.exists():
                raise DataError(f"{name}: no such file or folder")
            if path.suffix.lower() == ".npy":
                try:
                    x = np.load(path, allow_pickle=False)
                except (ValueError, OSError) as e:
                    raise DataError(f"{name}: not a readable .npy array ({e})") from None
                if x.shape not in ((28, 28), (784,)) and not (x.ndim == 2 and x.shape[1] == 784):
                    raise DataError(f"{name}: array of shape {x.shape}; expected (28, 28) or (n, 784)")
                if x.dtype != np.uint8 and x.size and (np.nanmax(x) > 1.0 or np.nanmin(x) < 0):
                    raise DataError(f"{name}: values from {np.nanmin(x)} to {np.nanmax(x)}; "
                                    "expected brightness in [0, 1] or uint8 pixels")
            else:
                x = preprocess.to_mnist(path, name=name)
            yield name, x
        except DigitnetError as e:
            yield name, e


class _InputSaver:
    """Writes the 28x28 images the network saw as PNGs named after their inputs."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DigitnetError(f"{folder}: cannot create the --save-input folder "
                                f"({e.strerror or e})") from None
        self.used: set[str] = set()

    def save(self, name: str, index: int | None, pixels: np.ndarray) -> Path:
        from PIL import Image

        stem = Path(name).stem + (f"-{index}" if index is not None else "")
        candidate, n = stem, 1
        while candidate in self.used:  # the same file name in two folders
            n += 1
            candidate = f"{stem}-{n}"
        self.used.add(candidate)
        pixels = np.asarray(pixels).reshape(28, 28)
        if pixels.dtype != np.uint8:
            pixels = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels, "L").save(buffer, format="PNG")
        return modelfile.atomic_write(self.folder / f"{candidate}.png", buffer.getvalue())


# -- info -------------------------------------------------------------------------------------


@cli.command("info")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the model's metadata as JSON.")
def info_command(model, as_json):
    """Architecture, parameter breakdown, training configuration and metrics of MODEL."""
    net = modelfile.load(model)
    meta = net.metadata
    if as_json:
        click.echo(json.dumps({"sizes": list(net.sizes), "activation": net.activation.name,
                               "output": net.output_function.name, "cost": net.output_function.cost,
                               "parameters": net.parameter_count, **meta}))
        return
    sizes = "-".join(map(str, net.sizes))
    click.echo(f"{model}")
    click.echo(f"  network     {sizes}: {net.activation.name} hidden layers, {net.output_function.name} "
               f"output with {net.output_function.cost.replace('_', ' ')} cost")
    click.echo(f"  parameters  {net.parameter_breakdown()}")
    for l, (n_out, n_in) in enumerate(net.layer_shapes):
        click.echo(f"    layer {l + 1}: W {n_out}x{n_in} = {n_out * n_in:,} weights, "
                   f"{n_out} biases")
    if "digitnet_version" in meta:
        click.echo(f"  saved       {meta.get('saved', '?')} by digitnet {meta['digitnet_version']}")
    config = meta.get("config")
    if config:
        click.echo("  training    " + ", ".join(f"{k}={v}" for k, v in config.items() if k != "sizes"))
    data = meta.get("data", {}).get("train")
    if data:
        click.echo(f"  data        {data.get('name')} ({data.get('n', '?'):,} images): "
                   + ", ".join(f"{f} sha256 {h[:12]}…" for f, h in data.get("files", {}).items()))
    metrics = meta.get("metrics")
    if metrics:
        click.echo("  metrics     " + ", ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()))
    history = meta.get("history") or []
    if history:
        click.echo("  history     epoch  train loss  val loss  val acc  seconds")
        for r in history:
            click.echo(f"              {r['epoch']:>5}  {r['train_loss']:>10.4f}  "
                       f"{r.get('val_loss', float('nan')):>8.4f}  "
                       f"{r.get('val_accuracy', float('nan')):>7.2%}  {r['seconds']:>7.2f}")


# -- serve ------------------------------------------------------------------------------------


@cli.command("serve")
@click.argument("model", type=click.Path(dir_okay=False), required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines in (no authentication).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.option("--data", default="mnist", show_default=True, metavar="DIR|NAME",
              help="What training runs started from the page learn from.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Processes that read drawings beside the server's own  [default: one per "
                   "core beyond the first two, at most 4; 0 reads them in the server]")
def serve_command(model, host, port, open_browser, data, workers):
    """Serve the drawing page and its API for MODEL (default: the last model trained).

    Draw a digit and watch the network read it, layer by layer; click a neuron to see what it
    looks for; train a new network from the page. The API is documented at /docs.
    """

    if model is None:
        model = last_model()
        if model is None:
            raise ModelFileError("no model to serve: train one first with `digitnet train` "
                                 "(it saves digitnet-model.safetensors), or name a model file: "
                                 "digitnet serve MODEL")
    from .web import create_app, serve

    if workers is None:
        # One core for the server's own event loop, one for the rest of the machine (the
        # browser, other programs): on 2 cores a worker would compete with both.
        workers = max(0, min(4, (os.cpu_count() or 1) - 2))
    app = create_app(model, data=data, workers=workers)
    net = app.state.served.current[0]

    def ready(url: str) -> None:
        click.echo(f"Serving {'-'.join(map(str, net.sizes))} from {model} at {url}  "
                   "(API docs at /docs; Ctrl-C to stop)")
        if open_browser:
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    serve(app, host, port, on_ready=ready)


# -- show -------------------------------------------------------------------------------------


def _check_picture_name(ctx, param, value):
    suffix = Path(value).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise click.BadParameter(f"{value}: unknown picture type {suffix or '(no extension)'!r}; "
                                 "give a file name ending in .png or .svg")
    return value


def _out_option(kind: str):
    return click.option("--out", default=f"{kind}.png", show_default=True, metavar="FILE",
                        type=click.Path(dir_okay=False), callback=_check_picture_name,
                        help="Where to save the picture: PNG or SVG, by the file's extension.")


_DATA_OPTIONS = [
    click.option("--data", default="mnist", show_default=True, metavar="DIR|NAME",
                 help="A folder of MNIST-format IDX files, or mnist, fashion-mnist, kmnist."),
    click.option("--split", type=click.Choice(["test", "train", "val"]), default="test",
                 show_default=True, help="val: the validation images held out when MODEL was trained."),
]


def _data_options(f):
    for option in reversed(_DATA_OPTIONS):
        f = option(f)
    return f


@cli.group("show")
def show_group():
    """Draw what MODEL learned and how it reads a digit, as PNG or SVG pictures.

    \b
      digitnet show weights MODEL              what each first-layer neuron looks for
      digitnet show network MODEL digit.png    the video's diagram, lit up by one digit
      digitnet show saliency MODEL digit.png   which pixels made it answer as it did
      digitnet show dream MODEL --digit 5      the input that most excites the 5
      digitnet show confusion MODEL --data D   which digits it takes for which
      digitnet show mistakes MODEL --data D    its most confident wrong answers
      digitnet show history MODEL              loss and accuracy per epoch
    """


def _save_picture(fig, out: str) -> None:
    from . import viz

    path = viz.save_figure(fig, out)
    click.echo(f"Saved {path}")


def _one_image(image: str) -> np.ndarray:
    """The 28x28 image the network sees for IMAGE (a picture file or a .npy array)."""
    from .errors import DataError

    for name, x in _read_inputs([image]):
        if isinstance(x, DigitnetError):
            raise x
        if np.asarray(x).size != 784:
            raise DataError(f"{name}: holds {np.asarray(x).size // 784} images; give one")
        return np.asarray(x)
    raise DataError(f"{image}: no image found in this folder")


def _labelled(net: Network, data: str, split: str, model: str):
    if split == "test":
        return datasets.load(data, split="test", progress=sys.stderr.isatty())
    return _split_like_training(net, _load_data(data, "train", progress=sys.stderr.isatty()),
                                split, model)


@show_group.command("weights")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--layer", type=click.IntRange(min=1), default=1, show_default=True,
              help="1: the first hidden layer's weights; deeper layers: approximate templates "
                   "(weights multiplied back through the earlier layers).")
@_out_option("weights")
def show_weights(model, layer, out):
    """Each neuron's incoming weights as a 28x28 picture: blue positive, red negative."""
    from . import viz

    _save_picture(viz.weights_figure(modelfile.load(model), layer), out)


@show_group.command("network")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("image", type=click.Path())
@click.option("--links", type=click.IntRange(min=1), default=300, show_default=True,
              help="How many of the strongest connections to draw into each layer.")
@_out_option("network")
def show_network(model, image, links, out):
    """The video's diagram of MODEL reading IMAGE: neurons lit by their activation."""
    from . import viz

    _save_picture(viz.network_figure(modelfile.load(model), _one_image(image), links), out)


@show_group.command("saliency")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("image", type=click.Path())
@_out_option("saliency")
def show_saliency(model, image, out):
    """Which pixels of IMAGE pushed MODEL towards its answer (gradient of the answer's z)."""
    from . import viz

    _save_picture(viz.saliency_figure(modelfile.load(model), _one_image(image)), out)


@show_group.command("dream")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--digit", type=click.IntRange(0, 9), multiple=True,
              help="The output to excite (repeat for several; default: all ten).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the starting noise.")
@_out_option("dream")
def show_dream(model, digit, seed, out):
    """The input that most excites each output: gradient ascent from faint noise."""
    from . import viz

    _save_picture(viz.dream_figure(modelfile.load(model), digit or None, seed=seed), out)


@show_group.command("confusion")
@click.argument("model", type=click.Path(dir_okay=False))
@_data_options
@_out_option("confusion")
def show_confusion(model, data, split, out):
    """The confusion matrix of MODEL on a data split: which digits it takes for which."""
    from . import viz

    net = modelfile.load(model)
    subset = _labelled(net, data, split, model)
    title = f"{Path(model).name} on {Path(str(subset.name)).name} ({split})"
    _save_picture(viz.confusion_figure(net, subset.images, subset.labels, subset.classes, title), out)


@show_group.command("mistakes")
@click.argument("model", type=click.Path(dir_okay=False))
@_data_options
@click.option("--count", type=click.IntRange(1, 200), default=24, show_default=True,
              help="How many mistakes to show.")
@_out_option("mistakes")
def show_mistakes(model, data, split, count, out):
    """A gallery of MODEL's most confident wrong answers on a data split."""
    from . import viz

    net = modelfile.load(model)
    subset = _labelled(net, data, split, model)
    _save_picture(viz.mistakes_figure(net, subset.images, subset.labels, count, subset.classes), out)


@show_group.command("history")
@click.argument("model", type=click.Path(dir_okay=False))
@_out_option("history")
def show_history(model, out):
    """Training and validation loss and accuracy per epoch, from MODEL's file."""
    from . import viz

    from .errors import ModelFileError

    history = modelfile.load(model).metadata.get("history")
    if not history:
        raise ModelFileError(f"{model}: has no training history to draw; it was saved without "
                             "one (models trained by digitnet train have it)")
    _save_picture(viz.history_figure(history, title=Path(model).name), out)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``digitnet`` console script."""
    cli.main(args=argv, prog_name="digitnet")


if __name__ == "__main__":
    main()
