"""What ``digitnet train`` writes, kept off what it reads; and after an interruption, a
divergence or a full disk, what was saved (and the command that goes on from it).

A run reads its data (a table, the files of a folder, a named data set's downloaded files) and
maybe a model to start from (``--init``), a teacher (``--teacher``), a file of options
(``--config``) and a checkpoint (``--resume``). It writes a checkpoint (``--checkpoint``; when
resuming, by default the checkpoint it resumes, so that a resumed run interrupted again can be
resumed again) and the model (``--out``). Saving over a file the run reads would lose it with
exit code 0 (a table replaced by the model), so :func:`outputs` refuses that, and an output
that cannot be written, before anything is read. A new model or checkpoint inside a ``--data``
folder is allowed: no loader reads one as data (a folder of IDX files ignores it, class folders
skip it and say so in their note), unless its name is one read as data (an IDX file's, a
picture's, a recording's, a table's): that is refused too, and so is replacing any file there
but a model or checkpoint. What each output may replace, wherever it is (a model only a model; a
checkpoint only the one resumed or a finished run's), is :mod:`digitnet.replacing`'s rule.
"""

from __future__ import annotations

import copy
import errno
import os
from pathlib import Path

import click

from .. import checkpoint as checkpoints
from .. import inputs, kinds, modelfile, modelread, replacing, stopping
from ..audio import AUDIO_EXTENSIONS
from ..datasets import TABLE_SUFFIXES
from ..errors import (ConfigError, DigitnetError, DivergenceError, ModelFileError,
                      TrainingInterrupted)
from ..images import IMAGE_EXTENSIONS
from ..replacing import same_file
from ..words import shell

#: The files a run reads besides its data, by option: what each one is, in words.
_READ = {"--init": "the model --init starts from", "--teacher": "the model --teacher teaches",
         "--config": "the file of training options --config reads",
         "--space": "the search space --space reads",
         "--resume": "the checkpoint --resume continues"}


def outputs(out: str, checkpoint: str | None, resume: str | None, data: str | None,
            reads: dict[str, str | None], *, model: bool = True) -> str | None:
    """The checkpoint the run writes: ``checkpoint``, else the one it resumes (or None).
    ``model``: whether ``out`` is a model file (``digitnet tune`` writes a recipe there).

    Raises click.UsageError, before anything is read, for an empty name, ``out`` equal to the
    checkpoint, or an output that would replace a file the run reads: ``reads`` (option ->
    path: ``--init``, ``--teacher``, ``--config``; ``digitnet tune``'s ``--space``), the
    checkpoint resumed, or a data file
    (see the module docstring); ModelFileError for an output that cannot or may not be written
    (:func:`digitnet.modelfile.check_writable`), or a ``resume`` that is no checkpoint; a
    ConfigError for an output over a file it may not replace (:func:`digitnet.replacing.check`:
    the model only a digitnet model, the checkpoint only the one resumed or a finished run's,
    the recipe only a recipe). A recipe (``model`` False) is refused, as a ConfigError, a name
    that says another kind of file (``.safetensors``, ``.db``, ``.csv``: as a model is refused
    ``.txt``).
    """
    given = {"--out": out, "--checkpoint": checkpoint}
    for option, path in given.items():
        if path == "":
            raise click.UsageError(f"{option}: give a file name")
    reads = {**reads, "--resume": resume}
    for option, path in given.items():
        if path is None:
            continue
        refuse_reads(option, path, {_READ[other]: read for other, read in reads.items()
                                    if (option, other) != ("--checkpoint", "--resume")})
        if data:
            refuse_data(option, path, data)
    if checkpoint is not None and same_file(out, checkpoint):
        raise click.UsageError(f"--out {out}: is --checkpoint's file too, and the model would "
                               "replace the checkpoint: give them different names")
    for option, path in given.items():
        if path is None:
            continue
        recipe = not model and option == "--out"
        if recipe:
            _check_recipe_name(path)
        modelfile.check_writable(path, model=not recipe)
        kind = "recipe" if recipe else "model" if option == "--out" else "checkpoint"
        replacing.check(path, kind, option=option, resumed=resume)
    if checkpoint is not None or resume is None:
        return checkpoint
    modelfile.read_metadata(resume, kind="checkpoint")  # missing or not one: said first
    try:
        modelfile.check_writable(resume)
    except ModelFileError as e:
        raise ModelFileError(f"{e}: a resumed run goes on saving its checkpoint in the file it "
                             "resumes, unless --checkpoint PATH names another") from None
    return resume


