"""A mistyped option: click's suggestions, cut to those about as close as the closest, in one line
that ends by pointing to --help."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize("typed, line", [
    # (click also offered '--stretch' and '--teacher', as alike to difflib as 0.625 each)
    ("--epoch", "No such option '--epoch'. Did you mean '--epochs'? See digitnet train --help"),
    ("--seeds", "No such option '--seeds'. (Did you mean one of: '--seed', '--speed'?); see "
                "digitnet train --help"),
])
def test_a_mistyped_option_is_offered_the_options_it_is_closest_to(run, one_line, typed, line):
    result = run("train", typed, "3")
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"digitnet: error: {line}"
