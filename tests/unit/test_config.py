"""TrainConfig and the pieces of training that need no training run: options, schedule,
augmentation."""

import math
import re

import numpy as np
import pytest

from digitnet import PRESETS, TrainConfig
from digitnet.config import learning_rate
from digitnet.errors import ConfigError


def test_cosine_schedule():
    c = TrainConfig(lr=0.1, schedule="cosine")
    assert learning_rate(c, 0, 100) == pytest.approx(0.1)
    assert learning_rate(c, 50, 100) == pytest.approx(0.05)
    assert learning_rate(c, 100, 100) == pytest.approx(0, abs=1e-12)
    assert learning_rate(c.replace(schedule="constant"), 77, 100) == 0.1


@pytest.mark.parametrize("change, message", [
    ({"lr": -1}, "lr must be a positive number"),
    ({"lr": math.nan}, "lr must be"),
    ({"batch_size": 0}, "batch_size must be >= 1"),
    ({"val_fraction": 1.0}, r"val_fraction must be in \[0, 1\)"),
    ({"schedule": "step"}, "schedule must be one of constant, cosine"),
    ({"optimizer": "lbfgs"}, "unknown optimizer"),
    ({"early_stopping": True, "val_fraction": 0.0}, "early stopping needs a validation split"),
    ({"copies": 4, "cut": 0.6}, "cut must be between 0 and 0.5"),
    ({"cut": 0.3}, "^cut alters copies"),
    ({"copies": 4, "colour": 30.0}, "colour must be between 0 and 24 decibels"),
    ({"colour": 6.0}, r"give copies=N \(--copies N\), or turn it off: colour=0 \(--colour 0\)$"),
])
def test_bad_config(change, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**change)


def test_no_copies_turns_off_the_alterations_not_given_and_refuses_those_given():
    """The speech preset with copies 0 has nothing for its alterations to alter: they are off.
    Alterations given beside copies 0 are refused, named (and no other), with both ways out in
    Python's words and the command line's, each making a config that is taken."""
    from digitnet.config import ALTERATIONS

    preset = PRESETS["speech"]
    assert any(getattr(preset, name) for name in ALTERATIONS)
    plain = preset.replace(copies=0)
    assert plain.copies == 0 and not any(getattr(plain, name) for name in ALTERATIONS)
    assert plain.replace(copies=0) == plain and plain.dropout == preset.dropout
    with pytest.raises(ConfigError) as refused:
        preset.replace(copies=0, cut=0.2, noise=0.1)
    named, python, flags = re.fullmatch(r"(.+) alter copies of the training recordings; give "
                                        r"copies=N \(--copies N\), or turn them off: "
                                        r"(.+) \((.+)\)", str(refused.value)).groups()
    assert set(re.split(r", | and ", named)) == {"cut", "noise"}
    assert python == "cut=0, noise=0" and flags == "--cut 0 --noise 0"
    assert preset.replace(copies=0, cut=0, noise=0).copies == 0
    assert preset.replace(copies=2, cut=0.2).cut == 0.2


def test_augmentation_shifts_images_by_whole_pixels():
    from digitnet.augment import shift_images

    img = np.zeros((1, 28 * 28), np.uint8)
    img[0, 5 * 28 + 7] = 200
    out = shift_images(img, np.array([[1, -2]]), (28, 28)).reshape(28, 28)
    assert out[6, 5] == 200 and out.sum() == 200


def test_unknown_options_name_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown training option 'epoch'; the options are "
                                          r"sizes, activation, .*, seed"):
        TrainConfig().replace(epoch=3)
    with pytest.raises(ConfigError, match="unknown training options 'a', 'b'"):
        TrainConfig.from_dict({"a": 1, "b": 2})


def test_differences_compare_values_as_the_config_holds_them():
    c = PRESETS["video"]
    assert c.differences({"sizes": [784, 16, 16, 10], "lr": 0.023, "epochs": 150}) == []
    assert c.differences({"lr": 0.1, "seed": 0}) == [("lr", 0.023, 0.1)]
    assert TrainConfig(lr=1.0).differences({"lr": 1}) == []


def test_differences_in_the_checkpoints_terms():
    saved = TrainConfig(sizes=(784, 32, 10), lr=0.01, early_stopping=True)
    same = {"sizes": [784, 32, 10], "lr": 1e-2, "momentum": 0, "early_stopping": True}
    assert saved.differences(same) == []
    assert saved.differences({"sizes": (784, 16, 16, 10), "lr": 0.01, "seed": 3}) == [
        ("sizes", (784, 32, 10), (784, 16, 16, 10)), ("seed", 0, 3)]
    with pytest.raises(ConfigError, match="unknown training option 'layers'"):
        saved.differences({"layers": (784, 10)})


def test_checked_option_takes_json_values_as_the_config_holds_them():
    from digitnet.config import checked_option

    assert checked_option("lr", 1) == 1.0 and type(checked_option("lr", 1)) is float
    assert checked_option("sizes", [784, 32, 10]) == (784, 32, 10)
    assert checked_option("early_stopping", True) is True
    for name, value, message in [("epochs", True, "epochs must be a whole number, got True"),
                                 ("lr", float("nan"), "lr must be a finite number, got nan"),
                                 ("sizes", [784, 16.0, 10], "sizes must be a list of whole"),
                                 ("shift", 5, "shift must be between 0 and 4"),
                                 ("learning_rate", 0.1, "unknown training option")]:
        with pytest.raises(ConfigError, match=message):
            checked_option(name, value)


