"""The example at the top of digitnet.tuning's docstring runs as written: every name it uses is
imported or made in it (before, TrainConfig, Space, DEFAULT_SPACE, data, studies, Search and
tune were used without a word of where they come from: NameError), and, run as a script, it
searches and prints the best recipe.

The run is the example's own text with two things made smaller: the data (the 5,000 real MNIST
digits digitnet ships, not the 60,000 it downloads) and the trials (2 of the 50); it runs in a
folder of its own, where it makes tune.db.
"""

from __future__ import annotations

import ast
import builtins
import subprocess
import sys
import textwrap

import pytest

from digitnet import TrainConfig, studies, tuning

pytest.importorskip("optuna")


def _example() -> str:
    """The literal block after the docstring's first "::", dedented."""
    lines = tuning.__doc__.split("::\n", 1)[1].splitlines()
    block = []
    for line in lines:
        if line.strip() and not line.startswith(" "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip() + "\n"


def test_every_name_the_example_uses_is_imported_or_made_in_it():
    tree = ast.parse(_example())
    made = {"__name__", *dir(builtins)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            made |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            made.add(node.id)
    used = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    assert used - made == set()
    assert {"Search", "tune", "TrainConfig", "Space", "DEFAULT_SPACE"} <= used


@pytest.mark.slow
def test_the_example_run_as_a_script_prints_the_best_recipe(tmp_path):
    example = _example()
    smaller = example.replace('datasets.load("mnist")', "datasets.load_sample()").replace(
        "trials=50", "trials=2")
    assert smaller.count("load_sample()") == 1 and smaller.count("trials=2") == 1
    script = tmp_path / "search.py"
    script.write_text(smaller)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    study = studies.load_study(studies.open_storage(tmp_path / "tune.db", create=False),
                               "digitnet")
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE", "COMPLETE"]
    assert done.stdout.strip() == repr(studies.best_config(study))
    assert isinstance(studies.best_config(study), TrainConfig)
