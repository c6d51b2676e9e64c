"""A folder holding no class folders says so whichever split is asked for: the test split's
reading once said "holds one set of class folders, no test/ folder", so that the held-out
examples' message contradicted itself ("holds no class folders ...; and ...: holds one set of
class folders")."""

from __future__ import annotations

import pytest

from digitnet import Network, datasets, heldout, inputs
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


@pytest.fixture
def scripts(tmp_path):
    """A folder of a user's scripts: files, no class folders."""
    for name in ("b1.py", "notes.txt"):
        (tmp_path / name).write_text("print('hello')\n")
    return tmp_path


def said(folder) -> str:
    return (f"{folder}: holds no class folders; put each class's pictures in a folder named "
            f"after the class ({folder}/0/a.png, {folder}/1/b.png, ...), or give a folder of "
            "MNIST-style IDX files")


@pytest.mark.parametrize("split", ["train", "test", "all"])
def test_each_split_says_there_are_no_class_folders(scripts, split):
    with pytest.raises(DataError) as e:
        datasets.load(str(scripts), split=split, allow_download=False)
    assert str(e.value) == said(scripts)


def test_the_held_out_examples_message_says_it_once(scripts):
    net = Network((784, 16, 10), seed=0)
    net.metadata["input"] = inputs.Images((28, 28)).to_dict()
    with pytest.raises(DataError) as e:
        heldout.held_out(net, scripts)
    assert str(e.value) == f"no held-out examples in {scripts}: {said(scripts)}"
