"""digitnet as a scikit-learn classifier: :class:`DigitnetClassifier`.

::

    from digitnet.sklearn import DigitnetClassifier
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(DigitnetClassifier(epochs=30), {"hidden_layer_sizes": [(16,), (16, 16)]})
    search.fit(X, y)                     # any labels: numbers or strings
    digitnet.save(search.best_estimator_.network_, "model.safetensors")  # never a pickle
    clf = DigitnetClassifier.from_network(digitnet.load("model.safetensors"))  # fitted again

Each row of ``X`` is a table row (``X`` may be a SciPy sparse matrix, a one-hot encoding's, say:
it is made dense, :func:`digitnet.sklearn_rows.read`); features are standardised with the
training rows' mean and standard deviation (kept in the network's input record, as ``digitnet
train`` does for tables), so the estimator needs no scaler in front of it. Fitted on a pandas
DataFrame, the network records its column names (as ``digitnet.train`` does: the estimator's
``feature_names_in_``), so ``network_`` reads DataFrames and CSV files by name, wherever they
put each column. It reads table rows, whatever they hold: fitted on MNIST's pixels flattened to
784 columns, it reads 784 numbers a row, not pictures. It is for :func:`digitnet.save`,
``digitnet predict``, ``evaluate``, ``info``, ``show confusion`` and ``show history``; ``show
weights`` and the other pictures of inputs refuse it, and ``digitnet serve``'s page, which draws
digits and hears recordings, cannot ask it anything (to learn pictures, train with
``digitnet.train``). Saved, the network keeps what the estimator needs besides
(:mod:`digitnet.sklearn_record`), and :meth:`DigitnetClassifier.from_network` makes the fitted
estimator again from it.

Training runs :func:`digitnet.training.train` (the one training loop, on NumPy's engine: the
compiled one reads only pixels) with the options of :class:`~digitnet.TrainConfig` that are the
estimator's parameters, under the same names (but ``random_state``, scikit-learn's name for
``seed``); its other options (dropout, label smoothing, augmentation...) are none of the
estimator's (``DigitnetClassifier(dropout=0.2)`` is a TypeError). The network is ``(n_features,
*hidden_layer_sizes, n_classes)``.

Needs the sklearn extra (``pip install 'digitnet[sklearn]'``). This module is
``digitnet.sklearn``; inside it, and everywhere else, ``import sklearn`` is scikit-learn itself
(imports are absolute).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings

import numpy as np

from .interop import require

require("sklearn", "sklearn", "digitnet.sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets, unique_labels  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

from . import sklearn_record, sklearn_rows  # noqa: E402
from .config import TrainConfig  # noqa: E402
from .datasets import from_arrays  # noqa: E402
from .errors import ConfigError, DataError, DivergenceError  # noqa: E402
from .inputs import Table  # noqa: E402
from .metrics import confidently_wrong  # noqa: E402
from .modelfile import as_network  # noqa: E402
from .splits import train_val_indices  # noqa: E402
from .training import train  # noqa: E402

__all__ = ["DigitnetClassifier", "EXPECTED_FAILED_CHECKS"]

#: scikit-learn's estimator checks that DigitnetClassifier does not pass, with the reason, in
#: the form ``check_estimator(expected_failed_checks=...)`` and ``parametrize_with_checks`` take.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class DigitnetClassifier(ClassifierMixin, BaseEstimator):
    """A digitnet network trained and used through scikit-learn's estimator API.

    The defaults are the estimator's own, not the table recipe ``digitnet.train(X, y)`` uses
    (the default recipe with :data:`digitnet.recipes.TABLE`: leaky ReLU, lr 0.0025, 200 epochs,
    weight decay 1e-4, 10% held out for validation).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Neurons in each hidden layer; the input and output layers come from the data.
    activation, output, optimizer, lr, momentum, beta1, beta2, weight_decay, batch_size, \
