"""GET /api/models lists each model as it is served now: after a training run from the page
replaces a network, its entry is the new network's, on every app of the server."""

from __future__ import annotations


def _listing(client, path: str = "/api/models") -> list[dict]:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.json()["models"]


def _train(client, api: str, hidden: list[int]) -> None:
    """A short run from ``api``'s page (one epoch of real digits), followed to its end."""
    r = client.post(f"{api}/train", json={"epochs": 1, "hidden": hidden, "lr": 0.01})
    assert r.status_code == 202, r.text
    with client.stream("GET", f"{api}/train/events") as stream:  # (it ends with the run)
        kinds = [line[7:] for line in stream.iter_lines() if line.startswith("event: ")]
    assert kinds[-1] == "done", kinds


def test_the_listing_shows_the_network_a_training_run_put_in_place(client, web_model_path):
    before = _listing(client)
    assert [(m["name"], m["sizes"], m["source"]) for m in before] == [
        ("1", [784, 16, 16, 10], str(web_model_path))]

    _train(client, "/api", [12])

    served = client.get("/api/model").json()
    assert served["sizes"] == [784, 12, 10] and served["model_version"] == 2
    assert _listing(client) == [{"name": "1", "api": "/api", "input": "images",
                                 "sizes": [784, 12, 10], "source": served["source"]}]
    assert served["source"] == "trained from the page"


def test_each_app_lists_every_model_as_served_now(web_model_path, run_data):
    """Two models; a run on the second's page (learning from the data its file records, the
    real digits of the prefix) replaces it: the first's listing and the second's both show
    the new network, and the first model stays as it was."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    app = create_app(web_model_path, data=run_data, more=[web_model_path])
    with TestClient(app) as client:
        assert [m["sizes"] for m in _listing(client)] == [[784, 16, 16, 10]] * 2

        _train(client, "/models/2/api", [8, 6])

        listing = _listing(client)
        assert listing == _listing(client, "/models/2/api/models")
        assert [(m["name"], m["api"], m["sizes"], m["source"]) for m in listing] == [
            ("1", "/api", [784, 16, 16, 10], str(web_model_path)),
            ("2", "/models/2/api", [784, 8, 6, 10], "trained from the page")]
        assert client.get("/models/2/api/model").json()["sizes"] == [784, 8, 6, 10]
