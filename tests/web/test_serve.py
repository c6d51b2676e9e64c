"""``digitnet serve``: its errors in-process, and the real server in a subprocess."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import httpx
import numpy as np
import pytest
from click.testing import CliRunner
from ctrl_c import ctrl_c
from serve_process import no_bug, start

from digitnet.cli import cli


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


def refused(args) -> str:
    """The one line `digitnet serve ARGS` fails with at start (exit code 1)."""
    result = CliRunner().invoke(cli, ["serve", *map(str, args)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), result.output
    return lines[0]


def test_serve_refuses_data_that_is_not_there_before_it_listens(web_model_path, tmp_path,
                                                                busy_port):
    line = refused([web_model_path, "--data", tmp_path / "nonexistent", "--port", busy_port])
    assert "cannot listen" not in line  # the data is checked before the server listens
    assert f"{tmp_path / 'nonexistent'}" in line and line.count("neither a known dataset") == 1


def test_serve_refuses_recordings_for_a_model_of_pictures(web_model_path, spoken_digits,
                                                          busy_port):
    """Recordings' pictures of sound have 784 pixels too: served, the model would be scored on
    them (at chance) and the page's training would fail."""
    line = refused([web_model_path, "--data", spoken_digits, "--port", busy_port])
    assert "cannot listen" not in line
    assert f"{spoken_digits} holds recordings, and {web_model_path} reads pictures" in line


def test_serve_refuses_pictures_for_a_model_of_spoken_digits(speech_model, mnist_dir,
                                                             busy_port):
    """MNIST's training files alone: no held-out digits for it, and still not its kind."""
    line = refused([speech_model, "--data", mnist_dir, "--port", busy_port])
    assert "cannot listen" not in line
    assert f"holds pictures, and {speech_model} reads recordings" in line


def test_a_model_of_spoken_digits_whose_recordings_are_gone_is_served(speech_model, tmp_path,
                                                                      spoken_digits):
    """Its page still hears (only poking has nothing to score on): not refused for MNIST's
    pictures, the default a model of pictures falls back to."""
    from digitnet import audio, inputs, modelfile

    net = modelfile.load(speech_model)
    net.metadata["data"]["train"]["name"] = str(tmp_path / "gone")  # recorded, no longer there
    moved = modelfile.save(net, tmp_path / "moved.safetensors")
    proc, line, url = start([moved, "--port", "0"])
    try:
        with open(spoken_digits / "7_nicolas_3.wav", "rb") as wav:
            answer = httpx.post(f"{url}/api/predict", content=wav.read(),
                                headers={"content-type": "audio/wav"}, timeout=60)
        picture = audio.picture(spoken_digits / "7_nicolas_3.wav", inputs.audio_of(net))
        assert answer.status_code == 200, answer.text
        assert answer.json()["digit"] == net.predict(picture)
        poked = httpx.post(f"{url}/api/ablate", json={"off": []}, timeout=60)
        assert poked.status_code == 409 and "error" in poked.json()
    finally:
        code, err = stop(proc)
    assert code == 0 and no_bug(err), err


def test_serve_on_a_host_it_cannot_listen_on_says_to_choose_another_host(web_model_path):
    for host in ("999.1.1.1", "192.0.2.1"):  # no such address; one of no interface here
        line = refused([web_model_path, "--host", host, "--port", "0"])
        assert f"cannot listen on {host}" in line
        assert "choose another --host (127.0.0.1, or 0.0.0.0 for every interface)" in line
        assert "--port" not in line


def test_serve_help_says_it_takes_any_number_of_models():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert " serve [OPTIONS] [MODEL]...\n" in result.output
    assert "MODEL2" not in result.output


def stop(proc) -> tuple[int, str]:
    code, _, err = ctrl_c(proc)
    return code, err


def stop_reading(proc) -> tuple[int, str, str]:
    """:func:`stop`, and what the server printed after what was read."""
    return ctrl_c(proc, buffered=True)


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
    assert no_bug(err), err


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


def test_serving_several_models_says_where_each_ones_held_out_examples_come_from(
        web_model_path, speech_model, run_data_dir, mnist_dir):
    """Three models: each is served, and each one's held-out examples are named at start
    (--data is model 1's; the others are poked with the data their files record)."""
    proc, _, url = start([web_model_path, speech_model, web_model_path, "--port", "0",
                          "--data", run_data_dir])
    try:
        served = httpx.get(url + "/api/models").json()["models"]
    finally:
        code, out, err = stop_reading(proc)
    assert code == 0, err
    lines = out.splitlines()  # what it printed at start, after its first line
    assert len(lines) == 5, out
    assert [m["input"] for m in served] == ["images", "audio", "images"]
    assert lines[0].startswith(f"and 784-16-16-10 from {speech_model} at {url}/?model=2")
    assert lines[1].startswith(f"and 784-16-16-10 from {web_model_path} at {url}/?model=3")
    assert lines[2] == "Poking model 1 scores it on the test split of " \
                       f"{run_data_dir.name}: 150 examples"
    assert lines[3] == "Poking model 2 scores it on the model's validation split of digits: " \
                       "90 examples set aside when it was trained"
    # (the digits model 3 learned from are 8,000 of MNIST's training files, which have no test
    # part: its validation split cannot be rebuilt from all of them, and there is no test split)
    assert lines[4].startswith(f"No held-out digits to poke model 3 with (no held-out examples "
                               f"in {mnist_dir}: the model was trained on 8,000 examples")


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
        # What poking scores on, the token (which the projected address must not show), then
        # last the address for phones and its QR code.
        lines = [proc.stdout.readline().rstrip("\n")]
        while lines[-1] and not lines[-1].startswith("On phones"):
            lines.append(proc.stdout.readline().rstrip("\n"))
        *before, invite = lines
        match = re.match(r"On phones and other machines of this network, open "
                         r"(http://([0-9.]+):(\d+)/)  or scan:$", invite.rstrip("\n"))
        assert match, invite
        address, host = match.group(1), match.group(2)
        assert int(match.group(3)) == port and not host.startswith("127.")
        qr = []
        while not (qr and set(qr[-1]) == {"▀"}):  # the code ends with its bottom quiet zone
            qr.append(proc.stdout.readline().rstrip("\n"))
        assert read_qr(qr) == address
        assert before[0].startswith("Poking the network scores it on the test split")
        token = re.search(r"needs this token: (\S+)", before[1]).group(1)

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
        # Poking is open to everyone, on the held-out digits of the network the run made: its
        # own validation split of the folder's 300 training digits.
        held = httpx.get(address + "api/model").json()["held_out"]
        assert held["split"] == "val" and 0 < held["n"] < 300
        assert httpx.post(address + "api/ablate", json={"off": [[1, 0]]}).json()["n"] == held["n"]
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
