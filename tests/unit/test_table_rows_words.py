"""A table model given a word among its numbers, and training given a DataFrame of no rows, each
say so in one line: the first met NumPy's "could not convert string to float", the second said
"every example has the label None"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from real_data import sklearn_table

import digitnet
from digitnet.errors import DataError
from digitnet.inputs import Table

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


def test_a_word_among_a_tables_numbers_is_refused():
    wine = sklearn_table("wine")
    table = Table(tuple(wine.feature_names)).fit(wine.data)
    rows = wine.data.astype(object)
    rows[0, 0] = "abc"
    with pytest.raises(DataError) as e:
        table.rows(rows)
    assert str(e.value) == ("rows: hold a value that is not a number (could not convert string "
                            "to float: 'abc'); a table's columns hold numbers: fix or drop it")


def test_a_dataframe_of_no_rows_is_said_to_have_none():
    wine = sklearn_table("wine")
    frame = pd.DataFrame(wine.data, columns=wine.feature_names).assign(cultivar=wine.target)
    with pytest.raises(DataError) as e:
        digitnet.train(frame.iloc[:0], target="cultivar")
    assert str(e.value) == ("DataFrame: has no rows; a classifier learns from labelled examples "
                            "of at least two classes")
    assert np.isfinite(Table(tuple(wine.feature_names)).fit(wine.data).rows(wine.data)).all()
