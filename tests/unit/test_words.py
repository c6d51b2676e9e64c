"""digitnet.words: class names listed so that each one's ends are clear, and durations that never
read "0.0 s"."""

from __future__ import annotations

import os

import pytest

from digitnet.words import are_digits, data_name, duration, listed, noun, quoted


@pytest.mark.parametrize("seconds, said", [
    (600, "10 minutes"), (152.349, "2.5 minutes"), (119.9, "119.9 s"), (2.44, "2.4 s"),
    (0.05, "0.1 s"), (0.0499, "50 ms"), (0.038, "38 ms"),
    (0.0005, "0 ms"), (0.0004, "under 1 ms"), (0.0, "under 1 ms"),
])
def test_a_duration_is_never_said_as_nothing(seconds, said):
    assert duration(seconds) == said


@pytest.mark.parametrize("name, shown", [
    ("7", "7"), ("T-shirt/top", "T-shirt/top"), ("Ankle boot", '"Ankle boot"'),
    ("red, dry", '"red, dry"'), ("", '""'), ("...", '"..."'), ('say "hi"', '"say \\"hi\\""'),
])
def test_a_name_is_quoted_when_its_ends_would_be_unclear(name, shown):
    assert quoted(name) == shown


def test_a_long_list_says_how_many_there_are():
    assert listed([str(i) for i in range(20)], most=3) == "0, 1, 2, ... (20 in all)"
    assert listed(["Bag", "Ankle boot"]) == 'Bag, "Ankle boot"'


@pytest.mark.parametrize("classes, table, digits", [
    ([str(d) for d in range(10)], False, True), (["3", "5"], False, True),
    (["0", "1", "2"], True, False), ([str(d) for d in range(10)], True, True),
    (["class_0", "class_1"], False, False), ([], False, False),
])
def test_digits_are_digit_names_and_a_tables_numbers_are_classes(classes, table, digits):
    assert are_digits(classes, table) is digits
    assert noun(classes, table) == ("digit" if digits else "class")


def test_data_is_named_from_the_working_folder_through_links(tmp_path, monkeypatch):
    """A model file names its data from the root, links kept (/ci/shared -> /work/shared, say):
    from the data's own folder, or beside its link, it is named from there."""
    data = tmp_path / "work" / "shared" / "digits"
    data.mkdir(parents=True)
    (tmp_path / "ci" / "c").mkdir(parents=True)
    (tmp_path / "ci" / "shared").symlink_to(tmp_path / "work" / "shared")
    recorded = str(tmp_path / "ci" / "shared" / "digits")  # as the model file names it
    monkeypatch.chdir(tmp_path / "ci" / "c")
    assert data_name(recorded) == os.path.join("..", "shared", "digits")
    monkeypatch.chdir(data)  # (the working folder is the link's target)
    assert data_name(recorded) == "."
    monkeypatch.chdir("/")  # sharing only the root: as recorded
    assert data_name(recorded) == recorded
    assert data_name("mnist") == "mnist" and data_name("/no/such/folder") == "/no/such/folder"
