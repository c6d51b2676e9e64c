"""Poking the served network through the API (in-process): neurons switched off and rewritten,
what neurons answer to, maps, robustness, one backprop step, saving, and bad requests; the
answers are the library's (digitnet.poke) on the server's held-out digits."""

from __future__ import annotations

import time

import numpy as np
import pytest
from api_helpers import assert_error, grid, post_raw
from real_data import voice_form

from digitnet import inputs, metrics, modelfile, poke
from digitnet.preprocess import to_mnist

HELD_OUT = slice(20000, 24345)  # real digits no test model has seen (the end of the prefix)


@pytest.fixture(scope="module")
def held(mnist):
    return mnist.subset(HELD_OUT, "test")


@pytest.fixture(scope="module")
def poke_client(web_model_path, run_data, held):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(web_model_path, data=run_data, held_out=held)) as c:
        yield c


@pytest.fixture(scope="module")
def rows(web_net, held):
    return inputs.of(web_net).rows(held.x), held.labels.astype(np.intp)


def edit(op, layer, neuron, **fields):
    return {"op": op, "layer": layer, "neuron": neuron, **fields}


# -- switching neurons off --------------------------------------------------------------------


def test_an_empty_off_list_is_the_intact_network(poke_client, web_net, rows):
    body = poke_client.post("/api/ablate", json={"off": []}).json()
    ev = metrics.evaluate(web_net, *rows)
    assert body["n"] == len(rows[1]) == 4345
    assert body["accuracy"] == body["baseline"]["accuracy"] == ev.accuracy
    np.testing.assert_allclose(body["per_class"], ev.per_class)
    assert body["classes"] == [str(d) for d in range(10)]
    assert poke_client.post("/api/ablate", json={}).json() == body


def test_switching_off_neurons_answers_the_library_on_the_held_out_digits(poke_client, web_net,
                                                                           rows):
    off = [[1, 3], [1, 7], [2, 0]]
    body = poke_client.post("/api/ablate", json={"off": off}).json()
    expected = poke.ablate(web_net, *rows, poke.Changes(off=tuple(map(tuple, off))))
    assert body["accuracy"] == expected.score.accuracy < body["baseline"]["accuracy"]
    np.testing.assert_allclose(body["per_class"], expected.score.per_class)
    # A whole layer off: every digit gets one answer, so one class is all right, the rest wrong.
    whole = poke_client.post("/api/ablate", json={"off": [[1, j] for j in range(16)]}).json()
    assert sorted(whole["per_class"]) == [0.0] * 9 + [1.0]


def test_the_ranking_is_each_neuron_switched_off_alone(poke_client):
    body = poke_client.post("/api/ranking", json={"off": [[2, 5]]}).json()
    neurons = body["neurons"]
    assert len(neurons) == 31 and [2, 5] not in [[d["layer"], d["neuron"]] for d in neurons]
    worst = neurons[0]
    alone = poke_client.post("/api/ablate", json={"off": [[2, 5], [worst["layer"],
                                                                   worst["neuron"]]]}).json()
    assert alone["accuracy"] == worst["accuracy"]
    assert body["accuracy"] - alone["accuracy"] == pytest.approx(worst["drop"])
    assert worst["drop"] == max(d["drop"] for d in neurons)
    # each class's accuracy, from which the neuron's per_class_drop falls to that without it
    assert body["per_class"] == poke_client.post("/api/ablate", json={"off": [[2, 5]]}).json()[
        "per_class"]
    np.testing.assert_allclose(np.subtract(body["per_class"], worst["per_class_drop"]),
                               alone["per_class"], atol=1e-12)


def test_predict_takes_the_same_changes(poke_client, web_net, held_out):
    image = held_out[0][3]
    intact = poke_client.post("/api/predict", json={"pixels": grid(image)}).json()
    assert poke_client.post("/api/predict", json={"pixels": grid(image), "off": []}).json()[
        "probabilities"] == intact["probabilities"]
    off = poke_client.post("/api/predict", json={"pixels": grid(image),
                                                 "off": [[1, 4], [2, 9]]}).json()
    assert off["layers"][0]["a"][4] == 0 and off["layers"][1]["a"][9] == 0
    x = inputs.of(web_net).rows(to_mnist(np.round(image / 255.0, 3).astype(np.float32))[None])
    changed = poke.Changes(off=((1, 4), (2, 9))).apply(web_net)
    np.testing.assert_allclose(off["probabilities"], changed.probabilities(x)[0], atol=2e-6)
    # Rewriting an output neuron's bias makes the network answer with it.
    loud = poke_client.post("/api/predict", json={
        "pixels": grid(image), "edits": [edit("bias", 3, 6, value=100)]}).json()
    assert loud["digit"] == 6 and intact["digit"] != 6


