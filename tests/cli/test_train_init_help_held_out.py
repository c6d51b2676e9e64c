"""``digitnet train --help`` says what ``--init``'s report gives truly: the accuracy before and
after on the held-out examples and the test files, when there are any; not "the validation
accuracy" always (5 recordings of each digit, the README's fine-tuning to a voice, hold none out
at the default 10%, and the report then has no validation figure)."""

from __future__ import annotations

import re


def test_init_help_says_the_figures_come_when_anything_is_held_out(run):
    result = run("train", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    init = re.search(r"--init MODEL (.*?) --activation", text)[1]
    assert "validation accuracy before and after" not in init
    assert ("the report gives the accuracy before and after on the held-out examples and on "
            "the test files, when there are any") in init
    assert "10% of 5 recordings per digit holds none out" in init and "--val-fraction" in init
