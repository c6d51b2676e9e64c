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
import numpy as np
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


def test_without_data_a_model_is_poked_with_the_data_it_was_trained_on(speech_model):
    """A model of spoken digits, served alone: its held-out examples are its own validation
    split of the recordings its file records (not MNIST's digits, which it cannot read)."""
    proc, _, url = start([speech_model, "--port", "0"])
    try:
        held = httpx.get(url + "/api/model").json()["held_out"]
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert held["split"] == "val" and held["n"] == 90  # 10% of its 900 recordings
    assert "validation split of digits: " in held["description"]  # (its folder)


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


# -- a class in one room ----------------------------------------------------------------------


def read_qr(lines: list[str]) -> str:
    """The text of a QR code printed as block characters (two rows of modules a line, light
    modules as full blocks), read back by ZXing from a picture of it."""
    import zxingcpp

    halves = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}
    rows = []
    for line in lines:
        top, bottom = zip(*(halves[c] for c in line))
        rows += [top, bottom]
    light = np.kron(np.array(rows, np.uint8) * 255, np.ones((6, 6), np.uint8))
    found = zxingcpp.read_barcodes(light)
    assert len(found) == 1, "no QR code found in the printed blocks"
    return found[0].text


def test_serve_for_a_class_prints_the_address_a_qr_code_and_a_token(web_model_path,
                                                                     run_data_dir):
    proc, line, url = start([web_model_path, "--host", "0.0.0.0", "--port", "0",
                             "--data", run_data_dir])
    try:
        port = int(url.rsplit(":", 1)[1])
        invite = proc.stdout.readline()
        match = re.match(r"On phones and other machines of this network, open "
                         r"(http://([0-9.]+):(\d+)/)  or scan:$", invite.rstrip("\n"))
        assert match, invite
        address, host = match.group(1), match.group(2)
        assert int(match.group(3)) == port and not host.startswith("127.")
        qr = []
        while not (qr and set(qr[-1]) == {"▀"}):  # the code ends with its bottom quiet zone
            qr.append(proc.stdout.readline().rstrip("\n"))
        assert read_qr(qr) == address
        assert proc.stdout.readline().startswith("Poking the network scores it on the test split")
        token_line = proc.stdout.readline()
        token = re.search(r"needs this token: (\S+)", token_line).group(1)

        # The printed address answers (this machine is on that network too).
        page = httpx.get(address)
        assert page.status_code == 200 and 'src="/static/main.js"' in page.text
        assert httpx.get(address + "api/train").json()["access"] == "token"
        refused = httpx.post(address + "api/train", json={"epochs": 1})
        assert refused.status_code == 403 and "token" in refused.json()["error"]
        wrong = httpx.post(address + "api/train", json={"epochs": 1},
                           headers={"X-Digitnet-Token": token + "x"})
        assert wrong.status_code == 403
        started = httpx.post(address + "api/train", json={"epochs": 1, "hidden": [8]},
                             headers={"X-Digitnet-Token": token})
        assert started.status_code == 202, started.text
        assert httpx.delete(address + "api/train").status_code == 403  # a student cannot stop it
        with httpx.stream("GET", address + "api/train/events", timeout=60) as r:
            last = [line for line in r.iter_lines() if line.startswith("event: ")][-1]
        assert last == "event: done"
        # Poking is open to everyone: the held-out digits are the folder's test split.
        assert httpx.post(address + "api/ablate", json={"off": [[1, 0]]}).json()["n"] == 150
    finally:
        code, err = stop(proc)
    assert code == 0, err


def test_serve_with_training_turned_off(web_model_path, run_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--no-train", "--data", run_data_dir])
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[1].startswith("Training from the page is turned off")
        r = httpx.post(url + "/api/train", json={"epochs": 1})
        assert r.status_code == 403 and "--no-train" in r.json()["error"]
        assert httpx.get(url + "/api/train").json()["access"] == "off"
    finally:
        code, err = stop(proc)
    assert code == 0, err
