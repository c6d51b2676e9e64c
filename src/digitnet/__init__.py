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

from typing import TYPE_CHECKING

from ._version import __version__

# The API is loaded on first use (PEP 562), not when the package is imported: `import digitnet`
# (which the `digitnet` command runs before anything of its own) then takes no time, and a
# Ctrl-C while the library loads comes inside the command, which says it in one line.
# DigitnetClassifier (digitnet.sklearn) needs the sklearn extra: without it, asking for it says
# so in one line (a MissingDependencyError); it is not in __all__, so `import *` needs no extra.
_API = {"activations": ("activations", None), "datasets": ("datasets", None),
        "errors": ("errors", None), "losses": ("losses", None),
        "optimizers": ("optimizers", None),
        "PRESETS": ("config", "PRESETS"), "TrainConfig": ("config", "TrainConfig"),
        "ConfigError": ("errors", "ConfigError"), "DigitnetError": ("errors", "DigitnetError"),
        "from_sklearn": ("interop.convert", "from_sklearn"),
        "from_torch": ("interop.convert", "from_torch"),
        "Evaluation": ("metrics", "Evaluation"), "evaluate": ("metrics", "evaluate"),
        "load": ("modelfile", "load"), "save": ("modelfile", "save"),
        "Network": ("network", "Network"), "Trace": ("network", "Trace"),
        "Callback": ("training", "Callback"), "TrainResult": ("training", "TrainResult"),
        "DigitnetClassifier": ("sklearn", "DigitnetClassifier")}

if TYPE_CHECKING:  # (for readers and type checkers: what _API names)
    from . import activations, datasets, errors, losses, optimizers  # noqa: F401
    from .config import PRESETS, TrainConfig
    from .errors import ConfigError, DigitnetError  # noqa: F401
    from .interop.convert import from_sklearn, from_torch  # noqa: F401
    from .metrics import Evaluation, evaluate  # noqa: F401
    from .modelfile import load, save  # noqa: F401
    from .network import Network, Trace  # noqa: F401
    from .sklearn import DigitnetClassifier  # noqa: F401
    from .training import Callback, TrainResult  # noqa: F401


