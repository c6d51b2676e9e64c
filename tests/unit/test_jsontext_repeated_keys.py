"""digitnet.jsontext.read_file refuses a key given twice in one object, wherever the object is,
naming the key as JSON writes it; the same key in two objects is read."""

from __future__ import annotations

import pytest

from digitnet.errors import ConfigError, DataError
from digitnet.jsontext import read_file

SAID = ("{path}: the key {key} is given twice in one object (JSON keeps only one of the two); "
        "write it once, with the value you mean")
LONG = "k" * 60


@pytest.mark.parametrize("text, key", [
    ('{"lr": 0.1, "lr": 0.2}', '"lr"'),
    ('[1, {"a": {"b": [{"c": 1, "c": 1}]}}]', '"c"'),              # deep inside, same value
    ('{"é": 1, "é": 2}', '"é"'),                                    # as written
    ('{"a\\nb": 1, "a\\nb": 2}', '"a\\nb"'),                        # a line break, escaped
    ('{"\\ud800": 1, "\\ud800": 2}', '"\\ud800"'),                  # no character: escaped
    (f'{{"{LONG}": 1, "{LONG}": 2}}', '"' + "k" * 35 + '..."'),    # shortened to 40
    ('[{"x": 1, "x": 2}, "bad json', '"x"'),                        # found as it is read
])
def test_a_key_given_twice_is_refused_naming_it(tmp_path, text, key):
    path = tmp_path / "options.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_file(path, "the options", '{"lr": 0.01}')
    assert str(e.value) == SAID.format(path=path, key=key)
    assert "\n" not in str(e.value) and len(key) <= 40


def test_the_error_is_the_callers_class(tmp_path):
    path = tmp_path / "space.json"
    path.write_text('{"lr": {"low": 1, "low": 2}}')
    with pytest.raises(ConfigError, match='space.json: the key "low" is given twice'):
        read_file(path, "the search space", "{}", ConfigError)


def test_the_same_key_in_other_objects_is_read(tmp_path):
    path = tmp_path / "changes.json"
    path.write_text('{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3, "b": 4}]}')
    assert read_file(path, "the changes", "{}") == {"a": {"a": 1},
                                                    "b": [{"a": 2}, {"a": 3, "b": 4}]}