def test_two_people_editing_at_once_see_only_their_own_changes(poke_client, held_out):
    image = grid(held_out[0][0])
    mine = {"pixels": image, "edits": [edit("bias", 3, 2, value=50)]}
    theirs = {"pixels": image, "edits": [edit("bias", 3, 8, value=50)]}
    for _ in range(3):
        assert poke_client.post("/api/predict", json=mine).json()["digit"] == 2
        assert poke_client.post("/api/predict", json=theirs).json()["digit"] == 8
        assert poke_client.post("/api/predict", json={"pixels": image}).json()["digit"] not in (2, 8)


def test_requests_without_changes_leave_the_served_network_as_loaded(poke_client, web_model_path,
                                                                    held_out):
    """Without changes a route reads the served network itself, not a copy: none may alter it
    (its weights or its metadata), whatever it computes from it."""
    served = poke_client.app.state.served.current[0]
    loaded = modelfile.load(web_model_path)
    image = grid(held_out[0][5])
    for path, body in (("/api/predict", {"pixels": image}),
                       ("/api/backprop", {"pixels": image, "label": 3, "lr": 0.5}),
                       ("/api/ablate", {}), ("/api/ranking", {}),
                       ("/api/top", {"layer": 1, "neuron": 2, "count": 4}),
                       ("/api/map", {"layer": 2, "count": 50}),
                       ("/api/robustness", {"count": 10}),
                       ("/api/neuron/1/0", {}), ("/api/export", {})):
        assert poke_client.post(path, json=body).status_code == 200, path
        np.testing.assert_array_equal(served.params, loaded.params, err_msg=path)
        assert served.metadata == loaded.metadata, path


# -- rewriting neurons ------------------------------------------------------------------------


def test_a_rewritten_neuron_shows_its_new_bias_weights_and_activity(poke_client, held_out):
    seen = poke_client.post("/api/predict", json={"pixels": grid(held_out[0][1])}).json()
    before = poke_client.get("/api/neuron/1/2").json()
    changes = {"edits": [edit("bias", 1, 2, value=1.5),
                         edit("paint", 1, 2, cells=[{"row": 14, "col": 14, "weight": -0.75}])]}
    after = poke_client.post("/api/neuron/1/2", json=changes).json()
    assert after["bias"] == 1.5 and after["image"][14][14] == -0.75
    # Only the painted term w·a of pixel (14, 14) changed in the weighted sum. (The answers
    # round weights to 5 decimals and the input to 4: the sum agrees to about 1e-4.)
    pixel = seen["input"][14][14]
    expected = before["current"]["weighted_sum"] + (-0.75 - before["weights"][14 * 28 + 14]) * pixel
    assert after["current"]["weighted_sum"] == pytest.approx(expected, abs=1e-4)
    assert after["current"]["z"] == pytest.approx(after["current"]["weighted_sum"] + 1.5, abs=1e-5)
    assert poke_client.post("/api/neuron/1/2", json={}).json() == before


def test_the_edge_detector_fires_for_digits_with_a_stroke_across_the_middle(poke_client, held):
    changes = {"edits": [edit("edge", 1, 0, top=12, left=6, height=3, width=16, margin=1,
                              weight=0.5)]}
    body = poke_client.post("/api/top", json={"layer": 1, "neuron": 0, "count": 12,
                                              **changes}).json()
    assert len(body["examples"]) == 12 and 0 < body["firing"] < 0.5
    for example in body["examples"]:
        image = np.array(example["image"])
        np.testing.assert_allclose(image, held.x[example["index"]] / 255.0, atol=5e-4)
        assert example["label"] == held.labels[example["index"]]
        assert image[12:15, 6:22].mean() > image[11:16, 5:23].mean()  # the strip is lit
    a = [e["a"] for e in body["examples"]]
    assert a == sorted(a, reverse=True) and a[-1] > 0


