"""Fixtures for the web API tests: a network trained on real MNIST digits, and apps serving it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ctrl_c import ctrl_c
from real_data import write_mnist_folder
from serve_process import no_bug

from digitnet import PRESETS, modelfile
from digitnet.training import train

N_TRAIN = 8000  # digits the served test model learns from: the first 8,000 of the prefix
HELD_OUT = slice(20000, 20400)  # real digits no test model has seen
REPO = Path(__file__).resolve().parents[2]
N_RUN_DATA = 1500  # digits that training runs started through the API learn from (fast)


@pytest.fixture(scope="session")
def web_net(mnist):
    """The default recipe, 4 epochs on 8,000 real digits: about 92% accurate."""
    data = mnist.subset(slice(0, N_TRAIN), "train")
    return train(data, PRESETS["default"].replace(epochs=4), handle_signals=False).network


@pytest.fixture(scope="session")
def web_model_path(web_net, tmp_path_factory):
    path = tmp_path_factory.mktemp("web-model") / "model.safetensors"
    modelfile.save(web_net, path)
    return path


@pytest.fixture(scope="session")
def run_data(mnist):
    """Real digits for training runs started from the API (not those of the served model)."""
    return mnist.subset(slice(N_TRAIN, N_TRAIN + N_RUN_DATA), "train")


@pytest.fixture(scope="session")
def held_out(mnist):
    """(images uint8 (400, 28, 28), labels) that no test model was trained on."""
    return mnist.x[HELD_OUT], mnist.labels[HELD_OUT].astype(int)


@pytest.fixture
def app(web_model_path, run_data):
    from digitnet.web import create_app

    return create_app(web_model_path, data=run_data)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def two(web_model_path, speech_model):
    """A server of two models, as ``digitnet serve DIGITS SPEECH`` serves them: handwritten
    digits (model 1, at / and /models/1/), spoken digits (model 2, at /models/2/)."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=None, more=[speech_model])) as c:
        yield c


@pytest.fixture(scope="session")
def run_data_dir(mnist, tmp_path_factory):
    """An MNIST-format folder of 300 real digits for training runs a live server starts, and
    a test split of 150 others (the held-out digits it pokes the served network with)."""
    folder = tmp_path_factory.mktemp("run-data")
    part, test = slice(N_TRAIN, N_TRAIN + 300), slice(21000, 21150)
    write_mnist_folder(folder, mnist, part, test)
    return folder


# Runs what `digitnet serve MODEL --data DIR --port 0` runs once its arguments are read.
_SERVE = """
import sys
from digitnet.web import create_app, serve
serve(create_app(sys.argv[1], data=sys.argv[2]), "127.0.0.1", 0,
      on_ready=lambda url: print(url, flush=True))
"""


@pytest.fixture
def live_url(web_model_path, run_data_dir, tmp_path):
    """The app served by uvicorn (:func:`digitnet.web.serve`) in a process of its own, on a
    free port of 127.0.0.1: its URL. Stopped with Ctrl-C (SIGINT) after the test."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    log = tmp_path / "server-stderr.txt"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(web_model_path),
                                 str(run_data_dir)], stdout=subprocess.PIPE, stderr=err,
                                text=True, env=env)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        proc.communicate()
        pytest.fail(f"the server did not start: {url!r} {log.read_text()}")
    yield url
    assert ctrl_c(proc)[0] == 0, log.read_text()
    assert no_bug(log.read_text()), log.read_text()
