"""``digitnet evaluate``, ``predict`` and ``info``: the commands that read a trained model."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click
import numpy as np

from .. import classmatch, inputs, modelcheck, modelfile, modelread, poke, preparation, words
from ..checkpoint import recorded_out
from ..errors import DigitnetError, ModelFileError, one_line
from ..inputs import Audio
from ..inputs import Table as TableInput
from ..metrics import evaluate_data
from ..optionuse import recipe_parts
from ..preparation import FRAMES
from ..replacing import finished
from ..soundcheck import FORMATS
from .group import cli
from .inputs import READ, StackPart, read_inputs, read_recordings, read_table_rows
from .labelled import data_options, labelled_split, own_rows_note
from .predict_inputs import InputSaver, PredictCommand


@cli.command("evaluate")
@click.argument("model", type=click.Path(dir_okay=False))
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(model, data, split, target, as_json):
    """Accuracy, loss, per-class accuracy and confusion matrix of MODEL on a data split.

    A table (.csv, .npz) or a folder of pictures without test/ is scored whole: every row or
    picture (when MODEL was trained on them, a note says how many it learned from, and --split
    val scores those it held out). The classes are named as MODEL names them.
    """
    net, progress = _read(model)
    _note_unfinished(model, net, progress)
    subset, split = labelled_split(net, data, split, model, target)
    own = own_rows_note(net, subset, split, model)  # (examples it learned from among them)
    cli.note(own)
    ev = evaluate_data(net, subset)
    if as_json:  # (the notes on the data, as on stderr: files of a folder skipped, say)
        note = "\n".join(n for n in (subset.note, own) if n) or None
        click.echo(json.dumps({**ev.to_dict(), "classes": inputs.classes_of(net), "split": split,
                               "note": note}))
        return
    from rich.console import Console

    console = Console()
    click.echo(f"{model} on {subset.name} ({split}, {words.counted(ev.n, 'example')})")
    click.echo(f"Accuracy: {ev.accuracy:.2%}   Loss: {ev.loss:.4f}")
    classes = inputs.classes_of(net)
    table, numbered = _confusion_table(ev, classes, numbered=False), False
    if not classmatch.numbered(classes) and _width(console, table) > _TABLE_WIDTH:
        table, numbered = _confusion_table(ev, classes, numbered=True), True
    click.echo("Confusion matrix (rows: true class, columns: the network's answer"
               + (", numbered as the rows)" if numbered else ")"))
    if not console.is_terminal:  # a file or a pipe: as wide as the table needs, uncut
        console = Console(width=max(console.width, _width(console, table)))
    console.print(table)


#: How wide evaluate's confusion table may be with the classes' names heading its columns;
#: wider, its columns are numbered, and each row says its number and name.
_TABLE_WIDTH = 80


def _confusion_table(ev, classes: list[str], numbered: bool):
    """evaluate's confusion matrix as a rich Table, its rows and columns headed alike: by the
    classes' names (a digit model's "0" ... "9"), or when ``numbered`` by number, each row
    by its number and name ("3 Dress")."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("true", no_wrap=True)
    for j, name in enumerate(classes):
        table.add_column(str(j) if numbered else escape(name), justify="right", no_wrap=True)
    table.add_column("accuracy", justify="right", no_wrap=True)
    for i, row in enumerate(ev.confusion):
        cells = [f"[bold]{v}[/bold]" if i == j else (str(v) if v else "·")
                 for j, v in enumerate(row)]
        label = escape(f"{i} {classes[i]}" if numbered else classes[i])
        table.add_row(label, *cells, f"{ev.per_class[i]:.1%}" if sum(row) else "-")
    return table


def _width(console, table) -> int:
    """How many characters wide ``table`` is, uncut."""
    wide = console.options.update_width(10_000)
    return console.measure(table, options=wide).maximum