#: What a name given to a recipe (JSON) says the file is instead, by its ending: the kinds
#: a model's name is refused for (:data:`digitnet.modelread.OTHER_KINDS`) but JSON, a model, and
#: a study database.
_NOT_RECIPES = {**{end: what for end, what in modelread.OTHER_KINDS.items() if end != ".json"},
                ".safetensors": "a model file", ".onnx": "an ONNX model",
                **dict.fromkeys((".db", ".sqlite", ".sqlite3"), "a database")}

def _check_recipe_name(path: str) -> None:
    """Refuse a recipe's file named as another kind of file (worded as
    :func:`digitnet.modelfile.check_writable` refuses a model's: "saving writes ..., but ...")."""
    path = Path(path)
    what = _NOT_RECIPES.get(path.suffix.lower())
    if what is not None:
        raise ConfigError(f"{path}: saving writes a JSON recipe, but {path.suffix} names "
                          f"{what.removesuffix(' (never loaded)')}; name it "
                          f"{path.with_suffix('.json')}")


def check_kinds(data: str, start, teacher: str | None) -> None:
    """Before ``data`` is read: a DataError when it holds another kind of examples than the
    model --init starts from (``start``, a :class:`digitnet.finetune.Start`, or None) or the
    --teacher model (a file, or None) reads, as far as its name tells
    (:func:`digitnet.kinds.check`: "digits/ holds pictures, and --teacher voice.safetensors
    reads recordings"). Their sizes and classes are checked once it is read (by
    :func:`digitnet.finetune.check_reads`, and for the teacher
    :func:`digitnet.distillation.teacher_for`)."""
    models = [(start.network, start.name)] if start is not None else []
    if teacher is not None:
        models.append((modelfile.load(teacher), f"--teacher {teacher}"))
    for net, name in models:
        kinds.check(data, inputs.of(net), name)


def diverged(error: DivergenceError, out: str) -> DivergenceError:
    """A diverged run's error (:func:`digitnet.stopping.diverged`) in the CLI's words (--lr),
    saying what was saved: in the first epoch nothing (nothing was learned); later, the weights
    the run kept (those of the last epoch before, or with early stopping the best:
    :meth:`digitnet.checkpoint.RunState.kept`), saved to ``out`` as the model, its file
    describing the epochs that made them."""
    said = str(error).partition(";")[0]  # "training diverged in epoch N (loss became nan)"
    meta = error.network.metadata
    lower = f"try a lower --lr than {meta['config']['lr']:g}"
    history = meta.get("history") or []
    if not history:
        return DivergenceError(f"{said}; nothing was learned and nothing was saved: {lower}")
    kept = (meta.get("metrics") or {}).get("best_epoch") or len(history)
    modelfile.save(error.network, out)
    return DivergenceError(f"{said}; saved the weights of epoch {kept}, "
                           f"{stopping.kept_epoch(kept != len(history))}, to {out}: "
                           f"{lower}", network=error.network)


def refuse_data_folder(data: str, source: str, written: dict[str, str | None]) -> None:
    """After a named data set is read (``--data mnist``: files in digitnet's cache, or a system
    folder), refuse outputs among its files as :func:`outputs` refuses a folder's."""
    folder = Path(source)
    if Path(data).exists() or not folder.is_dir():
        return  # a folder or table given by path: outputs() has checked it
    for option, path in written.items():
        if path is not None:
            _refuse_in_folder(option, path, folder, f"--data {data}'s folder {folder}")


