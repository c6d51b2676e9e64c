"""`digitnet show top` and `digitnet show embedding` of a model of spoken digits label its
pictures of sounds as every picture of a sound is labelled ("time →, pitch ↑"; the input's map:
"input (the sound)"); of a model of handwritten digits, as before."""

from __future__ import annotations

import pytest

from digitnet import pokeviz

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show top, embedding)

AXES = "time →, pitch ↑"


@pytest.fixture
def drawn(monkeypatch):
    """Each figure show top / show embedding drew."""
    figures = []
    for name in ("top_figure", "embedding_figure"):
        original = getattr(pokeviz, name)

        def record(*args, _original=original, **kwargs):
            figures.append(_original(*args, **kwargs))
            return figures[-1]

        monkeypatch.setattr(pokeviz, name, record)
    return figures


def test_show_top_and_embedding_of_a_model_of_recordings(run, speech_model, tmp_path, drawn):
    r = run("show", "top", speech_model, "--layer", "1", "--neuron", "3", "--count", "9",
            "--out", tmp_path / "top.png")
    assert r.exit_code == 0, r.output
    assert drawn[-1].get_suptitle().endswith(f"\nthe pictures are sounds: {AXES}")
    r = run("show", "embedding", speech_model, "--layer", "0", "--count", "200",
            "--out", tmp_path / "map.png")
    assert r.exit_code == 0, r.output
    assert drawn[-1].axes[0].get_title().startswith("input (the sound), PCA: ")


def test_show_top_and_embedding_of_a_model_of_pictures(run, trained, digits_dir, tmp_path,
                                                       drawn):
    r = run("show", "top", trained[0], "--layer", "1", "--neuron", "3", "--count", "9",
            "--data", digits_dir, "--out", tmp_path / "top.png")
    assert r.exit_code == 0, r.output
    assert "sound" not in drawn[-1].get_suptitle()
    r = run("show", "embedding", trained[0], "--layer", "0", "--count", "200", "--data",
            digits_dir, "--out", tmp_path / "map.png")
    assert r.exit_code == 0, r.output
    assert drawn[-1].axes[0].get_title().startswith("input (pixels), PCA: ")