def test_the_changed_network_is_saved_with_its_changes(poke_client, web_net, tmp_path):
    changes = {"off": [[1, 1]], "edits": [edit("scale", 2, 3, factor=-1.0)]}
    r = poke_client.post("/api/export", json=changes)
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert "digitnet-edited.safetensors" in r.headers["content-disposition"]
    path = tmp_path / "edited.safetensors"
    path.write_bytes(r.content)
    saved = modelfile.load(path)
    expected = poke.Changes.from_json(changes).apply(web_net)
    np.testing.assert_array_equal(saved.params, expected.params)
    assert saved.metadata["changes"] == [poke.Changes.from_json(changes).to_json()]
    assert saved.metadata["config"] == web_net.metadata["config"]


# -- what neurons answer to, maps, robustness -------------------------------------------------


def test_top_digits_and_classes_of_a_neuron(poke_client, web_net, rows):
    body = poke_client.post("/api/top", json={"layer": 2, "neuron": 4}).json()
    profile = poke.neuron_profile(web_net, *rows, 2, 4, count=16)
    assert [e["index"] for e in body["examples"]] == profile.top.tolist()
    np.testing.assert_allclose(body["class_mean"], profile.class_mean, rtol=1e-6)
    assert body["n"] == 4345 and len(body["class_firing"]) == 10


def test_maps_of_each_layer(poke_client, held):
    for layer in (0, 1, 2, 3):
        body = poke_client.post("/api/map", json={"layer": layer, "count": 300}).json()
        assert len(body["points"]) == len(body["labels"]) == 300 and body["method"] == "pca"
        assert body["labels"] == held.labels[:300].tolist() and body["indices"][5] == 5
        assert 0 < sum(body["explained"]) <= 1
    digit = poke_client.get("/api/heldout/5").json()
    assert digit["label"] == held.labels[5] and digit["class_name"] == str(held.labels[5])
    np.testing.assert_allclose(digit["image"], held.x[5] / 255.0, atol=5e-4)
    tsne = poke_client.post("/api/map", json={"layer": 2, "count": 60, "method": "tsne"}).json()
    assert len(tsne["points"]) == 60 and tsne["explained"] is None


def test_robustness_curves_with_and_without_changes(poke_client):
    plain = poke_client.post("/api/robustness", json={"count": 200}).json()
    assert plain["models"] == ["served"] and plain["n"] == 200
    assert [c["name"] for c in plain["curves"]] == list(poke.DISTORTIONS)
    both = poke_client.post("/api/robustness", json={"count": 200, "off": [[1, 0]]}).json()
    assert both["models"] == ["served", "with your changes"]
    for one, two in zip(plain["curves"], both["curves"]):
        assert two["accuracy"][0] == one["accuracy"][0] and len(two["accuracy"]) == 2


# -- backpropagation, one step ----------------------------------------------------------------


def test_one_backprop_step_lowers_the_cost(poke_client, web_net, held_out):
    image, label = held_out[0][2], int(held_out[1][2])
    wrong = (label + 1) % 10
    body = poke_client.post("/api/backprop", json={"pixels": grid(image), "label": wrong,
                                                   "lr": 0.05}).json()
    assert body["cost_after"] < body["cost"] and body["label"] == wrong and body["lr"] == 0.05
    assert [d["layer"] for d in body["deltas"]] == [1, 2, 3]
    assert [len(d["delta"]) for d in body["deltas"]] == [16, 16, 10]
    np.testing.assert_allclose(body["wanted"], -np.array(body["deltas"][-1]["delta"]))
    assert np.array(body["first_layer_changes"]).shape == (16, 28, 28)
    x = inputs.of(web_net).rows(to_mnist(np.round(image / 255.0, 3).astype(np.float32))[None])[0]
    step = poke.backprop_step(web_net, x, wrong, lr=0.05)
    assert body["cost"] == pytest.approx(step.cost, rel=1e-6)
    assert body["cost_after"] == pytest.approx(step.cost_after, rel=1e-5, abs=1e-7)
    assert body["digit_after"] == step.digit_after
    default = poke_client.post("/api/backprop", json={"pixels": grid(image), "label": wrong}).json()
    assert default["lr"] == poke.DEFAULT_LR
    assert poke_client.get("/api/model").json()["model_version"] == 1  # nothing was trained


