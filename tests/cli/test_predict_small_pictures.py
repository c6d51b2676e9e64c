"""A model of pictures that are not 28x28 (scikit-learn's 8x8 digits, read as they are) reads
picture files of its own size with ``digitnet predict``, as the web page reads them: before, it
was refused ("the network takes 64 inputs, not the 784 pixels of a 28x28 image"), whether
trained by digitnet or imported from scikit-learn."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

import digitnet


def test_a_model_of_8x8_pictures_predicts_their_files(run, tmp_path):
    digits = load_digits()  # real: 1,797 handwritten digits, 8x8, ink 0..16
    x = (digits.images.astype(np.int64) * 255 // 16).astype(np.uint8)
    net = digitnet.train(x[:1500], digits.target[:1500], epochs=30, seed=0).network
    assert digitnet.inputs.of(net).shape == (8, 8)
    model = tmp_path / "eight.safetensors"
    digitnet.save(net, model)
    files = []
    for i in range(1500, 1520):  # digits it never saw
        files.append(tmp_path / f"digit{i}.png")
        Image.fromarray(x[i]).save(files[-1])
    result = run("predict", model, *files, "--json")
    assert result.exit_code == 0, result.output
    said = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in said] == [str(f) for f in files]
    expected = net.predict_proba(x[1500:1520])
    # the same pixels through the same network: the JSON's rounding to 6 decimals apart (half
    # a unit of the last), and float32 sums taken in another order (a picture alone, against
    # twenty at once: a few units of float32's last place, of probabilities up to 1)
    np.testing.assert_allclose([r["probabilities"] for r in said], expected, rtol=0,
                               atol=0.5e-6 + 8 * np.finfo(np.float32).eps)
    assert [r["class"] for r in said] == [str(c) for c in net.predict(x[1500:1520])]
