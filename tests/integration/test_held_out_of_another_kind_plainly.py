"""``digitnet.heldout.held_out`` given data of another kind than the model reads (a model of
spoken digits asked about a folder of pictures, or the pictures loaded) says that plainly, in the
words the command line says it (``digitnet.kinds``): not a two-part message on why neither its
validation split nor test files can be had."""

from __future__ import annotations

import pytest

from digitnet import datasets, heldout, modelfile
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: held_out's refusals)

_SAID = "holds pictures, and the model reads recordings; give data of the kind it was trained on"


def test_a_folder_of_pictures_for_a_model_of_recordings(speech_model, mnist_dir):
    net = modelfile.load(speech_model)
    with pytest.raises(DataError) as e:
        heldout.held_out(net, mnist_dir)
    assert str(e.value) == f"{mnist_dir} {_SAID}"


def test_pictures_loaded_for_a_model_of_recordings(speech_model, mnist_dir):
    net = modelfile.load(speech_model)
    pictures = datasets.load(str(mnist_dir), split="train")
    with pytest.raises(DataError) as e:
        heldout.held_out(net, pictures)
    assert str(e.value) == f"{pictures.name} {_SAID}"


def test_the_model_s_own_recordings_still_give_its_validation_split(speech_model):
    net = modelfile.load(speech_model)
    found = heldout.held_out(net, heldout.recorded_data(net))
    assert found.data.split == "val" and len(found.data) == 90  # 10% of 900 recordings
    assert found.description.startswith("the model's validation split of ")