# -- bad requests: 4xx with one line ----------------------------------------------------------


@pytest.mark.parametrize("body,words", [
    ({"off": [[5, 0]]}, ["layer 5 does not exist", "hidden layers 1 to 2"]),
    ({"off": [[0, 3]]}, ["layer 0 is the input layer"]),
    ({"off": [[3, 3]]}, ["output layer"]),
    ({"off": [[1, 16]]}, ["neuron 16 does not exist", "0 to 15"]),
    ({"off": [1, 2]}, ["off[0]", "[layer, neuron] pair", "got 1"]),
    ({"off": [[1]]}, ["off[0]", "pair"]),
    ({"off": [[1, 2, 3]]}, ["off[0]", "pair"]),
    ({"off": "[[1, 2]]"}, ["off", "list of [layer, neuron] pairs"]),
    ({"off": {"1": 2}}, ["off", "list of [layer, neuron] pairs"]),
    ({"off": [[1, 2.5]]}, ["off[0][1]", "whole number", "neuron", "2.5"]),
    ({"off": [["1", 2]]}, ["off[0][0]", "whole number", "layer"]),
    ({"off": [[None, 2]]}, ["off[0][0]"]),
    ({"off": [[1, 2]], "cut": 1}, ["cut", "remove"]),
    ({"edits": [edit("paint", 1, 0, cells=[{"row": 28, "col": 3, "weight": 1}])]},
     ["cells[0]", "outside the 28x28 grid"]),
    ({"edits": [edit("paint", 1, 0, cells=[{"row": -1, "col": 3, "weight": 1}])]},
     ["edits[0].cells[0].row"]),
    ({"edits": [edit("bias", 9, 0, value=1)]}, ["layer 9 does not exist"]),
    ({"edits": [edit("bias", 1, 0, value=1e9)]}, ["value"]),
    ({"edits": [edit("twist", 1, 0)]}, ["op"]),
    ({"edits": [edit("scale", 1, 0)]}, ["factor", "missing"]),
])
def test_bad_changes_are_refused_with_a_reason(poke_client, held_out, body, words):
    for path in ("/api/ablate", "/api/ranking", "/api/robustness", "/api/export"):
        assert_error(poke_client.post(path, json=body), 422, *words)
    drawing = {"pixels": grid(held_out[0][0])}
    assert_error(poke_client.post("/api/predict", json={**drawing, **body}), 422, *words)
    assert_error(poke_client.post("/api/neuron/1/0", json=body), 422, *words)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_bias_of_nan_is_refused(poke_client, literal):
    raw = ('{"edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": %s}]}' % literal).encode()
    r = poke_client.post("/api/ablate", content=raw, headers={"content-type": "application/json"})
    assert_error(r, 422, "edits[0].value")
    pixels = ", ".join(["[" + ", ".join(["0"] * 28) + "]"] * 28)
    raw = ('{"pixels": [%s], "edits": [{"op": "bias", "layer": 1, "neuron": 0, "value": %s}]}'
           % (pixels, literal)).encode()
    assert_error(post_raw(poke_client, raw), 422, "edits[0].value")


@pytest.mark.parametrize("path,body,status,words", [
    ("/api/backprop", {"label": 11}, 422, ["label must be a class from 0 to 9, got 11"]),
    ("/api/backprop", {"label": -1}, 422, ["label"]),
    ("/api/backprop", {"label": 3, "lr": 0}, 422, ["lr"]),
    ("/api/backprop", {"label": 3, "pixels": [[0.0] * 28] * 28}, 422, ["blank"]),
    ("/api/top", {"layer": 2, "neuron": 16}, 422, ["neuron 16 does not exist"]),
    ("/api/top", {"layer": 0, "neuron": 1}, 422, ["layer 0 is the input layer"]),
    ("/api/top", {"layer": 1, "neuron": 1, "count": 0}, 422, ["count"]),
    ("/api/map", {"layer": 4}, 422, ["layer 4 does not exist"]),
    ("/api/map", {"layer": 1, "method": "tsne", "count": 2000}, 422, ["at most 1000"]),
    ("/api/map", {"layer": 1, "method": "umap"}, 422, ["method"]),
    ("/api/neuron/0/1", {}, 404, ["layer 0 is the input layer"]),
])
def test_bad_requests_are_refused_with_a_reason(poke_client, held_out, path, body, status, words):
    if path == "/api/backprop" and "pixels" not in body:
        body = {"pixels": grid(held_out[0][0]), **body}
    assert_error(poke_client.post(path, json=body), status, *words)


