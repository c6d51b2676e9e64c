"""A drawing of the most rows and columns the API documents (1000x1000: the README, the OpenAPI
schema) is read, written as json.dumps writes a NumPy grid's numbers: a real digit photographed
on paper, every pixel a float of up to 17 digits, about 19 MB of JSON. Before, every JSON body
over 2 MB was refused (413), so nothing past about 500x500 could be sent. A body over the
drawing's limit still gets a 413 whose one line says the limit and what to send; other routes
keep their 2 MB. A grid of one row or of rows of one value is said in the singular ("got 1
values" before), and a form whose 'file' is text (curl -F file=digit.png, without the @) is
told so ("file: missing" before). A real server (`digitnet serve`, in a process of its own),
real requests."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from ctrl_c import ctrl_c
from PIL import Image
from real_data import as_photo
from serve_process import no_bug, start

from digitnet.web.schemas import MAX_BODY_BYTES, MAX_DRAWING_BYTES, MAX_GRID

MB = 1024 * 1024


def photographed(digit: np.ndarray, side: int) -> bytes:
    """A real digit photographed on paper, enlarged to ``side`` x ``side``, as brightness with
    ink = 1, as ``json.dumps`` writes it (NumPy's floats in full)."""
    photo = as_photo(digit, np.random.default_rng(0))
    big = np.asarray(Image.fromarray(photo).resize((side, side), Image.Resampling.BICUBIC))
    return json.dumps({"pixels": ((255 - big) / 255).tolist()}).encode()


@pytest.fixture(scope="module")
def server(web_model_path, run_data_dir):
    """`digitnet serve` with the test model as models 1 and 2 (model 2's drawings pass both
    the server's body limit and that of the app mounted at /models/2)."""
    proc, _, url = start([web_model_path, web_model_path, "--data", run_data_dir, "--port", "0"])
    yield url
    code, _, err = ctrl_c(proc)
    assert code == 0 and no_bug(err), err


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url, content=body, headers={"content-type": "application/json"},
                      timeout=120)


def test_a_photo_as_a_grid_of_the_largest_size_is_read(server, held_out):
    assert MAX_GRID == 1000
    images, labels = held_out
    body = photographed(images[0], MAX_GRID)  # (a 5, read as one at every size)
    assert MAX_BODY_BYTES < 19 * MB < len(body) <= MAX_DRAWING_BYTES
    for api in ("/api", "/models/2/api"):
        answer = post(f"{server}{api}/predict", body)
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["digit"] == labels[0] == 5


def test_a_drawing_over_the_limit_gets_a_413_saying_what_to_send(server, held_out):
    body = photographed(held_out[0][0], 1200)  # (1200 rows: more than the API takes, too)
    assert len(body) > MAX_DRAWING_BYTES
    answer = post(f"{server}/models/2/api/predict", body)
    assert answer.status_code == 413 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {"error": (
        f"the JSON body is too large: at most {MAX_DRAWING_BYTES:,} bytes (24 MB), got "
        f"{len(body):,} bytes; send a grid of at most 1000 rows of 1000 numbers (28 rows of 28 "
        "are plenty), or fewer changes")}


def test_other_routes_keep_the_2_mb_limit(server):
    body = json.dumps({"off": [[1, 0]] * (MAX_BODY_BYTES // 8)}).encode()
    answer = post(f"{server}/api/ablate", body)
    assert answer.status_code == 413, answer.text[:300]
    assert "at most 2,097,152 bytes (2 MB)" in answer.json()["error"]


def test_a_grid_of_one_row_or_one_value_is_said_in_the_singular(server):
    one_row = post(f"{server}/api/predict", json.dumps({"pixels": [[0.5] * 28]}).encode())
    one_value = post(f"{server}/api/predict", json.dumps({"pixels": [[0.5]] * 28}).encode())
    assert one_row.status_code == one_value.status_code == 422
    assert one_row.json()["error"] == (
        "pixels: must be a list of 8 to 1000 rows, got 1 row; send a grid of rows of brightness "
        "values, such as 28 rows of 28")
    assert one_value.json()["error"].startswith(
        "pixels[0]: must be a list of 8 to 1000 values, got 1 value; ")


def test_a_file_field_that_is_text_is_told_so(server):
    answer = httpx.post(f"{server}/api/predict", files={"file": (None, "digit.png")})
    assert answer.status_code == 422
    assert answer.json()["error"] == (
        "file: is a text field, not an uploaded file (curl uploads a file given with an @ before "
        "its name); send JSON {\"pixels\": [[...], ...]} (Content-Type: application/json), or an "
        "image as the multipart form field 'file' (curl -F file=@digit.png) or as the body")
