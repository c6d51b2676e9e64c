"""What ``digitnet predict`` makes of the paths it is given, beyond reading them
(:mod:`digitnet.cli.inputs` reads them): a file named like an option (``-3.png``) told from
one (:class:`PredictCommand`); a FIFO, a device or a socket refused before it is opened, where
reading one would wait for ever (:func:`not_regular`); a link to a folder read already noted as
skipped (:func:`note_read_again`); and the 28x28 inputs it saves (:class:`InputSaver`).
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from pathlib import Path

import click
import numpy as np

from .. import modelfile, modelread, words
from ..errors import DataError, DigitnetError


class PredictCommand(click.Command):
    """``digitnet predict``: an option it does not know that is the name of a file or folder
    there (``-3.png``, read by click as the options ``-3``...) says how to give it as a file."""

    def parse_args(self, ctx, args):
        given = list(args)  # (click's parser takes the words out of ``args`` as it reads them)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            typed = next((a for a in _before_dashes(given) if a.startswith(e.option_name)
                          and os.path.lexists(a)), None)
            if typed is not None:
                kind = "a folder" if os.path.isdir(typed) else "a file"
                e.message = (f"{e.message.rstrip('.')}; {typed} is {kind}: write "
                             f"{words.shell('./' + typed)} or put -- before it")
                e.possibilities = []  # (not "Did you mean '--json'?" of a file --json.png)
            raise


def _before_dashes(args: list[str]) -> list[str]:
    """The words of a command before ``--`` (after it, none is read as an option)."""
    return args[:args.index("--")] if "--" in args else args


def not_regular(name: str, path: Path, what: str) -> DataError | None:
    """The error for ``path`` (called ``name``), to be read as ``what`` ("a picture file"),
    when it is a FIFO, a device or a socket, which reading would wait on for ever (a FIFO
    until something writes to it) or never finish (a device); else None (a file or folder, or
    nothing there: its reading says what is wrong)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return DataError(f"{name}: is {modelread.special_kind(mode)}, not a regular file; give "
                     f"{what}")


def note_read_again(error: DigitnetError) -> None:
    """A note that a link to a folder read already was skipped (:class:`digitnet.folders.
    NotWalked`'s ``again``): its files were all read the first way in, so nothing went unread;
    training skips one so too."""
    warnings.warn(str(error), UserWarning, stacklevel=2)


class InputSaver:
    """Writes the 28x28 images the network saw as PNGs named after their inputs, marked as
    digitnet's (:func:`digitnet.replacing.picture_metadata`): a file of that name already in
    the folder is replaced only when it is such a picture (a run before this one saved it),
    never a picture of the user's (``--save-input photos/`` of the photos read), which is kept
    and the input saved under the next free name (:attr:`kept` lists them, for a note)."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DigitnetError(f"{folder}: cannot create the --save-input folder "
                                f"({e.strerror or e})") from None
        self.used: set[str] = set()
        self.kept: list[tuple[str, str]] = []  # (a file of the user's kept, the name saved)

    def _free(self, candidate: str) -> bool:
        """Whether ``candidate``.png may be written: not this run's, and nothing, or a picture
        digitnet saved or drew there."""
        from ..errors import ConfigError
        from ..replacing import check

        if candidate in self.used:
            return False
        try:
            check(self.folder / f"{candidate}.png", "picture")
        except ConfigError:
            return False
        return True

    def save(self, name: str, index: int | None, pixels: np.ndarray) -> Path:
        from PIL import Image, PngImagePlugin

        from ..replacing import picture_metadata

        stem = Path(name).stem + (f"-{index}" if index is not None else "")
        candidate, n = stem, 1
        while not self._free(candidate):  # the same file name in two folders, or a user's
            n += 1
            candidate = f"{stem}-{n}"
        if candidate != stem and stem not in self.used:  # (not this run's: a file of theirs)
            self.kept.append((f"{stem}.png", f"{candidate}.png"))
        self.used.add(candidate)
        pixels = np.asarray(pixels).reshape(28, 28)
        if pixels.dtype != np.uint8:
            pixels = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
        buffer, mark = io.BytesIO(), PngImagePlugin.PngInfo()
        for key, value in picture_metadata("png").items():
            mark.add_text(key, value)
        Image.fromarray(pixels, "L").save(buffer, format="PNG", pnginfo=mark)
        return modelfile.atomic_write(self.folder / f"{candidate}.png", buffer.getvalue())