#: ``digitnet predict --help`` (an f-string: the recordings' formats are named in one place).
PREDICT_HELP = f"""Read the digit (or class) in each image FILE, in every image under each
FOLDER, in each row of a table, or in each recording.

Pictures of any size and kind (PNG, JPEG, BMP, GIF, WebP, TIFF; dark ink on paper or light on
dark; photos) are prepared as MODEL's pictures were (digitnet info MODEL says how): for a model
of MNIST's digits (or of class folders of pictures), the way MNIST's digits were: cropped to the
digit, scaled to fit 20x20 and centred by mass in 28x28 (see digitnet.preprocess); for a model of
pictures that fill their frame (Fashion-MNIST's), as they are: grey, resized to the model's
size, nothing cropped or centred (see digitnet.preparation). .npy files holding arrays of shape
(28, 28), (n, 28, 28) or (n, 784) are read as MNIST-style pixels as they are, named or in a
FOLDER. A MODEL trained on a table reads .csv tables (the columns it was trained on, found by
name) and .npz archives (their X), one answer per row. A MODEL trained on recordings (spoken
digits) reads recordings ({FORMATS}) and folders of them, each turned into the picture of its
sound the model was trained with (--save-input saves it). A file that cannot be read is reported
and skipped, the others still read, and the exit code is then 1; with --json it is reported on
stdout in its place among the answers, as {{"file": ..., "error": "<why>"}}.
"""


@cli.command("predict", cls=PredictCommand, help=PREDICT_HELP)
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(readable=False),
                metavar="FILE|FOLDER...")  # (one that cannot be read: said, the others read)
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object per answer, one per line: {"file", "class", "index", '
                   '"probabilities" (every class\'s, in the model\'s order), "top" (the --top '
                   'most likely: {"class", "index", "probability"}, most likely first), with '
                   '--save-input "saved_input" (the PNG saved of it)}; a file that cannot be '
                   'read: {"file": ..., "error": ...}.')
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True,
              help="How many of the most likely classes to list (with --json: as \"top\").")
@click.option("--save-input", type=click.Path(file_okay=False), metavar="DIR",
              help="Save the 28x28 image the network saw for each input here, as PNG "
                   "(deskewed, if the model deskews); a picture of yours there of the same "
                   "name is kept, the input saved beside it (five-2.png), as are inputs of the "
                   "same name (a.png and a.gif: a.png, a-2.png); with --json each answer names "
                   "its PNG as \"saved_input\".")
def predict_command(model, files, as_json, top, save_input):
    """``digitnet predict``: :data:`PREDICT_HELP` says what it does."""
    try:
        net, progress = _read(model)
    except ModelFileError as e:  # a picture where the model goes: `predict seven.png pngs/`
        if _files_first(model, files):
            raise ModelFileError(f"{e} (MODEL comes before the files)") from None
        raise
    _note_unfinished(model, net, progress)
    model_input = inputs.of(net)
    if isinstance(model_input, TableInput):
        answers = read_table_rows(files, model_input)
    elif isinstance(model_input, Audio):
        answers = read_recordings(files, model_input)
    elif net.sizes[0] != 28 * 28 and getattr(model_input, "pictures", None) != FRAMES:
        raise ModelFileError(f"{model}: the network takes {net.sizes[0]} inputs, not the 784 "
                             "pixels of a 28x28 image, so it cannot read pictures; use a model "
                             "trained on MNIST-style images")
    else:
        answers = read_inputs(files, model_input)
    saver = InputSaver(save_input) if save_input else None
    classes = inputs.classes_of(net)
    failed = 0
    for name, x in answers:
        if isinstance(x, DigitnetError):  # said, and the other files still read
            said = one_line(str(x))
            click.echo(json.dumps({"file": name, "error": said}) if as_json
                       else f"digitnet: error: {said}", err=not as_json)
            failed += 1
            continue
        x, start = (x.images, x.start) if isinstance(x, StackPart) else (x, None)
        rows = model_input.rows(x)  # what the network sees (deskewed, if it was trained so)
        proba = np.atleast_2d(net.probabilities(rows))
        rows = rows.reshape(len(proba), -1)
        for i, p in enumerate(proba):
            index = None if start is None and len(proba) == 1 else (start or 0) + i
            label = name if index is None else f"{name}[{index}]"
            saved = None
            if saver is not None and model_input.image_shape:
                saved = saver.save(name, index, rows[i])
            click.echo(_answer(label, p, classes, top, as_json, saved))
    if saver is not None and saver.kept:  # (pictures of the user's, never replaced)
        (a, b), more = saver.kept[0], len(saver.kept) - 1
        cli.note(f"--save-input {save_input}: {a} there is not a picture digitnet saved, so it "
                 f"is kept, and what the network saw of it is saved as {b}" + (
                     f" ({more} more kept so)" if more else ""))
    if failed:
        sys.exit(1)


