"""What a teacher's ``digitnet serve MODEL --host 0.0.0.0`` prints at start, read as a real
process prints it: the token above the address and QR code students are shown (so that the
projected address need not show it), no loopback address for phones on a machine that is on no
network, a word on phones' microphones for a model of spoken digits, and on a terminal a first
line at once while the models load."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys

import pytest
from ctrl_c import ctrl_c
from serve_process import REPO, no_bug, start

pytestmark = pytest.mark.engine_independent  # (serve trains nothing as it starts)

#: ``python -c`` this, then ``serve ARGS``: digitnet serve in a network namespace of its own
#: holding only the loopback interface (``unshare -n``, as root), as on a machine on no network.
NO_NETWORK = ("import os, sys; os.execvp('unshare', ['unshare', '-n', 'sh', '-c', "
              "'ip link set lo up && exec \"$0\" -m digitnet \"$@\"', sys.executable, "
              "*sys.argv[1:]])")


def startup_lines(proc) -> list[str]:
    """The lines ``proc`` printed after its first, up to the last of its start-up: the address
    for phones and its QR code (up to its bottom quiet zone), or the line saying there is none."""
    lines = []
    while line := proc.stdout.readline():
        lines.append(line.rstrip("\n"))
        if set(lines[-1]) == {"▀"} or lines[-1].startswith("Phones cannot be told"):
            return lines
    pytest.fail(f"the server ended after {lines}: {proc.stderr.read()}")


def test_the_token_is_printed_above_the_address_and_qr_code_and_kept_off_them(
        web_model_path, run_data_dir):
    proc, _, _ = start([web_model_path, "--host", "0.0.0.0", "--port", "0",
                        "--data", run_data_dir])
    try:
        lines = startup_lines(proc)
    finally:
        code, rest, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    token = next(i for i, line in enumerate(lines) if "needs this token: " in line)
    invite = next(i for i, line in enumerate(lines) if line.startswith("On phones"))
    assert lines[token + 1].startswith("The token is the teacher's: keep it off the screen")
    assert token + 1 < invite and not any(re.search(r"[a-z0-9]{10}  \(the page", line)
                                           for line in lines[invite:])
    assert set(lines[-1]) == {"▀"} and rest == ""  # the QR code is the last thing printed
    assert not any("microphone" in line for line in lines)  # (a model of pictures)
    assert "Loading" not in err  # (stderr is no terminal here)


@pytest.mark.skipif(not all(map(shutil.which, ("unshare", "ip", "nsenter"))),
                    reason="needs unshare, ip and nsenter (util-linux, iproute2) to start "
                           "serve on a machine without a network")
def test_a_machine_on_no_network_gives_phones_no_address_of_their_own(web_model_path,
                                                                       run_data_dir):
    """Without a network other machines reach, phones are not sent to 127.0.0.1 (which on a
    phone is the phone): serve says so in one line, without a QR code, and serves locally."""
    proc, _, url = start([web_model_path, "--host", "0.0.0.0", "--port", "0",
                          "--data", run_data_dir], launcher=("-c", NO_NETWORK))
    try:
        lines = startup_lines(proc)
        port = url.rsplit(":", 1)[1]
        # The page answers on this machine: asked from inside the server's network namespace.
        ask = f"import urllib.request as u; print(u.urlopen('http://127.0.0.1:{port}/').status)"
        asked = subprocess.run(["nsenter", "-t", str(proc.pid), "-n", sys.executable, "-c", ask],
                               check=False, capture_output=True, text=True, timeout=60)
    finally:
        code, _, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    assert asked.stdout.strip() == "200", asked.stderr
    said = lines[-1]
    assert said.startswith("Phones cannot be told where this page is: this machine has no "
                           "address found on a network other machines can reach. Connect it "
                           "to the room's network or Wi-Fi"), said
    assert said.endswith(f"open http://localhost:{port}/ on this machine"), said
    assert not any(line.startswith("On phones") or "█" in line for line in lines), lines
    assert any("needs this token: " in line for line in lines)  # (for once it is connected)


def test_phones_are_told_they_get_no_microphone_over_plain_http(web_model_path, speech_model,
                                                                 run_data_dir):
    proc, _, url = start([web_model_path, speech_model, "--host", "0.0.0.0", "--port", "0",
                          "--data", run_data_dir, "--no-train"])
    try:
        lines = startup_lines(proc)
    finally:
        code, _, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    [said] = [line for line in lines if "microphone" in line]
    port = url.rsplit(":", 1)[1]
    assert said.startswith("Phones get no microphone from this server: browsers give it only "
                           "to https pages and to localhost"), said
    assert "students can upload recordings instead" in said
    assert said.endswith(f"students can upload recordings instead; on this machine it works, "
                         f"at http://localhost:{port}/?model=2"), said
    assert lines.index(said) < next(i for i, line in enumerate(lines)
                                    if line.startswith("On phones"))


def test_on_a_terminal_the_first_line_says_the_models_are_loading(web_model_path, speech_model,
                                                                   run_data_dir):
    """Both models take seconds to load: on a terminal, a line says so before anything else."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    terminal, side = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "serve", str(web_model_path),
                             str(speech_model), "--port", "0", "--data", str(run_data_dir)],
                            stdout=side, stderr=side, env=env)
    os.close(side)
    shown = b""
    try:
        while not re.search(rb"Serving [^\n]*\n", shown):  # (the minute: a guard, no measure)
            if not select.select([terminal], [], [], 60)[0] or not (more := os.read(terminal,
                                                                                    4096)):
                pytest.fail(f"the server did not start: {shown.decode()}")
            shown += more
    except OSError:  # (the terminal closed: the process ended)
        pytest.fail(f"the server ended: {shown.decode()}")
    finally:
        code = ctrl_c(proc)[0]
        os.close(terminal)
    assert code == 0
    first, second = shown.decode().splitlines()[:2]
    assert first == f"Loading {web_model_path}, {speech_model} ...", first
    # then what takes longest (the models' held-out examples; a bar while recordings are read)
    assert second == "Reading the held-out examples the page pokes the models with ...", second
    serving = re.search(r"Serving [^\r\n]*", shown.decode())[0]
    assert serving.startswith(f"Serving 784-16-16-10 from {web_model_path} at http://"), serving
