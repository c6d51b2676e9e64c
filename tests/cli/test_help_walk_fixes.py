"""What a walk through every command's --help found, each on real data: a group given no
command prints its help; --preset large on a table is refused naming it; tune's --engine speaks
of a study, not of --resume; the show commands that take any model are listed from the one
place that marks those that do not; the train/ and test/ folder layout is in --help; predict's
--top ranks the JSON answers too; and small messages name what they mean (.npy among the files
read, a table given to a model of recordings, whose columns are whose, --hidden -3 as 0,
--split all, and where --debug goes)."""

from __future__ import annotations

import json
import re

import click
import numpy as np
import pytest
from PIL import Image
from real_data import sklearn_table, wine_csv, write_csv

from digitnet.cli import cli

pytestmark = pytest.mark.engine_independent  # (refusals and help; the models' answers' shape)


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    """scikit-learn's iris table (150 real flowers) as a CSV: four measures, then the species."""
    iris = sklearn_table("iris")
    folder = tmp_path_factory.mktemp("iris")
    return write_csv(folder / "iris.csv", iris.data, iris.target_names[iris.target],
                     iris.feature_names)


@pytest.fixture(scope="module")
def iris_model(run, iris_csv):
    """A 4-16-16-3 network trained on the iris table for 30 epochs by `digitnet train`."""
    out = iris_csv.parent / "iris.safetensors"
    result = run("train", "--data", iris_csv, "--epochs", "30", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def unwrapped(text: str) -> str:
    """Help text as one line: click's wrapping undone (also inside my-digits, at its hyphen)."""
    return " ".join(re.sub(r"-\n\s+", "-", text).split())


# 1. A group with no command: its help, as `digitnet` alone prints the top group's.

def test_each_group_given_no_command_prints_its_help(run):
    groups = [name for name, command in cli.commands.items() if isinstance(command, click.Group)]
    assert "show" in groups
    for name in groups:
        result = run(name)
        assert result.exit_code == 2
        assert "digitnet: error" not in result.output and "\\n" not in result.output
        assert result.stderr == run(name, "--help").stdout  # every line of it, as click says it
        usage = result.stderr.splitlines()[0]  # (the program is "cli" in click's test runner)
        assert usage.startswith("Usage: ")
        assert usage.endswith(f" {name} [OPTIONS] COMMAND [ARGS]...")


# 2. The preset, not an option never given, is named.

def test_preset_large_on_a_table_is_refused_naming_the_preset(run, iris_csv, tmp_path, one_line):
    result = run("train", "--data", iris_csv, "--preset", "large",
                 "--out", tmp_path / "m.safetensors")
    assert result.exit_code == 1
    said = one_line(result.stderr)
    assert said.startswith("digitnet: error: --preset large ")
    assert f"and {iris_csv} is a table; drop --preset large to train it with the default " in said
    assert "elastic_alpha=0 (--elastic-alpha 0)" in said  # (or keep the rest of the preset)
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("preset", ["large", "video"])
def test_tune_with_a_preset_that_sets_layers_takes_them(run, digits_dir, preset):
    """--preset large fixes its layers (784-800-800-10): tune keeps them, as it keeps video's
    activation; a preset's layers are no --config file's, tuned on other data (it crashed with
    a KeyError when looking for layers given on the command line)."""
    result = run("tune", "--data", digits_dir, "--preset", preset, "--show-space")
    assert result.exit_code == 0, result.output
    space = json.loads(result.stdout[result.stdout.index("{"):])
    assert "schedule" in space and "activation" not in space  # (fixed by either preset)


# 3. tune has no --resume: its --engine says what holds for a search.

def test_tune_engine_help_speaks_of_its_study_not_of_resume(run):
    tune = unwrapped(run("tune", "--help").stdout)
    assert "--resume" not in tune
    assert "a study is continued only with the --engine it was started with" in tune
    assert "--resume" not in {o for p in cli.commands["tune"].params for o in p.opts}
    assert "with --resume, the engine the run started with" in unwrapped(
        run("train", "--help").stdout)  # (train's own, still true of train)


# 4. The commands a picture-only refusal names are those that work on a table's model.

def test_a_table_model_is_pointed_at_exactly_the_show_commands_that_draw_it(
        run, iris_model, iris_csv, tmp_path):
    data = ["--data", iris_csv]
    args = {"weights": [], "network": [iris_csv], "saliency": [iris_csv], "dream": [],
            "confusion": data, "mistakes": data, "history": [], "ablation": data,
            "top": ["--layer", "1", "--neuron", "0", *data], "embedding": data,
            "robustness": data}
    taking_a_model = {name for name, c in cli.commands["show"].commands.items()
                      if any(p.name == "model" for p in c.params)}
    assert set(args) == taking_a_model  # (a new one is tried here too)
    worked, refusals = set(), []
    for name, more in args.items():
        result = run("show", name, iris_model, *more, "--out", tmp_path / f"{name}.png")
        if result.exit_code == 0:
            worked.add(name)
        else:
            assert result.exit_code == 1, result.output
            refusals.append(result.stderr)
    assert {"confusion", "history", "ablation", "top", "embedding"} <= worked
    pointed = [said for said in refusals if "work for any model" in said]
    assert pointed  # (weights, network, saliency, dream, mistakes)
    for said in pointed:
        assert set(re.findall(r"`show (\w+)`", said)) == worked


# 5. The layout with a test part, where --help describes folders.

@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_help_shows_class_folders_inside_train_and_test(run, command):
    said = unwrapped(run(command, "--help").stdout)
    assert "my-digits/train/0/a.png" in said and "my-digits/test/0/b.png" in said


# 6. --top ranks the JSON answers too; every probability is still there.

def test_predict_top_ranks_the_json_answer(run, iris_model, iris_csv):
    answers = {k: [json.loads(line) for line in
                   run("predict", iris_model, iris_csv, "--json", *top).stdout.splitlines()]
               for k, top in ((1, ["--top", "1"]), (2, ["--top", "2"]), (3, []))}
    assert len(answers[1]) == len(answers[3]) == 150
    classes = ["setosa", "versicolor", "virginica"]
    for k, rows in answers.items():
        for row in rows:
            assert {"file", "class", "index", "probabilities"} <= set(row)
            p = row["probabilities"]
            assert len(p) == 3 and row["index"] == int(np.argmax(p))
            assert len(row["top"]) == k
            assert row["top"][0] == {"class": row["class"], "index": row["index"],
                                     "probability": p[row["index"]]}
            for entry in row["top"]:
                assert entry["probability"] == p[entry["index"]]
                assert entry["class"] == classes[entry["index"]]
            ranked = [e["probability"] for e in row["top"]]
            assert ranked == sorted(ranked, reverse=True)
    assert answers[1][0] != answers[3][0]
    assert answers[1][0]["probabilities"] == answers[3][0]["probabilities"]


# 7. Small messages.

def test_a_file_no_picture_model_reads_names_npy_among_the_formats(
        run, small_model, mnist, tmp_path, one_line):
    text = tmp_path / "notes.txt"
    text.write_text("not a picture\n")
    Image.fromarray(mnist.x[0]).save(tmp_path / "digit.png")
    np.save(tmp_path / "digit.npy", mnist.x[1])
    result = run("predict", small_model, text)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {text}: not an image (or not a format "
                                       "we read: PNG, JPEG, BMP, GIF, WebP, TIFF, or a .npy array "
                                       "of pixels)")
    read = run("predict", small_model, tmp_path / "digit.png", tmp_path / "digit.npy")
    assert read.exit_code == 0 and len(read.stdout.splitlines()) == 2  # (both, as it says)


def test_a_table_given_to_a_model_of_recordings_is_said_to_be_one(
        run, speech_model, iris_csv, tmp_path, one_line):
    for table in (iris_csv, tmp_path / "iris.npz"):
        if table.suffix == ".npz":
            iris = sklearn_table("iris")
            np.savez(table, X=iris.data, y=iris.target)
        result = run("predict", speech_model, table)
        assert result.exit_code == 1
        said = one_line(result.stderr)
        assert said.startswith(f"digitnet: error: {table}: a table, and this model hears "
                               "recordings; give it recordings (.wav, ")
        assert said.endswith("or use a model trained on a table")
        assert "Format not recognised" not in said


def test_missing_columns_name_the_models_and_the_files(run, iris_model, tmp_path, one_line):
    wine = wine_csv(tmp_path / "wine.csv")
    model_columns = ("sepal length (cm), sepal width (cm), petal length (cm), "
                     "petal width (cm)")
    for command in (["predict", iris_model, wine], ["evaluate", iris_model, "--data", wine]):
        result = run(*command)
        assert result.exit_code == 1
        said = one_line(result.stderr)
        assert "no column 'sepal length (cm)', which " in said
        assert f"(the model's columns: {model_columns}; {wine}'s: alcohol, malic_acid, " in said
        assert said.endswith("proline, class); give a table with the model's columns")


def test_a_negative_hidden_size_is_said_as_zero_is(run, iris_csv, tmp_path, one_line):
    said = {}
    for size in ("0", "-3", "16,-3"):
        result = run("train", "--data", iris_csv, "--hidden", size,
                     "--out", tmp_path / "m.safetensors")
        assert result.exit_code == 2
        said[size] = one_line(result.stderr)
    assert said["0"] == ("digitnet: error: Invalid value for '--hidden': need positive sizes, "
                         "got '0'; see digitnet train --help")
    assert said["-3"] == said["0"].replace("'0'", "'-3'")
    assert said["16,-3"] == said["0"].replace("'0'", "'16,-3'")
    assert run("train", "--data", iris_csv, "--layers", "4-8-3", "--epochs", "1",
               "--out", tmp_path / "m.safetensors").exit_code == 0  # (dashes between sizes)


def test_split_test_of_a_table_names_split_all(run, iris_model, iris_csv, one_line):
    result = run("evaluate", iris_model, "--data", iris_csv, "--split", "test")
    assert result.exit_code == 1
    said = one_line(result.stderr)
    assert "no test split; score all its rows (split=\"all\", --split all)" in said
    assert run("evaluate", iris_model, "--data", iris_csv, "--split", "all").exit_code == 0


def test_debug_after_the_command_is_shown_where_it_goes(run, iris_model, one_line):
    for words in (["info", iris_model], ["show", "history", iris_model]):
        result = run(*words, "--debug")
        assert result.exit_code == 2
        where = " ".join(["digitnet", *words[:-1]])
        assert one_line(result.stderr) == (
            f"digitnet: error: No such option '--debug' for {where}; --debug goes before the "
            f"command: digitnet --debug {' '.join(words[:-1])} {iris_model}")
    assert run("--debug", "info", iris_model).exit_code == 0
