"""The README's set-up commands are the ones CI runs, and its CLI examples parse."""

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return [block.strip() for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, re.S)]


def test_readme_opens_with_main_job_then_test_command():
    first, second = readme_commands()[:2]
    assert "pip install" in first and "digitnet train" in first
    assert "pytest" in second and "pip install" in second


def test_ci_runs_the_readme_test_command_word_for_word():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    marker = ci.index("# README test command:")
    ci_command = ci[marker + 1].strip()
    assert shlex.split(ci_command) == shlex.split(readme_commands()[1])
