"""`digitnet tune --engine compiled` with a search space that draws what the compiled engine
cannot train (dropout, a teacher, label smoothing) is refused before any trial, in one line
naming the fields, the engine and what to do, in the words `digitnet train` has for it; and a
base recipe the engine cannot train is refused with train's own line. (Before, --show-space
printed the space, and the search recorded its study and stopped at its first trial.)"""

from __future__ import annotations

import json

import pytest

from digitnet import engines, studies
from digitnet.errors import ConfigError

pytest.importorskip("optuna")

needs_compiled = pytest.mark.skipif(not engines.available(),
                                    reason="the compiled engine is not built here")


def _no_study(folder) -> bool:
    """Whether the study database in ``folder`` (if any) holds no study: nothing recorded."""
    if not (folder / "tune.db").exists():
        return True
    with pytest.raises(ConfigError, match="holds 0 studies"):
        studies.load_study(studies.open_storage(folder / "tune.db", create=False))
    return True


@needs_compiled
def test_searched_dropout_and_label_smoothing_are_refused_before_any_trial(run, digits_dir,
                                                                          tmp_path, one_line):
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"dropout": {"low": 0.0, "high": 0.3},
                                 "lr": {"low": 0.001, "high": 0.03, "log": True},
                                 "label_smoothing": {"low": 0.0, "high": 0.2}}))
    said = run("train", "--data", digits_dir, "--engine", "compiled", "--dropout", "0.1",
               "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert said.exit_code == 1
    train_words = one_line(said.stderr).removeprefix("digitnet: error: ")
    assert train_words == ("--engine compiled: the compiled engine has no dropout; use --engine "
                           "numpy or auto")
    expected = (f"digitnet: error: {space}: dropout and label_smoothing: trials could draw "
                f"dropout 0.3 or label_smoothing 0.2, which cannot train: {train_words}, or "
                "leave dropout and label_smoothing out of the search space")
    shown = run("tune", "--data", digits_dir, "--engine", "compiled", "--space", space,
                "--show-space")
    assert shown.exit_code == 1 and one_line(shown.stderr) == expected
    result = run("tune", "--data", digits_dir, "--engine", "compiled", "--space", space,
                 "--epochs", "1", "--trials", "2", "--pruner", "none",
                 "--out", tmp_path / "best.json")
    assert result.exit_code == 1 and one_line(result.stderr) == expected
    assert _no_study(tmp_path) and not (tmp_path / "best.json").exists()
    # The same space is searched on the other engines (here: shown, as a search checks it).
    for engine in ("auto", "numpy"):
        fine = run("tune", "--data", digits_dir, "--engine", engine, "--space", space,
                   "--show-space")
        assert fine.exit_code == 0, fine.output
        assert set(json.loads(fine.stdout)) == {"dropout", "lr", "label_smoothing"}


@needs_compiled
def test_a_searched_teacher_is_refused_naming_distillation(run, trained, digits_dir, tmp_path,
                                                           one_line):
    teacher = trained[0]
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"teacher": {"choices": [None, str(teacher)]}}))
    result = run("tune", "--data", digits_dir, "--engine", "compiled", "--space", space,
                 "--epochs", "1", "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"digitnet: error: {space}: teacher: a trial could draw teacher {teacher}, which cannot "
        "train: --engine compiled: the compiled engine has no distillation; use --engine numpy "
        "or auto, or leave teacher out of the search space")
    assert _no_study(tmp_path)


def test_a_base_recipe_the_engine_cannot_train_is_refused_as_train_refuses_it(
        run, digits_dir, tmp_path, one_line):
    """The recipe the command fixes is the command's: train's line, as it is (here, or where
    the compiled engine was not built, that it was not)."""
    said = run("train", "--data", digits_dir, "--engine", "compiled", "--dropout", "0.1",
               "--epochs", "1", "--out", tmp_path / "m.safetensors")
    assert said.exit_code == 1
    result = run("tune", "--data", digits_dir, "--engine", "compiled", "--dropout", "0.1",
                 "--epochs", "1", "--trials", "1", "--out", tmp_path / "best.json")
    assert result.exit_code == 1 and one_line(result.stderr) == one_line(said.stderr)
    assert _no_study(tmp_path)
