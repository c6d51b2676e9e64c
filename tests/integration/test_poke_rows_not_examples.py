"""digitnet.poke takes the input layer's rows, ``inputs.of(net).rows(x)``, where predict and
evaluate take examples as the data holds them. Examples passed where rows are expected were read
silently wrong: a default-recipe model's held-out digits, not deskewed, scored 80% by
``poke.ablate`` against the 93% ``digitnet.evaluate`` gives. Every poking function now refuses
what cannot be the input layer's rows, in one line saying what to pass, and reads the rows as
evaluate reads the examples; the README's example runs as pasted.

With a network trained here on real MNIST digits (the default recipe, which deskews, 2 epochs on
the prefix, as ``digitnet train --data DIR --epochs 2`` makes it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine

import digitnet
from digitnet import datasets, heldout, inputs, poke
from digitnet.errors import DataError
from digitnet.network import Network

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def net(mnist_dir):
    result = digitnet.train(datasets.load(str(mnist_dir)), epochs=2, handle_signals=False)
    assert inputs.of(result.network).deskew
    return result.network


@pytest.fixture(scope="module")
def held(net, mnist_dir):
    """The model's own validation split: 2,434 real digits it did not train on."""
    data = heldout.held_out(net, str(mnist_dir)).data
    return data.x, data.labels.astype(np.intp)


# What each function is given: ``x`` its examples or rows, ``y`` their labels.
POKES = {
    "ablate": lambda net, x, y: poke.ablate(net, x, y).baseline.accuracy,
    "rank_neurons": lambda net, x, y: poke.rank_neurons(net, x, y, layers=[2])[0].accuracy,
    "neuron_profile": lambda net, x, y: poke.neuron_profile(net, x, y, 1, 3).firing,
    "class_means": lambda net, x, y: poke.class_means(net, x, y, 2),
    "embedding": lambda net, x, y: poke.embedding(net, x, layer=2).points,
    "backprop_step": lambda net, x, y: poke.backprop_step(net, x[0], int(y[0]), lr=0.1).cost,
}

# Examples as the data holds them, each read silently wrong before (the digits not deskewed).
GIVEN = {
    "pictures": lambda x: x,
    "brightness pictures": lambda x: x / 255,
    "flattened pixels": lambda x: x.reshape(len(x), -1),
    "flattened brightness": lambda x: x.reshape(len(x), -1) * np.float32(1 / 255),
}


@pytest.mark.parametrize("given", list(GIVEN))
@pytest.mark.parametrize("name", [name for name in POKES if name != "backprop_step"])
def test_examples_as_the_data_holds_them_are_refused(net, held, name, given):
    x, y = held
    examples = GIVEN[given](x)
    with pytest.raises(DataError) as refused:
        POKES[name](net, examples, y)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("rows: ")
    assert message.endswith(
        "; pass inputs.of(net).rows(images), the input layer's rows, as (n, 784) uint8 pixels "
        "or floats in [0, 1], each image deskewed as this model reads it")
    if examples.ndim == 3:
        assert message.startswith(f"rows: got an array of shape {examples.shape}, pictures as "
                                  "the data holds them, not the input layer's rows; ")
    else:
        assert message.startswith("rows: not deskewed (deskewing changes the median of the "
                                  "first 100 by ")


@pytest.mark.parametrize("given", ["pictures", "brightness pictures"])
def test_a_picture_alone_is_refused_by_a_backprop_step(net, held, given):
    x, y = held
    with pytest.raises(DataError) as refused:
        poke.backprop_step(net, GIVEN[given](x)[0], int(y[0]))
    assert str(refused.value) == (
        "x: got an array of shape (28, 28), a picture as the data holds it, not the input "
        "layer's rows; pass inputs.of(net).rows(images)[i], one of the input layer's rows, as "
        "(784,) uint8 pixels or floats in [0, 1], each image deskewed as this model reads it")


def test_what_the_page_and_the_widget_describe_is_a_row_too(net, held):
    """described_prediction and described_neuron (the page's and the widget's answers) take one
    input row, as the other poking functions take rows."""
    x, _ = held
    row = inputs.of(net).rows(x[:1])[0] * np.float32(1 / 255)  # (as the page sends it)
    assert poke.described_prediction(net, row)["digit"] == net.predict(x[0])
    assert poke.described_neuron(net, 1, 0, row)["current"] is not None
    for call in (lambda: poke.described_prediction(net, x[0]),
                 lambda: poke.described_neuron(net, 1, 0, x[0])):
        with pytest.raises(DataError, match=r"^x: got an array of shape \(28, 28\), a picture as "
                                            r"the data holds it, not the input layer's rows; "):
            call()


def test_the_rows_are_read_as_evaluate_reads_the_examples(net, held):
    x, y = held
    accuracy = digitnet.evaluate(net, x, y).accuracy
    assert accuracy > 0.9
    rows = inputs.of(net).rows(x)
    assert rows.dtype == np.uint8 and rows.shape == (len(x), 784)  # rows of uint8 are uint8
    assert poke.ablate(net, rows, y).baseline.accuracy == accuracy
    as_floats = inputs.of(net).rows(x / 255)
    assert as_floats.dtype == np.float32 and as_floats.max() <= 1
    assert poke.ablate(net, as_floats, y).baseline.accuracy == accuracy
    for name, call in POKES.items():  # every function takes both, and reads them alike
        np.testing.assert_allclose(call(net, rows, y), call(net, as_floats, y), rtol=1e-5,
                                   atol=1e-5, err_msg=name)
    one = inputs.of(net).rows(x[:1])  # (1, 784): one picture's row
    step = poke.backprop_step(net, one, int(y[0]))
    assert step.cost == poke.backprop_step(net, one[0], int(y[0])).cost


