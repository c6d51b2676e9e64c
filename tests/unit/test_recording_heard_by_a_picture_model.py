"""A real recording given to ``digitnet.audio.picture`` (or ``read_sound``) with the input record of
a model of pictures, ``digitnet.inputs.of(net)``: one line saying this model reads pictures, not
recordings, in ``digitnet predict``'s words, never "'Images' object has no attribute
'sample_rate'"; a table model's record likewise, and anything else given as the front end."""

from __future__ import annotations

import pytest

from digitnet import audio, inputs
from digitnet.errors import DataError
from digitnet.network import Network

pytestmark = pytest.mark.engine_independent  # (files read, nothing trained)


def test_a_picture_models_record_is_not_a_front_end_for_a_recording(spoken_digits):
    path = spoken_digits / "7_jackson_0.wav"
    front_end = inputs.of(Network((784, 16, 10), seed=0))  # (MNIST's input layer: pictures)
    assert isinstance(front_end, inputs.Images)
    for call in (lambda: audio.picture(path, front_end),
                 lambda: audio.picture(str(path), front_end),
                 lambda: audio.read_sound(path, front_end=front_end)):
        with pytest.raises(DataError) as e:
            call()
        assert str(e.value) == (
            f"{path}: a recording, and this model reads pictures, not recordings; give it "
            "pictures (digitnet.preprocess.to_mnist reads one), or use a model trained on "
            "recordings")
    with pytest.raises(DataError, match=r"^seven\.wav: a recording, and this model reads "):
        audio.picture(path.read_bytes(), front_end, name="seven.wav")


def test_a_table_models_record_or_no_record_is_named(spoken_digits):
    path = spoken_digits / "7_jackson_0.wav"
    table = inputs.of(Network((13, 8, 3), seed=0))
    assert isinstance(table, inputs.Table)
    with pytest.raises(DataError) as e:
        audio.picture(path, table)
    assert str(e.value) == (
        f"{path}: a recording, and this model reads a table's rows, not recordings; give it "
        "rows (digitnet.tables.read_features reads them), or use a model trained on recordings")
    with pytest.raises(DataError) as e:
        audio.picture(path, Network((784, 16, 10), seed=0))  # (the network, not its record)
    assert str(e.value) == (
        f"{path}: the front end given is Network, not an audio one; pass digitnet.inputs.of(net) "
        "of a model of recordings, or digitnet.inputs.Audio()")


def test_an_audio_front_end_still_hears_it(spoken_digits):
    picture = audio.picture(spoken_digits / "7_jackson_0.wav", inputs.Audio())
    assert picture.shape == (28, 28) and picture.max() == 255
