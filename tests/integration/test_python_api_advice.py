"""What digitnet.train tells a Python user (a walk in Jupyter) to do is what works for the data
in hand, in Python's words first.

* scikit-learn's 8x8 digits (floats 0..16) were told "scale them (X / 255) or pass uint8
  pixels", which reads them as faint pixels (78.2% against 82.7% validation accuracy with
  X / 16, 30 epochs); the advice now follows the data: X / 16, or a table's rows, which
  pictures this small train better as (96.6% at 30 epochs). Pixels 0..255 keep X / 255.
* Refusals of the options for recordings say the Python name first, then the option
  ("copies=0, cut=0 (--copies 0 --cut 0)").
* ``preset="speech", copies=0`` was refused because the preset's cut, colour and warp "alter
  copies": no copies now means none of the preset's alterations; an alteration given beside
  copies=0 is still refused, naming only it. Fine-tuning a speech model (whose recipe adds
  altered copies) with copies=0 trains on the recordings alone too.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from sklearn.datasets import load_digits

import digitnet
from digitnet import inputs, modelfile
from digitnet.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 1,797 real 8x8 digits: images as floats 0..16, and their labels."""
    found = load_digits()
    return found.images, found.target


@pytest.fixture(scope="module")
def fsdd(spoken_digits, tmp_path_factory):
    """60 real FSDD recordings (3 of each digit by 2 speakers) in a flat folder, named as FSDD
    names them."""
    folder = tmp_path_factory.mktemp("fsdd") / "recordings"
    folder.mkdir()
    for digit in range(10):
        for speaker in ("jackson", "lucas"):
            for i in (10, 11, 12):
                shutil.copy(spoken_digits / f"{digit}_{speaker}_{i}.wav", folder)
    return folder


def refusal(error, *args, **options) -> str:
    with pytest.raises(error) as caught:
        digitnet.train(*args, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_sklearn_digits_are_told_their_own_scale_and_the_advice_trains(digits):
    X, y = digits
    assert X.dtype.kind == "f" and X.max() == 16
    message = refusal(DataError, X, y, epochs=1)
    assert message == (
        "arrays: pixels as floats must lie in [0, 1], got values from 0 to 16; divide them by "
        "their own scale, X / 16 (whole numbers up to 16, not pixels up to 255); or pass them "
        "as a table's rows, X.reshape(len(X), -1): pictures this small (8x8) train better so")
    assert "X / 255" not in message and "uint8" not in message
    # Each way out trains: pictures in [0, 1], and a table's rows (standardised, no scaling).
    pictures = digitnet.train(X / 16, y, epochs=1)
    assert isinstance(inputs.of(pictures.network), inputs.Images)
    assert pictures.network.sizes[0] == 64 and pictures.val_accuracy is not None
    assert set(pictures.network.predict(X[:20] / 16)) <= set(range(10))
    table = digitnet.train(X.reshape(len(X), -1), y, epochs=1)
    assert isinstance(inputs.of(table.network), inputs.Table)
    assert table.val_accuracy > 0.2  # (chance: 0.1; 32-56% after one epoch, four seeds)


def test_pixels_up_to_255_keep_x_over_255_and_big_pictures_no_table(digits, mnist):
    X, y = digits
    as_pixels = np.round(X * 255 / 16)  # the same digits as pixels 0..255, still floats
    assert refusal(DataError, as_pixels, y, epochs=1).endswith(
        "got values from 0 to 255; scale them (X / 255) or pass uint8 pixels; or pass them as "
        "a table's rows, X.reshape(len(X), -1): pictures this small (8x8) train better so")
    # MNIST's 28x28 train better as pictures: only X / 255 is said.
    big = mnist.x[:300].astype(np.float32)
    assert refusal(DataError, big, mnist.labels[:300], epochs=1) == (
        "arrays: pixels as floats must lie in [0, 1], got values from 0 to 255; scale them "
        "(X / 255) or pass uint8 pixels")
    # Values not of 0..255 nor whole (digits resampled, say): their largest value, not 255.
    faint = X / 7.5
    assert refusal(DataError, faint, y, epochs=1).split("; ")[1] == (
        f"divide them by their largest value, X / X.max() ({faint.max():g}), not by 255")


def test_speech_preset_with_no_copies_trains_without_the_presets_alterations(fsdd):
    result = digitnet.train(str(fsdd), preset="speech", epochs=1, copies=0,
                            handle_signals=False)
    config = result.config
    assert config.copies == 0 and (config.cut, config.colour, config.warp) == (0, 0, 0)
    assert result.network.sizes == (784, 128, 64, 10)  # the rest of the preset, as it was
    assert config.dropout == 0.3 and config.label_smoothing == 0.1


def test_an_alteration_given_with_no_copies_is_refused_in_python_words_first(fsdd):
    message = refusal(ConfigError, str(fsdd), preset="speech", epochs=1, copies=0, cut=0.2)
    assert message == ("cut alters copies of the training recordings; give copies=N "
                       "(--copies N), or turn it off: cut=0 (--cut 0)")


def test_the_speech_preset_on_pictures_says_what_to_turn_off_in_python_words_first(digits):
    X, y = digits
    message = refusal(ConfigError, X / 16, y, preset="speech", epochs=1)
    assert message == (
        "copies, cut, colour and warp augment recordings, and arrays holds none; train it "
        "without them: copies=0, cut=0, colour=0, warp=0 (--copies 0 --cut 0 --colour 0 "
        "--warp 0)")
    followed = digitnet.train(X / 16, y, preset="speech", epochs=1, copies=0, cut=0, colour=0,
                              warp=0)
    assert followed.config.copies == 0 and followed.network.sizes == (64, 128, 64, 10)


def test_fine_tuning_a_speech_model_with_no_copies_adds_none_of_its_alterations(fsdd,
                                                                                tmp_path):
    """Fine-tuning a model of recordings adds 16 altered copies (recipes.VOICE); copies=0 was
    refused for the speed, stretch, cut and colour that recipe adds, none of them given."""
    model = tmp_path / "speech.safetensors"
    modelfile.save(digitnet.train(str(fsdd), epochs=1, handle_signals=False).network, model)
    tuned = digitnet.train(str(fsdd), init=str(model), epochs=1, copies=0, handle_signals=False)
    config = tuned.config
    assert config.copies == 0 and not any((config.speed, config.stretch, config.cut,
                                           config.colour))
    assert config.lr == 0.003  # the rest of the fine-tuning recipe, as it was
