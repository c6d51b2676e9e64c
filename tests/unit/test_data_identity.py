"""checkpoint.same_data: the data a run was trained on is its files' contents, split and size,
not the path they were read by (a resumed run refused the same folder reached another way)."""

from __future__ import annotations

import os
import shutil

from digitnet import datasets, idx
from digitnet.checkpoint import same_data


def _folder(path, images, labels):
    path.mkdir()
    idx.write_idx(path / "train-images-idx3-ubyte.gz", images)
    idx.write_idx(path / "train-labels-idx1-ubyte.gz", labels)
    return path


def test_the_same_files_by_any_path_are_the_same_data(mnist, tmp_path, monkeypatch):
    folder = _folder(tmp_path / "digits", mnist.x[:100], mnist.labels[:100])
    first = datasets.load(folder).fingerprint
    copy = shutil.copytree(folder, tmp_path / "copy")
    monkeypatch.chdir(copy)
    for spelling in (f"{folder}/../{folder.name}", os.path.relpath(folder), ".", copy):
        again = datasets.load(spelling).fingerprint
        assert same_data(first, again), spelling
        assert os.path.isabs(again["name"])  # (recorded from the root: found from anywhere)


def test_other_examples_are_other_data(mnist, tmp_path):
    first = datasets.load(_folder(tmp_path / "a", mnist.x[:100], mnist.labels[:100])).fingerprint
    for name, end in (("b", 101), ("c", 100)):  # one example more; the same but one label
        labels = mnist.labels[:end].copy()
        if end == 100:
            labels[0] = (labels[0] + 1) % 10
        other = datasets.load(_folder(tmp_path / name, mnist.x[:end], labels)).fingerprint
        assert not same_data(first, other) and not same_data(other, first)
    assert not same_data(first, {**first, "split": "test"})


def test_data_without_files_is_told_by_its_name(mnist):
    made = datasets.from_arrays(mnist.x[:50], mnist.labels[:50], name="arrays").fingerprint
    assert same_data(made, dict(made))
    assert not same_data(made, {**made, "name": "other arrays"})
    assert same_data(None, None) and not same_data(made, None)
