"""A command that Ctrl-C (or SIGTERM) stops says so in one line, its own, and nothing after it.

An interrupt cuts libraries short wherever they are, and some say so themselves on stderr,
outside the command's reach: an object llvmlite was making when numba compiled librosa's code
(on its first use: the first recording read) fails in its finalizer ("Exception ignored in:
<function ObjectRef.__del__> ... AttributeError"), as the exception unwinds or as Python exits;
and a Ctrl-C that lands in a C library's callback into Python (soundfile's, as libsndfile reads
a recording) is printed and dropped there ("Exception ignored from cffi callback ...
KeyboardInterrupt"), the command going on as if it had never come.

So while a command runs (:class:`quiet_after_interrupt`), and once one was interrupted until
Python exits (:func:`quiet_until_exit`), such "unraisable" exceptions
(:func:`sys.unraisablehook`) are left unsaid after an interrupt came (before one, they are said
as Python says them); and a Ctrl-C dropped in a callback is raised again as soon as Python runs
outside of it, so that the command stops and says so (the decoding of a recording keeps its
own: :func:`digitnet.soundcheck.interrupt_kept`). With ``digitnet --debug``, all is said.
"""

from __future__ import annotations

import _thread
import gc
import signal
import sys
import threading
import time

import click

__all__ = ["exit_code_kept", "interrupted_by", "quiet_after_interrupt", "quiet_until_exit"]

#: The exit code of a command that was interrupted (group.EXIT_INTERRUPTED)
_INTERRUPTED = 130
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_SOON = 0.05  # seconds: a dropped Ctrl-C is raised again once the hook has returned


class _State:
    running = False  # a command (:class:`quiet_after_interrupt`)
    interrupted = False  # since the command began
    said = None  # the hook that says an unraisable exception, before the command's


def _interrupt(signum, frame):
    """Ctrl-C's (and, in a command, SIGTERM's) handler: Python's own, remembering it came."""
    _State.interrupted = True
    raise KeyboardInterrupt


def _hook(unraisable) -> None:
    """Say an unraisable exception as before the command, unless an interrupt came: then leave
    it unsaid; and have a Ctrl-C that a callback dropped raised again in the main thread, by
    another thread a moment later (raised at once, it would be this hook's own exception, and
    dropped in turn; a thread of threading's would be waited for, here, as it starts)."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        _State.interrupted = True
        _thread.start_new_thread(_interrupt_main_soon, ())
    elif not _State.interrupted:
        (_State.said or sys.__unraisablehook__)(unraisable)


def _interrupt_main_soon() -> None:
    time.sleep(_SOON)
    if _State.running:  # (a command that has ended has said how it ended)
        _thread.interrupt_main()


def _unsaid(unraisable) -> None:
    """Leave an unraisable exception unsaid (:func:`quiet_until_exit`)."""


class quiet_after_interrupt:
    """While a command runs (in the main thread, without ``--debug``): Ctrl-C and SIGTERM
    remember that they came, and unraisable exceptions go through :func:`_hook`."""

    def __init__(self, debug: bool):
        self.active = not debug and threading.current_thread() is threading.main_thread()
        self.handlers = {}

    def __enter__(self):
        if self.active:
            _State.running, _State.interrupted = True, False
            for sig in _SIGNALS:  # (only Python's own: not one ignored, as nohup leaves it)
                if signal.getsignal(sig) is signal.default_int_handler:
                    self.handlers[sig] = signal.signal(sig, _interrupt)
            _State.said, sys.unraisablehook = sys.unraisablehook, _hook
        return self

    def __exit__(self, kind, error, traceback):
        if not self.active:
            return False
        _State.running = False
        if (kind is not None and issubclass(kind, KeyboardInterrupt)
                or isinstance(error, click.exceptions.Exit)
                and error.exit_code == _INTERRUPTED):
            _State.interrupted = True
        if _State.interrupted:  # what the interrupt cut short goes now, while it is unsaid:
            if isinstance(error, click.exceptions.Exit):  # (click's Exit, once the line is
                error.__context__ = None  # said, holds the KeyboardInterrupt and its frames)
            gc.collect()
        for sig, handler in self.handlers.items():
            signal.signal(sig, handler)
        if sys.unraisablehook is _hook:
            sys.unraisablehook = _State.said
        return False


def quiet_until_exit() -> None:
    """After a command that was interrupted (:class:`quiet_after_interrupt`), leave unraisable
    exceptions unsaid until Python exits: library objects cut short fail in their finalizers
    then."""
    if _State.interrupted:
        sys.unraisablehook = _unsaid


def interrupted_by(error: BaseException) -> bool:
    """Whether ``error`` is an interrupt: a KeyboardInterrupt, or (Python 3.11) the RuntimeError
    a class's creation raises in its place when one lands in a ``__set_name__`` as a module
    loads ("Error calling __set_name__ on 'cached_property' instance ...", from ipaddress)."""
    return (isinstance(error, KeyboardInterrupt)
            or isinstance(error, RuntimeError) and isinstance(error.__cause__, KeyboardInterrupt))


def exit_code_kept() -> None:
    """Have the process end with the exit code the command chose (130 for an interrupt, said).

    CPython takes a KeyboardInterrupt that ended an ``exec()`` of source text (dataclasses makes
    a class's methods so, as a module loads) as one that nobody caught, whoever caught it after:
    it then ends the process by SIGINT (exit status -2) once Python has finished, where the
    command said "interrupted" and asked for 130. Each ``exec()`` of source text starts that
    record afresh, and this one raises nothing."""
    exec("")
