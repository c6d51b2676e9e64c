"""digitnet.searchspace: what a search may vary, checked field by field, and drawn through Optuna.

Trials here are Optuna's FixedTrial: its suggestions return the values it was given (and warn,
an error under pytest, about one outside the distribution asked for). Nothing is trained.
"""

from __future__ import annotations

import json

import optuna
import pytest

from digitnet.config import PRESETS, TrainConfig
from digitnet.errors import ConfigError
from digitnet.inputs import Audio, Images, Table
from digitnet.searchspace import DEFAULT_SPACE, LAYERS_SPACE, Space, default_space


def test_the_default_space_names_the_recipe_and_checks():
    space = Space(DEFAULT_SPACE)
    assert set(space.table) == {"activation", "optimizer", "lr", "momentum", "schedule",
                                "batch_size", "epochs", "shift", "weight_decay"}


def test_the_default_space_fits_the_data():
    """Pictures are shifted; a table has no pixels to move; recordings search dropout, warped,
    cut and coloured copies and label smoothing instead (a picture of sound moved up or down
    changes its pitch)."""
    assert default_space(Images((28, 28))) == DEFAULT_SPACE
    table = default_space(Table(("a", "b")))
    assert set(table) == set(DEFAULT_SPACE) - {"shift"}
    voices = Space(default_space(Audio()))
    assert set(voices.table) == set(DEFAULT_SPACE) - {"shift"} | {"dropout", "copies", "warp",
                                                                     "cut", "colour",
                                                                     "label_smoothing"}
    drawn = {"activation": "relu", "optimizer": "adam", "lr": 0.003, "schedule": "cosine",
             "batch_size": 32, "epochs": 50, "weight_decay": 1e-3, "dropout": 0.3, "copies": 4,
             "warp": 0.25, "cut": 0.35, "colour": 7.5, "label_smoothing": 0.15}
    config = voices.sample(optuna.trial.FixedTrial(drawn), TrainConfig(shift=0))
    assert (config.copies, config.warp, config.cut, config.colour, config.label_smoothing,
            config.dropout, config.shift) == (4, 0.25, 0.35, 7.5, 0.15, 0.3, 0)


def test_sampling_sets_the_fields_drawn_and_keeps_the_rest():
    base = PRESETS["video"].replace(seed=3)
    drawn = {"activation": "tanh", "optimizer": "adam", "lr": 0.02, "schedule": "constant",
             "batch_size": 64, "epochs": 20, "shift": 2, "weight_decay": 1e-4}
    config = Space(DEFAULT_SPACE).sample(optuna.trial.FixedTrial(drawn), base)
    assert config == base.replace(**drawn)  # momentum is not drawn for Adam: the base's stays


def test_a_field_with_when_is_drawn_only_when_its_condition_holds():
    space = Space({"optimizer": {"choices": ["adam", "sgd"]},
                   "momentum": {"low": 0.0, "high": 0.95, "when": {"optimizer": "sgd"}}})
    sgd = space.sample(optuna.trial.FixedTrial({"optimizer": "sgd", "momentum": 0.5}),
                       TrainConfig())
    assert (sgd.optimizer, sgd.momentum) == ("sgd", 0.5)
    trial = optuna.trial.FixedTrial({"optimizer": "adam"})  # no momentum: asking would fail
    assert space.sample(trial, TrainConfig()).momentum == TrainConfig().momentum


def test_any_field_is_searchable_by_name():
    """Fields outside the default space (a bool, Adam's betas) are searched like any other."""
    space = Space({"early_stopping": {"choices": [True, False]},
                   "beta2": {"low": 0.9, "high": 0.9999, "log": True},
                   "patience": {"low": 2, "high": 8, "step": 2}})
    drawn = {"early_stopping": True, "beta2": 0.99, "patience": 4}
    assert space.sample(optuna.trial.FixedTrial(drawn), TrainConfig()) == \
        TrainConfig().replace(**drawn)


def test_layers_are_drawn_as_depth_and_widths_between_the_base_input_and_output():
    space = Space(LAYERS_SPACE)
    trial = optuna.trial.FixedTrial({"hidden_layers": 2, "width_1": 100, "width_2": 30})
    assert space.sample(trial, TrainConfig(sizes=(64, 16, 3))).sizes == (64, 100, 30, 3)


def test_without_drops_the_fields_a_command_fixes():
    space = Space(DEFAULT_SPACE).without({"lr", "epochs"})
    assert "lr" not in space.table and "epochs" not in space.table and "shift" in space.table
    with pytest.raises(ConfigError, match=r"nothing is left to search \(lr is fixed by --lr\)"):
        Space({"lr": {"low": 0.001, "high": 0.1}}, "space.json").without({"lr": "is fixed by --lr"})


def test_an_empty_space_is_refused_as_searching_nothing():
    with pytest.raises(ConfigError, match="space.json: the search space is empty, so it searches "
                                          "nothing; name a training option") as caught:
        Space({}, "space.json")
    assert "fixed" not in str(caught.value)


