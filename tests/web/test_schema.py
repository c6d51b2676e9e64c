"""Schemathesis against the live server (uvicorn on a free port), with every check it has:
whatever it generates, valid or not, the server answers without a 5xx, with a status, headers
and a body the schema documents, refuses what the schema refuses and accepts what it accepts,
and answers a method a path does not take with a 405 naming those it does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "st_config"  # schemathesis.toml, and a check of our own
PHASES = "examples,coverage,fuzzing,stateful"


def schemathesis_command() -> str:
    beside = Path(sys.executable).with_name("schemathesis")
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    if found is None:
        pytest.fail("the schemathesis command is missing: pip install -e '.[test]'")
    return found


@pytest.mark.slow
@pytest.mark.engine_independent  # (the shape of answers; /api/train's runs: test_training_runs)
def test_the_live_server_passes_every_schemathesis_check(live_url, tmp_path):
    """Every phase, positive and negative generation, all of schemathesis' checks plus ours
    (the response-time limit only as a hang detector: this project's tests assert no timings).

    Run through schemathesis' command line, as its users run it (its pytest plugin depends on
    pytest internals that change between pytest releases). A failure prints its report, with
    the seed that reproduces it.
    """
    report = tmp_path / "report.json"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "hooks",
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [schemathesis_command(), "--config-file", str(HERE / "schemathesis.toml"), "--no-color",
         "run", live_url + "/openapi.json", "--checks", "all", "--mode", "all",
         # "all" includes a response-time check with a 10 s limit; tests assert behaviour, not
         # wall-clock time (speed lives in bench/), and a t-SNE map takes seconds of CPU, more on
         # a busy machine: the limit is the request timeout, a hang detector.
         "--max-response-time", "60",
         "--phases", PHASES, "--max-examples", "100", "--generation-database", "none",
         "--request-timeout", "60", "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, env=env, timeout=1200, cwd=tmp_path)  # (its caches)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    summary = json.loads(report.read_text())
    assert summary["operations"]["tested"] == 19 and summary["operations"]["errored"] == 0
    assert summary["failures"] == [] and summary["errors"] == []
    assert summary["phases"]["coverage"]["status"] == summary["phases"]["fuzzing"]["status"] \
        == "success"
    assert summary["test_cases"]["generated"] > 300


def test_schema_documents_every_endpoint_and_both_predict_bodies(web_model_path):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path)) as c:
        spec = c.get("/openapi.json").json()
        assert c.get("/docs").status_code == 200
    paths = spec["paths"]
    assert set(paths) == {"/api/predict", "/api/model", "/api/models", "/api/neuron/{layer}/{index}",
                          "/api/train", "/api/train/events", "/api/ablate", "/api/ranking",
                          "/api/top", "/api/map", "/api/heldout/{index}", "/api/robustness",
                          "/api/backprop", "/api/export", "/api/voice",
                          "/api/voice/recordings"}
    predict = paths["/api/predict"]["post"]
    assert set(predict["requestBody"]["content"]) == {"application/json", "multipart/form-data",
                                                      "application/octet-stream", "audio/wav"}
    assert set(predict["responses"]) >= {"200", "413", "415", "422"}
    pixels = predict["requestBody"]["content"]["application/json"]["schema"]["properties"]["pixels"]
    assert pixels["items"]["items"] == {"maximum": 1, "minimum": 0, "type": "number"}
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"] and error["additionalProperties"] is False
    assert error["properties"]["error"]["pattern"] == "^[^\\n]+$"  # one line
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(paths["/api/train"]) == {"get", "post", "delete"}
    voice = paths["/api/voice"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert voice["required"] == ["file", "digit"] and voice["properties"]["file"]["type"] == "array"
    train = spec["components"]["schemas"]["TrainRequest"]["properties"]
    assert train["hidden"]["anyOf"][0]["items"] == {"type": "integer", "minimum": 1,
                                                    "maximum": 128}
    neuron = paths["/api/neuron/{layer}/{index}"]["get"]
    assert "1 = the first hidden layer" in neuron["description"]


def test_the_recordings_described_are_every_format_read(web_model_path):
    from fastapi.testclient import TestClient

    from digitnet.soundcheck import FORMATS
    from digitnet.web import create_app

    with TestClient(create_app(web_model_path)) as c:
        spec = c.get("/openapi.json").json()
    bodies = [spec["paths"][p]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
              for p in ("/api/predict", "/api/voice")]
    assert f"({FORMATS})" in bodies[0]["properties"]["file"]["description"]
    assert f"({FORMATS})" in bodies[1]["properties"]["file"]["description"]
