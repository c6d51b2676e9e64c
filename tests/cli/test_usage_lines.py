"""click's own refusals of options, in digitnet's one line: a choice's list of values is written
on that line, not as escaped line breaks and tabs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: export's usage error)


def test_a_missing_choice_lists_the_choices_on_one_line(run, tmp_path):
    result = run("export", tmp_path / "model.safetensors")
    said = result.output.strip()
    assert result.exit_code == 2, said
    assert said == ("digitnet: error: Missing option '--format'. Choose from: onnx, torch; see "
                    "digitnet export --help"), said