def _files_first(model: str, files) -> bool:
    """Whether MODEL, which is not a model, is where the files were meant to go, so that
    "MODEL comes before the files" is true to say: one of the FILES after it is a model
    (`predict a.png m.safetensors`), or it is itself a file of a kind predict reads (the model
    left out: `predict seven.png pngs/`); not a recipe given for a model with the files after
    it (`predict best.json a.png`)."""
    return (Path(model).suffix.lower() in READ
            or any(modelread.is_model_file(name) for name in files))


def _answer(label: str, p: np.ndarray, classes: list[str], top: int, as_json: bool,
            saved: Path | None = None) -> str:
    """One answer: the most likely class by name, then the ``top`` most likely with theirs;
    in JSON, the PNG ``saved`` of its input (--save-input) too."""
    best = int(np.argmax(p))
    ranked = [best, *(int(j) for j in np.argsort(-p, kind="stable") if j != best)][:top]
    if as_json:  # (every probability, by index, as scripts read them; the top few ranked)
        return json.dumps({"file": label, "class": classes[best], "index": best,
                           "probabilities": [round(float(v), 6) for v in p],
                           "top": [{"class": classes[j], "index": j,
                                    "probability": round(float(p[j]), 6)} for j in ranked],
                           **({} if saved is None else {"saved_input": str(saved)})})
    others = "  ".join(f"{classes[j]}: {p[j]:.1%}" for j in ranked)
    return f"{one_line(label)}: {classes[best]}  ({others})"  # JSON keeps the name as it is


@cli.command("info")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the model's metadata as JSON.")
def info_command(model, as_json):
    """Architecture, parameter breakdown, training configuration and metrics of MODEL, and the
    changes made to it by hand after training (``digitnet edit``, the page's "Save"): then the
    metrics and history are the model's before those changes."""
    net, progress = _read(model)
    meta = net.metadata
    changes = poke.described_changes(net)
    if as_json:
        edited = {"edited": {"described": changes, "before_edits": _trained_figures(meta)}
                  } if changes else {}
        kind = {"kind": "model"} if progress is None else {
            "kind": "checkpoint", "checkpoint": {**progress, **_steps(meta, progress)}}
        click.echo(json.dumps({"sizes": list(net.sizes), "activation": net.activation.name,
                               "output": net.output_function.name, "cost": net.output_function.cost,
                               "parameters": net.parameter_count, **kind, **meta, **edited}))
        return
    sizes = "-".join(map(str, net.sizes))
    click.echo(f"{model}")
    hidden = f"{net.activation.name} hidden layers" if len(net.sizes) > 2 else "no hidden layers"
    click.echo(f"  network     {sizes}: {hidden}, {net.output_function.name} output with "
               f"{net.output_function.cost.replace('_', ' ')} cost")
    click.echo(f"  parameters  {net.parameter_breakdown()}")
    for l, (n_out, n_in) in enumerate(net.layer_shapes, start=1):
        click.echo(f"    layer {l}: W {n_out}x{n_in} = {n_out * n_in:,} weights, "
                   f"{n_out} biases")
    click.echo(f"  input       {inputs.of(net).describe(detailed=True)}")
    if isinstance(inputs.of(net), inputs.Images):  # (how a picture file becomes its input)
        click.echo(f"  pictures    {preparation.described(inputs.of(net))}")
    click.echo(f"  classes     {words.listed(inputs.classes_of(net))}")
    if "digitnet_version" in meta:
        click.echo(f"  saved       {meta.get('saved', '?')} by digitnet {meta['digitnet_version']}")
    if progress is not None:
        click.echo(f"  checkpoint  {_where(meta, progress)}; {_resumed_by(model, meta, progress)}")
    if changes:
        _echo_changes(model, meta, changes)
    if meta.get("imported"):
        click.echo(f"  imported    from {meta['imported'].get('from')}")
    config = meta.get("config")
    if config:  # (the options that take effect; --json: every one)
        used, idle = recipe_parts({k: v for k, v in config.items() if k != "sizes"})
        click.echo("  training    " + ", ".join(f"{k}={v}" for k, v in used.items()) + (
            f" ({len(idle)} more off or unused in it: --json lists them)" if idle else ""))
    data = (meta.get("data") or {}).get("train")
    if isinstance(data, dict):
        n, files = data.get("n"), data.get("files")
        click.echo(f"  data        {words.data_name(data.get('name'))} ("
                   + (f"{n:,}" if isinstance(n, int) else "?") + f" {inputs.of(net).noun})"
                   + (": " + ", ".join(f"{f} sha256 {str(h)[:12]}…" for f, h in files.items())
                      if isinstance(files, dict) and files else ""))
    init = meta.get("init")
    if init:
        before = [f"{what} accuracy before training {init[key]:.2%}"
                  for key, what in (("val_accuracy", "validation"), ("test_accuracy", "test"))
                  if isinstance(init.get(key), (int, float))]
        click.echo(f"  init        started from {init.get('model') or 'a network'} (trained on "
                   f"{init.get('trained_on') or 'unrecorded data'})"
                   + "".join(f", {b}" for b in before))
    _echo_training_figures(model, meta, edited=bool(changes))


