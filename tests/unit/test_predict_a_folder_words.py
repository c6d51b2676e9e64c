"""Network.predict given a folder's name says it is a folder and how to read the pictures in it
(or to answer for the whole folder with digitnet predict), not that it is a file's name to read
with to_mnist(folder)."""

from __future__ import annotations

import pytest

from digitnet import Network, inputs
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


def test_a_folder_given_to_predict_is_said_to_be_one(tmp_path):
    net = Network((784, 16, 10), seed=0)
    net.metadata["input"] = inputs.Images((28, 28)).to_dict()
    folder = tmp_path / "my digits"
    folder.mkdir()
    with pytest.raises(DataError) as e:
        net.predict(str(folder))
    assert str(e.value) == (
        f"x: {str(folder)!r} is a folder; a network reads numbers (the pixels of pictures), not "
        "files: read each picture in it first with digitnet.preprocess.to_mnist(path), or answer "
        f"for the whole folder with the command line: digitnet predict MODEL '{folder}'")
