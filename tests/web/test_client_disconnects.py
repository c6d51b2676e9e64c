"""A client that goes away in the middle of its request (a phone leaving the room's wifi during an
upload) leaves no traceback in the terminal of the teacher running ``digitnet serve``."""

from __future__ import annotations

import socket
import time

import httpx
from ctrl_c import ctrl_c
from serve_process import no_bug, start

N_GONE = 3  # clients of each kind that go away mid-request (their tracebacks fit a pipe)


def cut_off(port: int, head: bytes, sent: bytes) -> None:
    """A request whose headers promise a body of 5,000 bytes, of which only ``sent`` arrive
    before the client closes the connection."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(head + b"Content-Length: 5000\r\n\r\n" + sent)
        time.sleep(0.2)  # (the server is reading the body when the client goes)


def test_clients_gone_mid_request_leave_no_traceback(web_model_path, run_data_dir, held_out):
    proc, _, url = start([web_model_path, "--port", "0", "--data", run_data_dir])
    try:
        port = int(url.rsplit(":", 1)[1])
        json_head = (b"POST /api/predict HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\n")
        form_head = (b"POST /api/predict HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: multipart/form-data; boundary=b0und\r\n")
        form_start = (b'--b0und\r\nContent-Disposition: form-data; name="file"; '
                      b'filename="digit.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n')
        train_head = b"POST /api/train HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        for _ in range(N_GONE):
            cut_off(port, json_head, b'{"pixels": [[0')
            cut_off(port, form_head, form_start)
            cut_off(port, train_head, b'{"epochs": ')
        # The server still answers those who stay.
        image, label = held_out[0][0], held_out[1][0]
        r = httpx.post(url + "/api/predict", json={"pixels": (image / 255).round(3).tolist()})
        assert r.status_code == 200 and r.json()["digit"] == label
    finally:
        code, _, err = ctrl_c(proc)
    assert code == 0, err
    assert no_bug(err) and "ClientDisconnect" not in err, err[:3000]
    assert len(err.splitlines()) <= 1, err  # nothing, or at most one quiet line
