"""The ``digitnet`` command: parse arguments, call the library, turn errors into one line.

Exit codes: 0 success, 1 a data, model or training error (one line on stderr), 2 a usage error
(click's message, on one line), 130 interrupted (Ctrl-C or SIGTERM; a checkpoint is saved when
asked for), 141 the output's reader stopped early (``| head``), without a word.
``digitnet --debug COMMAND`` shows the traceback instead of the one line.

=====================  ======================================================================
``group.py``           the ``digitnet`` group: errors mapped to one line and an exit code; main
``train_cmd.py``       ``digitnet train``: options -> TrainConfig, the run, its report
``tune_cmd.py``        ``digitnet tune``: the search for the best recipe (train's options fix
                       fields)
``tune_display.py``    ``digitnet tune``'s progress: the trials as they end, and the best
``resume.py``          which options a ``--resume`` command may repeat (the checkpoint's own);
                       the data and the --out a resumed run goes on with
``train_files.py``     the files a run writes, checked against those it reads; what an
                       interrupt or a full disk left saved
``progress.py``        a training run's progress bar on a terminal, and the bar while
                       recordings are read
``interrupts.py``      an interrupted command's one line, without a library's noise after it
``model_cmds.py``      ``digitnet evaluate``, ``predict`` and ``info``: commands that read a model
``export_cmd.py``      ``digitnet export``: a model as ONNX or a PyTorch state dict
``serve_cmd.py``       ``digitnet serve``: the drawing page
``show_cmds.py``       ``digitnet show ...``: the pictures, one subcommand each
``poke_cmds.py``       ``digitnet show ablation|top|embedding|robustness``, ``digitnet edit``
``inputs.py``          image files and folders -> the 28x28 pixels the network reads
``predict_inputs.py``  ``digitnet predict``'s paths: a file named like an option, a FIFO or a
                       link to a folder read already, said; the inputs --save-input saves
``labelled.py``        the labelled split a command evaluates on (test, or train/val as trained)
``recent.py``          the model ``digitnet train`` saved last, for ``digitnet serve``
=====================  ======================================================================
"""

from __future__ import annotations

import signal
import sys
import threading

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``digitnet`` console script (and of ``python -m digitnet``).

    The commands are loaded here, not when this package is imported, so that a Ctrl-C while
    they load (a tenth of a second of imports) ends as one in a command does: "digitnet:
    interrupted" and exit code 130, not a KeyboardInterrupt's traceback. SIGTERM is taken as
    Ctrl-C from here on, by every command (as the group takes it: ``terminated_as_interrupted``),
    where its default would end the process at once, without a word, leaving temporary files.
    """
    from .interrupts import exit_code_kept, interrupted_by, quiet_until_exit

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        try:
            _group()
        except (KeyboardInterrupt, RuntimeError) as error:
            if not interrupted_by(error):
                raise
            sys.stderr.write("digitnet: interrupted\n")
            raise SystemExit(130) from None  # (group.EXIT_INTERRUPTED: not loaded yet)
        from .group import main as run

        run(argv)
    finally:  # (an interrupted command's libraries say nothing as Python exits, and it ends
        quiet_until_exit()  # with the exit code it chose)
        exit_code_kept()


def _group():
    """The ``digitnet`` group, with every command: importing a command's module registers it."""
    from . import (  # noqa: F401
        export_cmd,
        model_cmds,
        poke_cmds,
        serve_cmd,
        show_cmds,
        train_cmd,
        tune_cmd,
    )
    from .group import cli

    return cli


def __getattr__(name: str):
    """``digitnet.cli.cli``: the group, its commands loaded on first use."""
    if name == "cli":
        return _group()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
