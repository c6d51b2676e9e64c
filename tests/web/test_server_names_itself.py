"""Every answer names the server process that gave it (``X-Digitnet-Server``): the same in every
answer of one process, its mounted apps' included, and another in a process started again, so
that an open page can tell a restarted server (whose model_version counts from 1 again)."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from digitnet.web import create_app
from digitnet.web.schemas import MAX_BODY_BYTES

HEADER = "X-Digitnet-Server"


def _named(response) -> str:
    """The one X-Digitnet-Server value of ``response`` (a mounted app's copy of the middleware
    must not add a second)."""
    values = response.headers.get_list(HEADER)
    assert len(values) == 1, (response.request.url, values)
    return values[0]


def test_every_answer_of_one_server_and_its_mounted_apps_names_the_same_process(
        web_model_path, run_data, mnist):
    pixels = (mnist.x[20000] / 255).round(2).tolist()
    app = create_app(web_model_path, data=run_data, more=[web_model_path])
    with TestClient(app) as client:
        answers = [
            client.get("/"),
            client.get("/static/main.js"),
            client.get("/api/model"),
            client.post("/api/predict", json={"pixels": pixels}),
            client.get("/models/2/api/model"),
            client.post("/models/2/api/predict", json={"pixels": pixels}),
            client.get("/api/train/events"),
            client.get("/api/neuron/9/0"),  # 404
            client.post("/api/predict", json={"pixels": [[0.0] * 28] * 27}),  # 422
            client.post("/api/predict", content=b"0" * (MAX_BODY_BYTES + 1),
                        headers={"Content-Type": "image/png"}),  # 413, by the middleware
        ]
        assert [a.status_code for a in answers] == [200] * 7 + [404, 422, 413]
        names = {_named(a) for a in answers}
    assert len(names) == 1
    assert re.fullmatch(r"[0-9a-f]{16}", names.pop())


def test_a_server_started_again_names_itself_otherwise(live_url, web_model_path, run_data):
    """``live_url`` is a server process of its own: its name is not this process's (whose app
    names this one, whichever app it is)."""
    with httpx.Client(base_url=live_url, timeout=30) as client:
        served = {_named(client.get(path)) for path in ("/", "/api/model", "/api/models")}
    with TestClient(create_app(web_model_path, data=run_data)) as client:
        here = {_named(client.get("/api/model")), _named(client.get("/api/models"))}
    assert len(served) == 1 and len(here) == 1
    assert served != here