@pytest.mark.parametrize("table, base, idle", [
    # drawn only with SGD, and the optimizer is not searched: never drawn
    ({"momentum": DEFAULT_SPACE["momentum"], "lr": DEFAULT_SPACE["lr"]}, TrainConfig(),
     {"momentum": "is drawn only with optimizer sgd, and optimizer is adam"}),
    # drawn always, but only SGD reads it
    ({"momentum": {"low": 0.0, "high": 0.9}, "lr": DEFAULT_SPACE["lr"]}, TrainConfig(),
     {"momentum": "takes effect only with optimizer sgd, and optimizer is adam"}),
    ({"beta2": {"low": 0.9, "high": 0.999}}, PRESETS["video"],
     {"beta2": "takes effect only with optimizer adam, and optimizer is sgd"}),
    ({"patience": {"low": 2, "high": 8}}, TrainConfig(),
     {"patience": "takes effect only with early_stopping true, and early_stopping is false"}),
    # the optimizer searched, but never as SGD
    ({"optimizer": {"choices": ["adam"]}, "momentum": {"low": 0.0, "high": 0.9}}, TrainConfig(),
     {"momentum": "takes effect only with optimizer sgd, and optimizer is adam"}),
    # a condition no searched value meets (a NameError, before)
    ({"batch_size": {"choices": [32, 64]},
      "lr": {"low": 0.001, "high": 0.1, "when": {"batch_size": 128}}}, TrainConfig(),
     {"lr": "is drawn only with batch_size 128, and batch_size is one of 32, 64"}),
    # a condition on an idle field: that field keeps the base's value
    ({"patience": {"low": 2, "high": 8},
      "lr": {"low": 0.001, "high": 0.1, "when": {"patience": 3}}}, TrainConfig(),
     {"patience": "takes effect only with early_stopping true, and early_stopping is false",
      "lr": "is drawn only with patience 3, and patience is 5"}),
    # what can take effect: nothing left out
    (DEFAULT_SPACE, TrainConfig(), {}),
    ({"momentum": {"low": 0.0, "high": 0.9}}, PRESETS["video"], {}),
    ({"schedule": {"choices": ["cosine", "constant"]},
      "optimizer": {"choices": ["sgd"], "when": {"schedule": "constant"}},
      "momentum": {"low": 0.0, "high": 0.9}}, TrainConfig(), {}),
])
def test_idle_names_the_fields_that_could_never_take_effect(table, base, idle):
    assert Space(table).idle(base) == idle


def test_the_json_form_reads_back_the_same_space(tmp_path):
    space = Space({**DEFAULT_SPACE, **LAYERS_SPACE})
    path = tmp_path / "space.json"
    path.write_text(space.to_json())
    assert Space.from_file(path).table == space.table
    assert len(space.to_json().splitlines()) == len(space.table) + 2  # a line per field


@pytest.mark.parametrize("table, message", [
    ({"learning_rate": {"low": 0.1, "high": 1}}, "learning_rate: unknown training option"),
    ({"seed": {"low": 0, "high": 9}}, "seed: cannot be searched"),
    ({"val_fraction": {"choices": [0.1, 0.2]}}, "val_fraction: cannot be searched"),
    ({"lr": [0.1, 1]}, "lr: expected a distribution"),
    ({"lr": {"low": 0.1, "high": 0.01}}, r"lr: \"low\" \(0.1\) must be below \"high\" \(0.01\)"),
    ({"weight_decay": {"low": 0.0, "high": 0.1, "log": True}}, "a log scale needs \"low\" above 0"),
    ({"lr": {"low": -1.0, "high": 0.1}}, "lr: must be a positive number"),
    ({"lr": {"low": 0.01, "high": 0.1, "steps": 3}}, "lr: expected"),
    ({"epochs": {"low": 1.5, "high": 10}}, "epochs: must be a whole number, got 1.5"),
    ({"momentum": {"low": 0.0, "high": 0.9, "step": 0.0}}, "\"step\" must be positive"),
    ({"epochs": {"low": 10, "high": 60, "step": 0}}, "epochs: \"step\": must be >= 1"),
    ({"shift": {"low": 0, "high": 9}}, "shift: must be between 0 and 4 pixels"),
    ({"batch_size": {"choices": []}}, "\"choices\" must be a non-empty list"),
    ({"batch_size": {"choices": ["32"]}},
     "batch_size: must be a whole number, got '32'"),
    ({"batch_size": {"choices": [32, 32]}}, "lists a value twice"),
    ({"activation": {"choices": ["relu", "swish"]}}, "activation: .*swish"),
    ({"activation": {"low": 0, "high": 1}}, "takes str values, which have no range"),
    ({"momentum": {"low": 0.0, "high": 0.9, "when": {"optimiser": "sgd"}}},
     "names 'optimiser', which is not a training option"),
    ({"momentum": {"low": 0.0, "high": 0.9, "when": {"optimizer": "sgd"}},  # (in any order)
      "optimizer": {"choices": ["sgd", "adam"], "when": {"momentum": 0.5}}},
     "the conditions go round in a circle"),
    ({"sizes": {"hidden_layers": {"low": 0, "high": 2}, "width": {"low": 8, "high": 64}}},
     "sizes.hidden_layers: must be whole numbers of at least 1, got 0"),
    ({"sizes": {"choices": [[784, 10]]}}, "sizes: expected {\"hidden_layers\""),
    ([["lr", 0.1]], "expected a JSON object"),
])
def test_a_bad_space_is_one_line_naming_the_field(table, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Space(table, "space.json")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("space.json")


def test_a_space_file_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "space.json"
    path.write_text("{'lr': 1}")
    with pytest.raises(ConfigError, match="space.json: not valid JSON .* write the search space "
                                          "as JSON such as"):
        Space.from_file(path)
    with pytest.raises(ConfigError, match="missing.json: cannot read"):
        Space.from_file(tmp_path / "missing.json")


def test_a_space_file_saved_with_notepads_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"lr": {"low": 0.001, "high": 0.1, "log": True}}),
                    encoding="utf-8-sig")
    assert Space.from_file(path).table == {"lr": {"low": 0.001, "high": 0.1, "log": True}}
    assert json.loads(Space(DEFAULT_SPACE).to_json()) == DEFAULT_SPACE
