"""`digitnet show ablation` names the classes a neuron's loss hurts as classes: "hurts digit 5
(95.0% -> 90.5%)" ("hurts 5" read as five examples), a named class quoted as every list quotes it
('class "a three"'), a table's labels 0, 1, 2 as classes, not digits; each with its accuracy
before and after (a drop alone, "-5%", reads as a share of that accuracy).

The model is untrained (it needs no training to be switched off a neuron at a time); the data
are real MNIST 3s and 7s, in class folders named in words.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from real_data import write_digit_folder

from digitnet import Network, modelfile
from digitnet.cli.poke_cmds import _hurt

pytestmark = pytest.mark.engine_independent  # (an untrained model's words)

NAMES = {3: "a three", 7: "seven"}  # ("a three": a space, so quoted)


@pytest.fixture(scope="module")
def named(mnist, tmp_path_factory):
    """An untrained 784-12-2 network of the classes "a three" and seven, saved, and real 3s and
    7s in class folders of those names, 300 of them in test/: (model, folder)."""
    root = tmp_path_factory.mktemp("named")
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))[:360]
    for split, part in (("test", index[:300]), ("train", index[300:])):  # (it was trained on none)
        write_digit_folder(root / "data" / split, mnist.x[part], mnist.labels[part],
                           photo_every=0, names=NAMES)
    net = Network((784, 12, 2), activation="relu", seed=4)
    net.metadata = {"classes": list(NAMES.values())}
    model = root / "named.safetensors"
    modelfile.save(net, model)
    return model, root / "data"


def test_the_classes_a_neuron_hurts_are_named_as_classes(run, named, tmp_path):
    model, data = named
    result = run("show", "ablation", model, "--data", data, "--split", "test",
                 "--out", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    hurts = [line.split("; ", 1)[1] for line in result.stdout.splitlines()
             if line.startswith("layer ")]
    assert any(h.startswith("hurts ") for h in hurts), result.stdout  # (some do, to check)
    one = r'class ("a three"|seven) \(([\d.]+)% -> ([\d.]+)%\)'
    for said in hurts:
        found = re.fullmatch(f"hurts {one}(, {one})?", said)
        assert found or said.startswith("no class"), said
        if found:  # each a loss of half a point or more, within 0..100%
            pairs = [(float(a), float(b)) for a, b in re.findall(r"([\d.]+)% -> ([\d.]+)%", said)]
            assert all(100 >= a >= b + 0.5 - 0.1 and b >= 0 for a, b in pairs), said


def test_digits_are_digits_and_a_tables_labels_are_classes():
    drop = np.array([0.0, 0.02, 0.0, 0.0, 0.0, 1 / 22, 0.0, -0.03, 0.0, 0.004])
    before = np.full(10, 0.95)
    digits = [str(d) for d in range(10)]
    assert _hurt(drop, before, digits) == "hurts digit 5 (95.0% -> 90.5%), digit 1 (95.0% -> 93.0%)"
    assert _hurt(drop[:3], before[:3], digits[:3], table=True) == "hurts class 1 (95.0% -> 93.0%)"
    assert _hurt(drop[8:], before[8:], digits[8:]) == "no class loses as much as half a point"
    clothes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    worn = np.zeros(10)
    worn[[9, 0, 7]] = 1 / 22, 0.02, -0.03  # Sneaker's: a gain, not listed
    assert _hurt(worn, np.ones(10), clothes) == ('hurts class "Ankle boot" (100.0% -> 95.5%), '
                                                 'class T-shirt/top (100.0% -> 98.0%)')
