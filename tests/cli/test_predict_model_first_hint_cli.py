"""`digitnet predict X FILES` with X not a model adds "(MODEL comes before the files)" only when
it is true: a model among the FILES after it, or X itself a file predict reads (a picture: the
model left out). A recipe given where the model goes, the files after it, was told that MODEL
comes first, as if it had been put last. Real MNIST digits as PNG files; a recipe as digitnet
tune saves one."""

from __future__ import annotations

import json

import pytest
from PIL import Image

pytestmark = pytest.mark.engine_independent  # (the model is the fixture's: nothing trained here)

HINT = " (MODEL comes before the files)"


@pytest.fixture
def given(real_digit_images, tmp_path):
    """best.json (a training recipe) and a.png (a real 3)."""
    recipe = tmp_path / "best.json"
    recipe.write_text(json.dumps({"lr": 0.05, "epochs": 3, "batch_size": 64}))
    picture = tmp_path / "a.png"
    Image.fromarray(real_digit_images[0][3]).save(picture)
    return recipe, picture


def _recipe_error(recipe) -> str:
    return (f"digitnet: error: {recipe}: a training recipe (a JSON object of training options, "
            f"as digitnet tune saves), not a model file; train a model with it: `digitnet train "
            f"--config {recipe} --data DATA`")


def test_a_recipe_where_the_model_goes_is_not_told_model_comes_first(run, given, one_line):
    recipe, picture = given
    result = run("predict", recipe, picture)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == _recipe_error(recipe)


def test_a_model_after_the_files_is_told_model_comes_first(run, trained, given, one_line):
    recipe, picture = given
    for args in ((recipe, picture, trained[0]), (picture, trained[0])):
        result = run("predict", *args)
        assert result.exit_code == 1, result.output
        line = one_line(result.stderr)
        assert line.endswith(HINT) and line.startswith(f"digitnet: error: {args[0]}: "), line
    assert one_line(run("predict", recipe, picture, trained[0]).stderr) == (
        _recipe_error(recipe) + HINT)
