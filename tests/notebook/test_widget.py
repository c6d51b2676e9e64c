"""The widget's Python half with real networks and real digits: the traits the next cell reads,
a drawing sent as the page's pad sends it read exactly as the web API reads it, any network
(trained, imported from ONNX, edited, wider), and one-line errors.

The browser half is in test_jupyterlab.py; here the messages the widget would send to the
browser are kept in a list instead (the widget has no front end outside a notebook).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import digitnet
from digitnet import inputs
from digitnet.errors import DataError, MissingDependencyError

from lab_server import REPO

KERAS = REPO / "tests" / "data" / "tf2onnx" / "keras.onnx"
HELD_OUT = slice(20000, 20040)  # real digits none of these networks was trained on


@pytest.fixture(scope="module")
def trained(drawing_model):
    return digitnet.load(drawing_model)


@pytest.fixture(scope="module")
def networks(trained, mnist):
    """Each kind of network the widget must show: trained here, imported (a Keras MLP through
    tf2onnx), edited (hidden neuron 3 of layer 1 silenced), and wider (784-64-32-10)."""
    edited = trained.copy()
    edited.weights[1][:, 3] = 0
    wider = digitnet.train(mnist.subset(slice(0, 3000), "train"), sizes=(784, 64, 32, 10),
                           epochs=1, handle_signals=False).network
    return {"trained": trained, "imported": digitnet.load(KERAS), "edited": edited,
            "wider": wider}


def widget(net):
    """``digitnet.widget(net)``, keeping what it sends to the browser in ``w.sent``."""
    w = digitnet.widget(net)
    w.sent = []
    w.send = lambda content, buffers=None: w.sent.append(content)
    return w


def ask(w, **message) -> dict:
    """A request as the browser's explorer sends it; the widget's answer."""
    w._on_message(w, {"seq": 1, **message}, message.pop("buffers", []))
    assert w.sent[-1]["seq"] == 1
    return w.sent[-1]


def pad_grid(image: np.ndarray) -> list[list[float]]:
    """A real digit as the page's pad sends a drawing: 56x56 brightness values 0..1 (ink = 1)."""
    return (np.kron(image, np.ones((2, 2))) / 255).round(2).tolist()


@pytest.mark.parametrize("kind", ["trained", "imported", "edited", "wider"])
def test_an_image_set_in_python_is_read_by_the_network(networks, mnist, kind):
    net = networks[kind]
    w = widget(net)
    assert w._model["sizes"] == list(net.sizes)
    for layer, (weights, biases) in zip(w._model["layers"], zip(net.weights, net.biases)):
        # rounded to 5 decimals for sending: off by at most half of 1e-5 (and float32's 1e-7)
        np.testing.assert_allclose(layer["weights"], weights, atol=5e-6 + 1e-7)
        np.testing.assert_allclose(layer["biases"], biases, atol=5e-6 + 1e-7)
    images = mnist.x[HELD_OUT]
    for image in images[:10]:
        w.image = image
        read = inputs.of(net).rows(image)  # the model's input record (deskewing), as the widget
        assert w.digit == net.predict(image)  # (predict applies the record itself)
        expected = net.trace(read)  # uint8 pixels / 255, as the widget scales them: same bits
        for got, want in zip(w.trace.activations, expected.activations):
            np.testing.assert_array_equal(got, want)
        shown = w.sent[-1]
        assert shown["kind"] == "show" and shown["picture"] is True
        assert shown["prediction"]["digit"] == w.digit
    # the image as given; the picture the network reads (deskewed where the model deskews), its
    # uint8 pixels scaled as every part of digitnet scales them (times float32(1 / 255)), is the
    # trace's input layer and the input the widget shows
    np.testing.assert_array_equal(w.image, images[9])
    assert not w.image.flags.writeable
    seen = inputs.of(net).rows(images[9]).reshape(28, 28) * np.float32(1 / 255)
    np.testing.assert_array_equal(w.trace.activations[0].reshape(28, 28), seen)
    np.testing.assert_allclose(shown["prediction"]["input"], seen, rtol=0, atol=5e-5)


