"""digitnet.poke with trained networks: held-out digits found from a model's record, a backprop
step equal to one step of the training loop, and what trained neurons and layers do."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import write_mnist_folder

from digitnet import PRESETS, datasets, heldout, idx, inputs, modelfile, poke
from digitnet.errors import DataError
from digitnet.network import Network
from digitnet.training import train


@pytest.fixture(scope="module")
def net(small_model):
    """The default recipe, 3 epochs on 3,000 real digits (a stratified draw of the prefix)."""
    return modelfile.load(small_model)


@pytest.fixture(scope="module")
def unseen(mnist):
    """4,000 real digits from the end of the prefix, as the network's input rows."""
    return mnist.x[-4000:], mnist.labels[-4000:].astype(np.intp)


# -- held-out examples ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder_model(mnist, tmp_path_factory):
    """A model trained (1 epoch) on a folder of 1,500 real digits that also holds 500 test
    digits, and the folder."""
    folder = tmp_path_factory.mktemp("digits")
    write_mnist_folder(folder, mnist, slice(1500), slice(1500, 2000))
    data = datasets.load(folder)
    result = train(data, PRESETS["default"].replace(epochs=1, seed=3), handle_signals=False)
    return result.network, folder


def test_held_out_is_the_models_own_validation_split(folder_model):
    net, folder = folder_model
    found = heldout.held_out(net, str(folder))
    _, val_index = datasets.stratified_split(datasets.load(folder).labels, 0.1, seed=3)
    n = len(val_index)  # a tenth of each digit's examples, rounded per digit
    assert found.data.split == "val" and len(found.data) == n and abs(n - 150) <= 5
    np.testing.assert_array_equal(found.data.x, datasets.load(folder).x[val_index])
    assert "validation split" in found.description and f"{n} examples" in found.description
    assert found.to_dict() == {"n": n, "split": "val", "description": found.description}


def test_held_out_falls_back_to_the_test_split(folder_model, net):
    _, folder = folder_model
    found = heldout.held_out(net, str(folder))  # net was trained on other files
    assert found.data.split == "test" and len(found.data) == 500
    assert found.description.startswith("the test split of")


def test_no_held_out_examples_says_why(net, tmp_path, mnist):
    idx.write_idx(tmp_path / "train-images-idx3-ubyte.gz", mnist.x[:50])
    idx.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", mnist.labels[:50])
    with pytest.raises(DataError) as e:
        heldout.held_out(net, str(tmp_path))
    assert "other files" in str(e.value) and "no test files" in str(e.value)
    assert "\n" not in str(e.value)


# -- one step of backpropagation is one step of training --------------------------------------


def test_a_backprop_step_is_one_step_of_the_training_loop(net, unseen):
    images, labels = unseen
    # (one step on one digit: the other classes declared, as partial_fit's batches declare
    # theirs, or training refuses classes without examples)
    one = datasets.Dataset(images[:1], labels[:1].astype(np.uint8), "one digit", "train", "test",
                           declared=datasets.DIGITS)
    label, lr = int(labels[0]), 0.05
    step = poke.backprop_step(net, inputs.of(net).rows(images[:1])[0], label, lr=lr)
    config = PRESETS["default"].replace(
        optimizer="sgd", momentum=0.0, lr=lr, schedule="constant", batch_size=1, epochs=1,
        shift=0, val_fraction=0.0, weight_decay=0.0)
    trained = train(one, config, init=net, engine="numpy", handle_signals=False).network
    # The same float32 sums in two places (Network.backprop, the engine's buffers): an entry may
    # differ by the rounding of its sums, about n_in · eps · |largest gradient|, times lr.
    _, grads = net.backprop(inputs.of(net).rows(images[:1]), labels[:1])
    eps = float(np.finfo(np.float32).eps)
    bound = lr * 784 * eps * np.abs(grads).max() + eps * np.abs(net.params).max()
    np.testing.assert_allclose(step.network_after.params, trained.params, rtol=0, atol=bound)
    assert step.cost_after < step.cost


# -- trained neurons and layers ---------------------------------------------------------------


