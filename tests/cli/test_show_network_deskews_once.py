"""`digitnet show network` and `show saliency` draw a picture as `digitnet predict` and
net.predict read it: deskewed once for a model that deskews. viz.network_figure and
viz.saliency_figure read their picture as predict does (deskewing it themselves), so the
command hands them the picture as read from the file, not the input layer's row: a row
deskewed already would be deskewed twice, which moves some pixels (deskewing is not
idempotent: about 1 real digit in 75)."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import inputs, modelfile, viz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show network, saliency)


@pytest.mark.parametrize("kind", ["network", "saliency"])
def test_the_picture_drawn_is_the_picture_deskewed_once(run, trained, mnist, tmp_path,
                                                        monkeypatch, kind):
    net = modelfile.load(trained[0])
    assert inputs.of(net).deskew
    pictures = mnist.x[-2000:]
    once = inputs.deskew(pictures)
    i = int(np.flatnonzero((inputs.deskew(once) != once).any(axis=(1, 2)))[0])
    np.save(tmp_path / "digit.npy", pictures[i])
    drawn = []
    monkeypatch.setattr(viz, "save_figure", lambda fig, out, dpi=100: drawn.append(fig) or out)
    result = run("show", kind, trained[0], tmp_path / "digit.npy", "--out", tmp_path / "x.png")
    assert result.exit_code == 0, result.output
    shown = np.asarray(drawn[0].axes[0].images[0].get_array()).ravel()
    np.testing.assert_allclose(shown, once[i].ravel() / 255, atol=1e-6)
