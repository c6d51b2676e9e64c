"""Refusals that point somewhere point at the served model they are about. Teaching a voice
(``POST /api/voice``, ``/api/voice/recordings``) asked of the model of handwritten digits names
the model of spoken digits the same server serves, at its own address (``/models/2/api/voice``),
rather than saying to serve one; and a 404 under a model's mount (``/models/2/api/nope``) names
that model's page and API, not model 1's."""

from __future__ import annotations

import pytest
from api_helpers import assert_error


def recordings(spoken_digits, speaker="nicolas") -> list:
    """The multipart fields of two real recordings of each digit, as the page sends a voice."""
    fields = []
    for digit in range(10):
        for number in range(2):
            path = spoken_digits / f"{digit}_{speaker}_{number}.wav"
            fields += [("file", (path.name, path.read_bytes(), "audio/wav")),
                       ("digit", (None, str(digit)))]
    return fields


@pytest.mark.parametrize("api", ["/api", "/models/1/api"])
@pytest.mark.parametrize("endpoint", ["/voice", "/voice/recordings"])
def test_a_voice_sent_to_the_model_of_pictures_names_the_model_that_hears(two, spoken_digits,
                                                                          api, endpoint):
    r = two.post(f"{api}{endpoint}", files=recordings(spoken_digits))
    message = assert_error(r, 422, "this model reads pictures", "spoken digits", "model 2",
                           f" /models/2/api{endpoint},", "/?model=2")
    assert "--preset speech" not in message
    assert two.get(f"{api}/train").json()["state"] == "idle"  # (nothing was taught)
    # the address it names is the one that takes the voice: the recordings come back as a zip
    if endpoint == "/voice/recordings":
        kept = two.post(f"/models/2/api{endpoint}", files=recordings(spoken_digits))
        assert kept.status_code == 200 and kept.headers["content-type"] == "application/zip"


@pytest.mark.parametrize("endpoint", ["/api/voice", "/api/voice/recordings"])
def test_with_no_model_that_hears_it_says_to_serve_one(web_model_path, spoken_digits, endpoint):
    """Alone, or beside another model of pictures, the model of handwritten digits names no
    other model: it says to serve one of spoken digits."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=None, more=[web_model_path])) as c:
        for api in ("", "/models/2"):
            r = c.post(f"{api}{endpoint}", files=recordings(spoken_digits))
            message = assert_error(r, 422, "this model reads pictures",
                                   "serve one trained with --preset speech")
            assert "model 1" not in message and "model 2" not in message


@pytest.mark.parametrize("method, path, root", [
    ("GET", "/models/2/api/nope", "/models/2"), ("GET", "/models/2/nope", "/models/2"),
    ("POST", "/models/2/api/nope", "/models/2"), ("GET", "/models/2/static/nope.js", "/models/2"),
    ("GET", "/models/1/api/nope", "/models/1"), ("GET", "/models/1/static/nope.js", "/models/1"),
    ("GET", "/api/nope", ""), ("GET", "/nope", ""), ("GET", "/static/nope.js", "")])
def test_a_missing_address_names_the_page_and_api_of_the_model_it_is_under(two, method, path,
                                                                           root):
    message = assert_error(two.request(method, path), 404, f"no such page: {path};")
    assert f"the page is at {root}/, the API under {root}/api (documented at {root}/docs)" \
        in message
    # and they are there: that model's page, API and documentation
    page = two.get(f"{root}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    listed = {m["name"]: m for m in two.get("/api/models").json()["models"]}
    model = listed["2" if root == "/models/2" else "1"]
    assert two.get(f"{root}/api/model").json()["source"] == model["source"]
    assert two.get(f"{root}/docs").status_code == 200
