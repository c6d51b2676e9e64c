"""A search space means the same whatever order its file lists the fields in, never varies what
trials are scored on, has steps that divide its ranges, and is checked against the base recipe
and the data (:func:`digitnet.spacecheck.check`) before any trial could fail on it.

The data is real: scikit-learn's wine table as a CSV, FSDD's recordings of spoken digits, and
MNIST digits. Teachers are networks built by hand and saved, never trained.
"""

from __future__ import annotations

import json
import shutil

import optuna
import pytest
from real_data import wine_csv

from digitnet import Network, datasets, modelfile, recipes
from digitnet.config import PRESETS, TrainConfig
from digitnet.errors import ConfigError
from digitnet.searchspace import DEFAULT_SPACE, LAYERS_SPACE, Space, default_space
from digitnet.spacecheck import check

SGD_ONLY = {"optimizer": {"choices": ["adam", "sgd"]}}


def backwards(table: dict) -> dict:
    return dict(reversed(table.items()))


# -- 1. the order of the keys ------------------------------------------------------------------

@pytest.mark.parametrize("table, base", [
    ({"momentum": {"low": 0.5, "high": 0.95}, **SGD_ONLY}, TrainConfig()),
    ({"beta1": {"low": 0.8, "high": 0.95}, **SGD_ONLY}, PRESETS["video"]),
    ({"beta2": {"low": 0.9, "high": 0.999}, **SGD_ONLY}, PRESETS["video"]),
    ({"patience": {"low": 2, "high": 8}, "early_stopping": {"choices": [True, False]}},
     TrainConfig()),
    ({"momentum": {"low": 0.5, "high": 0.95, "when": {"optimizer": "sgd"}}, **SGD_ONLY},
     TrainConfig()),
])
def test_a_field_listed_before_the_one_it_depends_on_is_searched(table, base):
    """The walk's space: momentum before an optimizer searched over adam and sgd was left out,
    "optimizer is adam"; listed after it, it was searched."""
    assert Space(table).idle(base) == {}
    assert Space(backwards(table)).idle(base) == {}


@pytest.mark.parametrize("table, base", [
    ({"momentum": {"low": 0.0, "high": 0.9}, "lr": DEFAULT_SPACE["lr"]}, TrainConfig()),
    ({"optimizer": {"choices": ["adam"]}, "momentum": {"low": 0.0, "high": 0.9}}, TrainConfig()),
    ({"batch_size": {"choices": [32, 64]},
      "lr": {"low": 0.001, "high": 0.1, "when": {"batch_size": 128}}}, TrainConfig()),
    ({"patience": {"low": 2, "high": 8},
      "lr": {"low": 0.001, "high": 0.1, "when": {"patience": 3}}}, TrainConfig()),
    ({"patience": {"low": 2, "high": 8},
      "lr": {"low": 0.001, "high": 0.1, "when": {"patience": 5}}}, TrainConfig()),
    ({"schedule": {"choices": ["cosine", "constant"]},
      "optimizer": {"choices": ["sgd"], "when": {"schedule": "constant"}},
      "momentum": {"low": 0.0, "high": 0.9}}, TrainConfig()),
    (DEFAULT_SPACE, PRESETS["video"]),
])
def test_what_is_left_out_and_why_is_the_same_in_either_order(table, base):
    """Idle or not, with the same reason, listed in the file's order."""
    forwards, reverse = Space(table).idle(base), Space(backwards(table)).idle(base)
    assert forwards == reverse and list(reverse) == [f for f in backwards(table) if f in reverse]


def test_when_may_name_a_field_listed_after_it():
    """It is drawn after that field, so its condition sees the value drawn."""
    space = Space({"momentum": {"low": 0.0, "high": 0.95, "when": {"optimizer": "sgd"}},
                   **SGD_ONLY})
    sgd = optuna.trial.FixedTrial({"optimizer": "sgd", "momentum": 0.5})
    assert space.sample(sgd, TrainConfig()) == TrainConfig(optimizer="sgd", momentum=0.5)
    assert list(sgd.params) == ["optimizer", "momentum"]
    adam = optuna.trial.FixedTrial({"optimizer": "adam"})  # asking for momentum would fail
    assert space.sample(adam, TrainConfig()) == TrainConfig()


def test_a_space_in_drawing_order_is_drawn_in_its_own_order():
    """Fields already after those they depend on are asked for as listed, as before: a
    study's sampler draws the same recipes for the same space."""
    drawn = {"activation": "tanh", "optimizer": "sgd", "lr": 0.02, "momentum": 0.5,
             "schedule": "constant", "batch_size": 64, "epochs": 20, "shift": 2,
             "weight_decay": 1e-4}
    trial = optuna.trial.FixedTrial(backwards(drawn))
    Space(DEFAULT_SPACE).sample(trial, TrainConfig())
    assert list(trial.params) == list(DEFAULT_SPACE)


