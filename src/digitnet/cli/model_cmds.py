"""``digitnet evaluate``, ``predict`` and ``info``: the commands that read a trained model."""

from __future__ import annotations

import json
import sys

import click
import numpy as np

from .. import inputs, modelfile
from ..errors import DigitnetError, ModelFileError
from ..metrics import evaluate
from .group import cli
from .inputs import InputSaver, read_inputs
from .labelled import data_options, labelled_split


@cli.command("evaluate")
@click.argument("model", type=click.Path(dir_okay=False))
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(model, data, split, as_json):
    """Accuracy, loss, per-digit accuracy and confusion matrix of MODEL on a data split."""
    net = modelfile.load(model)
    subset = labelled_split(net, data, split, model)
    ev = evaluate(net, inputs.of(net).rows(subset.x), subset.labels)
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


@cli.command("predict")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="FILE|FOLDER...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True,
              help="How many of the most likely digits to list.")
@click.option("--save-input", type=click.Path(file_okay=False), metavar="DIR",
              help="Save the 28x28 image the network saw for each input here, as PNG "
                   "(deskewed, if the model deskews).")
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
    saver = InputSaver(save_input) if save_input else None
    failed = 0
    for name, x in read_inputs(files):
        if isinstance(x, DigitnetError):
            click.echo(f"digitnet: error: {x}", err=True)
            failed += 1
            continue
        rows = inputs.of(net).rows(x)  # what the network sees (deskewed, if it was trained so)
        proba = np.atleast_2d(net.predict_proba(rows))
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
    for l, (n_out, n_in) in enumerate(net.layer_shapes, start=1):
        click.echo(f"    layer {l}: W {n_out}x{n_in} = {n_out * n_in:,} weights, "
                   f"{n_out} biases")
    if "digitnet_version" in meta:
        click.echo(f"  saved       {meta.get('saved', '?')} by digitnet {meta['digitnet_version']}")
    if meta.get("imported"):
        click.echo(f"  imported    from {meta['imported'].get('from')}")
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
