"""A network's and a training result's summaries in a notebook count their examples in the words
of what the model reads: a table's rows, recordings, images (they said "wine.csv (178 images)"
and "(2,250 images)" of recordings)."""

from __future__ import annotations

import re

from IPython.core.formatters import DisplayFormatter
from real_data import wine_csv

import digitnet
from digitnet.words import data_name  # (named from the working folder: test_tutorial_paths)


def rows_shown(obj) -> dict[str, str]:
    """The summary table IPython would put in a notebook for ``obj``: {row heading: value}."""
    data, _ = DisplayFormatter().format(obj)
    return dict(re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", data["text/html"]))


def test_a_table_model_counts_rows(tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    result = digitnet.train(str(table), epochs=2, handle_signals=False)
    assert (result.n_train, result.n_val) == (160, 18)
    assert rows_shown(result.network)["data"] == f"{data_name(table)} (178 rows)"
    trained = rows_shown(result)["trained"]
    assert re.fullmatch(r"2 epochs in .* on 160 rows, 18 held out for validation", trained)


def test_a_speech_model_counts_recordings(speech_model):
    net = digitnet.load(speech_model)
    data = net.metadata["data"]["train"]
    assert rows_shown(net)["data"] == f"{data_name(data['name'])} ({data['n']:,} recordings)"


def test_a_model_of_pictures_counts_images(drawing_model):
    net = digitnet.load(drawing_model)
    assert rows_shown(net)["data"].endswith(" (12,000 images)")
