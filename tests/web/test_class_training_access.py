"""Training from the page in a class: a token the teacher can read aloud and students type on a
phone, refusals that tell a student without it so first, and each model's own event stream."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import assert_error, events
from fastapi.testclient import TestClient

from digitnet.web import create_app
from digitnet.web.classroom import TOKEN_HEADER, TrainingAccess

LOOK_ALIKES = set("0o1liI")


def test_tokens_are_easy_to_read_aloud_and_type():
    tokens = [TrainingAccess.choose("0.0.0.0").token for _ in range(300)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert token.isalnum() and token == token.lower(), token  # no '-', '_', no capitals
        assert not LOOK_ALIKES & set(token), token
    symbols = set("".join(tokens))
    # As many tokens as secrets.token_urlsafe(6) makes (2**48), or more.
    assert len(symbols) ** len(tokens[0]) >= 2 ** 48, (symbols, tokens[0])


@pytest.fixture
def class_client(web_model_path, run_data):
    access = TrainingAccess.choose("0.0.0.0")
    with TestClient(create_app(web_model_path, data=run_data, access=access)) as c:
        yield c, access.token


def test_the_token_is_taken_as_typed_on_a_phone(class_client):
    """Capitals (a phone's keyboard starts a field with one) and spaces around it are ignored."""
    c, token = class_client
    typed = " " + token[0].upper() + token[1:].upper() + " "
    r = c.post("/api/train", json={"epochs": 1, "hidden": [8]}, headers={TOKEN_HEADER: typed})
    assert r.status_code == 202, r.text
    assert [k for k, _, _ in events(c)][-1] == "done"


def test_a_wrong_token_is_told_it_changes_each_time_the_server_starts(class_client):
    c, token = class_client
    message = assert_error(c.post("/api/train", json={"epochs": 1},
                                  headers={TOKEN_HEADER: token[:-1]}),
                           403, "a wrong token", "changes each time the server starts",
                           "Training from the page needs this token", TOKEN_HEADER)
    assert token not in message
    assert_error(c.delete("/api/train", headers={TOKEN_HEADER: token + "x"}), 403,
                 "changes each time the server starts")
    assert "changes" not in assert_error(c.post("/api/train", json={"epochs": 1}), 403,
                                         "no token")


@pytest.mark.parametrize("options", [{"epochs": 999}, {"epochs": 1, "lr": -1},
                                     {"epochs": 1, "hidden": [0]}])
def test_a_student_without_the_token_is_told_that_before_what_is_wrong_with_the_options(
        class_client, options):
    c, token = class_client
    assert_error(c.post("/api/train", json=options), 403, "no token")
    assert_error(c.post("/api/train", json=options, headers={TOKEN_HEADER: "guess"}), 403,
                 "a wrong token")
    # The teacher, with the token, is told what is wrong with them.
    assert_error(c.post("/api/train", json=options, headers={TOKEN_HEADER: token}), 422)


def test_each_model_answers_its_own_events_url(web_model_path, run_data):
    """Model 2's training status points at model 2's stream, which is its own run's."""
    app = create_app(web_model_path, data=run_data, more=[web_model_path])
    with TestClient(app) as c:
        assert c.get("/api/train").json()["events_url"] == "/api/train/events"
        assert c.get("/models/2/api/train").json()["events_url"] == \
            "/models/2/api/train/events"
        started = c.post("/models/2/api/train", json={"epochs": 1, "hidden": [8]})
        assert started.status_code == 202, started.text
        url = started.json()["events_url"]
        assert url == "/models/2/api/train/events"
        with c.stream("GET", url) as r:
            kinds = [line[7:] for line in r.iter_lines() if line.startswith("event: ")]
        assert kinds[-1] == "done"
        assert c.get("/models/2/api/model").json()["sizes"] == [784, 8, 10]
        assert c.get("/api/train").json()["state"] == "idle"  # model 1 trained nothing


def test_a_network_trained_on_the_page_is_kept_as_the_readme_says(class_client, tmp_path):
    """It lives in the server's memory; POST /api/export with {} answers it as a model file."""
    from digitnet import modelfile

    c, token = class_client
    r = c.post("/api/train", json={"epochs": 1, "hidden": [8]}, headers={TOKEN_HEADER: token})
    assert r.status_code == 202, r.text
    assert [k for k, _, _ in events(c)][-1] == "done"
    trained = c.app.state.served.current[0]
    saved = c.post("/api/export", json={})
    assert saved.status_code == 200, saved.text
    path = tmp_path / "kept.safetensors"
    path.write_bytes(saved.content)
    kept = modelfile.load(path)
    assert kept.sizes == trained.sizes == (784, 8, 10)
    np.testing.assert_array_equal(kept.params, trained.params)


def test_each_refusal_names_what_was_asked(class_client, speech_model, spoken_digits):
    """Starting a run, stopping one and teaching a voice are each refused in their own words
    (all three said "training on this server needs the token ...")."""
    from digitnet.heldout import recorded_data

    c, _ = class_client
    assert assert_error(c.post("/api/train", json={"epochs": 1}), 403).startswith(
        "training on this server needs the token that digitnet serve printed when it started, "
        "got no token")
    assert assert_error(c.delete("/api/train"), 403).startswith(
        "stopping a training run on this server needs the token")
    access = TrainingAccess.choose("0.0.0.0")
    wav = spoken_digits / "7_nicolas_0.wav"
    form = [("file", (wav.name, wav.read_bytes(), "audio/wav")), ("digit", (None, "7"))]
    with TestClient(create_app(speech_model, data=recorded_data(speech_model),
                               access=access)) as voice:
        assert assert_error(voice.post("/api/voice", files=form), 403).startswith(
            "teaching a voice on this server needs the token")
    off = TrainingAccess.choose("0.0.0.0", train=False)
    with TestClient(create_app(speech_model, data=recorded_data(speech_model),
                               access=off)) as voice:
        assert assert_error(voice.post("/api/voice", files=form), 403).startswith(
            "teaching a voice from the page is turned off on this server")
