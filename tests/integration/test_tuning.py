"""digitnet.tuning on real digits: trials are ordinary runs, pruning prunes, studies stay coherent.

Each test's search runs in worker processes, as ``digitnet tune`` does, on 3,000 real MNIST
training digits (the ``mnist_small`` fixture) for a few epochs.
"""

from __future__ import annotations

import hashlib

import numpy as np
import optuna
import pytest
from threadpoolctl import threadpool_limits

from digitnet import studies
from digitnet.config import TrainConfig
from digitnet.errors import ConfigError
from digitnet.searchspace import DEFAULT_SPACE, Space
from digitnet.training import train
from digitnet.tuning import Search, tune

LR_ONLY = Space({"lr": {"low": 1e-6, "high": 0.03, "log": True}})


def test_a_hopeless_trial_is_pruned_before_its_last_epoch(mnist_small, tmp_path):
    """Five trials at a good learning rate, then one at 1e-6, which can hardly move the weights
    in 6 epochs: the median pruner stops it once past its warm-up (it judges from epoch 3)."""
    storage = str(tmp_path / "tune.db")
    study = optuna.create_study(storage=studies.open_storage(storage), study_name="prune",
                                direction="maximize")
    for lr in [0.003] * 5 + [1e-6]:
        study.enqueue_trial({"lr": lr})
    search = Search(mnist_small, TrainConfig(epochs=6), LR_ONLY, trials=6, pruner="median")
    tune(search, storage, "prune", handle_signals=False)

    trials = studies.records(studies.load_study(studies.open_storage(storage), "prune"))
    assert [t.state for t in trials] == ["COMPLETE"] * 5 + ["PRUNED"]
    hopeless = study.get_trials()[-1]
    assert hopeless.params == {"lr": 1e-6}
    assert 3 <= len(hopeless.intermediate_values) < 6  # stopped after warm-up, before the end
    step = max(hopeless.intermediate_values)
    others = [t.intermediate_values[step] for t in study.get_trials()[:5]]
    assert hopeless.intermediate_values[step] < min(others)


def test_each_trial_is_an_ordinary_reproducible_training_run(mnist_small, tmp_path):
    """Training a trial's recorded recipe again gives its score and its weights, bit for bit,
    on one BLAS thread as trials compute (the NumPy engine's matrix products round otherwise
    with another number of threads)."""
    storage = str(tmp_path / "tune.db")
    space = Space(DEFAULT_SPACE).without({"epochs"})
    search = Search(mnist_small, TrainConfig(epochs=2), space, trials=3, pruner="none")
    study = tune(search, storage, "repeat", handle_signals=False)

    done = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    assert len(done) == 3 and len({t.user_attrs["weights_sha256"] for t in done}) == 3
    for trial in done:
        config = TrainConfig.from_dict(trial.user_attrs["config"])
        assert config.epochs == 2 and config.val_fraction == 0.1  # the base's fixed fields
        assert {k: getattr(config, k) for k in trial.params} == trial.params
        with threadpool_limits(1):
            again = train(mnist_small, config, handle_signals=False)
        assert again.val_accuracy == trial.value
        assert hashlib.sha256(again.network.params).hexdigest() == trial.user_attrs["weights_sha256"]
    assert studies.best_config(study) == TrainConfig.from_dict(
        max(done, key=lambda t: t.value).user_attrs["config"])


def test_a_study_continued_with_other_options_is_refused(mnist_small, tmp_path):
    storage = str(tmp_path / "tune.db")
    search = Search(mnist_small, TrainConfig(epochs=1), LR_ONLY, trials=1, pruner="none")
    tune(search, storage, "s", handle_signals=False)
    other_space = Search(mnist_small, TrainConfig(epochs=1),
                         Space({"lr": {"low": 1e-4, "high": 0.03, "log": True}}), trials=2)
    with pytest.raises(ConfigError, match="study 's' was started with another search space"):
        tune(other_space, storage, "s", handle_signals=False)
    other_base = Search(mnist_small, TrainConfig(epochs=2), LR_ONLY, trials=2)
    with pytest.raises(ConfigError, match="started with epochs 1, and this command gives 2; "):
        tune(other_base, storage, "s", handle_signals=False)
    more = Search(mnist_small, TrainConfig(epochs=1), LR_ONLY, trials=2, pruner="none")
    study = tune(more, storage, "s", handle_signals=False)  # the same options: continued
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE", "COMPLETE"]


def test_trials_are_scored_on_a_validation_split(mnist_small):
    with pytest.raises(ConfigError, match=r"trials are scored on held-out examples, and "
                                          r"val_fraction=0 \(--val-fraction 0\) holds out none"):
        Search(mnist_small, TrainConfig(val_fraction=0.0), LR_ONLY, trials=1)
    # a fraction that rounds to none of each class of few examples, refused before any trial
    # (each trial crashed with KeyError: 'val_accuracy')
    few = mnist_small.subset(np.concatenate([np.flatnonzero(mnist_small.labels == c)[:4]
                                             for c in range(10)]))
    with pytest.raises(ConfigError, match=r"holds out none of its 40 examples .*; hold out more "
                                          r"\(val_fraction=0\.2, --val-fraction 0\.2: one of"):
        Search(few, TrainConfig(), LR_ONLY, trials=1)
    assert Search(few, TrainConfig(val_fraction=0.2), LR_ONLY, trials=1).data is few


def test_a_diverging_recipe_is_recorded_as_pruned(mnist_small, tmp_path):
    """A learning rate of 1e37 makes plain SGD's loss infinite in the first epoch: the trial
    has no score, and is kept as pruned (a bad recipe, for TPE to avoid) with the reason."""
    base = TrainConfig(optimizer="sgd", schedule="constant", epochs=2)
    search = Search(mnist_small, base, Space({"lr": {"choices": [1e37]}}), trials=1)
    study = tune(search, str(tmp_path / "tune.db"), "diverge", handle_signals=False)
    (trial,) = study.get_trials()
    assert trial.state.name == "PRUNED" and trial.intermediate_values == {}
    assert "training diverged in epoch 1" in trial.user_attrs["diverged"]
