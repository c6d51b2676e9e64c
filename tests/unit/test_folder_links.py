"""Links in class folders, and the files a class folder holds that are not read as pictures
(digitnet.folderlinks, digitnet.picturefolders): a link back into the data folder (to it, to a
folder above it, to another class's folder, to test/ from train/) is left out and noted,
whichever the walk meets first, the link or the folder; a folder outside reached by two classes
is read once; a link that loops is said to; a zip's __MACOSX/ is left out as the ._ files in
it are; a picture named without its ending is said to be one, with the name to give it. Real
MNIST digits and real symbolic links throughout."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PIL import Image
from real_data import write_digit_folder

from digitnet import datasets, folders
from digitnet.errors import DataError

PER_CLASS = 4
TAIL = "no file is read twice, or as a class other than that of the folder holding it"


@pytest.fixture(scope="module")
def ten_classes(mnist, tmp_path_factory):
    """Class folders 0..9 of ``PER_CLASS`` real digits each (as they are: no photos)."""
    root = tmp_path_factory.mktemp("ten") / "digits"
    picks = np.concatenate([np.flatnonzero(mnist.labels == d)[:PER_CLASS] for d in range(10)])
    write_digit_folder(root, mnist.x[picks], mnist.labels[picks], photo_every=0)
    return root


def copy(ten_classes, tmp_path, name="data"):
    return shutil.copytree(ten_classes, tmp_path / name)


def counts(data) -> list[int]:
    return np.bincount(data.labels, minlength=10).tolist()


def test_a_link_up_to_the_data_folder_is_left_out_and_noted(ten_classes, tmp_path):
    root = copy(ten_classes, tmp_path)
    os.symlink("..", root / "9" / "up")  # the walker's `ln -s .. loopy/9/up`
    os.symlink(root, root / "8" / "root")  # an absolute link back to the folder
    os.symlink("../..", root / "7" / "top")  # the folder holding the data folder
    os.symlink(".", root / "6" / "same")  # within its own class: left out, nothing to say
    data = datasets.load(root)
    assert counts(data) == [PER_CLASS] * 10  # (was 4 x 9 + 40 for 9: every picture a 9 too)
    assert data.note.split("\n") == [
        f"{root}: left out 7/top, a link to {tmp_path}, which holds {root} itself: {TAIL}",
        f"{root}: left out 8/root, a link to {root} itself: {TAIL}",
        f"{root}: left out 9/up, a link to {root} itself: {TAIL}"]


def test_a_link_met_before_the_folder_it_leads_to_does_not_win(ten_classes, tmp_path):
    root = copy(ten_classes, tmp_path)
    os.symlink("../9", root / "0" / "nines")  # 0/ is walked before 9/
    os.mkdir(root / "9" / "more")
    Image.fromarray(np.asarray(Image.open(root / "9" / os.listdir(root / "9")[0]))).save(
        root / "9" / "more" / "m.png")
    os.symlink("../9/more", root / "1" / "more")  # into a folder of another class
    data = datasets.load(root)
    assert counts(data) == [PER_CLASS] * 9 + [PER_CLASS + 1]
    assert [n for n, label in zip(data.names, data.labels) if label == 9][-1] == "9/more/m.png"
    assert data.note.split("\n") == [f"{root}: left out 0/nines, a link to 9/: {TAIL}",
                                     f"{root}: left out 1/more, a link to 9/more/: {TAIL}"]


def test_a_link_from_train_to_test_is_left_out(ten_classes, tmp_path):
    root = tmp_path / "split"
    shutil.copytree(ten_classes, root / "train")
    shutil.copytree(ten_classes, root / "test")
    os.symlink("../../test/9", root / "train" / "9" / "t")
    train = datasets.load(root, "train")
    assert counts(train) == [PER_CLASS] * 10  # (the test pictures not trained on)
    assert train.note == f"{root}: left out train/9/t, a link to test/9/: {TAIL}"
    assert counts(datasets.load(root, "all")) == [2 * PER_CLASS] * 10


def test_a_folder_outside_linked_from_two_classes_is_read_once(ten_classes, mnist, tmp_path):
    root, outside = copy(ten_classes, tmp_path), tmp_path / "elsewhere"
    outside.mkdir()
    for i in range(3):
        Image.fromarray(mnist.x[np.flatnonzero(mnist.labels == 7)[10 + i]]).save(
            outside / f"s{i}.png")
    os.symlink(outside, root / "7" / "more")
    os.symlink(outside, root / "8" / "more")
    data = datasets.load(root)
    assert counts(data)[7:9] == [PER_CLASS + 3, PER_CLASS]
    assert data.note == (f"{root}: left out 8/more, a link to {outside}, read already through "
                         f"7/more: {TAIL}")


def test_a_link_into_a_hidden_folder_of_the_data_folder_is_read(ten_classes, tmp_path):
    root = copy(ten_classes, tmp_path)
    shutil.copytree(root / "7", root / ".originals" / "7")  # read by no path of its own
    os.symlink("../.originals/7", root / "7" / "originals")
    data = datasets.load(root)
    assert counts(data)[7] == 2 * PER_CLASS and data.note is None


def test_predict_reads_a_folder_by_its_own_path_not_by_a_link_met_first(mnist, tmp_path):
    root = tmp_path / "drawings"
    (root / "d").mkdir(parents=True)
    Image.fromarray(mnist.x[0]).save(root / "d" / "e.png")
    os.symlink("d", root / "a_link")  # sorted before d/
    found = list(folders.walk(root))
    assert [p for p in found if not isinstance(p, folders.NotWalked)] == [root / "d" / "e.png"]
    [left] = [p for p in found if isinstance(p, folders.NotWalked)]
    assert left.again and str(left.error) == (
        f"{root / 'a_link'}: links to d/, which is read by its own path; skipped, not read twice")


def test_links_that_loop_are_said_to(ten_classes, tmp_path):
    root = copy(ten_classes, tmp_path)
    os.symlink("loopB", root / "8" / "loopA")
    os.symlink("loopA", root / "8" / "loopB")
    os.symlink("/nonexistent/x.png", root / "0" / "broken.png")
    data = datasets.load(root)
    assert counts(data) == [PER_CLASS] * 10
    assert data.note == (
        f"{root}: skipped 3 of 43 files, which are not pictures of a digit (or object): "
        "0/broken.png (a link that leads nowhere: to /nonexistent/x.png, which is not there), "
        "8/loopA (a link that leads nowhere: it leads round in a loop), 8/loopB (a link that "
        "leads nowhere: it leads round in a loop); fix or remove them")


def test_a_zips_macosx_folder_is_left_out_as_its_dot_underscore_files_are(ten_classes,
                                                                          tmp_path):
    root = copy(ten_classes, tmp_path)
    for folder in (root / "__MACOSX", root / "__MACOSX" / "7", root / "3" / "__MACOSX"):
        folder.mkdir()
        (folder / "._00001.png").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    (root / "7" / "._00001.png").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    data = datasets.load(root)
    assert data.classes == tuple("0123456789") and counts(data) == [PER_CLASS] * 10
    assert data.note is None
    assert "__MACOSX" not in {p.name for p in folders.walk(root)}


def test_a_picture_named_without_its_ending_is_said_to_be_one(ten_classes, tmp_path):
    root = copy(ten_classes, tmp_path)
    first = sorted((root / "0").iterdir())[0]
    first.rename(root / "0" / "1015")  # a PNG, named as the walker's m6/0/1015
    Image.open(root / "1" / sorted(os.listdir(root / "1"))[0]).convert("RGB").save(
        root / "1" / "scan", format="JPEG")
    (root / "2" / "notes").write_text("not a picture\n")
    data = datasets.load(root)
    assert counts(data) == [PER_CLASS - 1] + [PER_CLASS] * 9
    assert data.note == (
        f"{root}: skipped 3 of 42 files, which are not pictures of a digit (or object): "
        "0/1015 (a PNG picture named without a picture's ending: rename it 1015.png), 1/scan (a "
        "JPG picture named without a picture's ending: rename it scan.jpg), 2/notes (not a "
        "picture); fix or remove them")
    for path in (root / "0").iterdir():  # all of class 0 named so: said how to name them
        path.rename(path.with_suffix(""))
    with pytest.raises(DataError) as raised:
        datasets.load(root)
    assert str(raised.value) == (
        f"{root / '0'}: class '0' has no files named as pictures, but {PER_CLASS} pictures "
        "named without a picture's ending, such as 00001; rename them so (00001 to 00001.png)")