def refuse_reads(option: str, path: str, reads: dict[str, str | None]) -> None:
    """UsageError when writing ``path`` would replace a file the command reads: ``reads`` maps
    what each is, in words ("the model --init starts from", "MODEL"), to its path (or None)."""
    for what, read in reads.items():
        if read and same_file(path, read):
            raise click.UsageError(f"{option} {path}: is {what}; saving there would replace it: "
                                   f"give {option} another file name")


def refuse_data(option: str, path: str, data: str) -> None:
    """UsageError when writing ``path`` would replace the --data table, or replace or add to
    the data of the --data folder."""
    source = Path(data)
    if source.is_file() and same_file(path, source):
        raise click.UsageError(f"{option} {path}: is the file --data reads; saving there would "
                               f"replace it: give {option} another file name")
    if source.is_dir():
        _refuse_in_folder(option, path, source, f"the --data folder {data}")


def _refuse_in_folder(option: str, path: str, folder: Path, named: str) -> None:
    """UsageError when writing ``path`` would replace or add to the data in ``folder``."""
    real = Path(os.path.realpath(path))
    if Path(os.path.realpath(folder)) not in real.parents:
        return
    if real.is_file() and not _digitnet_file(real):
        raise click.UsageError(f"{option} {path}: is one of the files of {named}, and saving "
                               f"there would replace it: give {option} a file name outside it")
    name, suffix = real.name.lower(), real.suffix.lower()
    if ("-ubyte" in name or ".idx" in name or suffix in TABLE_SUFFIXES
            or suffix in IMAGE_EXTENSIONS or suffix in AUDIO_EXTENSIONS):
        raise click.UsageError(f"{option} {path}: in {named}, a file of that name would be read "
                               f"as data; give {option} another file name")


def _digitnet_file(path: Path) -> bool:
    """Whether ``path`` is a model or checkpoint digitnet wrote (its header is read)."""
    try:
        modelfile.read_metadata(path)
    except (DigitnetError, OSError):
        return False
    return True