@pytest.mark.parametrize("off", [(), ((1, 3), (2, 5))])
def test_a_drawing_is_read_as_the_web_api_reads_it(trained, mnist, off):
    """... by the network as trained, and with neurons switched off (saved by digitnet edit):
    those read a = 0 in both, what the next layer receives (the widget showed their σ(z))."""
    from fastapi.testclient import TestClient

    from digitnet.poke import Changes
    from digitnet.web import create_app

    net = Changes(off=list(off)).apply(trained) if off else trained
    w = widget(net)
    with TestClient(create_app(net)) as client:
        for image in mnist.x[HELD_OUT][:8]:
            grid = pad_grid(image)
            answer = ask(w, kind="predict", pixels=grid)["answer"]
            api = client.post("/api/predict", json={"pixels": grid}).json()
            assert answer == {k: v for k, v in api.items() if k not in ("input_id", "model_version")}
            assert w.digit == api["digit"]
            for layer, index in off:
                assert answer["layers"][layer - 1]["a"][index] == 0
            neuron = ask(w, kind="neuron", layer=2, index=5)["answer"]
            from_api = client.get(f"/api/neuron/2/5?input_id={api['input_id']}").json()
            del from_api["current"]["input_id"], from_api["model_version"]
            assert neuron == from_api
            if off:  # (neuron 5 of layer 2 is one of those switched off)
                assert neuron["current"]["a"] == 0
    assert all(m.get("kind") != "show" for m in w.sent)  # answers, not pushes


def test_clearing_and_a_new_network(networks, mnist):
    w = widget(networks["trained"])
    w.image = mnist.x[20001]
    assert ask(w, kind="current")["answer"]["digit"] == w.digit
    w.network = networks["edited"]  # the picture stays, read by the new network
    assert w.digit == networks["edited"].predict(mnist.x[20001])
    assert w.sent[-1]["kind"] == "show" and w.sent[-1]["picture"] is False  # the drawing stays
    assert ask(w, kind="clear") == {"seq": 1, "answer": None}
    assert (w.image, w.digit, w.trace) == (None, None, None)
    assert ask(w, kind="neuron", layer=1, index=0)["answer"]["current"] is None


def test_a_network_that_hears_clears_a_drawing(trained, mnist, speech_model, spoken_digits):
    """Swapped for a network that hears, the drawing is gone (a picture of ink means nothing as
    a picture of sound), and the pad is cleared; between two networks hearing through the same
    front end the picture stays; back to one that reads drawings, it goes again."""
    from digitnet import modelfile

    hears = modelfile.load(speech_model)
    w = widget(trained)
    w.image = mnist.x[20003]
    w.network = hears
    assert (w.image, w.digit, w.trace) == (None, None, None)
    assert w.sent[-1] == {"kind": "show", "prediction": None, "picture": True}
    recording = spoken_digits / "4_jackson_0.wav"
    digit = w.hear(recording)
    heard = w.image
    louder = hears.copy()  # the same front end, another network: the picture stays
    louder.biases[-1][4] += 1.0
    w.network = louder
    assert w.image is heard and w.sent[-1]["picture"] is False
    assert w.digit == louder.predict(heard.reshape(1, -1)) and w.trace is not None
    assert digit == hears.predict(heard.reshape(1, -1))
    w.network = trained
    assert (w.image, w.digit) == (None, None)
    assert w.sent[-1] == {"kind": "show", "prediction": None, "picture": True}


