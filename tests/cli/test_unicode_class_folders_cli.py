"""A model trained on class folders named with accents, as most systems write them (Unicode's
NFC), scores a copy whose folders are named as macOS writes them (NFD: e and a combining
accent), and goes on training on it, as it does the folder it learned from: the names look the
same, and are the same classes. Real MNIST digits."""

from __future__ import annotations

import json
import shutil
import unicodedata

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import modelfile

WORDS = {0: "zéro", 1: "un", 2: "deux", 3: "été"}  # NFC, as typed on most systems


@pytest.fixture(scope="module")
def accented(run, mnist, tmp_path_factory):
    """Real 0s to 3s in class folders named by WORDS (NFC), a copy of them named in NFD, and a
    model trained for 2 epochs on the NFC folders: (nfc, nfd, model)."""
    root = tmp_path_factory.mktemp("accented")
    index = np.flatnonzero(mnist.labels < 4)[:400]
    write_digit_folder(root / "nfc", mnist.x[index], mnist.labels[index], photo_every=0,
                       names=WORDS)
    for folder in (root / "nfc").iterdir():
        shutil.copytree(folder, root / "nfd" / unicodedata.normalize("NFD", folder.name))
    out = root / "accented.safetensors"
    result = run("train", "--data", root / "nfc", "--epochs", "2", "--out", out)
    assert result.exit_code == 0, result.output
    return root / "nfc", root / "nfd", out


def test_a_copy_named_the_other_way_scores_the_same(run, accented):
    nfc, nfd, model = accented
    assert sorted(p.name for p in nfd.iterdir()) != sorted(p.name for p in nfc.iterdir())
    scored = []
    for data in (nfc, nfd):
        result = run("evaluate", model, "--data", data, "--json")
        assert result.exit_code == 0, result.output
        scored.append(json.loads(result.stdout))
    same, other = scored
    assert other["classes"] == same["classes"] == ["deux", "un", "zéro", "été"]
    assert other["n"] == same["n"] == 400 and same["accuracy"] > 0.9
    assert other["accuracy"] == same["accuracy"]
    assert other["confusion"] == same["confusion"]


def test_fine_tuning_on_the_copy_keeps_the_models_classes(run, accented, tmp_path):
    _, nfd, model = accented
    out = tmp_path / "tuned.safetensors"
    result = run("train", "--data", nfd, "--init", model, "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert modelfile.load(out).metadata["classes"] == modelfile.load(model).metadata["classes"]
