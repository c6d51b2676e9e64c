"""Bodies over the limit against the real server (2 MB; a drawing's JSON at /api/predict: 24 MB):
every client reads the 413 and its JSON error, including those that write the whole body before
reading (Python's urllib)."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

MB = 1024 * 1024
#: Larger than a drawing's JSON may be (24 MB), smaller than what is read and thrown away (64 MB).
OVER = 30 * MB


def json_body(size: int) -> bytes:
    """A JSON drawing body of about ``size`` bytes (far too many numbers)."""
    return b'{"pixels": [' + b"0," * (size // 2) + b"0]}"


def multipart_body(size: int) -> tuple[bytes, str]:
    boundary = "digitnet-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + b"\x00" * size + tail, f"multipart/form-data; boundary={boundary}"


def refused(request: urllib.request.Request) -> tuple[urllib.error.HTTPError, dict]:
    """Send with urllib; the HTTP error it raises, and its JSON body."""
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=120)
    return caught.value, json.loads(caught.value.read())


def assert_too_large(error: urllib.error.HTTPError, body: dict, got: str,
                     limit: str = "2 MB") -> None:
    assert error.code == 413
    assert error.headers["Content-Type"] == "application/json"
    assert error.headers["Connection"] == "close"
    assert list(body) == ["error"] and "\n" not in body["error"]
    assert "too large" in body["error"] and limit in body["error"] and got in body["error"]


@pytest.mark.parametrize("path,kind,size,limit", [
    ("/api/predict", "json", OVER, "24 MB"), ("/api/predict", "multipart", 20 * MB, "2 MB"),
    ("/api/train", "json", 20 * MB, "2 MB")])
def test_a_body_over_the_limit_sent_by_urllib_gets_the_413(live_url, path, kind, size, limit):
    if kind == "json":
        data, ctype = json_body(size), "application/json"
    else:
        data, ctype = multipart_body(size)
    request = urllib.request.Request(live_url + path, data=data, headers={"Content-Type": ctype})
    error, body = refused(request)
    assert_too_large(error, body, f"got {len(data):,} bytes", limit)
    with urllib.request.urlopen(live_url + "/api/model", timeout=30) as after:  # still serving
        assert after.status == 200


def test_a_body_over_the_limit_of_undeclared_length_gets_the_413(live_url):
    """Chunked: the server counts as it reads, then reads the rest before answering."""
    chunks = (json_body(MB) for _ in range(OVER // MB))
    request = urllib.request.Request(live_url + "/api/predict", data=chunks, headers={
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    error, body = refused(request)
    assert_too_large(error, body, "got more than that", "24 MB")


def test_a_body_declared_over_64_mb_is_refused_before_it_is_sent(live_url):
    """No need to read 100 MB to refuse it: the answer comes before any of the body."""
    address = urlsplit(live_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest("POST", "/api/predict")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(100 * MB))
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413 and response.getheader("Connection") == "close"
    assert list(body) == ["error"] and f"got {100 * MB:,} bytes" in body["error"]


def test_a_client_waiting_for_100_continue_gets_the_413_before_sending(live_url):
    """curl asks first (Expect: 100-continue) for bodies over 1 MB: it gets the 413 at once."""
    address = urlsplit(live_url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as s:
        s.sendall(b"POST /api/predict HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                  % (address.netloc.encode(), OVER))
        answer = b""
        while chunk := s.recv(65536):  # the server closes the connection after its answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in head
    assert b"connection: close" in head.lower()
    assert f"got {OVER:,} bytes" in json.loads(body)["error"]
