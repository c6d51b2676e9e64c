"""``digitnet serve MODEL --data TABLE`` for a model trained with ``--target COLUMN`` on a CSV
whose labels are not in the column read by default (scikit-learn's real wine table, its label
column ``cultivar`` first, of names or numbers, the last column, proline, a feature; or the
cultivar among the features and a numeric column of three values last, the wine's strength):
the server's held-out rows (what the poking panels score) and the page's training runs read
their labels from the one column the model does not read, as ``digitnet evaluate`` does.
Before, both read the table with the default label column: the server refused to start (the
names read as a feature), or poking scored the model against the wrong labels (near chance)."""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner
from ctrl_c import ctrl_c
from real_data import sklearn_table, two_label_wine_csv, wine_csv, write_csv
from serve_process import no_bug, start

from digitnet.cli import cli


def run(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _table(kind: str, path):
    if kind == "names first":
        return wine_csv(path, target="cultivar", first=True)
    if kind == "numbers first":
        wine = sklearn_table("wine")
        return write_csv(path, wine.data, wine.target, wine.feature_names, target="cultivar",
                         first=True)
    return two_label_wine_csv(path)  # (cultivar 0-2 before the last column, strength 0-2)


@pytest.fixture(scope="module", params=["names first", "numbers first", "strength last"])
def wine(request, tmp_path_factory):
    """(the table, the model trained on it with --target cultivar, evaluate's val score)."""
    root = tmp_path_factory.mktemp("served_table_labels")
    table = _table(request.param, root / "wine.csv")
    model = root / "wine.safetensors"
    run("train", "--data", table, "--target", "cultivar", "--epochs", "50", "--out", model)
    val = json.loads(run("evaluate", model, "--data", table, "--split", "val", "--json"))
    assert val["n"] == 18 and val["accuracy"] > 0.8  # (the model has learned the cultivars)
    return table, model, val


def _events(url: str) -> list[tuple[str, dict]]:
    """The training run's events, (kind, data), read to its end."""
    out, kind = [], None
    with httpx.stream("GET", url + "/api/train/events", timeout=120) as r:
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                out.append((kind, json.loads(line[6:])))
    return out


def test_poking_and_runs_from_the_page_read_the_labels_the_model_was_trained_on(wine):
    table, model, val = wine
    proc, _, url = start([model, "--data", table, "--port", "0"])
    try:
        poked = httpx.post(url + "/api/ablate", json={"off": []}, timeout=60)
        started = httpx.post(url + "/api/train", json={"epochs": 20}, timeout=60)
        events = _events(url) if started.status_code == 202 else []
        after = httpx.post(url + "/api/ablate", json={"off": []}, timeout=60)
    finally:
        code, out, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    # Poking scores the intact model on its validation rows, as evaluate --split val does.
    assert poked.status_code == 200, poked.text
    answer = poked.json()
    assert answer["n"] == val["n"] and answer["classes"] == val["classes"]
    assert answer["baseline"]["accuracy"] == answer["accuracy"] == pytest.approx(val["accuracy"])
    assert "validation split of" in out.splitlines()[0]
    # A run from the page learns the cultivars (chance: about 40%, the largest class).
    assert started.status_code == 202, started.text
    kind, done = events[-1]
    assert kind == "done", done
    assert done["val_accuracy"] > 0.8
    # The network it trained is served, and poking scores it on the cultivars too.
    assert after.status_code == 200 and after.json()["accuracy"] > 0.8, after.text
