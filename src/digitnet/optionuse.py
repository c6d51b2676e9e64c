"""Which of a recipe's options take effect: those that do nothing in it, and why.

A :class:`~digitnet.config.TrainConfig` holds every option, also those its recipe leaves
unused: a teacher's temperature without a teacher, elastic_sigma without elastic distortions,
momentum under Adam, the alterations of copies of recordings for pictures. One rule says which,
for what shows a recipe (a notebook's summary of a network: :mod:`digitnet.notebook.summaries`;
``digitnet info``: :func:`recipe_parts`) and for ``digitnet tune``, which leaves out of a
search what could never take effect (:meth:`digitnet.searchspace.Space.idle`, through
:data:`ONLY_WITH`).
"""

from __future__ import annotations

from .config import ALTERATIONS, TrainConfig
from .optimizers import OPTIMIZERS

__all__ = ["ONLY_WITH", "OFF", "ONLY_ON", "idle_options", "recipe_parts"]

#: Options that change training only when another option has a value: training gives momentum
#: to SGD alone and beta1 and beta2 to Adam alone, patience counts only with early stopping, and
#: val_fraction only where no group (val_group) is held out in its place.
ONLY_WITH: dict[str, dict] = {
    **{field: {"optimizer": name} for name, kind in OPTIMIZERS.items() for field in kind.settings},
    "patience": {"early_stopping": True}, "val_fraction": {"val_group": None}}

#: Options that switch a part of training on, each with the value that leaves it off.
OFF: dict[str, object] = {
    "weight_decay": 0.0, "dropout": 0.0, "teacher": None, "label_smoothing": 0.0, "shift": 0,
    "deskew": False, "elastic_alpha": 0.0, "copies": 0, **dict.fromkeys(ALTERATIONS, 0.0),
    "val_group": None, "early_stopping": False}

#: Options that say how a part of training another option switches on (:data:`OFF`) is done:
#: a teacher's temperature and weight, elastic distortions' smoothness, the alterations of
#: copies of recordings.
ONLY_ON: dict[str, str] = {"temperature": "teacher", "teacher_weight": "teacher",
                           "elastic_sigma": "elastic_alpha", **dict.fromkeys(ALTERATIONS, "copies")}


def idle_options(config: TrainConfig) -> dict[str, str]:
    """The options that do nothing in ``config``, each with why, in the config's order: name ->
    "is off" (dropout 0, no teacher, no copies...), or what it takes effect only with
    (temperature with a teacher: :data:`ONLY_ON`; momentum with SGD: :data:`ONLY_WITH`). The
    other options are the recipe as it trains."""
    idle = {}
    for name in config.fields():
        switch = ONLY_ON.get(name)
        needs = [(f, v) for f, v in ONLY_WITH.get(name, {}).items() if getattr(config, f) != v]
        if name in OFF and getattr(config, name) == OFF[name]:
            idle[name] = "is off"
        elif switch is not None and getattr(config, switch) == OFF[switch]:
            idle[name] = f"takes effect only with {switch} on, and {switch} is off"
        elif needs:
            (field, value), *_ = needs
            idle[name] = (f"takes effect only with {field} {value}, and {field} is "
                          f"{getattr(config, field)}")
    return idle


def recipe_parts(config: dict) -> tuple[dict, dict]:
    """A model's ``config`` record split into the options that take effect in it and those that
    do not (:func:`idle_options`), each in the record's order; all taking effect for a record
    that is no recipe this digitnet trains (edited by hand, or from a newer digitnet)."""
    from .errors import DigitnetError

    try:
        idle = idle_options(TrainConfig.from_dict(config))
    except (DigitnetError, TypeError, ValueError):
        idle = {}
    return ({k: v for k, v in config.items() if k not in idle},
            {k: v for k, v in config.items() if k in idle})
