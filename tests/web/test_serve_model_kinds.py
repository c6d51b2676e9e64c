"""``digitnet serve`` with models of every kind it reads: ``.onnx`` files beside a safetensors
model (read as safetensors before, and refused as "not a readable safetensors model file"),
and models of a table, first or alone (a traceback at start before: the server warmed up by
reading a drawing with them) or whose table is not recorded (refused for MNIST's pictures,
never suggesting --data). Each runs the real server in a process of its own."""

from __future__ import annotations

import subprocess

import httpx
import numpy as np
import pytest
from click.testing import CliRunner
from ctrl_c import ctrl_c
from serve_process import no_bug, start as start_serving
from real_data import wine_csv

from digitnet.cli import cli



def run(*args) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def files(web_model_path, tmp_path_factory):
    """The served test model exported to ONNX by digitnet, and a model of scikit-learn's wine
    table (trained on it, as CSV) as saved and as exported to ONNX, whose file records no
    table."""
    root = tmp_path_factory.mktemp("kinds")
    digits_onnx = root / "digits.onnx"
    run("export", web_model_path, "--format", "onnx", "--out", digits_onnx)
    table = wine_csv(root / "wine.csv")
    wine = root / "wine.safetensors"
    run("train", "--data", table, "--epochs", "50", "--out", wine)
    run("export", wine, "--format", "onnx", "--out", root / "wine.onnx")
    return {"digits.onnx": digits_onnx, "wine.csv": table, "wine": wine,
            "wine.onnx": root / "wine.onnx"}


def start(*args) -> tuple[subprocess.Popen, str, str]:
    """``digitnet serve ARGS --port 0``: the process, its first line, the page's URL."""
    return start_serving([*args, "--port", "0"])


def stop(proc) -> str:
    """Ctrl-C, checked to end the server cleanly; what it printed after its first line."""
    code, out, err = ctrl_c(proc, buffered=True)
    assert code == 0 and no_bug(err), err
    return out


def test_onnx_models_are_served_beside_a_safetensors_model(web_model_path, files, held_out,
                                                          run_data_dir):
    """Model 1 is the served model exported to ONNX, model 2 the model itself (their answers
    the same), model 3 a table in ONNX: each read as its file is, and model 3's lack of a
    recorded table said, not refused."""
    proc, _, url = start(files["digits.onnx"], web_model_path, files["wine.onnx"],
                         "--data", run_data_dir)
    try:
        served = httpx.get(f"{url}/api/models").json()["models"]
        images, labels = held_out
        answers = [[httpx.post(f"{url}{api}/predict", json={"pixels": p.tolist()}).json()["digit"]
                    for p in (images[:20] / 255).round(3)] for api in ("/api", "/models/2/api")]
    finally:
        out = stop(proc)
    assert [(m["input"], m["sizes"], m["source"]) for m in served] == [
        ("images", [784, 16, 16, 10], str(files["digits.onnx"])),
        ("images", [784, 16, 16, 10], str(web_model_path)),
        ("table", [13, 16, 16, 3], str(files["wine.onnx"]))]
    assert answers[0] == answers[1] and np.mean(np.array(answers[0]) == labels[:20]) >= 0.8
    lines = out.splitlines()
    assert lines[2] == f"Poking model 1 scores it on the test split of {run_data_dir.name}: " \
                       "150 examples"
    assert lines[4] == "No held-out rows to poke model 3 with (its file does not record the " \
                       "table it was trained on)"
    assert lines[5].startswith(f"{files['wine.onnx']} reads a table of 13 columns, and the page")


