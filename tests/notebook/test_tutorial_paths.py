"""A summary names a model's data folder from the working folder, as the notebook gave it
(``../../shared/data/mnist-train-prefix`` from docs/), not from this machine's root, so that the
tutorial's saved outputs carry no machine's path (they showed
``/work/shared/data/mnist-train-prefix``). A name from another machine, or one sharing only
the root with the working folder, is shown as recorded."""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest
from IPython.core.formatters import DisplayFormatter
from lab_server import REPO

import digitnet

TUTORIAL = REPO / "docs" / "tutorial.ipynb"


def data_shown(net) -> str:
    """The "data" row of the summary IPython would put in a notebook for ``net``."""
    data, _ = DisplayFormatter().format(net)
    rows = dict(re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", data["text/html"]))
    return rows["data"]


@pytest.fixture(scope="module")
def trained(drawing_model):
    return digitnet.load(drawing_model)  # trained on 12,000 digits of the MNIST prefix


def test_data_here_is_named_from_the_working_folder(trained, mnist_dir, monkeypatch):
    recorded = trained.metadata["data"]["train"]["name"]
    assert recorded == os.path.abspath(mnist_dir)  # the model file names it from the root
    monkeypatch.chdir(TUTORIAL.parent)  # where the tutorial runs
    shown = data_shown(trained)
    assert shown == f"{os.path.relpath(mnist_dir)} (12,000 images)"
    assert shown.startswith("../../shared/data/mnist-train-prefix") and recorded not in shown
    monkeypatch.chdir(mnist_dir)
    assert data_shown(trained) == ". (12,000 images)"


def test_other_names_are_shown_as_recorded(trained, mnist_dir, monkeypatch):
    recorded = trained.metadata["data"]["train"]["name"]
    monkeypatch.chdir("/")  # sharing only the root with the data: its full path
    assert data_shown(trained) == f"{recorded} (12,000 images)"
    monkeypatch.chdir(TUTORIAL.parent)
    elsewhere = trained.copy()  # trained on another machine: a folder that is not here
    elsewhere.metadata["data"]["train"]["name"] = "/home/ada/digits/mnist-train-prefix"
    assert data_shown(elsewhere) == "/home/ada/digits/mnist-train-prefix (12,000 images)"
    elsewhere.metadata["data"]["train"]["name"] = "mnist"
    assert data_shown(elsewhere) == "mnist (12,000 images)"


def test_the_committed_tutorial_carries_no_machine_path():
    nb = nbformat.read(TUTORIAL, as_version=4)
    texts = "".join(o.get("text", "") + json.dumps(o.get("data", {}))
                    for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    # each run of characters that a path may hold, up to the data folder's name (one regex
    # over the text backtracks for minutes through the base64 of its pictures)
    named = [m for run in re.split(r'[\s"<>(]', texts) if "mnist-train-prefix" in run
             for m in re.findall(r'.*shared/data/mnist-train-prefix', run)]
    assert named == ["../../shared/data/mnist-train-prefix"]  # the training result's summary
    assert str(REPO.parent) + os.sep not in texts and str(REPO) not in texts
