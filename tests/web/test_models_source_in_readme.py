"""README's API table says every ``source`` GET /api/models can give, each taken from a real
server: the model file as given, "an in-memory network" for a network served from Python, and
once a run from the page has replaced it "trained from the page" (a training run on real MNIST
digits) or "fine-tuned to a voice on the page" (a voice taught from real recordings, FSDD's
nicolas)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from real_data import voice_form

from digitnet.network import Network
from digitnet.web import create_app

README = Path(__file__).resolve().parents[2] / "README.md"


def models_row() -> str:
    [row] = [line for line in README.read_text().splitlines()
             if line.startswith("| `GET /api/models` |")]
    return row


def source(client) -> str:
    [model] = client.get("/api/models").json()["models"]
    return model["source"]


def finished(client) -> dict:
    for _ in range(600):
        status = client.get("/api/train").json()
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError("the run did not finish within a minute")


def test_the_readme_names_the_source_of_a_file_and_of_a_network(web_model_path):
    row = models_row()
    with TestClient(create_app(web_model_path, data=None)) as c:
        assert source(c) == str(web_model_path)
    assert "its file as given" in row
    with TestClient(create_app(Network((784, 16, 10), seed=0), data=None)) as c:
        said = source(c)
    assert said == "an in-memory network" and f"`{said}`" in row
    with TestClient(create_app(Network((784, 16, 10), seed=0), data=None, source="mine")) as c:
        assert source(c) == "mine"
    assert "`create_app`'s `source`" in row


def test_the_readme_names_the_source_after_a_run_from_the_page(client):
    r = client.post("/api/train", json={"epochs": 1, "lr": 0.01})
    assert r.status_code == 202, r.text
    assert finished(client)["state"] == "done"
    said = source(client)
    assert said == "trained from the page" and f"`{said}`" in models_row()


def test_the_readme_names_the_source_after_a_voice_is_taught(speech_model, spoken_digits):
    fields = voice_form(spoken_digits)
    with TestClient(create_app(speech_model, data=None)) as c:
        r = c.post("/api/voice", files=fields)
        assert r.status_code == 202, r.text
        assert finished(c)["state"] == "done"
        said = source(c)
    assert said == "fine-tuned to a voice on the page" and f"`{said}`" in models_row()