def test_what_cannot_be_read_is_said_in_one_line(trained, mnist):
    w = widget(trained)
    w.image = mnist.x[20002]
    reply = ask(w, kind="upload", name="notes.txt", buffers=[b"not a picture"])
    assert "notes.txt" in reply["error"] and "\n" not in reply["error"]
    assert w.digit == trained.predict(mnist.x[20002])  # (the last good reading stays)
    reply = ask(w, kind="neuron", layer=0, index=0)
    assert reply["error"].startswith("layer 0 is the input layer: it has no weights")
    with pytest.raises(DataError, match=r"expected images of 28x28 pixels, got .* \(5, 5\)"):
        w.image = np.zeros((5, 5))
    with pytest.raises(DataError, match=r"pixels as floats must lie in \[0, 1\]"):
        w.image = np.full((28, 28), 2.0)
    with pytest.raises(Exception, match="read-only"):
        w.digit = 3
    with pytest.raises(DataError, match="reads rows of 13 numbers"):
        digitnet.widget(digitnet.Network((13, 8, 3), seed=0))


@pytest.fixture(scope="module")
def plain(mnist):
    """The default recipe without deskewing (``--no-deskew``), trained as drawing_model is."""
    return digitnet.train(mnist.subset(slice(0, 12000), "train"), epochs=4, deskew=False,
                          handle_signals=False).network


def read_as(w, net, image) -> None:
    """Assert that ``w`` shows ``net`` reading ``image`` as ``net.predict_proba`` reads it: the
    digit, the probabilities, the input it shows and every answer about a neuron."""
    proba = net.predict_proba(image)
    assert w.digit == int(proba.argmax())
    np.testing.assert_array_equal(w.trace.output[0], proba)
    shown = w.sent[-1]["prediction"]
    assert shown["digit"] == w.digit
    np.testing.assert_allclose(shown["probabilities"], proba, rtol=0, atol=5e-7)
    rows = inputs.of(net).rows(image)  # what this network sees: deskewed only if it deskews
    seen = rows.reshape(28, 28) * (np.float32(1 / 255) if rows.dtype == np.uint8 else 1)
    np.testing.assert_array_equal(w.trace.activations[0].reshape(28, 28), seen)
    np.testing.assert_allclose(shown["input"], seen, rtol=0, atol=5e-5)
    neuron = ask(w, kind="neuron", layer=1, index=4)["answer"]["current"]
    assert neuron["z"] == pytest.approx(float(net.trace(rows).zs[0][0, 4]), abs=1e-5)


def test_a_network_swapped_in_reads_the_image_as_given(trained, plain, mnist):
    """``w.network = other`` between a model that deskews and one that does not: the new network
    reads the image the user gave, through its own input record, as its predict_proba does
    (it read the old network's deskewed, or not deskewed, picture)."""
    assert inputs.of(trained).deskew and not inputs.of(plain).deskew
    held_out = mnist.x[20000:20200]
    # a real digit each network reads differently through the other's input record
    deskewed = inputs.of(trained).rows(held_out)
    undone = plain.probabilities(deskewed).argmax(axis=1) != plain.predict(held_out)
    skipped = trained.probabilities(held_out.reshape(len(held_out), -1)).argmax(axis=1)
    both = np.flatnonzero(undone & (skipped != trained.predict(held_out)))
    assert len(both), "no digit here tells the two readings apart"
    digit = held_out[both[0]]
    for image in (digit, digit * np.float32(1 / 255)):  # uint8 pixels, brightness in [0, 1]
        w = widget(trained)
        w.image = image
        given = w.image
        np.testing.assert_array_equal(given, image)
        assert given.dtype == image.dtype
        read_as(w, trained, image)
        w.network = plain
        assert w.image is given and w.sent[-1]["picture"] is False  # the drawing stays
        read_as(w, plain, image)
        w.network = trained
        assert w.image is given
        read_as(w, trained, image)