def __getattr__(name: str):
    """``digitnet.Network`` and the rest of :data:`__all__`, and any module of the package
    (``digitnet.inputs``, as when the package imported them all), imported when first asked
    for."""
    if name.startswith("__"):  # (what tools look for: __wrapped__, __test__, ...)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _API.get(name, (name, None))
    try:
        value = importlib.import_module(f".{module}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{module}":
            raise  # (one the module imports is missing)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = value if attribute is None else getattr(value, attribute)
    globals()[name] = value  # (asked for once)
    return value


def __dir__() -> list[str]:
    """The public names: :data:`__all__`, the rest of _API and the modules imported so far
    (``digitnet.inputs``), not the private helpers."""
    return sorted({*__all__, *_API, *(n for n in globals() if not n.startswith("_"))})


__all__ = [
    "__version__",
    "Network",
    "Trace",
    "TrainConfig",
    "TrainResult",
    "Callback",
    "PRESETS",
    "train",
    "widget",
    "evaluate",
    "Evaluation",
    "load",
    "save",
    "from_torch",
    "from_sklearn",
    "datasets",
    "activations",
    "losses",
    "optimizers",
    "errors",
    "DigitnetError",
]

#: Keywords of :func:`train` that steer the run rather than set the recipe.
_RUN_OPTIONS = ("val", "test", "callback", "checkpoint", "resume", "handle_signals", "engine",
                "init")
#: scikit-learn's MLPClassifier's names (and the CLI's --layers), for train()'s own: a refusal
#: of one names the option meant.
_THEIRS = {"hidden_layer_sizes": "hidden", "layers": "sizes", "max_iter": "epochs",
           "learning_rate_init": "lr", "alpha": "weight_decay", "random_state": "seed"}


def train(data="mnist", y=None, config: TrainConfig | None = None, *,
          preset: str | None = None, hidden=None, target: str | None = None,
          **options) -> TrainResult:
    """Train a network, as ``digitnet train`` does (which also scores the data's test split,
    if it has one: here, give it as ``test=``). ::

        digitnet.train("mnist", epochs=20)
        digitnet.train("pngs", test=digitnet.datasets.load("pngs", split="test"))
        digitnet.train(X, y, hidden=(16, 16))          # a table (n, columns), or images (n, h, w)
        digitnet.train("wine.csv", target="class")     # a CSV table, an .npz, a folder of pictures
        digitnet.train(df, target="class")             # a pandas DataFrame with its labels

    Parameters
    ----------
    data : str, path, Dataset or array
        A dataset name ("mnist", "fashion-mnist", "kmnist"), a folder (of IDX files, or of
        class folders of pictures), a .csv or .npz table, a :class:`digitnet.datasets.Dataset`,
        a pandas DataFrame holding its labels (in column ``target``, as a .csv table: the same
        rows train the same network), or an array X of examples with their labels ``y`` (see
        :func:`digitnet.datasets.from_arrays`). What data loaded by name says (its ``note``: the
        5,000-digit sample used for "mnist", offline) is a UserWarning, as the CLI prints it.
    y : array, optional
        The labels, when ``data`` is an array.
    config : TrainConfig, optional
        The full recipe; otherwise built from ``preset`` ("default" or "video") and ``options``,
        shaped for the data by :func:`digitnet.recipes.for_data` (input and output layers from
        the data, a table's recipe and no shifts for recordings, the shape of an ``init`` model).
    preset : str, optional
        A named recipe of :data:`PRESETS`; "default" when neither it nor ``config`` is given.
    hidden : int or sequence of int, optional
        The hidden layers' sizes: the layers are (inputs, *hidden, classes); one number is
        one hidden layer.
    target : str, optional
        The label column of a CSV table or a pandas DataFrame (default its last).
    **options
        Any :class:`TrainConfig` field (``epochs=5``, ``activation="sigmoid"``, ...) and the
        run's own options: ``val``, ``test``, ``callback``, ``checkpoint``, ``resume``,
        ``handle_signals``, ``engine`` and ``init`` (see :func:`digitnet.training.train`).
        When resuming, recipe options must agree with the checkpoint's (a ConfigError names
        those that do not).

    Returns
    -------
    TrainResult
        ``.network`` is the trained :class:`Network`; ``.history`` the per-epoch record.
    """
    from . import finetune, modelfile, recipes, training
    from .config import PRESETS, TrainConfig, hidden_sizes
    from .errors import ConfigError

    if isinstance(y, TrainConfig):
        raise ConfigError("train(data, y, config): pass the TrainConfig as config=...")
    run = {k: options.pop(k) for k in _RUN_OPTIONS if k in options}
    unknown = sorted(set(options) - set(TrainConfig.fields()))
    if unknown:
        raise ConfigError(_unknown_options(unknown, TrainConfig.fields()))
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if config is not None and (options or preset or hidden is not None):
        raise ConfigError("pass either a TrainConfig or options and a preset, not both")
    if hidden is not None and run.get("resume") is not None:
        raise ConfigError("a resumed run keeps its checkpoint's layers; drop hidden=")
    if hidden is not None:
        hidden = hidden_sizes(hidden)
    if run.get("resume") is not None:  # a missing checkpoint is said before any data is read
        modelfile.read_metadata(run["resume"], kind="checkpoint")
    data = _training_data(data, y, target)
    resuming = run.get("resume") is not None
    if config is None and (preset or options or hidden is not None or not resuming):
        if resuming and preset is None:
            # resuming: the options given are compared with the checkpoint's, the rest kept
            saved = modelfile.read_metadata(run["resume"]).get("config") or {}
            config = TrainConfig.from_dict(saved).replace(**options)
        else:
            if run.get("init") is not None:
                run["init"] = finetune.start_from(run["init"])  # read once, used twice
            config = recipes.for_data(PRESETS[preset or "default"].replace(**options), data,
                                      options, hidden=hidden,
                                      init=run["init"].network if run.get("init") else None)
    return training.train(data, config, **run)


def _unknown_options(unknown: list[str], fields: tuple[str, ...]) -> str:
    """The refusal of :func:`train`'s ``unknown`` keywords, each with the option meant, if one
    is near (``fields``: TrainConfig's), and every option it takes."""
    import difflib

    known = ("hidden", "preset", "target", "config", *fields, *_RUN_OPTIONS)
    meant = [_THEIRS.get(u) or next(iter(difflib.get_close_matches(u, known, 1)), None)
             for u in unknown]
    named = [f"{u!r} (did you mean {m}?)" if m else repr(u) for u, m in zip(unknown, meant)]
    return (f"train() got unknown option{'s' if len(unknown) > 1 else ''} {', '.join(named)}; "
            f"it takes hidden, preset, target, config, the TrainConfig options "
            f"{', '.join(fields)} and {', '.join(_RUN_OPTIONS)}")


def _training_data(data, y, target: str | None) -> datasets.Dataset:
    """The Dataset :func:`train` trains on; its note (:attr:`Dataset.note
    <digitnet.datasets.Dataset.note>`: the 5,000-digit sample in place of MNIST, say), whether
    train loaded it or was given it loaded, warned of once, pointing at the line that called
    train, where ``digitnet train`` prints it."""
    import warnings

    from . import datasets, frames
    _check_given(data, y)
    if y is not None:
        return datasets.from_arrays(data, y, target=target)
    if frames.is_frame(data):
        return frames.labelled(data, target)
    loaded = (data if isinstance(data, datasets.Dataset)
              else datasets.load(data, split="train", target=target))
    if loaded.note:
        warnings.warn(loaded.note, UserWarning, stacklevel=3)
    return loaded


#: What :func:`train` takes, as its refusals say.
_TRAIN_TAKES = ("train takes a dataset name ('mnist'), a folder, a .csv or .npz table, a Dataset, "
                "a pandas DataFrame with its label column (target=), or an array X and its "
                "labels y")


def _check_given(data, y) -> None:
    """A ConfigError of one line unless ``data`` and ``y`` are something :func:`train` takes:
    a source of labelled data (a name or path, a Dataset, a DataFrame) alone, or arrays X, y."""
    import os

    from . import datasets, frames
    from .errors import ConfigError
    if isinstance(y, str):  # (a column's name)
        raise ConfigError(f"train(data, {y!r}): y is the labels, one per example of an array X; "
                          f"to name the label column of a table or DataFrame, pass target={y!r}")
    named = isinstance(data, (str, os.PathLike))
    if y is not None and (named or isinstance(data, (datasets.Dataset, datasets.DatasetSpec))):
        given = repr(os.fspath(data)) if named else f"a {type(data).__name__}"
        table = named and str(data).lower().endswith(".csv")
        raise ConfigError(f"train({given if named else 'data'}, y): y goes with an array X, as "
                          f"in train(X, y); {given} holds its labels: drop y" +
                          (", and name their column with target='COLUMN'"
                           if table else ""))
    if y is None and not (named or frames.is_frame(data) or
                          isinstance(data, (datasets.Dataset, datasets.DatasetSpec))):
        if data is not None and hasattr(data, "__len__") and not isinstance(data, dict):
            raise ConfigError("train(X): an array X needs its labels: train(X, y), or a "
                              "DataFrame holding them: train(df, target='COLUMN')")
        got = "None" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"{_TRAIN_TAKES}, not {got}")


def widget(network):
    """Draw a digit in a notebook and watch ``network`` read it, layer by layer; or, for a model
    of spoken digits, say one (the microphone, where the browser allows it), upload a recording
    or call ``w.hear("seven.wav")``, and watch it hear it.

    Parameters
    ----------
    network : Network or path
        Any digitnet network that reads 28x28 images (trained, loaded, imported from ONNX,
        PyTorch or scikit-learn, edited) or hears recordings, or a model file to load. Anything
        else (``digitnet.train``'s TrainResult, None) is a ConfigError saying what to pass.

    Returns
    -------
    digitnet.notebook.Explorer
        The widget (display it: the last expression of a cell). ``w.digit`` is the digit it
        reads in the drawing, ``w.image`` the (28, 28) input, ``w.trace`` every layer's z and a;
        set ``w.image`` to have it read an image. Needs the notebook extra:
        ``pip install 'digitnet[notebook]'``.
    """
    from .notebook.explorer import Explorer

    return Explorer(network)  # (which loads a path, and refuses what is not a network)


del annotations, TYPE_CHECKING  # (compile-time and import-time only: not the package's names)
