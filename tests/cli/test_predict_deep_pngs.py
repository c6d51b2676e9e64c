"""`digitnet predict` on 16-bit and 12-bit grey PNGs of real digits answers as on the 8-bit PNGs
of the same pictures, and as the Python API (net.predict_proba of to_mnist) answers: a 12-bit
scan kept in a 16-bit file (levels 0..4095) was read as a black picture, "no digit found"."""

from __future__ import annotations

import json

import numpy as np
import pytest
from deep_levels import write_pngs

from digitnet import inputs, modelfile
from digitnet.preprocess import to_mnist

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: predicts PNGs)

#: The JSON's probabilities are rounded to 6 decimals: each within 5e-7, so a difference of two
#: answers' ten probabilities moves by at most 2 x 5e-7 x sqrt(10) = 3.2e-6 in length.
JSON_ROUNDING = 2 * 5e-7 * np.sqrt(10)


@pytest.fixture(scope="module")
def answers(run, trained, real_digit_images, tmp_path_factory):
    """The ten real digits at each depth, and predict --json's answer to each:
    (paths {depth: [path]}, {path name: answer})."""
    paths = write_pngs(tmp_path_factory.mktemp("deep-predict"), real_digit_images[0])
    result = run("predict", trained[0], *(p for depth in paths.values() for p in depth), "--json")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return paths, {line.pop("file"): line for line in lines}


def test_a_16_bit_png_is_answered_exactly_as_the_8_bit_one(answers, real_digit_images):
    paths, said = answers
    for deep, shallow in zip(paths["16-bit"], paths["8-bit"]):
        assert said[str(deep)] == said[str(shallow)]  # the same grey levels, to the last bit
    assert [said[str(p)]["index"] for p in paths["8-bit"]] != [0] * 10  # (a model that reads)


def test_a_12_bit_png_is_answered_as_the_8_bit_one(answers, trained):
    """Within what the quantisation allows: the network reads rows x (what to_mnist makes of
    the picture, deskewed as the model was trained), then layers x -> act(W x + b), whose
    activation (leaky ReLU) moves by at most what its input moves, and softmax, whose Jacobian
    diag(p) - p p^T has rows of absolute sum 2 p_i (1 - p_i) <= 1/2 (Gershgorin: its norm is at
    most 1/2). So |p' - p| <= 1/2 x ||W_1|| ||W_2|| ||W_3|| x |x' - x| (lengths; spectral norms),
    |x' - x| being how far the 12-bit picture's rows lie from the 8-bit one's (the rows come
    from to_mnist, whose output moves by at most EPS_X per pixel: tests/unit/
    test_deep_grey_levels.py; deskewing rounds them to whole 8-bit levels)."""
    paths, said = answers
    net = modelfile.load(trained[0])
    assert net.activation.name == "leaky_relu" and net.output_function.name == "softmax"
    lipschitz = 0.5 * np.prod([np.linalg.norm(w, 2) for w in net.weights])
    model_input = inputs.of(net)
    for deep, shallow in zip(paths["12-bit"], paths["8-bit"]):
        x, x8 = (model_input.rows(to_mnist(p))[0] for p in (deep, shallow))
        tolerance = lipschitz * float(np.linalg.norm(x - x8)) + JSON_ROUNDING
        p, p8 = (np.array(said[str(path)]["probabilities"]) for path in (deep, shallow))
        assert np.linalg.norm(p - p8) <= tolerance
        margin = np.diff(np.sort(p8)[-2:])[0]  # the top two, 8-bit: only a change can swap them
        assert said[str(deep)]["index"] == said[str(shallow)]["index"] or margin <= 2 * tolerance
        assert tolerance < 0.5  # (a bound that says something)


def test_the_python_api_answers_a_12_bit_png_as_the_command_line_does(answers, trained):
    paths, said = answers
    net = modelfile.load(trained[0])
    for path in paths["12-bit"]:
        proba = net.predict_proba(to_mnist(path))
        np.testing.assert_allclose(proba, said[str(path)]["probabilities"], rtol=0, atol=5e-7)
        assert net.predict(to_mnist(path)) == said[str(path)]["index"]