class Interruption:
    """Around a run (``with``): Ctrl-C or SIGTERM at any point becomes TrainingInterrupted
    saying what was going on, what was saved and the command that goes on from it; a disk full
    (or a quota reached) as the checkpoint or the model is written, an OSError saying what the
    checkpoint still holds and the command that goes on from it (:meth:`disk_full`). Each
    checkpoint saved meanwhile records ``out`` when it was given
    (:func:`digitnet.checkpoint.recording_out`): a resume without --out saves there.

    ``checkpoint`` is the one the run writes (:func:`outputs`); ``out_given`` False leaves the
    default --out out of that command. Set :attr:`stage` to "training" when the run starts and
    to "saving" when the model is being written.
    """

    def __init__(self, data: str | None, target: str | None, out: str, out_given: bool,
                 checkpoint: str | None, resume: str | None):
        self.data, self.target, self.out, self.out_given = data, target, out, out_given
        self.checkpoint, self.resume = checkpoint, resume
        self.stage = "reading"

    def __enter__(self):
        self._before = _stamp(self.checkpoint)
        self._recording = checkpoints.recording_out(self.out if self.out_given else None)
        self._recording.__enter__()
        return self

    def __exit__(self, kind, error, traceback):
        try:
            return self._said(kind, error)
        finally:
            self._recording.__exit__(None, None, None)

    def _said(self, kind, error):
        if kind is TrainingInterrupted:  # stopped by train() itself, after saving what it could
            raise TrainingInterrupted(f"{error}; {self.how_to_continue(error.checkpoint)}",
                                      checkpoint=error.checkpoint) from None
        if kind is not None and issubclass(kind, OSError):
            full = self.disk_full(error)
            if full is not None:
                raise full from None
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            return False
        saved = self._saved()
        if self.stage == "reading":
            said = "interrupted before training began"
        elif self.stage == "training":
            said = "training interrupted"
        else:
            kept = " (the file there is as it was)" if Path(self.out).exists() else ""
            said = f"interrupted while saving the model: {self.out} was not written{kept}"
        if saved is None and self.stage == "reading":
            raise TrainingInterrupted(f"{said}; nothing was saved") from None
        raise TrainingInterrupted(f"{said}; {self.how_to_continue(saved)}",
                                  checkpoint=saved) from None

    def _saved(self) -> str | None:
        """The checkpoint that holds this run now: the one it writes, once written, else the
        one it resumed (as it was), or None."""
        written = self.checkpoint if _stamp(self.checkpoint) not in (None, self._before) else None
        return written or self.resume

    def disk_full(self, error: OSError) -> OSError | None:
        """``error``, a disk full (or a quota reached) as this run wrote its checkpoint or its
        model, saying what was lost and what the checkpoint holds: the run, as it was at its
        last checkpoint, with the command that goes on from it; the finished run, with the
        command that saves its model from it. None for another error, or another file."""
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) or error.filename is None:
            return None
        lacking = os.strerror(error.errno)
        lacking = lacking[:1].lower() + lacking[1:]  # "no space left on device"
        saved = self._saved()
        meta = _checkpoint_meta(saved)
        if self.checkpoint is not None and same_file(error.filename, self.checkpoint):
            room = "free some space (or give --checkpoint a place with room)"
            if meta is None:
                said = f"the run stopped with nothing saved: {room} and train again"
            else:
                said = (f"the run stopped, and {saved} still holds {checkpoints.held(meta)}: "
                        f"{room} and {self.how_to_continue(saved)}")
        elif self.stage == "saving" and same_file(error.filename, self.out):
            room = "free some space (or give --out a place with room)"
            if meta is not None and replacing.finished(meta, meta.get("checkpoint")):
                said = (f"the model was not saved, but {saved} holds the finished run: {room} "
                        f"and save its model with: {self.command(saved)}")
            else:
                said = (f"the trained network was not saved, and nothing else holds it: {room} "
                        "and train again" + (", adding --checkpoint PATH so that a save that "
                                             "fails can be made again without training"
                                             if self.checkpoint is None else ""))
        else:
            return None
        full = copy.copy(error)  # (of its type: a ModelFileError too, where modelfile says so)
        full.strerror = f"{lacking}; {said}"
        return full

    def how_to_continue(self, saved: str | None) -> str:
        """The end of the line that says a run was interrupted: the command that continues it
        from the checkpoint ``saved`` (with --checkpoint when the run saves elsewhere)."""
        if saved is None:
            return ("nothing was saved" if self.checkpoint else
                    "nothing was saved; train with --checkpoint PATH to be able to resume")
        return f"continue with: {self.command(saved)}"

    def command(self, saved: str) -> str:
        """The command that goes on from the checkpoint ``saved``, shell-quoted."""
        elsewhere = self.checkpoint is not None and not same_file(self.checkpoint, saved)
        words = ["digitnet", "train", *(["--data", self.data] if self.data else []),
                 *(["--target", self.target] if self.target else []), "--resume", saved,
                 *(["--checkpoint", self.checkpoint] if elsewhere else []),
                 *(["--out", self.out] if self.out_given else [])]
        return " ".join(map(shell, words))


def _checkpoint_meta(path: str | None) -> dict | None:
    """The metadata of the checkpoint at ``path``, or None: no path, no file, not readable."""
    if path is None:
        return None
    try:
        return modelfile.read_metadata(path, kind="checkpoint")
    except (DigitnetError, OSError):
        return None


def _stamp(path: str | None) -> tuple[int, int] | None:
    """Which file is at ``path`` and when it was last written (None: no file): a checkpoint
    is replaced by a new file each time it is saved."""
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns
