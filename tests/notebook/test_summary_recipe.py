"""A network's summary in a notebook shows the options of its recipe that take effect in it, not
~30 settings of which most do nothing there (teacher=None with its temperature and weight,
elastic_sigma without elastic distortions, momentum under Adam, the alterations of copies of
recordings for pictures); every option stays under a <details>. The rule is
digitnet.optionuse.idle_options, also tune's (its ONLY_WITH). With the suite's trained models
(pictures and recordings) and recipes from the presets."""

from __future__ import annotations

import re
from html import unescape

from IPython.core.formatters import DisplayFormatter

import digitnet
from digitnet import PRESETS, searchspace
from digitnet.optionuse import ONLY_WITH, idle_options


def recipe(obj) -> tuple[list[str], list[str]]:
    """The options the summary's recipe row shows, and those under its <details>."""
    data, _ = DisplayFormatter().format(obj)
    (cell,) = re.findall(r"<th[^>]*>recipe</th><td[^>]*>(.*?)</td></tr>", data["text/html"])
    shown, _, rest = cell.partition("<details>")
    every = re.sub(r"<summary>.*?</summary>|</details>", "", rest)
    return ([unescape(o) for o in shown.split(", ")],
            [unescape(o) for o in every.split(", ")] if every else [])


def test_a_model_of_pictures_shows_the_options_its_recipe_uses(drawing_model):
    net = digitnet.load(drawing_model)
    shown, every = recipe(net)
    assert shown == ["optimizer=adam", "lr=0.0025", "beta1=0.9", "beta2=0.999",
                     "weight_decay=0.0003", "batch_size=32", "epochs=4", "schedule=cosine",
                     "shift=1", "deskew=True", "val_fraction=0.1", "seed=0"]
    config = net.metadata["config"]
    assert every == [f"{k}={v}" for k, v in config.items()
                     if k not in ("sizes", "activation", "output")]  # all of it, still there
    assert {"teacher=None", "temperature=2.0", "elastic_sigma=4.0", "momentum=0.0",
            "copies=0", "warp=0.0"} <= set(every)


def test_a_model_that_hears_shows_its_copies_and_their_alterations(speech_model):
    net = digitnet.load(speech_model)
    shown, _ = recipe(net)  # (trained without copies)
    names = [o.partition("=")[0] for o in shown]
    assert not {"copies", "speed", "warp", "cut", "deskew", "elastic_sigma"} & set(names)
    net.metadata["config"] = PRESETS["speech"].to_dict()  # 4 copies, warped, cut, coloured
    shown, _ = recipe(net)
    assert {"copies=4", "warp=0.1", "cut=0.3", "colour=6.0", "dropout=0.3",
            "label_smoothing=0.1"} <= set(shown)
    names = [o.partition("=")[0] for o in shown]
    assert not {"speed", "stretch", "noise", "shift", "deskew", "momentum"} & set(names)


def test_the_recipes_own_switches_decide(drawing_model):
    """SGD with momentum (the video preset) shows momentum and not Adam's betas; elastic
    distortions (the large preset) show their sigma; a teacher shows its temperature."""
    net = digitnet.load(drawing_model)
    video = net.copy()
    video.metadata["config"] = {**PRESETS["video"].to_dict(), "epochs": 4}
    shown, _ = recipe(video)
    assert "momentum=0.9" in shown and not any(o.startswith("beta") for o in shown)
    large = net.copy()
    large.metadata["config"] = PRESETS["large"].to_dict()
    shown, _ = recipe(large)
    assert {"elastic_alpha=34.0", "elastic_sigma=4.0", "dropout=0.2"} <= set(shown)
    assert "weight_decay=0.0" not in shown
    taught = net.copy()
    taught.metadata["config"] = PRESETS["default"].replace(teacher="teacher.safetensors",
                                                           temperature=4.0).to_dict()
    shown, _ = recipe(taught)
    assert {"teacher=teacher.safetensors", "temperature=4.0", "teacher_weight=0.5"} <= set(shown)


def test_a_record_that_is_no_recipe_is_shown_as_it_is(drawing_model):
    net = digitnet.load(drawing_model)
    net.metadata["config"] = {"lr": -0.5, "optimizer": "rmsprop"}  # (edited by hand)
    assert recipe(net) == (["lr=-0.5", "optimizer=rmsprop"], [])


def test_tune_and_the_summary_share_the_rule():
    assert searchspace.ONLY_WITH is ONLY_WITH
    idle = idle_options(PRESETS["default"])
    assert idle["momentum"] == "takes effect only with optimizer sgd, and optimizer is adam"
    assert idle["temperature"] == "takes effect only with teacher on, and teacher is off"
    assert "lr" not in idle and "beta1" not in idle
