"""``digitnet info`` shows the recipe a model was trained with as the options that take effect
in it, and counts the rest (momentum under Adam, a teacher's temperature without a teacher, the
alterations of recordings for pictures), which ``--json`` lists with every option."""

from __future__ import annotations

import json


def _training_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("  training  ")]
    return line


def test_info_shows_the_options_that_act_and_counts_the_others(run, trained):
    result = run("info", trained[0])
    assert result.exit_code == 0, result.output
    line = _training_line(result.stdout)
    config = json.loads(run("info", "--json", trained[0]).stdout)["config"]
    assert config["optimizer"] == "adam" and config["teacher"] is None
    shown = dict(part.split("=", 1) for part in
                 line.removeprefix("  training    ").split(" (")[0].split(", "))
    # Adam's own options are shown, SGD's momentum is not; nor a teacher's temperature
    assert {"optimizer", "lr", "beta1", "beta2", "epochs", "seed"} <= shown.keys()
    assert not {"momentum", "temperature", "teacher_weight", "speed", "noise"} & shown.keys()
    # every option shown is the record's, and the count says how many more --json lists
    assert all(str(config[k]) == v for k, v in shown.items())
    hidden = len(config) - 1 - len(shown)  # (sizes: on a line of its own)
    assert hidden > 0 and line.endswith(f" ({hidden} more off or unused in it: --json lists them)")
