"""A t-SNE map of a layer that answers every digit alike (all its neurons switched off) killed
the process: scikit-learn's PCA start divided by a spread of 0, and its Barnes-Hut code
crashed on the NaNs (a segmentation fault, taking `digitnet serve` down for a whole class)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from digitnet import inputs, modelfile, poke
from digitnet.network import Network

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: t-SNE of a built net)


def test_a_silent_layer_maps_to_one_point_without_crashing(mnist, tmp_path):
    net = poke.Changes(off=tuple((1, j) for j in range(16))).apply(Network(seed=0))
    model = modelfile.save(net, tmp_path / "silent.safetensors")
    out = tmp_path / "map.png"
    shown = subprocess.run([sys.executable, "-m", "digitnet", "show", "embedding", str(model),
                            "--method", "tsne", "--layer", "1", "--count", "60",
                            "--data", str(mnist.source), "--split", "all", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, (shown.returncode, shown.stderr)
    assert out.stat().st_size > 0

    rows = inputs.of(net).rows(mnist.x[:60])  # (the process survives: now in this one)
    for layer in (1, 2, 3):  # every layer after a silent one answers alike too
        points = poke.embedding(net, rows, layer, method="tsne").points
        assert points.shape == (60, 2) and not points.any()
    pca = poke.embedding(net, rows, 1, method="pca")
    assert not pca.points.any() and json.dumps(pca.explained.tolist()) == "[0.0, 0.0]"
    assert np.isfinite(poke.embedding(net, rows, 0, method="tsne").points).all()