def test_held_out_digits_out_of_range(poke_client):
    assert_error(poke_client.get("/api/heldout/4345"), 404, "0 to 4344")
    assert_error(poke_client.get("/api/heldout/-1"), 404, "does not exist")


def test_without_held_out_digits_the_server_says_why(web_model_path, run_data):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    # The served model learned from 8,000 digits of the prefix; run_data holds 1,500 others, so
    # its validation split cannot be rebuilt from them, and they have no test split.
    with TestClient(create_app(web_model_path, data=run_data)) as c:
        info = c.get("/api/model").json()["held_out"]
        assert info["n"] == 0 and info["split"] is None and "8,000 examples" in info["description"]
        message = assert_error(c.post("/api/ablate", json={}), 409, "no held-out digits", "--data")
        assert "8,000" in message
        assert c.post("/api/backprop", json={"pixels": [[0.0] * 8] * 7 + [[1.0] * 8],
                                             "label": 1}).status_code == 200


def test_the_model_says_which_held_out_digits(poke_client):
    info = poke_client.get("/api/model").json()["held_out"]
    assert info == {"n": 4345, "split": "test",
                    "description": info["description"]} and "4,345 examples" in info["description"]



def test_an_uploaded_image_carries_its_changes_in_a_form_field(poke_client, held_out):
    from api_helpers import png

    files = {"file": ("digit.png", png(held_out[0][4]), "image/png")}
    changes = '{"edits": [{"op": "bias", "layer": 3, "neuron": 1, "value": 80}], "off": [[2, 3]]}'
    body = poke_client.post("/api/predict", files=files, data={"changes": changes}).json()
    assert body["digit"] == 1 and body["layers"][1]["a"][3] == 0
    r = poke_client.post("/api/predict", files=files, data={"changes": '{"off": [[7, 0]]}'})
    assert_error(r, 422, "layer 7 does not exist")
    r = poke_client.post("/api/predict", files=files, data={"changes": "off"})
    assert_error(r, 422, "changes: ", "not valid JSON")


# -- edits that compound, and poking after a training run -------------------------------------


def run_finished(client) -> None:
    """Wait for the training run started from the page to end (within a minute)."""
    for _ in range(600):
        if client.get("/api/train").json()["state"] != "running":
            return
        time.sleep(0.1)
    pytest.fail("the training run did not finish within a minute")


def test_scale_edits_that_compound_are_refused_naming_the_first_rather_than_answered_nan(
        poke_client, web_net, held_out, rows):
    """Every neuron scaled by 1,000 again and again (each factor within the limit): refused with
    one line naming the first edit past what float32 holds, on every route, never answered with
    NaN (null) costs and probabilities or a map of zeros."""
    neurons = [(l, j) for l in range(1, len(web_net.sizes)) for j in range(web_net.sizes[l])]
    edits = ([edit("scale", l, j, factor=1000) for l, j in neurons] * 7)[:256]
    image = grid(held_out[0][5])
    refusals = set()
    for path, body in (("/api/backprop", {"pixels": image, "label": 3}),
                       ("/api/map", {"layer": 2, "count": 60, "method": "tsne"}),
                       ("/api/predict", {"pixels": image}), ("/api/ablate", {}),
                       ("/api/top", {"layer": 3, "neuron": 1}), ("/api/export", {})):
        message = assert_error(poke_client.post(path, json={**body, "edits": edits}), 422,
                               "overflow", "scale edit", "float32")
        refusals.add(message)
    assert len(refusals) == 1
    first = int(message.split("]")[0].removeprefix("edits["))
    # The edits before it are taken, and the network they make reads real digits in numbers...
    fine = poke_client.post("/api/backprop", json={"pixels": image, "label": 3,
                                                   "edits": edits[:first]}).json()
    assert all(p is not None for p in fine["probabilities_after"]) and fine["cost"] is not None
    changed = poke.Changes(edits=tuple(edits[:first])).apply(web_net)
    assert np.isfinite(changed.probabilities(rows[0])).all()
    # ... and that one edit more is the one refused.
    assert_error(poke_client.post("/api/ablate", json={"edits": edits[: first + 1]}), 422,
                 f"edits[{first}]")


