"""The rows a :class:`~digitnet.sklearn.DigitnetClassifier` reads.

:func:`read` is the one place every method of the estimator reads ``X`` (and ``y``) through:
scikit-learn's ``validate_data``, a SciPy sparse ``X`` made dense (a table for a network this
size is small, and its first layer reads every column of every row anyway).

Needs scikit-learn: :mod:`digitnet.sklearn` imports it, having said when the extra is missing.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

from .errors import DataError

__all__ = ["read", "check_spread"]


def read(estimator, *data, reset: bool):
    """``X``, or ``(X, y)``, as scikit-learn's ``validate_data`` reads ``data`` for
    ``estimator`` (which, on ``reset``, records the features it sees): rows of float64 or
    float32, checked; a SciPy sparse ``X`` made dense."""
    rows = validate_data(estimator, *data, accept_sparse=("csr", "csc"),  # (others as CSR)
                         dtype=(np.float64, np.float32), reset=reset)
    X, *y = rows if len(data) == 2 else (rows,)
    X = X.toarray() if sp.issparse(X) else X
    return (X, *y) if y else X


def check_spread(rows: np.ndarray) -> None:
    """A DataError when the first partial_fit call's ``rows`` cannot measure the
    standardisation: one row, or copies of one row, in which no feature varies."""
    if np.ptp(rows, axis=0).any():
        return
    these = ("a single row has" if len(rows) == 1
             else f"its {len(rows)} rows, all the same, have")
    raise DataError(f"DigitnetClassifier.partial_fit: the first call measures each feature's "
                    f"mean and spread from its rows, to standardise them, and {these} no "
                    "spread; give the first call a batch of several different rows (later "
                    "calls may be single rows)")