def test_a_picture_file_or_a_pil_image_is_sent_to_to_mnist(trained, speech_model, mnist,
                                                         tmp_path):
    """``w.image = "five.png"`` (or a Path, or a PIL image) says in one line what reads it:
    ``digitnet.preprocess.to_mnist``; for a model that hears, ``w.hear``. The image stays."""
    from PIL import Image

    from digitnet.preprocess import to_mnist

    photo = tmp_path / "five.png"  # a real digit, dark ink on light paper, 400x400
    Image.fromarray(255 - mnist.x[20005]).resize((400, 400)).save(photo)
    w = widget(trained)
    w.image = mnist.x[20004]
    for value in (str(photo), photo, photo.read_bytes()):
        with pytest.raises(DataError) as error:
            w.image = value
        said = str(error.value)
        assert said.startswith("w.image takes the pixels of a 28x28 image, not a file")
        call = "data" if isinstance(value, bytes) else repr(str(photo))
        assert said.endswith(f"w.image = digitnet.preprocess.to_mnist({call})")
        assert "\n" not in said
    with Image.open(photo) as picture, pytest.raises(DataError) as error:
        w.image = picture
    assert "not a PIL image" in str(error.value)
    assert "digitnet.preprocess.to_mnist(picture)" in str(error.value)
    np.testing.assert_array_equal(w.image, mnist.x[20004])
    w.image = to_mnist(photo)  # what the message says to do
    assert w.digit == trained.predict(to_mnist(photo))
    hears = widget(digitnet.load(speech_model))
    with pytest.raises(DataError, match=r"not a file name .*; hear a recording with "
                                        r"w\.hear\('seven\.wav'\)$"):
        hears.image = "seven.wav"


def test_without_the_notebook_extra_the_error_names_it(trained, monkeypatch):
    monkeypatch.delitem(sys.modules, "digitnet.notebook.explorer", raising=False)
    monkeypatch.setitem(sys.modules, "anywidget", None)  # as if it were not installed
    with pytest.raises(MissingDependencyError) as error:
        digitnet.widget(trained)
    assert str(error.value) == ("digitnet.widget needs the notebook extra: "
                                "pip install 'digitnet[notebook]'")


# -- a model of spoken digits: recordings in, the picture heard and the network lit up ---------


def test_a_model_of_spoken_digits_hears_recordings(speech_model, speech_unheard_recordings,
                                                   trained):
    """``w.hear(path)`` and a recording uploaded (or recorded by the microphone) in the widget
    are read through the model's own front end, as the web API reads them: the picture heard
    is ``w.image`` and is shown, the trace and digit are the network's for it."""
    from fastapi.testclient import TestClient

    from digitnet import audio, inputs
    from digitnet.web import create_app

    net = digitnet.load(speech_model)
    w = widget(net)
    assert w._model["metadata"]["input"]["kind"] == "audio"  # the page's code adapts to it
    with TestClient(create_app(speech_model, data=None)) as client:
        for path in speech_unheard_recordings[::7]:
            picture = audio.picture(path, inputs.audio_of(net))
            assert w.hear(path) == w.digit == net.predict(picture)
            np.testing.assert_array_equal(w.image, picture * np.float32(1 / 255))
            for got, want in zip(w.trace.activations, net.trace(picture).activations):
                np.testing.assert_array_equal(got, want)
            assert w.sent[-1]["kind"] == "show" and w.sent[-1]["picture"] is True
            assert w.sent[-1]["prediction"]["digit"] == w.digit
            data = path.read_bytes()
            answer = ask(w, kind="upload", name=path.name, buffers=[data])["answer"]
            api = client.post("/api/predict", files={"file": (path.name, data, "audio/wav")})
            assert answer == {k: v for k, v in api.json().items()
                              if k not in ("input_id", "model_version")}
    # a drawing is no recording, a recording no picture: one line each, saying what to do
    reply = ask(w, kind="predict", pixels=pad_grid(np.zeros((28, 28))))
    assert reply["error"].startswith("this model hears recordings, not drawings")
    heard = w.image
    reply = ask(w, kind="upload", name="notes.txt", buffers=[b"not a recording"])
    assert "notes.txt" in reply["error"] and "\n" not in reply["error"]
    assert w.image is heard and w.digit is not None  # (the last good reading stays)
    with pytest.raises(DataError, match="reads pictures, not recordings"):
        widget(trained).hear(speech_unheard_recordings[0])