def test_after_a_run_with_another_seed_poking_is_scored_on_the_new_models_held_out_digits(
        run_data, tmp_path):
    """A model trained on run_data sets 10% of it aside; a run from the page with another seed
    sets other digits aside, and trains on most of the first ones: the poking routes and
    GET /api/model then take the new model's own held-out digits."""
    from fastapi.testclient import TestClient

    from digitnet import PRESETS, heldout, metrics
    from digitnet.training import train
    from digitnet.web import create_app

    path = tmp_path / "model.safetensors"
    original = train(run_data, PRESETS["default"].replace(epochs=1, seed=0),
                     handle_signals=False).network
    modelfile.save(original, path)
    set_aside = heldout.validation_split(original, run_data)
    with TestClient(create_app(path, data=run_data)) as c:
        first = c.get("/api/model").json()["held_out"]
        assert first["split"] == "val" and first["n"] == len(set_aside)
        assert c.post("/api/train", json={"epochs": 1, "seed": 5}).status_code == 202
        run_finished(c)
        net = c.app.state.served.current[0]
        assert net.metadata["config"]["seed"] == 5
        own, trained_on = (heldout.validation_split(net, run_data, split) for split in
                           ("val", "train"))
        info = c.get("/api/model").json()
        assert info["model_version"] == 2
        now = info["held_out"]
        assert now["split"] == "val" and now["n"] == len(own)
        assert "validation split" in now["description"]
        assert f"{len(own):,} examples" in now["description"]
        digits = [c.get(f"/api/heldout/{i}").json() for i in range(len(own))]
        learned = {x.tobytes() for x in trained_on.x}
        assert sum(x.tobytes() in learned for x in set_aside.x) > len(set_aside) / 2
        for digit, x, label in zip(digits, own.x, own.labels):
            assert digit["label"] == label
            np.testing.assert_allclose(digit["image"], x / 255.0, atol=5e-4)
            assert x.tobytes() not in learned
        body = c.post("/api/ablate", json={}).json()
        assert body["n"] == len(own)
        assert body["baseline"]["accuracy"] == metrics.evaluate(
            net, inputs.of(net).rows(own.x), own.labels.astype(np.intp)).accuracy


def test_a_voice_taught_on_the_page_keeps_the_held_out_digits_of_the_model_it_came_from(
        speech_model, spoken_digits):
    """Fine-tuning learns from the voice only: the recordings the speech model set aside are
    still ones the fine-tuned model never learned from, and poking it goes on with them."""
    from fastapi.testclient import TestClient

    from digitnet.heldout import recorded_data
    from digitnet.web import create_app

    form = voice_form(spoken_digits, range(3))
    with TestClient(create_app(speech_model, data=recorded_data(speech_model))) as c:
        first = c.get("/api/model").json()["held_out"]
        before = c.get("/api/heldout/7").json()
        assert first["split"] == "val" and first["n"] > 0
        assert c.post("/api/voice", files=form).status_code == 202
        run_finished(c)
        info = c.get("/api/model").json()
        assert info["model_version"] == 2 and info["metadata"]["init"]
        now = info["held_out"]
        assert now["n"] == first["n"] and now["split"] == "val"
        assert now["description"].startswith("those of the network it was fine-tuned from")
        assert now["description"].endswith(first["description"])
        assert c.get("/api/heldout/7").json() == {**before, "model_version": 2}
        assert c.post("/api/ablate", json={}).json()["n"] == first["n"]
        # Taught again, from the network taught once: the same digits, said in the same words.
        assert c.post("/api/voice", files=form).status_code == 202
        run_finished(c)
        again = c.get("/api/model").json()
        assert again["model_version"] == 3 and again["held_out"] == now