@pytest.mark.parametrize("option, value, words", [
    ("teacher", "", "teacher must be a model file's path, or None"),
    ("temperature", 0.0, "temperature must be in (0, 100]"),
    ("teacher_weight", 1.5, "teacher_weight must be in [0, 1]"),
    ("label_smoothing", 1.0, "label_smoothing must be in [0, 1)"),
    ("label_smoothing", -0.1, "label_smoothing must be in [0, 1)"),
])
def test_distillation_options_are_checked(option, value, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        TrainConfig().replace(**{option: value})
    assert TrainConfig.from_dict({"lr": 0.01}).teacher is None  # files from before read as off


def test_label_smoothing_and_a_teacher_are_not_taken_together():
    with pytest.raises(ConfigError, match="label smoothing and a teacher both soften"):
        TrainConfig(teacher="t.safetensors", label_smoothing=0.1).validate()
    assert TrainConfig.from_dict({"lr": 0.01}).label_smoothing == 0  # older files: none


def test_the_large_preset_is_a_valid_wide_recipe():
    large = PRESETS["large"]
    assert large.sizes[0] == 784 and large.sizes[-1] == 10 and min(large.sizes[1:-1]) >= 256
    assert large.deskew and large.dropout > 0 and large.elastic_alpha > 0
    assert TrainConfig.from_dict(large.to_dict()) == large


@pytest.mark.parametrize("change, message", [
    ({"epochs": "3"}, "epochs must be a whole number, got '3' (a str)"),
    ({"seed": None}, "seed must be a whole number, got None"),
    ({"epochs": 2.5}, "epochs must be a whole number, got 2.5 (a float)"),
    ({"epochs": 3.0}, "epochs must be a whole number, got 3.0 (a float)"),
    ({"epochs": True}, "epochs must be a whole number, got True (a bool)"),
    ({"batch_size": np.float64(32)},
     "batch_size must be a whole number, got np.float64(32.0) (a float64)"),
    ({"lr": "0.1"}, "lr must be a finite number, got '0.1' (a str)"),
    ({"lr": True}, "lr must be a finite number, got True (a bool)"),
    ({"weight_decay": math.inf}, "weight_decay must be a finite number, got inf"),
    ({"activation": None}, "activation must be a string, got None"),
    ({"teacher": 3}, "teacher must be a string or None, got 3 (an int)"),
    ({"early_stopping": "no"}, "early_stopping must be true or false, got 'no' (a str)"),
    ({"deskew": 1}, "deskew must be true or false, got 1 (an int)"),
    ({"sizes": "784,16,10"}, "sizes must be a list of whole numbers, got '784,16,10' (a str)"),
    ({"sizes": (784, 16.5, 10)}, "sizes must be a list of whole numbers, got (784, 16.5, 10)"),
])
def test_options_of_the_wrong_type_are_refused_in_one_line(change, message):
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        TrainConfig(**change)
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        PRESETS["video"].replace(**change)


def test_numpy_numbers_are_taken_as_the_python_numbers_they_hold():
    import json

    config = TrainConfig(sizes=np.array([784, 32, 10]), epochs=np.int64(3), lr=np.float32(0.5),
                         momentum=np.float16(0), deskew=np.bool_(False), seed=np.uint8(7),
                         weight_decay=0)
    held = {name: getattr(config, name) for name in ("sizes", "epochs", "lr", "momentum",
                                                      "deskew", "seed", "weight_decay")}
    assert held == {"sizes": (784, 32, 10), "epochs": 3, "lr": 0.5, "momentum": 0.0,
                    "deskew": False, "seed": 7, "weight_decay": 0.0}
    assert [type(v) for v in held.values()] == [tuple, int, float, float, bool, int, float]
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_train_refuses_options_of_the_wrong_type_before_training(mnist):
    import digitnet

    for options, message in [({"epochs": "3"}, "epochs must be a whole number, got '3' (a str)"),
                             ({"seed": None}, "seed must be a whole number, got None"),
                             ({"epochs": 2.5}, "epochs must be a whole number, got 2.5"),
                             ({"hidden": "16,16"}, ("hidden must be a whole number or a list "
                                                    "of whole numbers, such as (16, 16), got "
                                                    "'16,16' (a str)")),
                             ({"hidden": [16, 8.5]}, "hidden must be a whole number or a list")]:
        with pytest.raises(ConfigError, match=re.escape(message)):
            digitnet.train(mnist, **options)


def test_hidden_layers_may_be_one_number_as_in_scikit_learn(mnist):
    from digitnet import recipes
    from digitnet.config import hidden_sizes

    assert hidden_sizes(16) == hidden_sizes(np.int64(16)) == hidden_sizes([16]) == (16,)
    assert hidden_sizes(np.array([32, 16])) == hidden_sizes((32, 16)) == (32, 16)
    one = recipes.for_data(PRESETS["default"], mnist, hidden=hidden_sizes(16))
    assert one.sizes == (784, 16, 10)


def test_recipes_take_hidden_sizes_through_the_same_check(mnist):
    from digitnet import recipes

    assert recipes.for_data(PRESETS["default"], mnist, hidden=16).sizes == (784, 16, 10)
    with pytest.raises(ConfigError, match=r"hidden must be a whole number .* got \(16\.5,\)"):
        recipes.for_data(PRESETS["default"], mnist, hidden=(16.5,))  # was cut to 16


def test_the_pages_run_on_a_table_takes_a_tables_recipe_as_train_does():
    """`POST /api/train` for a served table model fits the recipe to the table as `digitnet
    train` does (recipes.for_input): no shift or deskewing, a table's weight decay; the page's
    epochs stay the page's. (Its weight decay was the pictures' 3e-4.)"""
    from digitnet import Network, recipes
    from digitnet.inputs import Table
    from digitnet.web.schemas import TrainRequest
    from digitnet.web.training import run_config

    net = Network((4, 8, 3), seed=0)
    net.metadata = {"input": Table(("a", "b", "c", "d")).to_dict()}
    config = run_config(net, TrainRequest(epochs=5))
    assert (config.shift, config.deskew, config.epochs) == (0, False, 5)
    assert config.weight_decay == recipes.TABLE["weight_decay"] != PRESETS["default"].weight_decay


@pytest.mark.parametrize("words, said", [(["a"], "a"), (("a", "b"), "a and b"),
                                         (iter(["a", "b", 3]), "a, b and 3")])
def test_a_list_in_a_message(words, said):
    from digitnet.errors import listed
    assert listed(words) == said
