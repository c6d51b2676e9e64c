"""digitnet as a scikit-learn classifier: :class:`DigitnetClassifier`.

::

    from digitnet.sklearn import DigitnetClassifier
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(DigitnetClassifier(epochs=30), {"hidden_layer_sizes": [(16,), (16, 16)]})
    search.fit(X, y)                     # any labels: numbers or strings
    search.best_estimator_.network_      # the digitnet Network, for digitnet.save, show, serve

Each row of ``X`` is a table row; features are standardised with the training rows' mean and
standard deviation (kept in the network's input record, as ``digitnet train`` does for tables),
so the estimator needs no scaler in front of it. Fitted on a pandas DataFrame, the network
records its column names (as ``digitnet.train`` does: the estimator's ``feature_names_in_``),
so ``network_`` reads DataFrames and CSV files by name, wherever they put each column.
Training runs :func:`digitnet.training.train` (the one training loop, on NumPy's engine: the
compiled one reads only pixels) with the options of :class:`~digitnet.TrainConfig`, under the
same names. The network is ``(n_features, *hidden_layer_sizes, n_classes)``.

Needs the sklearn extra (``pip install 'digitnet[sklearn]'``). This module is
``digitnet.sklearn``; inside it, and everywhere else, ``import sklearn`` is scikit-learn itself
(imports are absolute).
"""

from __future__ import annotations

import numpy as np

from .interop import require

require("sklearn", "sklearn", "digitnet.sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets, unique_labels  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

from .config import TrainConfig  # noqa: E402
from .datasets import from_arrays  # noqa: E402
from .errors import ConfigError  # noqa: E402
from .training import train  # noqa: E402

__all__ = ["DigitnetClassifier", "EXPECTED_FAILED_CHECKS"]

#: scikit-learn's estimator checks that DigitnetClassifier does not pass, with the reason, in
#: the form ``check_estimator(expected_failed_checks=...)`` and ``parametrize_with_checks`` take.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class DigitnetClassifier(ClassifierMixin, BaseEstimator):
    """A digitnet network trained and used through scikit-learn's estimator API.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Neurons in each hidden layer; the input and output layers come from the data.
    activation, output, optimizer, lr, momentum, beta1, beta2, weight_decay, batch_size, \
epochs, schedule, val_fraction, early_stopping, patience, seed
        As in :class:`digitnet.TrainConfig`, except ``val_fraction`` (default 0: scikit-learn's
        model selection holds data out itself; set it for early stopping).
    engine : {"auto", "numpy"}
        The training engine (:func:`digitnet.engines.choose`); for a table's rows both mean
        NumPy's, the only engine that reads numbers other than uint8 pixels ("compiled" is
        refused).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        The labels seen, sorted; output neuron j stands for ``classes_[j]``.
    n_features_in_ : int
    network_ : Network
        The trained network (its input record standardises ``X``; its classes are ``classes_``
        as text).
    history_ : list of dict
        The per-epoch record of the last :meth:`fit` or :meth:`partial_fit`.
    """

    def __init__(self, hidden_layer_sizes=(16, 16), activation="relu", output="softmax",
                 optimizer="adam", lr=0.003, momentum=0.0, beta1=0.9, beta2=0.999,
                 weight_decay=0.0, batch_size=32, epochs=50, schedule="cosine", val_fraction=0.0,
                 early_stopping=False, patience=5, seed=0, engine="auto"):
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
        self.seed = seed
        self.engine = engine

    def fit(self, X, y):
        """Train a new network on rows ``X`` (n, n_features) with labels ``y`` (n,)."""
        self._check_engine()
        rows, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(f"DigitnetClassifier needs at least two classes to tell apart; y "
                             f"holds one class ({self.classes_.tolist()[0]!r})")
        self._train(X, rows, y, self._config(), init=None)
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch on ``X``, ``y``, from the current weights (new ones on the first call).

        The first call needs ``classes``, every label there will be; it also fixes the
        standardisation (from its rows). Each call is :func:`digitnet.training.train` for one
        epoch at the constant rate ``lr``, starting from the network so far, with the
        optimiser's state (Adam's moments, momentum) starting afresh.
        """
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("classes must be given to the first call of partial_fit: every "
                             "label the classifier will see")
        self._check_engine()
        rows, y = validate_data(self, X, y, dtype=(np.float64, np.float32), reset=first)
        check_classification_targets(y)
        if classes is not None:
            classes = unique_labels(classes)
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(f"classes {classes.tolist()} differ from those of the first "
                                 f"call, {self.classes_.tolist()}")
            self.classes_ = classes
        config = self._config().replace(epochs=1, schedule="constant", val_fraction=0.0,
                                        early_stopping=False)
        self._train(X, rows, y, config, init=None if first else self.network_)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """The probability of each class, shape (n, n_classes), columns as ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        # In float64: a row's answer then does not depend on the rows computed beside it
        # (float32 matrix products round differently with the batch's size).
        net = self.network_.astype(np.float64)
        return net.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """The most likely class of each row, shape (n,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _config(self) -> TrainConfig:
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if np.ndim(hidden) == 0 else tuple(hidden)
        return TrainConfig(
            sizes=(self.n_features_in_, *hidden, len(self.classes_)), activation=self.activation,
            output=self.output, optimizer=self.optimizer, lr=self.lr, momentum=self.momentum,
            beta1=self.beta1, beta2=self.beta2, weight_decay=self.weight_decay,
            batch_size=self.batch_size, epochs=self.epochs, schedule=self.schedule, shift=0,
            deskew=False,
            val_fraction=self.val_fraction, early_stopping=self.early_stopping,
            patience=self.patience, seed=self.seed)

    def _check_engine(self) -> None:
        if self.engine not in ("auto", "numpy"):
            why = ("the compiled engine reads uint8 pixels, and a table's rows are numbers"
                   if self.engine == "compiled" else "no such engine")
            raise ConfigError(f'engine="{self.engine}": {why}; DigitnetClassifier trains with '
                              'engine="auto" or engine="numpy"')

    def _train(self, X, rows, y, config: TrainConfig, init) -> None:
        """Train on ``rows`` (``X`` as validated) with labels ``y``, from ``init`` if given."""
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"label {y[unknown].tolist()[0]!r} is not among the classes "
                             f"{self.classes_.tolist()} given to the first call of partial_fit")
        labels = np.searchsorted(self.classes_, y).astype(np.intp)
        # The data set digitnet.train makes of arrays: a DataFrame whose column names
        # scikit-learn recorded keeps them (datasets.from_arrays), for network_ to read by name.
        names = getattr(self, "feature_names_in_", None)
        named = names is not None and [str(c) for c in getattr(X, "columns", ())] == list(names)
        data = from_arrays(X if named else rows, labels, classes=[str(c) for c in self.classes_],
                           name="DigitnetClassifier", source="arrays")
        result = train(data, config, handle_signals=False, engine=self.engine, init=init)
        self.network_, self.history_ = result.network, result.history
