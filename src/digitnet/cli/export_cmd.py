"""``digitnet export``: a model as an ONNX file or a PyTorch state dict (safetensors)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import inputs, modelfile
from ..errors import ConfigError
from ..interop.export import FORMATS, export
from ..interop.torch import python_lines
from .group import cli

_SUFFIX = {"onnx": ".onnx", "torch": ".torch.safetensors"}


@cli.command("export")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(FORMATS), required=True,
              help="onnx: an ONNX graph any ONNX runtime runs; torch: the state dict of an "
                   "nn.Sequential, as safetensors.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="PATH",
              help="Where to write it (default: MODEL with .onnx or .torch.safetensors).")
def export_command(model, format_, out):
    """Write MODEL (a digitnet model or an .onnx file) for other tools.

    \b
    ONNX: input "input" (batch, n) float32: pixels as brightness 0..1 (deskewed first when the
    model deskews), or a table's raw
    columns (its standardisation is in the graph); output "probabilities"; class names and
    the input record in the metadata.
    PyTorch: load it into the nn.Sequential printed after export.
    """
    net = modelfile.load(model)
    out = Path(out) if out else Path(model).with_suffix(_SUFFIX[format_])
    if out.exists() and out.resolve() == Path(model).resolve():
        raise ConfigError(f"--out {out} is MODEL itself; give another file name")
    path = export(net, out, format_)
    click.echo(f"Saved {path}")
    if getattr(inputs.of(net), "deskew", False):
        click.echo("The model reads deskewed digits: deskew each image first "
                   "(digitnet.inputs.deskew), as digitnet does")
    if format_ == "torch":
        click.echo("Load it with:\n"
                   "  from safetensors.torch import load_file; from torch import nn\n"
                   f"  model = {python_lines(net)}\n"
                   f"  model.load_state_dict(load_file({str(path)!r}))")
