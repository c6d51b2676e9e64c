"""What names a shared poking answer (digitnet.web.poking, :class:`SharedWork`'s key): the
held-out digits by what they are, not by which Python object holds them, and the neurons
switched off by which they are, not by the order a request names them in."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from digitnet import poke
from digitnet.heldout import HeldOut

PCA = {"layer": 1, "count": 100}


@pytest.fixture(scope="module")
def held(mnist):
    """400 real digits that the served network did not learn from."""
    return mnist.subset(slice(20000, 20400), "test")


def serving(web_model_path, run_data, held):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    return TestClient(create_app(web_model_path, data=run_data, held_out=held),
                      raise_server_exceptions=False)


@pytest.fixture
def client(web_model_path, run_data, held):
    with serving(web_model_path, run_data, held) as c:
        yield c


class Counted:
    """``digitnet.poke.<name>``, counting its calls."""

    def __init__(self, monkeypatch, name: str):
        self.calls, self.real, self._lock = 0, getattr(poke, name), threading.Lock()
        monkeypatch.setattr(poke, name, self)

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
        return self.real(*args, **kwargs)


@pytest.mark.parametrize("path, name, body", [
    ("/api/map", "embedding", PCA),
    ("/api/ranking", "rank_neurons", {}),
    ("/api/ablate", "ablate", {}),
])
def test_neurons_switched_off_in_another_order_share_one_answer(client, monkeypatch, path,
                                                                name, body):
    counted = Counted(monkeypatch, name)
    first = client.post(path, json={**body, "off": [[1, 3], [2, 5], [1, 0]]})
    assert first.status_code == 200, first.text
    for off in ([[2, 5], [1, 0], [1, 3]], [[1, 0], [1, 3], [2, 5], [1, 3]]):
        again = client.post(path, json={**body, "off": off})
        assert again.content == first.content
    assert counted.calls == 1
    # Other neurons are another question.
    other = client.post(path, json={**body, "off": [[1, 3], [2, 5], [1, 1]]})
    assert other.status_code == 200 and counted.calls == 2


def test_the_shared_answer_is_what_each_order_gets_alone(web_model_path, run_data, held,
                                                         client):
    body = {**PCA, "off": [[2, 5], [1, 0], [1, 3]]}
    shared = client.post("/api/map", json={**PCA, "off": [[1, 3], [2, 5], [1, 0]]})
    assert client.post("/api/map", json=body).content == shared.content
    with serving(web_model_path, run_data, held) as alone:
        assert alone.post("/api/map", json=body).content == shared.content


def _held_as(client, monkeypatch, make):
    """The server's held-out digits, as ``make(found)`` gives them at each request."""
    find = client.app.state.held_out.get

    def get():
        found, reason = find()
        return make(found), reason

    monkeypatch.setattr(client.app.state.held_out, "get", get)


def test_the_same_digits_in_another_object_share_the_answer(client, monkeypatch):
    """The key names the digits by their examples and labels: a copy of them (another object,
    another id) is the same question."""
    embedding = Counted(monkeypatch, "embedding")

    def copied(found):
        data = dataclasses.replace(found.data, x=found.data.x.copy(),
                                   labels=found.data.labels.copy())
        return HeldOut(data, found.description)

    _held_as(client, monkeypatch, copied)
    first = client.post("/api/map", json=PCA)
    assert first.status_code == 200, first.text
    assert client.post("/api/map", json=PCA).content == first.content
    assert embedding.calls == 1


def test_other_digits_of_the_same_network_are_another_question(client, monkeypatch, mnist,
                                                               web_model_path, run_data):
    embedding = Counted(monkeypatch, "embedding")
    first = client.post("/api/map", json=PCA).json()
    others = mnist.subset(slice(21000, 21400), "test")
    _held_as(client, monkeypatch, lambda found: HeldOut(others, found.description))
    answer = client.post("/api/map", json=PCA).json()
    assert embedding.calls == 2
    assert answer["model_version"] == first["model_version"] == 1
    assert answer["labels"] == others.labels[:100].tolist() != first["labels"]
    with serving(web_model_path, run_data, others) as alone:
        assert alone.post("/api/map", json=PCA).json() == answer
