"""What a real ``digitnet serve`` logs on stderr. A request that meets a bug in digitnet: one
line naming the request and the error, saying to report it and that ``digitnet --debug serve``
shows the traceback; with ``--debug``, its traceback, once, and a line for every request. At
Ctrl-C, a request still unanswered when the grace ends (an upload that stalled, as a phone's on
a flaky network): one line saying the server stopped before answering it; a traceback only with
``--debug``."""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import httpx
import pytest
from ctrl_c import ctrl_c
from serve_process import start

pytestmark = pytest.mark.engine_independent  # (serve trains nothing here)

# `digitnet ARGS` as the command line runs it, the app `serve` builds given one more route,
# GET /boom, that meets a bug: an exception no handler of digitnet's expects.
_WITH_A_BUG = """
import sys

import digitnet.web
from digitnet.cli import main

built = digitnet.web.create_app


def create_app(*args, **kwargs):
    app = built(*args, **kwargs)

    async def boom():
        raise RuntimeError("planted by the test\\nover two lines")

    app.add_api_route("/boom", boom)
    return app


digitnet.web.create_app = create_app
main(sys.argv[1:])
"""
#: The error as the one line names it (its line break written as \\n).
ERROR = r"RuntimeError: planted by the test\nover two lines"
STOPPED = "POST /api/predict: the server stopped before answering it"


def serving_with_a_bug(*options, model, data) -> tuple[subprocess.Popen, str]:
    """``digitnet [OPTIONS] serve MODEL --port 0 --data DATA`` with GET /boom added: the
    process and the page's URL."""
    proc, _, url = start([model, "--port", "0", "--data", data], options=options,
                         launcher=("-c", _WITH_A_BUG))
    return proc, url


def ask_for_the_bug(url: str) -> None:
    r = httpx.get(url + "/boom")
    assert r.status_code == 500
    assert r.json()["error"].startswith("internal error (RuntimeError); this is a bug")


def test_a_bug_is_one_line_on_stderr(web_model_path, run_data_dir):
    proc, url = serving_with_a_bug(model=web_model_path, data=run_data_dir)
    try:
        assert httpx.get(url + "/api/models").status_code == 200  # (not logged)
        ask_for_the_bug(url)
    finally:
        code, _, err = ctrl_c(proc)
    assert code == 0, err
    assert "Traceback" not in err, err
    [line] = err.splitlines()
    assert f"GET /boom: a bug in digitnet ({ERROR}; answered 500); please report it" in line
    assert "`digitnet --debug serve` shows the traceback" in line


def test_debug_logs_every_request_and_a_bug_with_its_traceback(web_model_path, run_data_dir):
    proc, url = serving_with_a_bug("--debug", model=web_model_path, data=run_data_dir)
    try:
        assert httpx.get(url + "/api/models").status_code == 200
        ask_for_the_bug(url)
    finally:
        code, _, err = ctrl_c(proc)
    assert code == 0, err
    assert '"GET /api/models HTTP/1.1" 200' in err
    assert '"GET /boom HTTP/1.1" 500' in err
    assert f"GET /boom: a bug in digitnet ({ERROR}; answered 500)" in err
    assert err.count("Traceback (most recent call last)") == 1, err  # (not uvicorn's again)
    assert ", in boom\n" in err  # (the route's frame: the script has no lines to show)
    assert "RuntimeError: planted by the test\nover two lines" in err


def stalled_upload(port: int, answers: list[bytes]) -> None:
    """POST /api/predict promising 100,000 bytes of an image, of which 10 ever arrive: what
    the server answers, read until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                  b"Content-Length: 100000\r\n\r\n\x89PNG\r\n\x1a\n\0\0")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        answers.append(answer)


def stop_during_a_stalled_upload(proc: subprocess.Popen, url: str) -> tuple[int, str, bytes]:
    """Ctrl-C while an upload stalls: the exit code, stderr, and what the upload was answered."""
    answers = []
    uploading = threading.Thread(target=stalled_upload,
                                 args=(int(url.rsplit(":", 1)[1]), answers))
    try:
        uploading.start()
        time.sleep(0.5)  # (for its headers and first bytes to be read)
        assert httpx.get(url + "/api/models").status_code == 200
    finally:
        code, _, err = ctrl_c(proc)
        uploading.join(60)
    return code, err, answers[0] if answers else b""


@pytest.mark.slow  # (the server gives requests in flight five seconds)
def test_an_upload_unanswered_at_the_end_of_the_grace_is_one_line(web_model_path,
                                                                  run_data_dir):
    proc, _, url = start([web_model_path, "--port", "0", "--data", run_data_dir])
    code, err, answer = stop_during_a_stalled_upload(proc, url)
    assert code == 0, err
    assert "Traceback" not in err, err
    [line] = err.splitlines()
    assert line.endswith(f"{STOPPED} (answered 409 saying so)")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 409 "), answer
    assert b"application/json" in head
    assert body.startswith(b'{"error":"the server stopped before answering this request')


@pytest.mark.slow
def test_with_debug_an_unanswered_upload_is_logged_with_its_traceback(web_model_path,
                                                                      run_data_dir):
    proc, url = serving_with_a_bug("--debug", model=web_model_path, data=run_data_dir)
    code, err, _ = stop_during_a_stalled_upload(proc, url)
    assert code == 0, err
    assert f"{STOPPED} (answered 409 saying so)" in err
    assert err.count("Traceback (most recent call last)") == 1, err
    assert "CancelledError" in err
    assert '"POST /api/predict HTTP/1.1" 409' in err
