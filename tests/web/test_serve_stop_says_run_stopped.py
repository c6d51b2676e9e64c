"""Nothing is lost silently when a real ``digitnet serve`` stops. A training run started from the
page (over HTTP, as the page starts it) and still going at Ctrl-C or SIGTERM is stopped at once,
and stderr says so in one line: in which epoch of how many it was, that nothing of it is kept,
and how a run's network is kept (once it has finished). And a client's malformed multipart body
is answered 422 saying why, while the server's log carries no raw line of python-multipart's."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import httpx
import pytest
from ctrl_c import ctrl_c
from real_data import write_mnist_folder
from serve_process import no_bug, start

#: The line of a run stopped by the server's stop: the epoch it was in, of 20, and those it
#: finished.
STOPPED = re.compile(
    r"The training run from the page was in epoch (\d+) of 20 \((\d+) finished\) and is "
    r"stopped; nothing of it is kept \(a run's network can be saved only once it has finished: "
    r"\"Save the edited network…\" on the page, or POST /api/export\)")
RUN = {"epochs": 20, "hidden": [128, 128, 128]}


@pytest.fixture(scope="module")
def slow_run_data(mnist, tmp_path_factory):
    """An MNIST-format folder of 6,000 real digits to train on (20 epochs of a 784-128-128-128-10
    network take many seconds: a run is surely still going when the test stops the server),
    and a test split of 150 others."""
    folder = tmp_path_factory.mktemp("slow-run-data")
    part, test = slice(8000, 14000), slice(21000, 21150)
    write_mnist_folder(folder, mnist, part, test)
    return folder


def run_one_epoch_of_twenty(url: str) -> int:
    """Start a 20-epoch run over HTTP and wait (polling GET /api/train) until it has reported a
    finished epoch: the number of epochs it reports then."""
    started = httpx.post(url + "/api/train", json=RUN)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = httpx.get(url + "/api/train").json()
        assert status["state"] == "running", status
        if status["history"]:
            return len(status["history"])
        time.sleep(0.1)
    pytest.fail("the run reported no epoch within 120 s")


def check_said_stopped(err: str, reported: int) -> None:
    """``err`` is the one line of a run stopped after at least ``reported`` finished epochs."""
    assert no_bug(err), err
    [line] = err.splitlines()
    match = STOPPED.fullmatch(line)
    assert match, line
    epoch, finished = map(int, match.groups())
    assert reported <= finished < 20 and epoch == finished + 1, line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_in_progress_is_said_stopped_at_the_servers_stop(web_model_path, slow_run_data,
                                                               sig):
    proc, _, url = start([web_model_path, "--port", "0", "--data", slow_run_data])
    try:
        reported = run_one_epoch_of_twenty(url)
    finally:
        proc.send_signal(sig)
        try:  # (the run has many seconds left: a stop that waited for it would take them)
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"the server did not stop within 20 s: {proc.communicate()[1]}")
    assert proc.returncode == 0, err
    check_said_stopped(err, reported)


def test_a_malformed_multipart_body_leaves_no_library_line_in_the_log(web_model_path,
                                                                       run_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--data", run_data_dir])
    try:
        r = httpx.post(url + "/api/predict", content=b"garbage",
                       headers={"Content-Type": "multipart/form-data; boundary=xyz"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.json()["error"].startswith("the multipart form cannot be read")
        assert httpx.get(url + "/api/model").status_code == 200  # (still serving)
    finally:
        code, _, err = ctrl_c(proc)
    assert code == 0, err
    assert "Expected boundary character" not in err, err
    assert err == "", err
