"""Held-out examples asked of data that is not there: the reason is said once (the validation
split and the test split both fail for the same reason), in one line."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show ablation refusal)


def test_data_that_is_not_there_is_named_once(run, one_line, small_model, tmp_path):
    missing = tmp_path / "my-digits"
    result = run("show", "ablation", small_model, "--data", missing, "--out",
                 tmp_path / "ablation.png")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith(f"digitnet: error: no held-out examples in {missing}: "
                           f"'{missing}' is neither a known dataset nor a folder or table"), line
    assert line.count("neither a known dataset") == 1 and "; and " not in line
    assert not (tmp_path / "ablation.png").exists()
