"""Resuming a run: a checkpoint carries its own training options, and a command may repeat them.

``digitnet train <options> --resume CKPT`` is usually the earlier command with ``--resume``
added, so every option equal to the checkpoint's is accepted. One that differs is refused, named
with the checkpoint's value and the command's: the run would otherwise silently go on with the
checkpoint's options, or become a run that no single configuration describes.

Without ``--data`` or ``--out``, a resumed run goes on with the data its checkpoint records and
saves its model to the ``--out`` its run was given (:func:`resumed_run`), as the run would have.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import checkpoint, modelfile, modelread, recordings
from ..config import TrainConfig
from ..datasets import KNOWN_NAMES
from ..errors import ConfigError, ModelFileError, listed
from ..sources import SAMPLE


def resumed_run(resume: str, data: str, out: str, data_given: bool,
                out_given: bool) -> tuple[str, str]:
    """The data and the model file a run resumed from ``resume`` goes on with: ``data`` and
    ``out`` when given (``data_given``, ``out_given``), else what its checkpoint records: its
    data (:func:`resumed_data`, said on stderr) and the --out its run was given (absolute: see
    :func:`digitnet.checkpoint.recording_out`; the report's last line names it, "Saved the model
    to ..."). A checkpoint that records no --out (its run had none, or it is from before
    digitnet recorded it) saves to ``out``, the default. The checkpoint is read first
    (:func:`checkpoint_header`)."""
    meta = checkpoint_header(resume)
    if not data_given:
        data = resumed_data(resume, meta)
    recorded = checkpoint.recorded_out(meta.get("checkpoint"))
    return data, (recorded if recorded is not None and not out_given else out)


def checkpoint_header(resume: str) -> dict:
    """The metadata of the checkpoint ``resume``; a ModelFileError, worded for ``--resume``,
    when it is not one: an ONNX model or another tool's safetensors file ("not a training
    checkpoint"), or a file that cannot be read (truncated or corrupt: its run cannot go on from
    it), as well as those :func:`digitnet.modelfile.read_metadata` names (missing, a finished
    model, a recording...)."""
    try:
        return modelfile.read_metadata(resume, kind="checkpoint")
    except ModelFileError as e:
        raise (_not_resumable(resume) or e) from None


def _not_resumable(resume: str) -> ModelFileError | None:
    """What ``resume``, refused as a checkpoint, is, in a checkpoint's words; None where the
    refusal already says it (a file missing, a folder, a finished model, a recording...)."""
    from safetensors import safe_open

    from ..interop.torch import is_export

    path = Path(resume)
    if not path.is_file():  # (a FIFO would keep safe_open waiting)
        return None
    wanted = "not a training checkpoint; --resume needs the file written by --checkpoint"
    if path.suffix.lower() == ".onnx":  # (as digitnet.modelfile.load tells one)
        return ModelFileError(f"{resume}: is an ONNX model, {wanted}")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
    except Exception as e:  # safetensors raises its own error types and OSError
        if modelread.what_instead(path) is not None:
            return None  # (a recording, a recipe...: said as what it is)
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        return ModelFileError(f"{resume}: not a readable training checkpoint ({reason}); it may "
                              "be truncated or corrupt, and its run cannot go on from it: resume "
                              "from an earlier copy of it, or start the run again without "
                              "--resume")
    if meta.get("format") == modelread.FORMAT and "digitnet" in meta:
        return None  # digitnet's: its refusal says what is wrong with it
    what = ("a digitnet torch export (a state dict for PyTorch)" if is_export(meta)
            else "a safetensors file digitnet did not write (another tool's model)")
    return ModelFileError(f"{resume}: is {what}, {wanted}")


def resumed_data(resume: str, meta: dict) -> str:
    """The data to resume ``resume`` (whose metadata is ``meta``) on when no --data is given:
    the data its checkpoint records its run was trained on (a data set's name, a folder or a
    table), said on stderr; mnist for the sample of it digitnet ships (what --data mnist reads
    with no connection). A ConfigError, before any data is read, when that data is no longer
    there or is not recorded, naming the --data to give."""
    trained_on = (meta.get("data") or {}).get("train") or {}
    name = trained_on.get("name")
    if name == SAMPLE.name or name in (*KNOWN_NAMES, *recordings.ARCHIVES) or (
            name and trained_on.get("files") and Path(name).exists()):
        click.echo(f"resuming {resume} on {name}, the data it was trained on", err=True)
        return "mnist" if name == SAMPLE.name else name
    if name is not None and not trained_on.get("files"):
        raise ConfigError(f"{resume}: its run was trained on arrays in memory ({name}), not on "
                          "files, so digitnet train cannot resume it; resume it in Python, on "
                          "the same arrays")
    if name is None:
        raise ConfigError(f"{resume}: does not record the data its run was trained on; give "
                          "--data with that data to resume it")
    raise ConfigError(f"{resume}: its run was trained on {name}, which is no longer there; give "
                      "--data with those files (wherever they are now) to resume it")


def refuse_changed_options(resume: str, given: dict, named: dict[str, str]) -> None:
    """Raise click.UsageError naming each option of ``given`` that the checkpoint has otherwise.

    ``given`` maps TrainConfig fields to the command's values, ``named`` each field to the
    option that gave it ("--lr", "--no-early-stopping", or "--preset video" and "--config FILE"
    for the fields a preset or a file sets). Nothing to compare (no options given) reads no
    checkpoint.
    """
    if not given:
        return
    differences = _saved_config(resume).differences(given)
    if not differences:
        return
    clauses, drop = [], []
    for field, saved, value in differences:
        option = named[field]
        if option.startswith(("--preset ", "--config ")):
            label, flag = f"{field} (from {option})", option.split()[0]
        else:
            label, flag = option, option
        clauses.append(f"{label}: the checkpoint was trained with {_shown(field, saved)}, "
                       f"the command gives {_shown(field, value)}")
        if flag not in drop:
            drop.append(flag)
    raise click.UsageError("; ".join(clauses) + f"; drop {listed(drop)} or start a new run")


def refuse_changed_init(resume: str, start) -> None:
    """Raise click.UsageError unless ``--init`` names the model the checkpoint's run started
    from (a :class:`digitnet.finetune.Start`; compared by the SHA-256 of its parameters)."""
    recorded = modelfile.read_metadata(resume).get("init") or {}
    if recorded.get("params_sha256") != start.record["params_sha256"]:
        began = (f"from {recorded.get('model') or 'another network'}" if recorded
                 else "from random weights")
        raise click.UsageError(f"{start.name}: the checkpoint's run started {began}; drop "
                               "--init to resume it, or start a new run")


def _saved_config(resume: str) -> TrainConfig:
    config = modelfile.read_metadata(resume, kind="checkpoint").get("config")
    if config is None:
        raise ModelFileError(f"{resume}: holds no training options, so it cannot be resumed; "
                             "start a new run")
    return TrainConfig.from_dict(config)


def _shown(field: str, value) -> str:
    """A value as the command line writes it."""
    if field == "sizes":
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return f"--{'' if value else 'no-'}{field.replace('_', '-')}"
    return str(value)
