"""``digitnet export``: a model as an ONNX file or a PyTorch state dict (safetensors)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import inputs, modelfile
from ..errors import ConfigError
from ..interop.export import FORMATS, check_name, default_name, export
from ..interop.torch import python_lines
from .group import cli


@cli.command("export")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(FORMATS), required=True,
              help="onnx: an ONNX graph any ONNX runtime runs; torch: the state dict of an "
                   "nn.Sequential, as safetensors.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="PATH",
              help="Where to write it: a name ending in .onnx for onnx, in .safetensors for "
                   "torch (default: MODEL with .onnx or .torch.safetensors for its extension, "
                   "never MODEL itself: x.onnx gives x.export.onnx). Only a previous export "
                   "there is replaced: never a digitnet model, another tool's model or a "
                   "read-only file.")
def export_command(model, format_, out):
    """Write MODEL (a digitnet model or an .onnx file) for other tools.

    \b
    ONNX (.onnx): input "input", float32 (batch, n), one row per example:
      images: the pixels row by row, brightness 0..1 (uint8 pixels / 255), deskewed first
        if the model deskews: digitnet.inputs.of(net).rows(images / 255), as float32;
      recordings: the bands x frames log-mel picture that digitnet's front end makes
        (digitnet.audio.picture, settings in metadata 'input'), row by row, brightness 0..1;
      tables: the raw columns (the model's standardisation, if any, is in the graph).
    Output "probabilities"; class names and the input record in the metadata.
    PyTorch (.safetensors): load it into the nn.Sequential printed after export; it gives
    the same probabilities and takes the same rows, except that a table's columns must be
    standardised first (with the mean and std in metadata 'input').
    digitnet.from_torch(model, input=..., classes=...) reads it back, given metadata 'input'
    and 'classes'.
    """
    given = out is not None
    out = Path(out) if given else default_name(model, format_)
    check_name(out, format_)
    net = modelfile.load(model)
    if out.exists() and out.resolve() == Path(model).resolve():
        named = f"--out {out}" if given else f"no --out was given, and the default name {out}"
        raise ConfigError(f"{named} is MODEL itself; give --out another file name")
    path = export(net, out, format_)
    click.echo(f"Saved {path}")
    record = inputs.of(net)
    if isinstance(record, inputs.Images):
        click.echo(picture_rows_note(record, model))
    if isinstance(record, inputs.Audio):
        click.echo(f"The model reads each recording as its {record.bands}x{record.frames} log-mel "
                   "picture: make it as digitnet's front end does (digitnet.audio.picture, with "
                   "the settings in metadata 'input'), brightness 0..1")
    if format_ == "torch":
        if isinstance(record, inputs.Table) and record.mean is not None:
            click.echo("The module takes standardised columns: (value - mean) / std, with the "
                       "mean and std in metadata 'input'")
        click.echo("Load it with:\n"
                   "  from safetensors.torch import load_file; from torch import nn\n"
                   f"  model = {python_lines(net)}\n"
                   f"  model.load_state_dict(load_file({str(path)!r}))")


def picture_rows_note(record: inputs.Images, model) -> str:
    """What ``digitnet export`` says an image model's file takes, with the Python that makes it
    of uint8 pictures: brightness 0..1, deskewed first when the model deskews (as the --help
    says). ``digitnet.inputs.deskew`` of uint8 pixels gives uint8 pixels 0..255, which the
    files read 255 times too bright, so the note deskews the brightness (pixels / 255)."""
    h, w = record.shape
    each = (f"The model reads deskewed digits: the file takes each {h}x{w} picture deskewed first,"
            " as digitnet does, its" if record.deskew else f"The file takes each {h}x{w} picture's")
    lines = [f"{each} pixels row by row as brightness 0..1 (uint8 pixels / 255), float32; for "
             f"uint8 pictures images, shape (n, {h}, {w}):",
             "  import numpy as np, digitnet",
             f"  x = digitnet.inputs.of(digitnet.load({str(model)!r}))"
             ".rows(images / 255).astype(np.float32)"]
    if record.deskew:
        lines += ["  # the same, deskewed by hand: divide by 255 first (digitnet.inputs.deskew "
                  "keeps uint8 pixels 0..255)",
                  "  x = digitnet.inputs.deskew(images / 255).reshape(len(images), -1)"]
    return "\n".join(lines)