def test_a_table_model_alone_is_served_and_the_page_says_what_it_cannot_do(files):
    """It starts (no drawing is read with it to warm up), is poked on its own validation rows
    of the wine table its file records, and says in one line that the page cannot ask it
    anything; a drawing sent to it is refused in one line saying what does predict its rows."""
    proc, line, url = start(files["wine"])
    try:
        drawing = httpx.post(f"{url}/api/predict", json={"pixels": [[0.0] * 28] * 28})
        poked = httpx.post(f"{url}/api/ablate", json={"off": [[1, 0]]}, timeout=60)
        # (each of these was refused for its pixels, pointing at bodies no table model takes)
        steps = [httpx.post(f"{url}/api/backprop", json={"pixels": pixels, "label": 1})
                 for pixels in ([[0.0] * 28] * 28, [[0.5] * 13] * 8)]
    finally:
        out = stop(proc)
    assert line.startswith(f"Serving 13-16-16-3 from {files['wine']} at ")
    assert out.splitlines()[:2] == [
        (f"Poking the network scores it on the model's validation split of {files['wine.csv']}:"
         " 18 examples set aside when it was trained"),
        (f"{files['wine']} reads a table of 13 columns, and the page draws digits and hears "
         f"recordings: it cannot ask this model anything (`digitnet predict {files['wine']} "
         "TABLE.csv` can)")]
    assert drawing.status_code == 422 and drawing.json() == {"error": (
        "this model reads a table of 13 columns, and /api/predict reads drawings, pictures "
        "and recordings; predict its rows with `digitnet predict MODEL TABLE.csv`")}
    assert poked.status_code == 200 and poked.json()["n"] == 18
    for step in steps:
        assert step.status_code == 422 and step.json() == {"error": (
            "this model reads a table of 13 columns, and /api/backprop steps from a drawing, a "
            "picture or a recording; step from a row in Python with digitnet.poke.backprop_step")}


def test_a_table_model_first_before_a_model_of_digits(files, web_model_path, held_out):
    """The model of digits after it is warmed up and answers as it does alone."""
    proc, _, url = start(files["wine"], web_model_path)
    try:
        image, label = held_out[0][0], held_out[1][0]
        answer = httpx.post(f"{url}/models/2/api/predict",
                            json={"pixels": (image / 255).round(3).tolist()})
    finally:
        stop(proc)
    assert answer.status_code == 200 and answer.json()["digit"] == label


def test_a_table_model_whose_table_is_not_recorded_is_served_saying_data_gives_it_some(files):
    """wine.onnx records no table: not refused for MNIST's pictures (the default of a model of
    pictures), but served with no held-out rows, saying why and that --data names some."""
    proc, _, url = start(files["wine.onnx"])
    try:
        poked = httpx.post(f"{url}/api/ablate", json={"off": []}, timeout=60)
        held = httpx.get(f"{url}/api/model").json()["held_out"]
    finally:
        out = stop(proc)
    reason = "its file does not record the table it was trained on"
    assert out.splitlines()[0] == f"No held-out rows to poke the network with ({reason}; " \
                                  "--data names some)"
    assert held == {"n": 0, "split": None, "description": f"none: {reason}"}
    assert poked.status_code == 409 and reason in poked.json()["error"]


def test_a_table_model_in_onnx_served_with_its_table_trains_on_it_from_the_page(files):
    """With --data naming its table, the page's training runs learn from it (the server
    started: it read a drawing with the table model to warm up, before)."""
    proc, _, url = start(files["wine.onnx"], "--data", files["wine.csv"])
    try:
        assert httpx.post(f"{url}/api/train", json={"epochs": 2}).status_code == 202
        with httpx.stream("GET", f"{url}/api/train/events", timeout=60) as r:
            kinds = [x[7:] for x in r.iter_lines() if x.startswith("event: ")]
        model = httpx.get(f"{url}/api/model").json()
    finally:
        stop(proc)
    assert kinds[-1] == "done", kinds
    assert model["sizes"] == [13, 16, 16, 3] and model["model_version"] == 2
    assert model["source"] == "trained from the page"


def test_a_model_of_spoken_digits_trains_afresh_from_the_page(speech_model):
    """The page's training run for a model of recordings trains without deskewing or shifts,
    as the recipes do (it failed at once before: "deskewing straightens images of ink")."""
    from fastapi.testclient import TestClient

    from digitnet.heldout import recorded_data
    from digitnet.web import create_app

    with TestClient(create_app(speech_model, data=recorded_data(speech_model))) as c:
        assert c.post("/api/train", json={"epochs": 1}).status_code == 202
        with c.stream("GET", "/api/train/events") as r:
            events = [x for x in r.iter_lines() if x.startswith(("event: ", "data: "))]
        model = c.get("/api/model").json()
    assert events[-2] == "event: done", events[-2:]
    assert model["model_version"] == 2 and model["metadata"]["input"]["kind"] == "audio"
    assert model["metadata"]["config"]["deskew"] is False