def test_the_neuron_ranked_first_costs_the_most_accuracy(net, unseen):
    rows, labels = inputs.of(net).rows(unseen[0]), unseen[1]
    ranking = poke.rank_neurons(net, rows, labels)
    worst, least = ranking[0], ranking[-1]
    alone = poke.ablate(net, rows, labels, poke.Changes(off=((worst.layer, worst.neuron),)))
    assert alone.score.accuracy == worst.accuracy < alone.baseline.accuracy
    assert worst.drop >= least.drop
    # The class that suffers most has the largest drop of the per-class accuracies.
    suffers = int(np.argmax(worst.per_class_drop))
    assert alone.baseline.per_class[suffers] - alone.score.per_class[suffers] == pytest.approx(
        worst.per_class_drop.max())


def test_a_hand_built_edge_detector_fires_for_digits_with_that_strip_lit(net, unseen):
    images, labels = unseen
    edit = poke.edge_detector(net, neuron=0, top=12, left=6, height=3, width=16)
    edited = poke.Changes(edits=(edit,)).apply(net)
    seen = inputs.of(net).rows(images)  # what the network reads (deskewed, by its record)
    profile = poke.neuron_profile(edited, seen, labels, 1, 0, count=25)
    x = seen.reshape(images.shape).astype(np.float64) / 255
    strip = x[:, 12:15, 6:22].mean(axis=(1, 2))
    border = (x[:, 11:16, 5:23].sum(axis=(1, 2)) - strip * 48) / (5 * 18 - 48)
    # z = w · 48 · (strip - border - EDGE_CONTRAST): it answers most to a lit strip with dark
    # pixels around it, a horizontal stroke across the middle, as the video draws it.
    contrast = strip - border
    assert contrast[profile.top].min() >= np.quantile(contrast, 0.99)
    fires = contrast > poke.changes.EDGE_CONTRAST
    assert profile.firing == pytest.approx(fires.mean(), abs=1 / len(x))  # (rounding at z = 0)
    for c in range(10):
        assert profile.class_firing[c] == pytest.approx(fires[labels == c].mean(), abs=0.01)
    assert 0.05 < profile.firing < 0.5


def test_layers_pull_the_classes_apart(net, unseen):
    """The map of the last hidden layer separates the digits better than the pixels' map."""
    rows, labels = inputs.of(net).rows(unseen[0][:1500]), unseen[1][:1500]

    def separation(points):  # between-class over within-class spread (Fisher's ratio)
        centres = np.array([points[labels == c].mean(axis=0) for c in range(10)])
        within = np.mean([points[labels == c].var(axis=0).sum() for c in range(10)])
        return centres.var(axis=0).sum() / within

    by_layer = [separation(poke.embedding(net, rows, layer).points) for layer in (0, 2)]
    assert by_layer[1] > by_layer[0]


@pytest.mark.slow
def test_a_tsne_map_keeps_neighbours_of_a_class_together(net, unseen):
    rows, labels = inputs.of(net).rows(unseen[0][:400]), unseen[1][:400]
    m = poke.embedding(net, rows, 2, method="tsne", seed=0)
    assert m.points.shape == (400, 2) and m.method == "tsne" and m.explained is None
    distance = np.linalg.norm(m.points[:, None] - m.points[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    nearest = labels[np.argmin(distance, axis=1)]
    # With ten classes a random neighbour shares the label a tenth of the time.
    assert np.mean(nearest == labels) > 0.5


def test_robustness_of_two_models_side_by_side(net, unseen, mnist):
    images, labels = unseen[0][:1000], unseen[1][:1000]
    other = Network((784, 16, 16, 10), activation="relu", seed=0)  # untrained
    curves = poke.robustness_curves([net, other], images, labels)
    assert [c.name for c in curves] == list(poke.DISTORTIONS)
    for curve in curves:
        assert curve.accuracy.shape == (2, len(curve.levels))
        zero = curve.levels.index(0)
        # Undistorted: the digits as brightness 0..1, through the model's input record.
        plain = net.predict(images * np.float32(1 / 255))
        assert curve.accuracy[0, zero] == pytest.approx(np.mean(plain == labels))
        assert curve.accuracy[0, -1] < curve.accuracy[0, zero]  # the strongest distortion hurts
