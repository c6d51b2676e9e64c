"""`digitnet show mistakes` says in the terminal too when there are none (the list is how its help
says to find them), and a train or val split that cannot be rebuilt from the data given says that
--split all scores that data."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.filterwarnings("default::UserWarning"),
              pytest.mark.engine_independent]  # (what is said, nothing trained here)


def test_no_mistakes_is_said_on_the_terminal(run, speech_model, spoken_digits, tmp_path):
    heard = run("predict", speech_model, *sorted(spoken_digits.glob("7_jackson_*.wav"))[:12])
    right = [line.split(":")[0] for line in heard.stdout.splitlines()
             if line.split(": ")[1].split()[0] == "7"]
    assert len(right) >= 3, heard.output  # (a model that reads some 7s right)
    for i, name in enumerate(right):
        (tmp_path / "mine" / "7" / f"take{i % 2}").mkdir(parents=True, exist_ok=True)
        shutil.copy(name, tmp_path / "mine" / "7" / f"take{i % 2}")
    result = run("show", "mistakes", speech_model, "--data", tmp_path / "mine", "--out",
                 tmp_path / "m.png")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"Saved {tmp_path / 'm.png'}",
                                          f"No mistakes on these {len(right)} recordings"]


def test_a_split_of_other_data_says_to_score_all_of_it(run, trained, mnist_dir, tmp_path):
    model, _ = trained
    result = run("show", "mistakes", model, "--data", mnist_dir, "--split", "val", "--out",
                 tmp_path / "m.png")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(f"; --split all scores every example of {mnist_dir}")
    assert "\n" not in result.stderr.strip()
