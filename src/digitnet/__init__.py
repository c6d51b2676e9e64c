"""digitnet: the neural network from 3Blue1Brown's "But what is a neural network?", made real.

A 28x28 image of a handwritten digit becomes 784 input neurons; two hidden layers of 16 neurons;
10 output neurons, one per digit; every layer computes a' = σ(W a + b). ::

    import digitnet
    data = digitnet.datasets.load("mnist", split="train")
    net = digitnet.train(data, epochs=20).network
    net.predict(images)                  # digits, shape (n,)
    digitnet.save(net, "model.safetensors")
    net = digitnet.load("model.safetensors")
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import activations, datasets, errors, losses, optimizers  # noqa: E402
from .errors import DigitnetError  # noqa: E402
from .modelfile import load, save  # noqa: E402
from .network import Network, Trace  # noqa: E402
from .train import PRESETS, TrainConfig, TrainResult, evaluate  # noqa: E402

__all__ = [
    "__version__",
    "Network",
    "Trace",
    "TrainConfig",
    "TrainResult",
    "PRESETS",
    "train",
    "evaluate",
    "load",
    "save",
    "datasets",
    "activations",
    "losses",
    "optimizers",
    "errors",
    "DigitnetError",
]


def train(data="mnist", config: TrainConfig | None = None, *, preset: str | None = None,
          **options) -> TrainResult:
    """Train a network, as ``digitnet train`` does.

    Parameters
    ----------
    data : str or Dataset
        A dataset name ("mnist", "fashion-mnist", "kmnist"), a folder of IDX files, or a
        :class:`digitnet.datasets.Dataset` of training images.
    config : TrainConfig, optional
        The full recipe; otherwise built from ``preset`` ("default" or "video") and ``options``.
    **options
        :class:`TrainConfig` fields to change (``epochs=5``, ``activation="sigmoid"``, ...) and
        the keyword arguments of :func:`digitnet.train.train` (``checkpoint``, ``resume``,
        ``callback``, ``val``).

    Returns
    -------
    TrainResult
        ``.network`` is the trained :class:`Network`; ``.history`` the per-epoch record.
    """
    from .train import train as run

    loop_options = {k: options.pop(k) for k in ("checkpoint", "resume", "callback", "val",
                                                "handle_signals") if k in options}
    if config is None:
        if preset is not None and preset not in PRESETS:
            raise errors.ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        config = PRESETS[preset or "default"].replace(**options)
    elif options or preset:
        raise errors.ConfigError("pass either a TrainConfig or options/preset, not both")
    if isinstance(data, str):
        data = datasets.load(data, split="train")
    return run(data, config, **loop_options)
