"""How deeply JSON text is nested, counted before any parser reads it, and the JSON files commands
read: every way one is unreadable refused in one line."""

from __future__ import annotations

import json

import pytest

from digitnet.errors import ConfigError, DataError
from digitnet.jsontext import MAX_DEPTH, nesting, read_file


@pytest.mark.parametrize("text, depth", [
    ("3", 0), ("", 0), ("[]", 1), ('{"off": [[1, 3]]}', 3), ("[[], [[]], []]", 3),
    ('["[[[", "]"]', 1),                      # brackets in strings are not nesting
    ('["a \\" [[[ \\\\", {"b": "{{"}]', 2),    # nor after escaped quotes and backslashes
    ('{"é": ["ü"]}', 2),                      # text that is not ASCII
])
def test_nesting_is_the_deepest_list_or_object(text, depth):
    assert nesting(text) == nesting(text.encode()) == depth
    if text:
        assert _parsed_depth(json.loads(text)) == depth


def _parsed_depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_parsed_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_parsed_depth, value.values()), default=0)
    return 0


def test_nesting_counts_past_any_recursion_limit():
    assert nesting("[" * 100_000 + "]" * 100_000) == 100_000


def test_a_file_at_the_limit_is_read_and_one_past_it_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert _parsed_depth(read_file(path, "the changes", "{}")) == MAX_DEPTH
    path.write_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(DataError, match=f"deep.json: its lists and objects are nested too deeply "
                                        f"to read \\({MAX_DEPTH + 1} levels; at most {MAX_DEPTH}"):
        read_file(path, "the changes", "{}")


@pytest.mark.parametrize("raw, message", [
    (b"\xef\xbb\xbf{\"lr\": 0.1}", None),  # Notepad's UTF-8 byte-order mark
    ('{"lr": 0.1}'.encode("utf-16"), "not UTF-8 text (it is UTF-16); save it as UTF-8"),
    (b"{\"lr\": \xff}", "not UTF-8 text; write the options as JSON such as {\"lr\": 0.01}"),
    (b"{'lr': 0.1}", "not valid JSON (Expecting property name enclosed in double quotes: line 1 "
                     "column 2 (char 1)); write the options as JSON such as"),
])
def test_files_are_read_or_refused_in_one_line_naming_the_file(tmp_path, raw, message):
    path = tmp_path / "options.json"
    path.write_bytes(raw)
    if message is None:
        assert read_file(path, "the options", '{"lr": 0.01}') == {"lr": 0.1}
        return
    with pytest.raises(ConfigError) as caught:
        read_file(path, "the options", '{"lr": 0.01}', ConfigError)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="gone.json: cannot read the options \\(No such file"):
        read_file(tmp_path / "gone.json", "the options", "{}")