epochs, schedule, val_fraction, early_stopping, patience
        As in :class:`digitnet.TrainConfig`, except ``val_fraction`` (default 0: scikit-learn's
        model selection holds data out itself; set it for early stopping). It holds out that
        share of each class, rounded: on few rows that can be none, which fit warns about
        (UserWarning; with early stopping, a ConfigError).
    random_state : int, RandomState instance or None, default 0
        The seed of the first weights, the shuffling and any validation split (TrainConfig's
        ``seed``), as scikit-learn's estimators read it and its meta-estimators set it (a seed
        for each of a BaggingClassifier's members): a whole number (>= 0) is the seed itself,
        the same one and data giving the same network; None draws a new one at each fit from
        NumPy's global generator, a ``numpy.random.RandomState`` from itself. See ``seed_``.
    engine : {"auto", "numpy"}
        The training engine (:func:`digitnet.engines.choose`); for a table's rows both mean
        NumPy's, the only engine that reads numbers other than uint8 pixels ("compiled" is
        refused).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        The labels seen, sorted; output neuron j stands for ``classes_[j]``.
    n_features_in_ : int
    seed_ : int
        The seed of the last fit (or of the partial_fit calls since the first): ``random_state``
        itself, or the seed drawn from it. ``set_params(random_state=clf.seed_)`` and the same
        data train the same network again; the network records it (:meth:`from_network`).
    feature_names_in_ : ndarray of str, shape (n_features_in_,)
        The columns of a DataFrame fitted on (absent otherwise); ``network_`` reads them by name.
    network_ : Network
        The trained network, which reads table rows (its input record standardises ``X``; its
        classes are ``classes_`` named as ``digitnet.train`` and a CSV table name labels,
        :func:`digitnet.arrays.class_name`: 1.0 as "1"). Save it, not the estimator:
        ``digitnet.save(clf.network_, path)``; :meth:`from_network` makes the estimator again.
    history_ : list of dict
        The per-epoch record of the last :meth:`fit` or :meth:`partial_fit`.
    n_iter_ : int
        Epochs trained: by the last :meth:`fit`, plus one for each :meth:`partial_fit` since.

    A fit or partial_fit that fails sets none of these: the estimator stays as it was.
    """

    def __init__(self, hidden_layer_sizes=(16, 16), activation="relu", output="softmax",
                 optimizer="adam", lr=0.003, momentum=0.0, beta1=0.9, beta2=0.999,
                 weight_decay=0.0, batch_size=32, epochs=50, schedule="cosine", val_fraction=0.0,
                 early_stopping=False, patience=5, random_state=0, engine="auto"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output = output
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.schedule = schedule
        self.val_fraction = val_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state
        self.engine = engine

    def fit(self, X, y):
        """Train a new network on rows ``X`` (n, n_features) with labels ``y`` (n,).

        All or nothing: a fit that fails (a bad setting, one class, a diverging run) leaves the
        estimator as it was, fitted as before or unfitted. Warns (ConvergenceWarning) when the
        training loss ends far above that of guessing (:func:`digitnet.metrics.confidently_wrong`:
        ``lr`` is likely too high), and (UserWarning) when ``val_fraction`` holds out no rows.
        """
        self._check_engine()
        rows, y, n_features, names = self._validated(X, y, reset=True)
        check_classification_targets(y)
        classes = _two_or_more(unique_labels(y), "y")
        seed = _seed(self.random_state)
        self._train(X, rows, y, classes, (n_features, names),
                    self._config(n_features, classes, seed), init=None, run=(seed, 0))
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch on ``X``, ``y``, from the current weights (new ones on the first call).

        The first call needs ``classes``, every label there will be (two or more); it also fixes
        the standardisation, each feature's mean and standard deviation, from its rows: so it
        needs rows that differ (a DataError refuses a single row, or copies of one row, which
        measure no spread at all); later calls may be single rows. A feature that does not vary
        among the first call's rows is only centred, not scaled (as :meth:`fit` treats a
        constant column), so give the first call a batch that shows each feature's spread.

        Each call is :func:`digitnet.training.train` for one epoch at the constant rate ``lr``,
        starting from the network so far, with the optimiser's state (Adam's moments, momentum)
        starting afresh. Each call shuffles its rows in an order of its own, drawn from
        ``seed_`` (the seed of the first call, from ``random_state``, or of the fit before it)
        and the epochs trained so far (``n_iter_``), so the same calls in the same sequence give
        the same network; the network records that call's seed in its config. Like :meth:`fit`,
        a call that fails changes nothing.
        """
        first = not hasattr(self, "network_")
        if first and classes is None:
            raise ConfigError("classes must be given to the first call of partial_fit: every "
                             "label the classifier will see")
        self._check_engine()
        rows, y, n_features, names = self._validated(X, y, reset=first)
        check_classification_targets(y)
        if first:
            sklearn_rows.check_spread(rows)
        if classes is not None:
            classes = _two_or_more(unique_labels(classes), "classes")
            if not first and not np.array_equal(classes, np.sort(self.classes_)):
                raise ConfigError(f"classes {classes.tolist()} differ from those of the first "
                                  f"call, {self.classes_.tolist()}")
        if not first:  # (in the network's order: from_network's names need not be sorted)
            classes = self.classes_
        done = 0 if first else getattr(self, "n_iter_", 0)  # (from_network: may not say)
        seed = _seed(self.random_state) if first or not hasattr(self, "seed_") else self.seed_
        config = self._config(n_features, classes, seed)
        if not first:
            self._check_unchanged(config)
        config = config.replace(epochs=1, schedule="constant", val_fraction=0.0,
                                early_stopping=False, seed=_call_seed(seed, done))
        self._train(X, rows, y, classes, (n_features, names), config,
                    init=None if first else self.network_, run=(seed, done))
        return self

    @classmethod
    def from_network(cls, network) -> DigitnetClassifier:
        """The fitted estimator whose ``network_`` is ``network`` (a Network, or its model
        file's path): ``DigitnetClassifier.from_network(digitnet.load("model.safetensors"))``
        gives back an estimator saved as ``digitnet.save(clf.network_, "model.safetensors")``.

        From a network this estimator fitted, it predicts as that estimator did, with its
        ``classes_`` (the labels as given, of their type: 3, not "3"), parameters,
        ``n_features_in_``, ``feature_names_in_``, ``seed_``, ``history_`` and ``n_iter_``, all
        recorded in the network (:mod:`digitnet.sklearn_record`); partial_fit trains it further.
        Another table model (``digitnet.train``'s, or one saved before digitnet kept that
        record) gives ``classes_`` as its classes' names, text ("3"), the parameters its shape
        and training config give (the others at their defaults), and ``history_`` and
        ``n_iter_`` only when it records its history. A ConfigError refuses a network of
        pictures or recordings, or one that does not name its classes. The network is copied.
        """
        net = as_network(network, "DigitnetClassifier.from_network takes", paths=True).copy()
        params, fitted = sklearn_record.fitted(net)
        estimator = cls(**params)
        vars(estimator).update(fitted)
        return estimator

    def predict_proba(self, X) -> np.ndarray:
        """The probability of each class, shape (n, n_classes), columns as ``classes_``."""
        check_is_fitted(self)
        X = sklearn_rows.read(self, X, reset=False)
        # In float64: a row's answer then depends on the rows computed beside it only in its
        # last bits (about 1e-16: BLAS sums a row alone in another order than among many),
        # where float32's products differed by about 1e-7.
        return self.network_.astype(np.float64).predict_proba(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """The log of :meth:`predict_proba`, shape (n, n_classes), columns as ``classes_``
        (``-inf`` where a probability is 0), as scikit-learn's classifiers give it."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def predict(self, X) -> np.ndarray:
        """The most likely class of each row, shape (n,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # (made dense: sklearn_rows.read)
        return tags

    def _config(self, n_features: int, classes: np.ndarray, seed: int) -> TrainConfig:
        """The settings as a TrainConfig of ``seed`` (checked: a ConfigError names a bad one)."""
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if np.ndim(hidden) == 0 else tuple(hidden)
        options = {name: getattr(self, name) for name in sklearn_record.OPTIONS}
        return sklearn_record.config_of(options, (n_features, *hidden, len(classes)),
                                        self.activation, self.output, seed)

    def _check_unchanged(self, config: TrainConfig) -> None:
        """A ConfigError when the settings that shape the network (``hidden_layer_sizes``,
        ``activation``, ``output``) changed since ``network_`` was fitted: partial_fit trains
        that network further, as it is."""
        net, changed = self.network_, []
        if tuple(config.sizes[1:-1]) != tuple(net.sizes[1:-1]):
            changed.append(f"hidden_layer_sizes is {config.sizes[1:-1]}, network_'s "
                           f"{tuple(net.sizes[1:-1])} (layers {'-'.join(map(str, net.sizes))})")
        for name, fitted in (("activation", net.activation.name),
                             ("output", net.output_function.name)):
            if getattr(config, name) != fitted:
                changed.append(f"{name} is {getattr(config, name)!r}, network_'s {fitted!r}")
        if changed:
            raise ConfigError(f"DigitnetClassifier: changed since fit: {'; '.join(changed)}; "
                              "partial_fit trains network_ further as it is: call fit to start "
                              "over with the new settings, or set them back")

    def _check_engine(self) -> None:
        if self.engine not in ("auto", "numpy"):
            why = ("the compiled engine reads uint8 pixels, and a table's rows are numbers"
                   if self.engine == "compiled" else "no such engine")
            raise ConfigError(f'engine="{self.engine}": {why}; DigitnetClassifier trains with '
                              'engine="auto" or engine="numpy"')

    def _validated(self, X, y, reset: bool):
        """``(rows, y, n_features, feature names or None)``: scikit-learn's ``validate_data``
        reading of ``X`` and ``y``, leaving this estimator as it is (on ``reset``, a fresh
        copy records what the data's features are; otherwise they are checked against it)."""
        reader = clone(self) if reset else self
        rows, y = sklearn_rows.read(reader, X, y, reset=reset)
        return rows, y, reader.n_features_in_, getattr(reader, "feature_names_in_", None)

    def _train(self, X, rows, y, classes: np.ndarray, features: tuple, config: TrainConfig,
               init, run: tuple[int, int]) -> None:
        """Train on ``rows`` (``X`` as validated) with labels ``y``, from ``init`` if given,
        then set every fitted attribute at once: ``classes_``, the ``features`` (n_features,
        names), ``network_``, ``history_``, and from the ``run`` (its seed, and the epochs
        done before this call) ``seed_`` and ``n_iter_``."""
        unknown = ~np.isin(y, classes)
        if unknown.any():
            raise DataError(f"label {y[unknown].tolist()[0]!r} is not among the classes "
                             f"{classes.tolist()} given to the first call of partial_fit")
        order = np.argsort(classes, kind="stable")
        labels = order[np.searchsorted(classes, y, sorter=order)].astype(np.intp)
        # The classes named as digitnet names labels everywhere (arrays.class_name: 1.0 as "1"),
        # so that network_ meets a CSV table of the same labels by name.
        # (A table whatever its rows look like: scikit-learn gives X as (n_samples, n_features).)
        data = from_arrays(rows, labels, classes=classes, name="DigitnetClassifier",
                           source="arrays", table=True)
        # The rows as validate_data converted them (numbers held as objects too), named by the
        # columns scikit-learn recorded (datasets.from_arrays), for network_ to read by name.
        (n_features, names), (seed, done) = features, run
        if names is not None and [str(c) for c in getattr(X, "columns", ())] == list(names):
            data = dataclasses.replace(data, input=Table(tuple(names)))
        _check_held_out(data, config)
        try:
            result = train(data, config, handle_signals=False, engine=self.engine, init=init)
        except DivergenceError as e:  # (whose "the weights of the last good epoch are kept" is
            # the run's network, e.network; the estimator itself keeps what it had)
            kept = ("keeps network_ as it was before this call" if init is not None
                    else "keeps its previous fit" if hasattr(self, "network_")
                    else "stays unfitted")
            raise DivergenceError(f"DigitnetClassifier: {str(e).partition(';')[0]}, so the "
                                  f"estimator {kept}; try a lower lr than {self.lr:g}",
                                  network=e.network) from None
        if (ended := confidently_wrong(result.history, result.network)) is not None:
            warnings.warn(ConvergenceWarning(
                f"DigitnetClassifier: the training loss ended at {ended[0]:.3g}, far above the "
                f"{ended[1]:.2f} of guessing evenly among {len(classes)} classes (its wrong "
                f"answers are given with near certainty): lr={self.lr:g} is likely too high; "
                "try a lower lr"), stacklevel=3)
        # What a model file does not otherwise say of the estimator: from_network reads it.
        result.network.metadata["estimator"] = sklearn_record.record(
            classes, names is not None, done + len(result.history), seed, self.get_params())
        self.classes_, self.n_features_in_, self.seed_ = classes, n_features, seed
        if names is None:
            vars(self).pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names
        self.network_, self.history_ = result.network, result.history
        self.n_iter_ = done + len(result.history)


def _two_or_more(classes: np.ndarray, given: str) -> np.ndarray:
    """``classes``; when it holds one, a DataError (``y``'s) or ConfigError (``classes``')."""
    if len(classes) < 2:
        error = DataError if given == "y" else ConfigError
        raise error(f"DigitnetClassifier needs at least two classes to tell apart; {given} "
                    f"holds one class ({classes.tolist()[0]!r})")
    return classes


def _seed(random_state) -> int:
    """The seed a run trains with for ``random_state``, read as scikit-learn's estimators read
    it (:func:`sklearn.utils.check_random_state`): a whole number from 0 is the seed itself; None
    (NumPy's global generator) or a RandomState gives one drawn from it; the rest, a ConfigError."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state >= 0:
            return int(random_state)
    elif random_state is None or isinstance(random_state, np.random.RandomState):
        return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    given = (repr(random_state) if isinstance(random_state, (numbers.Number, str))
             else f"a {type(random_state).__name__}")
    raise ConfigError(f"random_state is {given}: DigitnetClassifier takes a whole number from 0 "
                      "(the seed itself), None or a numpy RandomState (a seed drawn from it), as "
                      "scikit-learn's estimators do; pass one such as random_state=0")


def _call_seed(seed: int, done: int) -> int:
    """The seed of a partial_fit call after ``done`` epochs: ``seed`` itself for the first,
    then one drawn from (seed, done), so that each call shuffles its rows in its own order
    (training shuffles epoch e with (seed, 2, e), and every call trains epoch 1)."""
    return seed if done == 0 else int(np.random.SeedSequence((seed, done)).generate_state(1)[0])


def _check_held_out(data, config: TrainConfig) -> None:
    """Before training: warn (UserWarning) when ``config.val_fraction`` holds out none of the
    rows (training holds out that share of each class, rounded); with early stopping, training
    refuses it."""
    fraction = config.val_fraction
    if fraction == 0 or len(train_val_indices(data, fraction, config.seed)[1]):
        return
    largest = int(np.bincount(data.labels).max())
    need = math.floor(0.5 / fraction) + 1  # round(fraction * n) >= 1 from here on
    while round(fraction * need) < 1:
        need += 1
    why = (f"val_fraction={fraction:g} holds out none of these {len(data)} rows: it holds out "
           f"that share of each class, rounded, and the largest class has {largest} rows (it "
           f"would need {need})")
    if config.early_stopping:
        return  # training refuses it (recipes.check_fits), before anything changes
    warnings.warn(f"DigitnetClassifier: {why}, so history_ has no validation scores; give more "
                  "rows or a larger val_fraction", UserWarning, stacklevel=4)
