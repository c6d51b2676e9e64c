"""The ``digitnet`` group: every command's errors become one line on stderr and an exit code."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings

import click

from .. import __version__, words
from ..errors import DigitnetError, TrainingInterrupted, WriteInterrupted, one_line
from .interrupts import interrupted_by, quiet_after_interrupt

EXIT_INTERRUPTED = 130
#: The exit code of a command whose reader stopped early (``| head``): 128 + SIGPIPE, as a Unix
#: tool that SIGPIPE ended exits
EXIT_PIPE_CLOSED = 128 + 13


class DigitnetGroup(click.Group):
    """A click group that maps digitnet's errors to one line on stderr and an exit code, and
    says every command's notes alike (:meth:`note`)."""

    @staticmethod
    def note(text: str | None) -> None:
        """Say ``text`` on stderr as notes: each of its lines (a data set's notes come one a
        line) as "note: <line>", on one line whatever it quotes; nothing when there is none.
        Every note a command prints comes through here (``cli.note(...)``), and a library's
        warnings too (:func:`_note`)."""
        for line in (text or "").split("\n"):
            if line.strip():
                click.echo(f"note: {one_line(line)}", err=True)

    def parse_args(self, ctx, args):
        ctx.meta["digitnet.args"] = list(args)  # (as typed: a misplaced --debug is moved)
        with _ends_quietly_when_unread(ctx):  # (digitnet --help | head -1)
            return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from .progress import reading_shown

        debug = ctx.params.get("debug", False)
        with (_ends_quietly_when_unread(ctx), warnings.catch_warnings(),
              terminated_as_interrupted(),  # (SIGTERM: every command)
              quiet_after_interrupt(debug), reading_shown()):  # (a library's noise; a bar)
            if not debug:  # a library's warning reads as a note, not Python's two lines
                warnings.showwarning = _note
            return self._invoke(ctx, debug)

    def _invoke(self, ctx, debug: bool):
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
            click.echo(f"digitnet: error: {one_line(str(e))}", err=True)
            ctx.exit(1)
        except click.UsageError as e:  # a command's options or arguments: one line, as above
            if debug or isinstance(e, _HELP_ASKED):  # (`digitnet show`: its help, as click
                raise  # prints it for `digitnet`)
            if isinstance(e, click.NoSuchOption) and e.possibilities:
                e.possibilities = _closest(e.option_name, e.possibilities)
            path = e.ctx.command_path.split()[1:] if e.ctx is not None else []
            where = " ".join(["digitnet", *path])
            if isinstance(e, click.NoSuchOption) and e.option_name == "--debug" and path:
                click.echo(f"digitnet: error: No such option '--debug' for {where}; --debug "
                           f"goes before the command: {_debug_first(ctx)}", err=True)
                ctx.exit(e.exit_code)
            said = one_line(e.format_message().replace("\n\t", " ")).rstrip(".")  # (click
            # lists choices a line each; it asks "Did you mean '--epochs'?" of a typo)
            see = " See" if said.endswith("?") else "; see"
            click.echo(f"digitnet: error: {said}{see} {where} --help", err=True)
            ctx.exit(e.exit_code)
        except OSError as e:
            if debug or isinstance(e, BrokenPipeError):
                raise  # a reader that stopped early (| head): _ends_quietly_when_unread
            what = f"{e.filename}: " if e.filename else ""
            click.echo(f"digitnet: error: {one_line(f'{what}{e.strerror or e}')}", err=True)
            ctx.exit(1)
        except (KeyboardInterrupt, RuntimeError) as e:
            if debug or not interrupted_by(e):  # (RuntimeError: one as a module loads)
                raise
            said = e.said if isinstance(e, WriteInterrupted) else ""  # (what became of a file)
            click.echo(f"digitnet: interrupted{one_line(said)}", err=True)
            ctx.exit(EXIT_INTERRUPTED)


#: The error click raises for a group given no command (``digitnet show``): a request for its
#: help, which click prints as help (click 8.2 on; before, it printed the help itself).
_HELP_ASKED = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _debug_first(ctx) -> str:
    """The command typed (the group's ``ctx`` holds its words) with ``--debug`` moved before
    the command, where digitnet takes it: ``digitnet --debug info m.safetensors``."""
    import shlex

    typed = [a for a in ctx.meta.get("digitnet.args", []) if a != "--debug"]
    return shlex.join(["digitnet", "--debug", *typed])


def _closest(typed: str, options) -> list[str]:
    """Of the options click found close to a mistyped one (difflib's, at 0.6 alike and up:
    ``--epoch`` found ``--epochs``, ``--stretch`` and ``--teacher``), those about as close as
    the closest (:func:`digitnet.words.closest`, which a --space file's fields are told by)."""
    return words.closest(typed, options)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """Show a warning as one line on stderr, as the commands' other notes, without the source
    line Python shows (warnings.showwarning's signature)."""
    kind = "" if category is UserWarning else f"{category.__name__}: "
    DigitnetGroup.note(f"{kind}{one_line(str(message))}")


@contextlib.contextmanager
def terminated_as_interrupted():
    """While active (in the main thread), SIGTERM interrupts as Ctrl-C does, with
    KeyboardInterrupt: a command says what it was doing and what it saved, and exits 130, where
    SIGTERM's default ends the process at once without a word. (Training's StopFlag takes both
    signals alike while it runs, and puts this handler back after.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@click.group(cls=DigitnetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors "
              "(serve: and log every request).")
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


@contextlib.contextmanager
def _ends_quietly_when_unread(ctx):
    """A command whose output's reader stopped reading (``digitnet info M | head -1``: a write
    to a pipe whose reading end is closed raises BrokenPipeError, Python ignoring SIGPIPE) ends
    as a Unix tool that SIGPIPE ends: at once, without a word, with exit code 141
    (:data:`EXIT_PIPE_CLOSED`), where click would exit 1, a data or model error's code."""
    try:
        yield
    except BrokenPipeError:
        _unread_to_devnull()
        ctx.exit(EXIT_PIPE_CLOSED)


def _unread_to_devnull() -> bool:
    """Flush stdout and stderr; each that a closed pipe refuses is pointed at os.devnull, so
    that what it still holds is not written again as Python exits (which would say "Exception
    ignored ... BrokenPipeError": the pattern of Python's documentation, signal module, "Note
    on SIGPIPE"). Whether one was refused."""
    refused = False
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            refused = True
            with contextlib.suppress(AttributeError, OSError, ValueError):  # (not a file's)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
        except (AttributeError, OSError, ValueError):  # (a stream closed, or none: pythonw)
            pass
    return refused


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``digitnet`` console script. A command that succeeded, whose output
    was waiting to be written when a reader that stopped early had closed the pipe, exits 141
    as one that wrote it sooner (:func:`_ends_quietly_when_unread`)."""
    try:
        cli.main(args=argv, prog_name="digitnet")
    except SystemExit as done:
        if _unread_to_devnull() and not done.code:
            raise SystemExit(EXIT_PIPE_CLOSED) from None
        raise
