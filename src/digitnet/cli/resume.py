"""Resuming a run: a checkpoint carries its own training options, and a command may repeat them.

``digitnet train <options> --resume CKPT`` is usually the earlier command with ``--resume``
added, so every option equal to the checkpoint's is accepted. One that differs is refused, named
with the checkpoint's value and the command's: the run would otherwise silently go on with the
checkpoint's options, or become a run that no single configuration describes.
"""

from __future__ import annotations

import click

from .. import modelfile
from ..errors import ModelFileError, listed
from ..config import TrainConfig


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
