"""A class asking the same heavy question at once (the same t-SNE map, say) waits for one
computation, not for one each, and later askers get the answer kept: the same bytes as asked
alone. A different question, or a new served network, is computed again; an error is not kept
and does not hold up the next request; and only the last answers are kept.

The computations are counted by wrapping the digitnet.poke function a route calls; requests
that must arrive while a computation runs hold it until all have joined it (each looks its
question up among the computations running: a request that had only reached the server when a
quick error ended the computation would compute again)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from digitnet import inputs, poke
from digitnet.web.shared_work import KEPT_ANSWERS

N_STUDENTS = 12  # requests sent at once
TSNE = {"layer": 2, "count": 60, "method": "tsne"}


@pytest.fixture(scope="module")
def held(mnist):
    """400 real digits that the served network did not learn from."""
    return mnist.subset(slice(20000, 20400), "test")


def serving(web_model_path, run_data, held):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    app = create_app(web_model_path, data=run_data, held_out=held)
    return TestClient(app, raise_server_exceptions=False)  # (a bug is a 500 here, as served)


@pytest.fixture
def shared_client(web_model_path, run_data, held):
    with serving(web_model_path, run_data, held) as c:
        yield c


class Counted:
    """``digitnet.poke.<name>`` counting its calls; while :attr:`gate` is clear, each call
    waits for it before computing."""

    def __init__(self, monkeypatch, name: str):
        self.calls, self.gate, self.real = 0, threading.Event(), getattr(poke, name)
        self.gate.set()
        self._lock = threading.Lock()
        monkeypatch.setattr(poke, name, self)

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
        self.gate.wait(120)
        return self.real(*args, **kwargs)


class _Joined(dict):
    """SharedWork's running computations, noting each request that looks its question up
    among them (under SharedWork's lock: from then on it waits for that computation, or runs
    it)."""

    def __init__(self, arrived: list, running: dict):
        super().__init__(running)
        self.arrived = arrived

    def get(self, key, default=None):
        found = super().get(key, default)
        self.arrived.append(1)
        return found


def at_once(client, monkeypatch, counted: Counted, path: str, body: dict, n=N_STUDENTS):
    """``n`` identical requests from ``n`` threads, all joined to the computation of their
    question before any computation of ``counted`` may go on: their responses."""
    arrived = []
    work = client.app.state.shared_work
    monkeypatch.setattr(work, "_running", _Joined(arrived, work._running))
    counted.gate.clear()
    with ThreadPoolExecutor(n) as pool:
        sent = [pool.submit(client.post, path, json=body) for _ in range(n)]
        for _ in range(12000):
            if len(arrived) >= n:
                break
            time.sleep(0.01)
        else:
            pytest.fail(f"only {len(arrived)} of {n} requests arrived within two minutes")
        counted.gate.set()
        responses = [s.result() for s in sent]
    monkeypatch.setattr(work, "_running", dict(work._running))
    return responses


def test_a_class_asking_for_the_same_tsne_map_at_once_gets_one_computation(
        shared_client, monkeypatch, web_model_path, run_data, held, web_net):
    embedding = Counted(monkeypatch, "embedding")
    responses = at_once(shared_client, monkeypatch, embedding, "/api/map", TSNE)
    assert [r.status_code for r in responses] == [200] * N_STUDENTS
    assert embedding.calls == 1
    assert {r.content for r in responses} == {responses[0].content}
    later = shared_client.post("/api/map", json=TSNE)
    assert later.content == responses[0].content and embedding.calls == 1
    # The same bytes as a server asked alone computes, and the library's map (t-SNE with a
    # fixed seed is deterministic).
    with serving(web_model_path, run_data, held) as alone:
        assert alone.post("/api/map", json=TSNE).content == responses[0].content
    body = responses[0].json()
    rows = inputs.of(web_net).rows(held.x[:60])
    expected = embedding.real(web_net, rows, 2, "tsne", 0).points
    np.testing.assert_array_equal(body["points"], np.round(expected, 4))
    assert body["labels"] == held.labels[:60].tolist() and body["model_version"] == 1


def test_another_question_or_a_new_network_is_computed_again(shared_client, monkeypatch,
                                                              web_net):
    c = shared_client
    embedding = Counted(monkeypatch, "embedding")
    pca = {"layer": 1, "count": 100}
    first = c.post("/api/map", json=pca)
    assert c.post("/api/map", json=pca).content == first.content and embedding.calls == 1
    assert c.post("/api/map", json={**pca, "edits": [], "off": []}).content == first.content
    assert embedding.calls == 1  # (the same body, its defaults written out)
    other_layer = c.post("/api/map", json={**pca, "layer": 2}).json()
    assert embedding.calls == 2 and other_layer["layer"] == 2
    changed = c.post("/api/map", json={**pca, "off": [[1, 3]]}).json()
    assert embedding.calls == 3 and changed["points"] != first.json()["points"]
    # The same body to another route is another question.
    ablated, ranked = c.post("/api/ablate", json={}).json(), c.post("/api/ranking", json={}).json()
    assert "baseline" in ablated and "neurons" in ranked

    # Another network is served (a training run finished): the same question, a new answer.
    c.app.state.served.swap(poke.Changes(off=((1, 3),)).apply(web_net), "trained from the page")
    after = c.post("/api/map", json=pca).json()
    assert embedding.calls == 4 and after["model_version"] == 2
    assert after["points"] == changed["points"] != first.json()["points"]
    assert c.post("/api/map", json=pca).json() == after and embedding.calls == 4


def test_an_error_is_every_waiting_requests_but_is_not_kept(shared_client, monkeypatch):
    c = shared_client
    embedding = Counted(monkeypatch, "embedding")
    bad = {**TSNE, "layer": 9}
    refused = at_once(c, monkeypatch, embedding, "/api/map", bad)
    assert [r.status_code for r in refused] == [422] * N_STUDENTS and embedding.calls == 1
    assert "layer 9 does not exist" in refused[0].json()["error"]
    assert c.post("/api/map", json=bad).status_code == 422 and embedding.calls == 2
    # Nor is a bug kept: the next one computes again, and is answered.
    real, bugs = embedding.real, [RuntimeError("a bug in the map")]

    def buggy_once(*args, **kwargs):
        if bugs:
            raise bugs.pop()
        return real(*args, **kwargs)

    embedding.real = buggy_once
    assert c.post("/api/map", json=TSNE).status_code == 500 and embedding.calls == 3
    good = c.post("/api/map", json=TSNE)
    assert good.status_code == 200 and embedding.calls == 4
    assert c.post("/api/map", json=TSNE).content == good.content and embedding.calls == 4


def test_only_the_last_answers_are_kept(shared_client, monkeypatch):
    c = shared_client
    embedding = Counted(monkeypatch, "embedding")
    asked = [{"layer": 1, "count": 5, "seed": seed} for seed in range(KEPT_ANSWERS + 1)]
    for body in asked:
        assert c.post("/api/map", json=body).status_code == 200
    assert embedding.calls == KEPT_ANSWERS + 1
    c.post("/api/map", json=asked[-1])
    c.post("/api/map", json=asked[1])
    assert embedding.calls == KEPT_ANSWERS + 1  # (kept, and now the most recently asked)
    c.post("/api/map", json=asked[0])  # the first: let go
    assert embedding.calls == KEPT_ANSWERS + 2
    assert len(c.app.state.shared_work) == KEPT_ANSWERS
    c.post("/api/map", json=asked[2])  # let go for the first, the oldest asked then
    c.post("/api/map", json=asked[1])
    assert embedding.calls == KEPT_ANSWERS + 3
