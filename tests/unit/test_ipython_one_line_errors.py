"""In IPython (and so in Jupyter), an error digitnet raises on purpose shows as its one line, as
the command line shows it, not 55-60 lines of traceback through traitlets; ``%tb verbose`` and
``%xmode`` show its traceback; a bug (any other exception, also one raised while handling a
digitnet error) shows its traceback as ever. Run in IPython's own InteractiveShell."""

from __future__ import annotations

import re

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from digitnet.errors import ConfigError, DataError

HINT = "(a digitnet error: %tb verbose shows its traceback)"
NOT_A_NETWORK = ("ConfigError: the widget shows a Network or the model file at a path, not None; "
                 "pass digitnet.train(...).network, digitnet.load(path) or a path such as "
                 "'model.safetensors'")


@pytest.fixture
def shell(tmp_path):
    """IPython's shell, as a kernel runs one (the instance get_ipython() returns), writing no
    history and no profile outside tmp_path."""
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.ipython_dir = str(tmp_path)
    shell = InteractiveShell.instance(config=config)
    try:
        yield shell
    finally:
        InteractiveShell.clear_instance()


def shown(shell, capsys, cell: str) -> tuple[list[str], BaseException | None]:
    """The lines IPython shows for ``cell`` (colours taken out), and the error it raised."""
    capsys.readouterr()
    result = shell.run_cell(cell)
    text = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    return [line for line in text.splitlines() if line.strip()], result.error_in_exec


def test_a_digitnet_error_shows_as_its_line(shell, capsys):
    lines, error = shown(shell, capsys, "import digitnet\ndigitnet.widget(None)")
    assert isinstance(error, ConfigError) and lines == [NOT_A_NETWORK, HINT]
    # through traitlets (a widget's image validated): still its one line
    lines, error = shown(shell, capsys, "w = digitnet.widget(digitnet.Network((784, 16, 10)))\n"
                                        "w.image = [[0.1, 0.2], [0.3]]")
    assert isinstance(error, DataError) and len(lines) == 2 and lines[1] == HINT
    assert lines[0].startswith("DataError: w.image takes 28 rows of 28 numbers each")


def test_tb_verbose_and_xmode_show_its_traceback(shell, capsys):
    shown(shell, capsys, "import digitnet\ndigitnet.widget(None)")
    lines, _ = shown(shell, capsys, "%tb verbose")
    assert "Traceback (most recent call last)" in lines[1] and lines[-1] == NOT_A_NETWORK
    assert any("explorer.py" in line and "_as_network" in line for line in lines)
    assert len(lines) > 20
    lines, _ = shown(shell, capsys, "%tb")  # the mode is back to IPython's default
    assert lines == [NOT_A_NETWORK, HINT]
    shown(shell, capsys, "%xmode plain")
    lines, _ = shown(shell, capsys, "digitnet.widget(None)")
    assert lines[0] == "Traceback (most recent call last):" and lines[-1] == NOT_A_NETWORK


def test_a_bug_shows_its_traceback(shell, capsys):
    # an exception that is not a DigitnetError, raised through the widget and traitlets
    lines, error = shown(shell, capsys, "import digitnet\n"
                                        "w = digitnet.widget(digitnet.Network((784, 16, 10)))\n"
                                        "w.observe(lambda change: 1 / 0, 'image')\n"
                                        "w.image = [[0.5] * 28] * 28")
    assert isinstance(error, ZeroDivisionError) and HINT not in lines
    assert "Traceback (most recent call last)" in lines[1]
    assert any("traitlets.py" in line for line in lines)
    assert lines[-1] == "ZeroDivisionError: division by zero"
    # and one raised while handling a digitnet error shows both tracebacks
    lines, error = shown(shell, capsys, "try:\n    digitnet.widget(None)\n"
                                        "except digitnet.ConfigError:\n    raise KeyError('bug')")
    assert isinstance(error, KeyError) and HINT not in lines
    assert NOT_A_NETWORK in lines and lines[-1] == "KeyError: 'bug'"
    assert any("During handling of the above exception" in line for line in lines)
