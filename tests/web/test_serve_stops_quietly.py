"""Ctrl-C stops a real ``digitnet serve`` quietly: requests waiting for a heavy answer (t-SNE
maps of 1,000 held-out digits) are answered that the server is stopping (409, JSON: the API
answers no 5xx) or their connection closes, the terminal shows no traceback, and the process
ends without finishing the maps nobody will read. A network trained from the page and never downloaded is said lost."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import httpx
import pytest
from real_data import write_mnist_folder
from serve_process import no_bug, start

#: The stop line of a server whose network was trained from the page and not downloaded.
LOST = ('The network trained from the page was not saved ("Save the edited network…" on the '
        'page, or POST /api/export, keeps it); it is lost now')
N_MAPS = 4  # t-SNE maps asked for at once, each of another seed: four computations, in turn


@pytest.fixture(scope="module")
def map_data_dir(mnist, tmp_path_factory):
    """An MNIST-format folder: 300 real digits to train on, and a test split of 1,000 others
    (the held-out digits a map places)."""
    folder = tmp_path_factory.mktemp("map-data")
    part, test = slice(8000, 8300), slice(21000, 22000)
    write_mnist_folder(folder, mnist, part, test)
    return folder


def stopped(proc: subprocess.Popen) -> tuple[int, str]:
    """Ctrl-C, then the exit code and the rest of stderr; a minute is only a guard against a
    server that never ends (the test fails then, with what it printed)."""
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the server did not stop after Ctrl-C: {proc.communicate()[1]}")
    return proc.returncode, err


def test_ctrl_c_answers_the_maps_being_computed_and_stops(web_model_path, map_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--data", map_data_dir])
    answers = []

    def ask(seed: int) -> None:
        body = {"layer": 1, "method": "tsne", "count": 1000, "seed": seed}
        try:
            answers.append(httpx.post(url + "/api/map", json=body, timeout=120))
        except httpx.TransportError as e:  # (the connection closed: also a quiet stop)
            answers.append(e)

    asking = [threading.Thread(target=ask, args=(seed,)) for seed in range(N_MAPS)]
    try:
        assert httpx.get(url + "/api/model").status_code == 200
        for thread in asking:
            thread.start()
        time.sleep(2)  # (for the maps to be under way: a t-SNE of 1,000 digits takes seconds)
    finally:
        code, err = stopped(proc)
    for thread in asking:
        thread.join(120)
    assert code == 0, err
    assert no_bug(err), err
    statuses = [a.status_code for a in answers if isinstance(a, httpx.Response)]
    assert 500 not in statuses, [a.text for a in answers if isinstance(a, httpx.Response)]
    assert 409 in statuses  # (some were being waited for: what this test is about)
    for a in answers:
        if isinstance(a, httpx.Response) and a.status_code == 409:
            assert a.headers["content-type"] == "application/json"
            assert a.json()["error"].startswith("the server is stopping")
    assert "not saved" not in err  # (nothing was trained from the page)


def train_one_epoch(url: str) -> None:
    """A one-epoch run from the API, followed to its end: its network is served."""
    assert httpx.post(url + "/api/train", json={"epochs": 1}).status_code == 202
    with httpx.stream("GET", url + "/api/train/events", timeout=120) as r:
        kinds = [line[7:] for line in r.iter_lines() if line.startswith("event: ")]
    assert kinds[-1] == "done", kinds
    assert httpx.get(url + "/api/models").json()["models"][0]["source"] == \
        "trained from the page"


def test_a_network_trained_from_the_page_is_said_lost_at_ctrl_c(web_model_path,
                                                                 map_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--data", map_data_dir])
    try:
        train_one_epoch(url)
    finally:
        code, err = stopped(proc)
    assert code == 0, err
    assert err.splitlines() == [LOST]


def test_a_network_trained_and_downloaded_is_not_said_lost(web_model_path, map_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--data", map_data_dir])
    try:
        train_one_epoch(url)
        saved = httpx.post(url + "/api/export", json={})
        assert saved.status_code == 200
        assert "digitnet-trained.safetensors" in saved.headers["content-disposition"]
        # Another run after the download: that network is lost, until it too is downloaded.
        train_one_epoch(url)
        assert httpx.post(url + "/models/1/api/export", json={}).status_code == 200
    finally:
        code, err = stopped(proc)
    assert code == 0, err
    assert "not saved" not in err, err
