"""POST /api/train on a model the server has no data for (scikit-learn's MLPClassifier imported
with from_sklearn and saved, whose file records no table; a model of 8x8 pictures likewise) is
refused at once: 409, as the poking routes answer such a model, one line saying why and that
the server wants --data. Before, it answered 202 "running", streamed "loading the training
images" and failed with "AttributeError ... 'fingerprint' ...; this is a bug" and a traceback
in the server's log. A model whose file records its table, served beside them, trains on it.
Real servers (`digitnet serve`, in processes of their own) and real requests."""

from __future__ import annotations

import warnings

import httpx
import pytest
from api_helpers import assert_error
from click.testing import CliRunner
from ctrl_c import ctrl_c
from real_data import wine_csv
from serve_process import no_bug, start
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import digitnet
from digitnet.cli import cli

WANTS = "; start digitnet serve with this model first and --data naming"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """scikit-learn's MLPClassifier fitted on its 8x8 digits (as the report did), imported as a
    table and as 8x8 pictures and saved; and the wine table trained by `digitnet train` on a
    CSV file, which its file records."""
    root = tmp_path_factory.mktemp("no-data")
    x, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((16,), max_iter=100, random_state=0).fit(x, y)
    table = digitnet.save(digitnet.from_sklearn(mlp), root / "skl.safetensors")
    pictures = digitnet.save(digitnet.from_sklearn(
        mlp, input={"kind": "images", "shape": [8, 8], "mean": 0, "std": 16 / 255}),
        root / "skl_img.safetensors")
    wine = root / "wine.safetensors"
    result = CliRunner().invoke(cli, ["train", "--data", str(wine_csv(root / "wine.csv")),
                                      "--epochs", "5", "--out", str(wine)])
    assert result.exit_code == 0, result.output
    return {"table": table, "pictures": pictures, "wine": wine}


def events(url: str) -> list[str]:
    """The kinds and data lines of a run's server-sent events, to the run's end."""
    with httpx.stream("GET", f"{url}/train/events", timeout=60) as r:
        return [line for line in r.iter_lines() if line.startswith(("event: ", "data: "))]


def test_models_without_data_are_refused_at_once_and_one_with_its_table_trains(
        web_model_path, run_data_dir, files):
    proc, _, url = start([web_model_path, files["table"], files["pictures"], files["wine"],
                          "--data", run_data_dir, "--port", "0"])
    try:
        table, pictures, wine = (f"{url}/models/{n}/api" for n in (2, 3, 4))
        refused = [httpx.post(f"{api}/train", json={"epochs": 1}) for api in (table, pictures)]
        after = httpx.get(f"{table}/train").json()
        poked = httpx.post(f"{table}/ablate", json={"off": []})
        trained = httpx.post(f"{wine}/train", json={"epochs": 1})
        streamed = events(wine)
        served = httpx.get(f"{wine}/model").json()
    finally:
        code, _, err = ctrl_c(proc)
    assert code == 0 and no_bug(err), err
    assert assert_error(refused[0], 409) == (
        "this server has no data to train this model on (its file does not record the table it "
        f"was trained on){WANTS} a table to learn from: digitnet serve MODEL --data TABLE")
    assert assert_error(refused[1], 409) == (
        "this server has no data to train this model on (its file does not record the pictures "
        f"it was trained on){WANTS} a folder of pictures to learn from: digitnet serve MODEL "
        "--data DIR")
    assert (after["state"], after["run_id"], after["message"]) == ("idle", 0, None)
    assert poked.status_code == refused[0].status_code  # (answered as the poking routes answer)
    assert trained.status_code == 202, trained.text
    assert streamed[:2] == ["event: loading",
                            'data: {"run_id":1,"message":"loading the table to train on"}']
    assert streamed[-2] == "event: done", streamed[-2:]
    assert served["source"] == "trained from the page" and served["sizes"] == [13, 16, 16, 3]


def test_a_server_given_no_data_refuses_to_train_saying_so(web_model_path):
    """create_app(data=None): the model records its data, but the server was given none."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=None)) as client:
        refused = client.post("/api/train", json={"epochs": 1})
        state = client.get("/api/train").json()["state"]
    assert_error(refused, 409, "this server has no data to train this model on (none was given "
                               f"to it){WANTS} a folder of pictures to learn from")
    assert state == "idle"