def _echo_training_figures(model: str, meta: dict, edited: bool) -> None:
    """The metrics and the history of the training, labelled as the model's before its edits
    when it has been ``edited``; a dash where a figure was not measured (no validation split).
    A long history is shortened to its first and last epochs and its best (:func:`_shown`)."""
    before = "before the edits: " if edited else ""
    metrics = meta.get("metrics")
    if metrics:
        click.echo(f"  metrics     {before}" + ", ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()))
    history = meta.get("history") or []
    if history:
        if edited:
            click.echo(f"  history     {before.strip()}")
        click.echo(f"  {'' if edited else 'history':<10}  epoch  train loss  val loss  val acc  "
                   "seconds")
        shown, best = _shown(history)
        for k, r in enumerate(history):  # (checked as the file was read: modelcheck)
            if k not in shown:
                if k - 1 in shown:
                    left_out = next((n for n in shown if n > k), len(history)) - k
                    left = words.counted(left_out, "epoch")
                    click.echo(f"              {'...':>5}  {left} left out")
                continue
            click.echo(f"              {r['epoch']:>5}  {_figure(r.get('train_loss'), '.4f'):>10}  "
                       f"{_figure(r.get('val_loss'), '.4f'):>8}  "
                       f"{_figure(r.get('val_accuracy'), '.2%'):>7}  "
                       f"{_figure(r.get('seconds'), '.2f'):>7}"
                       + ("  (best val acc)" if k == best and len(shown) < len(history) else ""))
        if len(shown) < len(history):
            click.echo(f"              all {len(history)} epochs: digitnet info --json "
                       f"{shlex.quote(model)}")


#: A history of more epochs than this is shortened: its first and last _ENDS epochs and its best.
_LONGEST, _ENDS = 10, 3


def _shown(history: list[dict]) -> tuple[list[int], int | None]:
    """The indices of the epochs of ``history`` that info lists, in order, and the index of the
    best (the highest validation accuracy; of those, the lowest validation loss; the first of
    ties), or None if validation accuracy was not measured."""
    measured = [k for k, r in enumerate(history) if r.get("val_accuracy") is not None]
    best = min(measured, default=None, key=lambda k: (-history[k]["val_accuracy"],
                                                      history[k].get("val_loss") or 0.0, k))
    if len(history) <= _LONGEST:
        return list(range(len(history))), best
    ends = [*range(_ENDS), *range(len(history) - _ENDS, len(history))]
    return sorted({*ends, *([] if best is None else [best])}), best



def _read(model: str) -> tuple:
    """MODEL's network, and for a training checkpoint its record of where the run was (None for
    a model): the two from one reading of the file (its header, read first, says which it is)."""
    onnx = Path(model).suffix.lower() == ".onnx"  # (modelfile.load reads it; it has no kind)
    if onnx or modelfile.read_metadata(model).get("kind") != "checkpoint":
        return modelfile.load(model), None
    checkpoint = modelfile.load_checkpoint(model)
    return checkpoint.network, checkpoint.progress


def _steps(meta: dict, progress: dict) -> dict:
    """``steps_per_epoch`` of a checkpoint's run, when known exactly, else None."""
    counted = modelcheck.steps_per_epoch({**meta, "checkpoint": progress})
    return {"steps_per_epoch": counted[0] if counted and counted[1] else None}


def _where(meta: dict, progress: dict) -> str:
    """Where a checkpoint's run was: "epoch 1 of 3, step 102 of 685", "1 of 3 epochs done"."""
    epochs = (meta.get("config") or {}).get("epochs")
    of = "" if epochs is None else f" of {epochs}"
    epoch, step = progress["epoch"], progress["step"]
    if finished(meta, progress):
        early = ", stopped early" if progress.get("stopped_early") else ""
        return f"the run finished ({epoch}{of} epoch{'s' * ((epochs or epoch) != 1)} done{early})"
    if step == 0:
        return f"{epoch}{of} epoch{'s' * ((epochs or epoch) != 1)} done"
    counted = modelcheck.steps_per_epoch({**meta, "checkpoint": progress})
    total = "" if counted is None else f" of {'' if counted[1] else 'about '}{counted[0]}"
    return f"epoch {epoch + 1}{of}, step {step}{total}"


def _resumed_by(model: str, meta: dict, progress: dict) -> str:
    """The command that continues a checkpoint's run (finished: saves its model) to its --out."""
    data = ((meta.get("data") or {}).get("train") or {}).get("name")
    out = recorded_out(progress)
    command = (f"digitnet train --data {shlex.quote(data) if isinstance(data, str) else 'DATA'} "
               f"--resume {shlex.quote(model)}" + (f" --out {shlex.quote(out)}" if out else ""))
    if finished(meta, progress):
        return f"{command} saves its model"
    return f"resume it with {command}"


def _note_unfinished(model: str, net, progress: dict | None) -> None:
    """A note, on stderr, when MODEL is the checkpoint of a run still under way."""
    if progress is not None and not finished(net.metadata, progress):
        cli.note(f"{model} is the checkpoint of an unfinished run "
                 f"({_where(net.metadata, progress)}): a network still in training")


def _figure(value, spec: str) -> str:
    """``value`` formatted by ``spec``, or a dash where there is none (not measured)."""
    return "-" if value is None else format(value, spec)


def _trained_figures(meta: dict) -> list[str]:
    """The keys of ``meta`` that hold figures measured when the model was trained: an edited
    model's figures from before its edits."""
    return [k for k in ("metrics", "history") if meta.get(k)]


def _echo_changes(model: str, meta: dict, changes: list[str]) -> None:
    """The changes made by hand, in the order they were made, and how to measure the model."""
    data = (meta.get("data") or {}).get("train") or {}
    measure = f"digitnet evaluate {shlex.quote(model)} --data DATA"
    if data.get("name"):
        val = "--split val " if "val_accuracy" in (meta.get("metrics") or {}) else ""
        measure = f"digitnet evaluate {shlex.quote(model)} {val}--data {shlex.quote(data['name'])}"
    click.echo("  edited      by hand after training, in this order:")
    for change in changes:
        click.echo(f"                {change}")
    figures = _trained_figures(meta)
    if figures:
        click.echo(f"              the {' and '.join(figures)} below are the model's before these "
                   "edits;")
    click.echo(f"              measure it as it is with {measure}")