def test_no_few_real_deskewed_rows_are_taken_for_examples(net, held):
    """The deskewing check reads the first 100 rows given, when at least 30: every run of 30
    held-out digits (and a run of 29, too few to check, as they are) passes."""
    x, y = held
    rows = inputs.of(net).rows(x)
    for start in range(0, len(x) - 30, 30):
        part = slice(start, start + 30)
        assert poke.ablate(net, rows[part], y[part]).n == 30
    with pytest.raises(DataError, match="not deskewed"):
        poke.ablate(net, x[:30].reshape(30, -1), y[:30])
    assert poke.ablate(net, x[:29].reshape(29, -1), y[:29]).n == 29  # (not checked)


def test_pixels_0_to_255_as_floats_say_what_to_pass(net, held):
    rows = inputs.of(net).rows(held[0]).astype(np.float32)  # uint8 rows cast: 255 times too bright
    with pytest.raises(DataError) as refused:
        poke.embedding(net, rows, layer=1)
    assert str(refused.value) == (
        "rows: pixels as floats must lie in [0, 1], got values from 0 to 255; pass "
        "inputs.of(net).rows(images), the input layer's rows, as (n, 784) uint8 pixels or "
        "floats in [0, 1], each image deskewed as this model reads it")


def test_a_model_that_reads_pictures_as_they_are_takes_them_flattened(net, held):
    """For a model that does not deskew, the pixels flattened are its rows; pictures (n, 28, 28)
    are refused all the same, as not rows."""
    plain = net.copy()
    plain.metadata["input"] = inputs.Images((28, 28)).to_dict()
    x, y = held
    flat = x.reshape(len(x), -1)
    assert poke.ablate(plain, flat, y).baseline.accuracy == digitnet.evaluate(plain, x, y).accuracy
    with pytest.raises(DataError, match=r"^rows: got an array of shape \(2434, 28, 28\), pictures"
                                        r" as the data holds them, not the input layer's rows; "
                                        r"pass inputs.of\(net\).rows\(images\), the input layer's "
                                        r"rows, as \(n, 784\) uint8 pixels or floats in \[0, 1\]$"):
        poke.ablate(plain, x, y)


def test_robustness_curves_take_the_pictures_and_say_so_when_given_rows(net, held):
    x, y = held
    curves = poke.robustness_curves(net, x[:300], y[:300], {"noise": [0]})
    assert curves[0].accuracy[0, 0] == digitnet.evaluate(net, x[:300], y[:300]).accuracy
    with pytest.raises(DataError) as refused:
        poke.robustness_curves(net, inputs.of(net).rows(x[:300]), y[:300])
    assert str(refused.value) == (
        "images: got an array of shape (300, 784); robustness curves distort pictures (n, h, w) "
        "as the data holds them, and make each network's rows of them: pass the examples "
        "themselves (held.x), not inputs.of(net).rows(...)")


def test_a_table_models_rows_are_checked_for_what_can_be_told():
    """Standardised columns may be any finite numbers, so a table as the data holds it passes as
    a plain array; as a DataFrame (predict takes its columns by name), or of the wrong width, it
    cannot be the rows."""
    wine = load_wine(as_frame=True)
    table = inputs.Table(tuple(wine.data.columns)).fit(wine.data.to_numpy())
    net = Network((13, 8, 3), activation="tanh", seed=2)
    net.metadata = {"input": table.to_dict(), "classes": list(wine.target_names)}
    rows, y = inputs.of(net).rows(wine.data), wine.target.to_numpy()
    assert poke.ablate(net, rows, y).baseline.accuracy == digitnet.evaluate(
        net, wine.data, y).accuracy
    assert poke.ablate(net, rows * 40, y).n == 178  # far out: a fair question to ask it
    with pytest.raises(DataError) as refused:
        poke.ablate(net, wine.data, y)
    assert str(refused.value) == (
        "rows: got a DataFrame, a table as the data holds it, not the input layer's rows; pass "
        "inputs.of(net).rows(table), the input layer's rows, as (n, 13), each column "
        "standardised")
    with pytest.raises(DataError, match=r"^x: got an array of shape \(12,\), not the input "
                                        r"layer's rows; pass inputs.of\(net\).rows\(table\)\[i\], "
                                        r"one of the input layer's rows, as \(13,\), each column "
                                        r"standardised$"):
        poke.backprop_step(net, rows[0, :12], 1)


def test_the_readme_poking_example_runs_as_pasted(net, held, monkeypatch):
    readme = (REPO / "README.md").read_text()
    block = next(b for b in readme.split("```python\n")[1:] if "poke.ablate(" in b)
    block = block.split("```")[0]
    monkeypatch.chdir(REPO)  # (its data path is beside the repository, as on our machines)
    namespace = {"net": net}
    exec(block, namespace)
    x, y = held
    np.testing.assert_array_equal(namespace["rows"], inputs.of(net).rows(x))
    assert namespace["step"].label == 3 and np.isfinite(namespace["step"].cost_after)
    assert poke.ablate(net, namespace["rows"], y).baseline.accuracy == digitnet.evaluate(
        net, x, y).accuracy
