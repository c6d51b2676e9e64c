"""Classes a network has and its training data holds no example of, in Python, on real FSDD
recordings and real MNIST digits: digitnet.train(..., init=MODEL) on recordings of one digit,
and the page's way of teaching (training.train with held-out recordings), are refused, and so is
fine-tuning whose examples of a class are all held out, each in one line naming the data, the
classes and what to do (recipes.check_classes_trained, which every run goes through). A new
network on IDX digits of some classes learns to tell those apart (the files' classes are still
the ten digits), arrays of some classes train a model of those classes, and
scikit-learn's partial_fit, whose batches legitimately lack some of the classes it was told of,
still learns batch by batch."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import digitnet
from digitnet import PRESETS, datasets, idx, inputs, modelfile, recipes, training
from digitnet.errors import DataError
from digitnet.sklearn import DigitnetClassifier

OTHERS = "0, 1, 2, 4, 5, 6, 8 and 9"
DIGITS = "0, 1, 2, 3, 4, 5, 6, 7, 8 and 9"


def refusal(*args, **kwargs) -> str:
    with pytest.raises(DataError) as e:
        digitnet.train(*args, handle_signals=False, **kwargs)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_fine_tuning_on_one_digit_is_refused_in_python_and_as_the_page_teaches(
        speech_model, spoken_digits, tmp_path):
    flat7 = tmp_path / "flat7"
    flat7.mkdir()
    for i in range(5):
        shutil.copy(spoken_digits / f"7_nicolas_{i}.wav", flat7)
    unlearn = (f"{flat7}: no training recordings of 0, 1, 2, 3, 4, 5, 6, 8 and 9, classes of "
               "the model it starts from; fine-tuned on 7 alone, it would unlearn them and "
               "answer 7 to everything: give recordings of each of its classes (a few of each)")
    net = modelfile.load(speech_model)
    assert refusal(str(flat7), init=speech_model) == unlearn
    assert refusal(str(flat7), init=net) == unlearn  # a Network, as the page passes it
    # The page's run: the recordings taught, a held-out one of each, the voice recipe.
    voice = datasets.load(str(flat7), audio=inputs.audio_of(net))
    taught, held = voice.subset(slice(0, 4)), voice.subset(slice(4, 5), split="val")
    config = recipes.for_data(PRESETS["default"], taught, (), init=net)
    with pytest.raises(DataError) as e:
        training.train(taught, config, val=held, init=net, handle_signals=False)
    assert str(e.value) == unlearn


def test_a_new_network_on_idx_files_of_some_digits_tells_them_apart(mnist, tmp_path):
    """IDX labels are bare numbers: the files' classes are the ten digits whichever they hold,
    and a new network of them trains on the 3s and 7s it is given (as before: only fine-tuning
    unlearns). The same digits as arrays (whose classes are the labels they hold) train a model
    of two classes."""
    index = np.flatnonzero(np.isin(mnist.labels, [3, 7]))[:400]
    folder = tmp_path / "threes-and-sevens"
    folder.mkdir()
    idx.write_idx(folder / "train-images-idx3-ubyte.gz", mnist.x[index])
    idx.write_idx(folder / "train-labels-idx1-ubyte.gz", mnist.labels[index])
    result = digitnet.train(str(folder), epochs=3, handle_signals=False)
    assert inputs.classes_of(result.network) == list(DIGITS.replace(" and", ",").split(", "))
    answers = result.network.predict(mnist.x[index])
    assert set(np.unique(answers).tolist()) <= {3, 7}
    result = digitnet.train(mnist.x[index], mnist.labels[index], epochs=1, handle_signals=False)
    assert result.network.sizes[-1] == 2 and inputs.classes_of(result.network) == ["3", "7"]


def test_a_class_whose_examples_are_all_held_out_is_named(mnist):
    """20 real digits of each class but 9, of which there is one: holding out 60% of each class
    (rounded) holds it out, and a model fine-tuned on them would have no 9 to learn from."""
    index = np.concatenate([np.flatnonzero(mnist.labels == d)[:20 if d < 9 else 1]
                            for d in range(10)])
    start = digitnet.train(mnist.subset(index), epochs=1, handle_signals=False).network
    message = refusal(mnist.subset(index), epochs=1, val_fraction=0.6, init=start)
    assert message == (f"{mnist.name}: no training pictures of 9, classes of the model it starts "
                       "from; fine-tuned on 0, 1, 2, 3, 4, 5, 6, 7 and 8 alone, it would unlearn "
                       "it: give pictures of each of its classes (a few of each); those of 9 are "
                       "all held out for validation: give more, or hold out fewer "
                       "(val_fraction, --val-fraction)")
    assert digitnet.train(mnist.subset(index), epochs=1, val_fraction=0.2, init=start,
                          handle_signals=False).n_train == 9 * 16 + 1


def test_partial_fit_still_learns_from_batches_that_lack_some_classes(mnist):
    """Each batch of real digits lacks one digit, and the last holds sevens alone: the classes
    the first call was told of are trained on all the same, as scikit-learn's partial_fit is."""
    X = mnist.x[:3000].reshape(-1, 784) / 255.0
    y = mnist.labels[:3000].astype(int)
    train, test = slice(0, 2500), slice(2500, 3000)
    clf = DigitnetClassifier(hidden_layer_sizes=(32,), lr=0.003, random_state=0)
    for _ in range(3):
        for missing in range(10):
            batch = np.flatnonzero(y[train] != missing)[missing::10]
            clf.partial_fit(X[train][batch], y[train][batch], classes=np.arange(10))
    assert list(clf.classes_) == list(range(10)) and clf.n_iter_ == 30
    assert clf.score(X[test], y[test]) > 0.7  # (guessing: 0.1)
    sevens = np.flatnonzero(y[train] == 7)[:50]
    clf.partial_fit(X[train][sevens], y[train][sevens])
    assert clf.n_iter_ == 31 and clf.network_.sizes[-1] == 10
