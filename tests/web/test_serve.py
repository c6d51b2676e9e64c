"""``digitnet serve``: its errors in-process, and the real server in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from digitnet.cli import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """An empty platformdirs state folder, so "the last model trained" is ours to set."""
    home = tmp_path / "state"
    home.mkdir()
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def remember(state_home: Path, model: Path) -> None:
    folder = state_home / "digitnet"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "last-model").write_text(str(model))


def test_serve_without_a_model_says_how_to_get_one(state_home):
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("digitnet: error: no model to serve")
    assert "digitnet train" in result.output and "digitnet serve MODEL" in result.output


def test_serve_with_a_missing_model_file(tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nope.safetensors")])
    assert result.exit_code == 1
    assert result.output.startswith("digitnet: error: ") and "nope.safetensors" in result.output


def test_serve_on_a_port_in_use(web_model_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(web_model_path), "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output


def start(args, env=None):
    env = {**os.environ, **(env or {}),
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "serve", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r" at (http://[^ ]+)", line)
    if not match:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the server did not start: {line}{out}{err}")
    return proc, line, match.group(1)


def stop(proc) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the server did not stop within 20 s of Ctrl-C")
    return proc.returncode, err


def test_serve_runs_the_last_trained_model_on_loopback(web_model_path, state_home, held_out):
    remember(state_home, web_model_path)
    proc, line, url = start(["--port", "0"], env={"XDG_STATE_HOME": str(state_home)})
    try:
        assert url.startswith("http://127.0.0.1:")
        assert str(web_model_path) in line and "784-16-16-10" in line
        page = httpx.get(url + "/")
        assert page.status_code == 200 and 'src="/static/main.js"' in page.text  # (draws the pad)
        assert httpx.get(url + "/api/model").json()["sizes"] == [784, 16, 16, 10]
        image, label = held_out[0][0], held_out[1][0]
        r = httpx.post(url + "/api/predict", json={"pixels": (image / 255).round(3).tolist()})
        assert r.status_code == 200 and r.json()["digit"] == label
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err


def test_ctrl_c_stops_the_server_during_a_training_run(web_model_path, mnist_dir):
    """A run of 20 epochs on 24,345 digits would take long; Ctrl-C ends it and its streams."""
    proc, _, url = start([web_model_path, "--port", "0", "--data", mnist_dir])
    try:
        assert httpx.post(url + "/api/train", json={"epochs": 20}).status_code == 202
        kinds = []
        with httpx.stream("GET", url + "/api/train/events", timeout=60) as r:
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kinds.append(line[7:])
                if "progress" in kinds and len(kinds) == kinds.index("progress") + 1:
                    proc.send_signal(signal.SIGINT)  # once training is under way
        assert kinds[-1] == "cancelled" and "done" not in kinds
    finally:
        code, err = stop(proc)  # no second signal if the first already stopped it
    assert code == 0, err
