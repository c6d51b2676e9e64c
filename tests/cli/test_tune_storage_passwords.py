"""`digitnet tune --storage URL` never shows the URL's password, however it is written: a
password holding "@" or ":" as typed (which a URL parser ends at its first "@", reading the rest
as the host), a URL that cannot be read at all, one of a database digitnet does not support,
a ``password=`` parameter, and the driver's own error. (Before, an unreadable URL was printed
whole, and with the password p@ss the host was said to be 'ss@127.0.0.1'.) A password with "@"
as typed is refused before any connection, saying how to write it."""

from __future__ import annotations

import re

import pytest
from real_data import wine_csv

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1", "--pruner", "none", "--trials", "1", "--study", "at"]
ENCODE = "percent-encode"


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv", target="cultivar", first=True)


# (storage URL, its password as written, what the one line says after the masked URL)
CASES = [
    ("postgresql://at1:Zq7@Kx:w0rd@127.0.0.1:8761/digitnet", "Zq7@Kx:w0rd",
     ("its password holds @ and : as typed, and a URL's password ends at its first @; "
      "percent-encode them (@ as %40, : as %3A)")),
    ("postgresql://at1:Zq7@Kx@127.0.0.1:1/digitnet", "Zq7@Kx",
     ("its password holds @ as typed, and a URL's password ends at its first @; "
      "percent-encode it (@ as %40)")),
    ("postgresql://at1:Zq7/Kx@Vb@127.0.0.1:1/digitnet", "Zq7/Kx@Vb", ENCODE),
    ("postgresql://at1:Zq7:Kx@127.0.0.1:notaport/digitnet", "Zq7:Kx", "not a study database"),
    ("mysql://at1:Zq7@Kx@127.0.0.1/db", "Zq7@Kx", ENCODE),
    ("mysql://at1:Zq7Kx@127.0.0.1/db", "Zq7Kx", "'mysql' databases are not supported"),
    ("postgresql://at1@127.0.0.1:1/digitnet?password=Zq7Kx", "Zq7Kx",
     "cannot open the study database"),
    ("postgresql://at1:Zq7%40Kx@127.0.0.1:1/digitnet", "Zq7%40Kx",
     "cannot open the study database"),  # written as it should be: tried, and not reached
]


@pytest.mark.parametrize("url, password, message", CASES)
def test_no_part_of_the_password_is_ever_shown(run, table, one_line, tmp_path, url, password,
                                               message):
    result = run(*TUNE, "--data", table, "--target", "cultivar", "--storage", url,
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    for part in {password, *re.split(r"[@:/]|%40", password)}:
        assert part not in result.stdout + result.stderr, (part, line)
    assert "@127.0.0.1" in line and "***" in line, line  # the host as it is, the password not
    assert message in line
    if "@" in password:  # refused as written, before any connection: it says how to write it
        assert line.endswith("as in postgresql://USER:a%40b@HOST/DB for the password a@b"), line
    assert not (tmp_path / "best.json").exists()
