"""Engines: how training steps are computed. One interface, two engines, one place that chooses.

A training step gathers a batch, runs the forward pass, backpropagates and lets the optimiser
step. Two engines do it:

``"numpy"`` (:mod:`digitnet.engines.numpy`)
    NumPy's matrix products into buffers allocated once: every network and optimiser, float32 or
    float64. The readable reference.
``"compiled"`` (:mod:`digitnet.engines.compiled`)
    The same step in C, built when digitnet is installed with a C compiler: many times faster
    for the narrow layers of the video's network (bench/results/speed.md), float32 only.

Both give the same training to float rounding, and each is bit-reproducible on its own.
Each engine has ``name``, ``unavailable_reason(net, optimizer, pixels, features)`` and
``steps(net, optimizer, pixels, labels, batch_size=, image_shape=, max_shift=, dropout=,
seed=, teacher=)``, whose result has ``run(order, shift_ids, start, stop, lrs) -> losses``. Steps read
``pixels`` in place, never a copy, so the training loop can refill it between epochs (elastic
distortions). :func:`choose` is the only place that decides which engine trains.

The forward pass, traces and predictions are not an engine's business: they run in
:class:`digitnet.Network`, whose NumPy loop is fast enough for every use (see the README).
"""

from __future__ import annotations

import warnings

from ..errors import ConfigError
from .compiled import CompiledEngine, available
from .numpy import NumpyEngine

__all__ = ["ENGINES", "WIDEST_LAYER", "choose", "available", "NumpyEngine", "CompiledEngine"]

ENGINES = ("auto", "compiled", "numpy")

#: "auto" uses the compiled engine for networks whose layers after the input have at most this
#: many neurons: its products are written for narrow layers, and beyond about this width NumPy's
#: BLAS is as fast (bench/results/speed.md, the scaling table).
WIDEST_LAYER = 128

_BY_NAME = {"numpy": NumpyEngine(), "compiled": CompiledEngine()}


def choose(requested: str, net, optimizer, *, pixels: bool = True, features: tuple[str, ...] = (),
           resumed: tuple[str, str | None] | None = None):
    """The engine that trains ``net`` with ``optimizer``.

    Parameters
    ----------
    requested : str
        "auto" (compiled where it is built and fits the run: float32, built-in activation,
        output and optimiser, uint8 pixels, no layer wider than :data:`WIDEST_LAYER`; else
        NumPy), "compiled" (a ConfigError saying why if it cannot run) or "numpy".
    pixels : bool
        Whether the training rows are uint8 pixels (else float32 numbers, as a table's).
    features : tuple of str
        Training features beyond the plain step that the run needs ("dropout",
        "distillation"); only the NumPy engine has them.
    resumed : (checkpoint path, engine it recorded), optional
        When continuing a run, "auto" means the engine that wrote the checkpoint, so that the
        run ends on the bytes of an uninterrupted one. If that engine cannot run here, a
        ConfigError says how to go on with the other; asking for the other engine explicitly
        works, with a UserWarning that the result will differ by float rounding.
    """
    if requested not in ENGINES:
        raise ConfigError(f"unknown engine {requested!r}; choose one of {', '.join(ENGINES)}")
    compiled = _BY_NAME["compiled"]
    if resumed is not None and resumed[1] in _BY_NAME:
        path, recorded = resumed
        if requested == "auto":
            reason = (compiled.unavailable_reason(net, optimizer, pixels, features)
                      if recorded == "compiled" else None)
            if reason:
                raise ConfigError(f"{path} was trained with the compiled engine, which cannot run "
                                  f"here: {reason}. Resume with --engine numpy to go on with the "
                                  "NumPy engine (the result then differs from an uninterrupted "
                                  "run by float rounding)")
            return _BY_NAME[recorded]
        if requested != recorded:
            warnings.warn(f"{path} was trained with the {recorded} engine and is resumed with the "
                          f"{requested} engine: the result will differ from an uninterrupted run "
                          "by float rounding", UserWarning, stacklevel=3)
    if requested == "compiled":
        reason = compiled.unavailable_reason(net, optimizer, pixels, features)
        if reason:
            raise ConfigError(f"--engine compiled: {reason}; use --engine numpy or auto")
        return compiled
    if requested == "numpy" or compiled.unavailable_reason(net, optimizer, pixels, features) \
            or max(net.sizes[1:]) > WIDEST_LAYER:
        return _BY_NAME["numpy"]
    return compiled
