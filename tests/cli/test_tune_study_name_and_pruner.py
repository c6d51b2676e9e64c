"""`digitnet tune`: a blank --study is refused before anything is read, and a study continued
with another --pruner, or another label column (--target) of the same table, is refused as
one continued with other options is, naming what it was started with. Studies that recorded
neither (started before they were recorded) go on as before. (Before, `--study ''` made a
study of no name, and either change went on silently: the pruner decides which trials are cut
short, the label column what every trial learns, so the study mixed trials of two kinds.)

Real searches of scikit-learn's wine table: one or two trials of one epoch each.
"""

from __future__ import annotations

import pytest
from real_data import two_label_wine_csv, wine_csv

from digitnet import datasets, recipes, studies
from digitnet.config import TrainConfig
from digitnet.errors import ConfigError
from digitnet.searchspace import Space
from digitnet.tuning import Search, tune

pytest.importorskip("optuna")

TUNE = ["tune", "--epochs", "1"]
REFUSED = "; continue it with the options it was started with, or name a new study with --study"


def _study(storage):
    return studies.load_study(studies.open_storage(storage, create=False), "digitnet")


def _states(storage) -> list[str]:
    return [t.state.name for t in _study(storage).get_trials()]


def _forget(storage, key: str) -> None:
    """Make the study's record as one started before ``key`` was recorded."""
    study = _study(storage)
    recorded = dict(study.user_attrs["digitnet"])
    del recorded[key]
    study.set_user_attr("digitnet", recorded)


@pytest.mark.parametrize("name", ["", " ", "\t "])
def test_a_blank_study_name_is_refused_before_anything_is_read(run, one_line, tmp_path, name):
    table = wine_csv(tmp_path / "wine.csv")
    result = run(*TUNE, "--trials", "1", "--data", table, "--study", name,
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (
        f"digitnet: error: Invalid value for '--study': {name!r} names no study; give it a "
        "name, or leave --study out for the study 'digitnet'; see digitnet tune --help")
    assert list(tmp_path.iterdir()) == [table]  # no study database made


def test_tune_refuses_a_blank_study_name_before_opening_the_storage(tmp_path):
    data = datasets.load(wine_csv(tmp_path / "wine.csv"), split="train")
    base = recipes.for_data(TrainConfig(epochs=1), data, {"epochs": 1})
    search = Search(data, base, Space({"lr": {"choices": [0.01]}}), trials=1)
    with pytest.raises(ConfigError, match=r"^study_name ' ' names no study; give it a name$"):
        tune(search, str(tmp_path / "tune.db"), " ", handle_signals=False)
    assert not (tmp_path / "tune.db").exists()


def test_a_study_continued_with_another_pruner_is_refused(run, tmp_path):
    table, storage = wine_csv(tmp_path / "wine.csv"), tmp_path / "tune.db"
    given = [*TUNE, "--data", table, "--out", tmp_path / "best.json"]
    assert run(*given, "--pruner", "none", "--trials", "1").exit_code == 0
    for pruner, said in [([], "--pruner median (the default)"),
                         (["--pruner", "hyperband"], "--pruner hyperband")]:
        refused = run(*given, *pruner, "--trials", "2")
        assert refused.exit_code == 1, refused.output
        assert refused.stderr.splitlines()[-1] == (
            f"digitnet: error: study 'digitnet' was started with --pruner none, and this "
            f"command gives {said}{REFUSED}")
        assert _states(storage) == ["COMPLETE"]
    again = run(*given, "--pruner", "none", "--trials", "2")
    assert again.exit_code == 0, again.output
    assert _states(storage) == ["COMPLETE"] * 2


def test_a_study_that_recorded_no_pruner_goes_on_as_before(run, tmp_path):
    """A study started before the pruner was recorded is continued with any pruner, as then,
    and its record is left as it was: its trials may have been judged by any of them."""
    table, storage = wine_csv(tmp_path / "wine.csv"), tmp_path / "tune.db"
    given = [*TUNE, "--data", table, "--out", tmp_path / "best.json"]
    assert run(*given, "--pruner", "none", "--trials", "1").exit_code == 0
    _forget(storage, "pruner")
    again = run(*given, "--pruner", "hyperband", "--trials", "2")
    assert again.exit_code == 0, again.output
    assert _states(storage) == ["COMPLETE"] * 2
    assert "pruner" not in _study(storage).user_attrs["digitnet"]


def test_a_study_continued_with_another_label_column_is_refused(run, tmp_path):
    """The same file, as many rows and columns, three classes either way: only the column
    learned differs. The column counts, not how it was named: the last column by default is
    the one --target names."""
    table, storage = two_label_wine_csv(tmp_path / "wines.csv"), tmp_path / "tune.db"
    given = [*TUNE, "--pruner", "none", "--data", table, "--out", tmp_path / "best.json"]
    assert run(*given, "--target", "cultivar", "--trials", "1").exit_code == 0
    for target in (["--target", "strength"], []):
        refused = run(*given, *target, "--trials", "2")
        assert refused.exit_code == 1, refused.output
        assert refused.stderr.splitlines()[-1] == (
            "digitnet: error: study 'digitnet' was started with the labels in column "
            "'cultivar' (--target cultivar), and this command's are in column 'strength'"
            f"{REFUSED}")
        assert _states(storage) == ["COMPLETE"]
    again = run(*given, "--target", "cultivar", "--trials", "2")
    assert again.exit_code == 0, again.output
    assert _states(storage) == ["COMPLETE"] * 2

    other = tmp_path / "default"
    other.mkdir()
    first = run(*given[:-1], other / "best.json", "--trials", "1")  # the last column, unnamed
    assert first.exit_code == 0, first.output
    named = run(*given[:-1], other / "best.json", "--target", "strength", "--trials", "2")
    assert named.exit_code == 0, named.output
    assert _states(other / "tune.db") == ["COMPLETE"] * 2


def test_a_study_that_recorded_no_columns_goes_on_as_before(run, tmp_path):
    table, storage = two_label_wine_csv(tmp_path / "wines.csv"), tmp_path / "tune.db"
    given = [*TUNE, "--pruner", "none", "--data", table, "--out", tmp_path / "best.json"]
    assert run(*given, "--target", "cultivar", "--trials", "1").exit_code == 0
    _forget(storage, "columns")
    again = run(*given, "--trials", "2")
    assert again.exit_code == 0, again.output
    assert _states(storage) == ["COMPLETE"] * 2
    assert "columns" not in _study(storage).user_attrs["digitnet"]