@pytest.mark.parametrize("table, message", [
    ({"optimizer": {"choices": ["adam", "sgd"], "when": {"optimizer": "sgd"}}},
     'optimizer: "when" names optimizer itself; drop it'),
    ({"lr": {"low": 0.01, "high": 0.1, "when": {"batch_size": 32}},
      "batch_size": {"choices": [32, 64], "when": {"lr": 0.05}}},
     (r"lr: the conditions go round in a circle \(lr is drawn only with batch_size 32, "
      r"batch_size is drawn only with lr 0.05\): each waits for another; drop one")),
    ({"optimizer": {"choices": ["adam", "sgd"], "when": {"momentum": 0.5}},
      "momentum": {"low": 0.0, "high": 0.9}},
     (r"optimizer: the conditions go round in a circle \(optimizer is drawn only with "
      r"momentum 0.5, momentum takes effect only with optimizer sgd\)")),
])
def test_conditions_in_a_circle_are_refused_in_one_line(table, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Space(table, "space.json")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("space.json: ")


# -- 2. what trials are scored on --------------------------------------------------------------

@pytest.mark.parametrize("table", [{"val_group": {"choices": ["jackson", "george"]}},
                                   {"val_group": {"choices": [None, "nicolas"]}}])
def test_the_voice_held_out_for_validation_is_never_searched(table):
    with pytest.raises(ConfigError, match=r"^space.json: val_group: cannot be searched: it "
                                          r"decides which group \(speaker\) every trial is "
                                          r"scored on: a search over it finds the easiest voice"):
        Space(table, "space.json")


# -- 3. checked against the base recipe and the data -------------------------------------------

@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wine")
    return datasets.load(str(wine_csv(folder / "wine.csv")), split="train")


@pytest.fixture(scope="module")
def voices(spoken_digits, tmp_path_factory):
    """60 of jackson's recordings: 10 in the training split (FSDD's numbers 5 and up)."""
    folder = tmp_path_factory.mktemp("voices")
    for digit in range(10):
        for i in range(6):
            shutil.copy(spoken_digits / f"{digit}_jackson_{i}.wav", folder)
    return datasets.load(str(folder), split="train")


def checked(table: dict, data, **given):
    """check() on ``table`` over the default recipe fitted to ``data``, as tune does."""
    base = recipes.for_data(PRESETS["default"].replace(**given), data, given)
    space = Space(table, "space.json")
    check(space.without(space.idle(base)), base, data)


def refusal(table: dict, data, **given) -> str:
    with pytest.raises(ConfigError) as caught:
        checked(table, data, **given)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("space.json: ")
    return str(caught.value)


@pytest.mark.parametrize("table, field, does", [
    ({"cut": {"low": 0.0, "high": 0.3}}, "cut", "cut alters copies of recordings"),
    ({"copies": {"choices": [0, 4]}}, "copies", "copies are altered copies of recordings"),
    ({"colour": {"low": 0.0, "high": 12.0}, "copies": {"choices": [4, 8]}}, "colour",
     "colour alters copies of recordings"),
    ({"shift": {"low": 0, "high": 2}}, "shift", "shift augmentation moves images"),
    ({"deskew": {"choices": [True, False]}}, "deskew", "deskewing straightens images of ink"),
])
def test_what_a_table_cannot_have_is_refused_with_what_to_do(wine, table, field, does):
    """The walk: cut on a table passed --show-space and stopped trial 0 saying to give copies,
    which a table cannot have either."""
    message = refusal(table, wine)
    assert message == (f"space.json: {field}: {does}, and {wine.name} "
                       + ("is a table" if field in ("shift", "deskew") else "holds none")
                       + f"; leave {field} out of the search space")


def test_deskewing_recordings_is_refused(voices):
    assert refusal({"deskew": {"choices": [True, False]}}, voices) == (
        f"space.json: deskew: deskewing straightens images of ink, and {voices.name} holds "
        "recordings; leave deskew out of the search space")


def test_cut_copies_where_the_base_recipe_makes_none_are_refused(voices):
    """On recordings cut needs copies: the base recipe's 0 (checking cut alone, with 1 copy,
    let this pass), or copies 0 drawn beside it."""
    assert refusal({"cut": {"low": 0.0, "high": 0.3}}, voices) == (
        "space.json: cut: a trial could draw cut 0.3, which cannot train: cut alters copies of "
        "the training recordings; give copies=N (--copies N), or turn it off: cut=0 (--cut 0)")
    both = refusal({"copies": {"choices": [0, 4]}, "cut": {"low": 0.0, "high": 0.3}}, voices)
    assert both.startswith("space.json: copies and cut: a trial could draw copies 0 with cut "
                           "0.3, which cannot train: cut alters copies")


@pytest.mark.parametrize("table, given", [
    ({"cut": {"low": 0.0, "high": 0.3}}, {"copies": 4}),
    ({"copies": {"choices": [4, 8]}, "cut": {"low": 0.0, "high": 0.3}}, {}),
    ({"copies": {"choices": [0, 4]}, "cut": {"low": 0.1, "high": 0.3, "when": {"copies": 4}}},
     {}),
    ({"cut": {"low": 0.1, "high": 0.3, "when": {"copies": 4}}, "copies": {"choices": [0, 4]}},
     {}),
])
def test_cut_copies_of_copies_that_are_made_pass(voices, table, given):
    checked(table, voices, **given)


def test_the_default_spaces_pass_on_their_data(wine, voices, mnist):
    for data in (wine, voices, mnist):
        checked({**default_space(data.input), **LAYERS_SPACE}, data)


@pytest.fixture(scope="module")
def teachers(wine, tmp_path_factory):
    """Hand-built networks for wine's 13 columns, saved: one that knows wine's classes, one
    that numbers its answers 0, 1, 2."""
    folder = tmp_path_factory.mktemp("teachers")
    named, numbered = Network((13, 8, 3), seed=0), Network((13, 8, 3), seed=1)
    named.metadata["classes"] = list(wine.classes)
    return modelfile.save(named, folder / "named.safetensors"), \
        modelfile.save(numbered, folder / "numbered.safetensors")


def test_a_teacher_that_is_missing_or_no_model_is_refused(wine, teachers, tmp_path):
    missing = tmp_path / "nonexist.safetensors"
    assert refusal({"teacher": {"choices": [None, str(missing)]}}, wine).startswith(
        f"space.json: teacher: a trial could draw teacher {missing}, which cannot train: "
        f"{missing}: no such file")
    assert "not a model file" in refusal({"teacher": {"choices": [None, wine.name]}}, wine)
    assert "answers with the classes 0, 1, 2, and the data has class_0" in refusal(
        {"teacher": {"choices": [None, str(teachers[1])]}}, wine)
    checked({"teacher": {"choices": [None, str(teachers[0])]}}, wine)


def test_a_teacher_drawn_beside_label_smoothing_is_refused_unless_when_parts_them(wine,
                                                                                   teachers):
    teacher = {"teacher": {"choices": [None, str(teachers[0])]}}
    assert refusal({**teacher, "label_smoothing": {"low": 0.0, "high": 0.2}}, wine).startswith(
        f"space.json: teacher and label_smoothing: a trial could draw teacher {teachers[0]} "
        "with label_smoothing 0.2, which cannot train: label smoothing and a teacher both")
    checked({"label_smoothing": {"low": 0.0, "high": 0.2, "when": {"teacher": None}},
             **teacher}, wine)


def test_early_stopping_with_nothing_held_out_is_refused(voices):
    """10 recordings, one a digit: 10% of each digit holds none out."""
    assert "early stopping scores held-out examples" in refusal(
        {"early_stopping": {"choices": [True, False]}}, voices)


# -- 4. steps that divide the range ------------------------------------------------------------

@pytest.mark.parametrize("dist, message", [
    ({"low": 0.01, "high": 0.1, "step": 0.04},
     ('lr: "step" 0.04 does not divide the range from 0.01 to 0.1, so trials would draw no '
      'higher than 0.09; make "high" 0.09, or "step" 0.03')),
    ({"low": 0.01, "high": 0.11, "step": 0.04},
     ('lr: "step" 0.04 does not divide the range from 0.01 to 0.11, so trials would draw no '
      'higher than 0.09; make "high" 0.09, or "step" 0.025')),
])
def test_a_float_step_that_does_not_divide_the_range_is_one_line(dist, message):
    with pytest.raises(ConfigError) as caught:
        Space({"lr": dist}, "space.json")
    assert str(caught.value) == f"space.json: {message}"


def test_a_whole_step_that_does_not_divide_the_range_is_one_line():
    with pytest.raises(ConfigError) as caught:
        Space({"epochs": {"low": 10, "high": 65, "step": 10}}, "space.json")
    assert str(caught.value) == ('space.json: epochs: "step" 10 does not divide the range from '
                                 '10 to 65, so trials would draw no higher than 60; make "high" '
                                 '60, or "step" 5')


@pytest.mark.parametrize("table", [
    {"lr": {"low": 0.01, "high": 0.1, "step": 0.03}},
    {"momentum": {"low": 0.0, "high": 0.9, "step": 0.1}},
    {"epochs": {"low": 10, "high": 60, "step": 10}},
    {"sizes": {"hidden_layers": {"low": 1, "high": 3}, "width": {"low": 16, "high": 512,
                                                                "step": 16}}},
])
def test_steps_that_divide_the_range_are_drawn_by_optuna_without_a_warning(table):
    """Optuna warns (an error here) when it shrinks a range to fit its step."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    space = Space(table)
    for _ in range(5):
        space.sample(study.ask(), TrainConfig(sizes=(13, 16, 3)))
    assert json.loads(space.to_json()) == table
