"""dataidentity.same_description: a study's record of its search (base recipe, space, data) is
matched by the same search on the same files under other names, and by nothing else."""

from __future__ import annotations

import json
import shutil

from real_data import sklearn_table, wine_csv, write_csv

from digitnet import datasets, recipes
from digitnet.config import TrainConfig
from digitnet.dataidentity import same_description
from digitnet.searchspace import Space, default_space
from digitnet.tuning import Search


def _described(path, **options) -> dict:
    """What ``digitnet tune --data PATH`` records in its study, as the database gives it back."""
    data = datasets.load(path, split="train")
    base = recipes.for_data(TrainConfig(**options), data, options)
    search = Search(data, base, Space(default_space(data.input)), trials=2)
    return json.loads(json.dumps(search.description()))


def test_a_renamed_copy_of_a_table_is_the_same_search(tmp_path):
    table = wine_csv(tmp_path / "wine.csv")
    recorded = _described(table)
    copy = _described(shutil.copyfile(table, tmp_path / "wine2.csv"))
    assert recorded["data"]["files"] != copy["data"]["files"]  # other names: the same bytes
    assert same_description(recorded, copy) and same_description(copy, recorded)


def test_other_rows_or_another_recipe_is_another_search(tmp_path):
    recorded = _described(wine_csv(tmp_path / "wine.csv"))
    wine = sklearn_table("wine")
    labels = wine.target_names[wine.target]
    labels[-1] = wine.target_names[0]  # one wine of another cultivar: as many rows
    (tmp_path / "b").mkdir()
    relabelled = write_csv(tmp_path / "b" / "wine.csv", wine.data, labels, wine.feature_names)
    assert not same_description(recorded, _described(relabelled))
    assert not same_description(recorded, _described(tmp_path / "wine.csv", epochs=3))
    assert same_description(recorded, _described(tmp_path / "wine.csv"))
