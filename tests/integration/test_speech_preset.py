"""The speech preset on voices it never heard: each of FSDD's five speakers held out in turn,
as bench/speech.py measures it, held to a floor below what the bench measured.

bench/results/speech.json holds the bench's figures for 5 seeds x 5 speakers. This test's run
is one more draw of the five-speaker mean (seed 0, as the bench's first, but another machine's
BLAS adds in another order, and rounding grows over training like a change of seed), so the
floor is the lower end of a one-sided 99% prediction interval for one new draw from the bench's
seeds: mean - t(0.99, n-1) * sd * sqrt(1 + 1/n). Five seeds estimate the spread roughly, and
Student's t says how roughly (t(0.99, 4) = 3.75): unheard 83.7% - 3.75 x 0.58 x 1.10 = 81.3%,
fine-tuned 95.4% - 3.75 x 0.40 x 1.10 = 93.8%. The test reads the figures from the file, so a
new bench run moves the floors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digitnet import PRESETS, datasets, recipes
from digitnet.metrics import evaluate
from digitnet.training import train

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "speech.json"
#: The engine "auto" trains the speech preset with, where the compiled engine is built or not:
#: dropout is the NumPy engine's alone (test_training.py's test_engine_choice).
ENGINE = "numpy"


def floor(figures: dict, key: str) -> float:
    """The lower end of a one-sided 99% prediction interval for one more seed's five-speaker
    mean, from the bench's seeds."""
    from scipy.stats import t

    per_seed = np.asarray(figures[key]).mean(axis=1)
    n = len(per_seed)
    spread = per_seed.std(ddof=1) * np.sqrt(1 + 1 / n)
    return float(per_seed.mean() - t.ppf(0.99, n - 1) * spread)


def accuracy(net, data) -> float:
    return evaluate(net, data.x, data.labels).accuracy


@pytest.mark.slow
@pytest.mark.engine_independent  # (the NumPy engine named: what "auto" picks for its dropout)
def test_the_speech_preset_hears_voices_it_never_heard(spoken_digits):
    figures = json.loads(RESULTS.read_text())["speech"]
    folder = spoken_digits.parent
    train_set, test_set = (datasets.load(str(folder), split=s) for s in ("train", "test"))
    speakers = sorted(set(train_set.groups.tolist()))
    assert speakers == figures["speakers"]
    unheard, tuned = [], []
    for speaker in speakers:
        net = train(train_set.subset(train_set.groups != speaker), PRESETS["speech"],
                    handle_signals=False, engine=ENGINE).network
        assert net.sizes == (784, 128, 64, 10)
        theirs = [d.subset(d.groups == speaker) for d in (train_set, test_set)]
        assert sum(map(len, theirs)) == 500
        unheard.append((accuracy(net, theirs[0]) * 450 + accuracy(net, theirs[1]) * 50) / 500)
        # fine-tuned as `digitnet train --init` does, on recordings 0-4 of each digit (50)
        few = theirs[1].subset(slice(None), "train")
        config = recipes.for_data(PRESETS["default"], few, init=net)  # no --preset given
        tuned.append(accuracy(train(few, config, init=net, handle_signals=False,
                                    engine=ENGINE).network, theirs[0]))
    assert np.mean(unheard) >= floor(figures, "unheard"), unheard
    assert np.mean(tuned) >= floor(figures, "finetuned"), tuned
    assert min(unheard) > 0.5 and min(tuned) > 0.8  # no voice left behind (bench: 74.2%, 93.3%)

