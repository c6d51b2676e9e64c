"""A reader that stops early (``digitnet info M | head -1``) ends digitnet as it ends a Unix tool:
exit code 141 (128 + SIGPIPE), nothing on stderr, where click exited 1 (a data or model error's
code) and Python could add "Exception ignored ... BrokenPipeError" as it exited.

Each run's stdout is a pipe whose reading end is closed before digitnet starts, so that its
first write meets the closed pipe, every time (a reader closing after its first line races the
writer: the rest may already sit in the pipe's buffer)."""

import os
import subprocess
import sys

import pytest


def _run_unread(*args: str) -> subprocess.CompletedProcess:
    """``python -m digitnet ARGS`` (or ``python -c CODE`` when the first arg is ``-c``) with
    stdout a pipe nobody reads: its reading end closed before the process starts."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    command = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "-m", "digitnet",
                                                               *args]
    try:
        return subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["info", "{model}"], ["--help"], ["--version"],
                                  ["info", "--help"]])
def test_a_closed_stdout_ends_a_command_quietly_with_sigpipes_code(args, small_model):
    done = _run_unread(*[a.format(model=small_model) for a in args])
    assert (done.returncode, done.stderr) == (141, "")


def test_evaluate_piped_to_a_closed_reader_says_only_its_notes(small_model, train_only_dir):
    done = _run_unread("evaluate", str(small_model), "--data", str(train_only_dir), "--split",
                       "all")
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert "error" not in done.stderr


def test_output_still_held_as_python_exits_ends_quietly_too():
    """A command's last output that waits in stdout's buffer until Python exits (written
    without a flush) meets the closed pipe then: 141, not Python's 120 and its "Exception
    ignored ... BrokenPipeError"."""
    code = ("import sys\n"
            "from digitnet.cli import group\n"
            "@group.cli.command('unflushed')\n"
            "def unflushed():\n"
            "    sys.stdout.write('a line left in the buffer\\n')\n"
            "group.main(['unflushed'])\n")
    done = _run_unread("-c", code)
    assert (done.returncode, done.stderr) == (141, "")


def test_an_error_keeps_its_code_and_its_line_when_stdout_is_closed(tmp_path):
    done = _run_unread("info", str(tmp_path / "missing.safetensors"))
    assert done.returncode == 1
    assert done.stderr.startswith("digitnet: error: ") and "missing.safetensors" in done.stderr
