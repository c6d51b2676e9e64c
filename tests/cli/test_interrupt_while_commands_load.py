"""A Ctrl-C while `digitnet` loads its commands (the tenth of a second of imports after the
library's own) ends as one in a command does: "digitnet: interrupted" on stderr and exit code
130. (Before, it printed a KeyboardInterrupt's traceback through the command modules.)

The Ctrl-C is a real SIGINT that the process sends itself the moment Python starts importing a
command's module; the rest is what the `digitnet` console script runs (pyproject.toml's
`digitnet = "digitnet.cli:main"`). The library (numpy and digitnet's modules) loads on first
use, inside the command, so a Ctrl-C while it loads is taken the same way.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import importlib.abc, os, signal, sys

import digitnet

class CtrlC(importlib.abc.MetaPathFinder):
    def __init__(self, module):
        self.module = module

    def find_spec(self, name, path=None, target=None):
        if name == self.module:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC(sys.argv[1]))
sys.argv = ["digitnet", *sys.argv[2:]]
from digitnet.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize(("module", "command"), [
    ("digitnet.cli.export_cmd", ["tune", "--help"]),  # the first command module
    ("digitnet.cli.tune_cmd", ["tune", "--help"]),  # the last
    ("digitnet.cli.group", ["train", "--epochs", "1"]),
])
def test_ctrl_c_while_the_commands_load_is_one_line_and_130(module, command):
    done = subprocess.run([sys.executable, "-c", SCRIPT, module, *command], capture_output=True,
                          text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode, done.stderr) == (130, "digitnet: interrupted\n")


#: As the `digitnet` console script runs: nothing of digitnet imported before the Ctrl-C is
#: armed (`from digitnet.cli import main` imports the package first).
CONSOLE_SCRIPT = SCRIPT.replace("\nimport digitnet\n", "\n")


@pytest.mark.parametrize("module", ["numpy", "digitnet.network", "digitnet.training"])
def test_ctrl_c_while_the_library_loads_is_one_line_and_130(module):
    """The library loads on first use, inside the command (it loaded as the package was
    imported, before the command could take a Ctrl-C: a KeyboardInterrupt's traceback)."""
    done = subprocess.run([sys.executable, "-c", CONSOLE_SCRIPT, module, "tune", "--help"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode, done.stderr) == (130, "digitnet: interrupted\n")


def test_without_ctrl_c_the_command_runs():
    """The same script, the signal never sent: the command's help, exit code 0."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, "no.such.module", "tune", "--help"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: digitnet tune [OPTIONS]")
