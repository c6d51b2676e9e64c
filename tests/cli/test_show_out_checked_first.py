"""Every ``digitnet show`` command checks where its ``--out`` picture goes before it does any
work, as ``digitnet edit`` and ``train`` check theirs: a folder that is not there is said in the
words saving there would say, without the seconds of work first (``show ablation`` switched off
each neuron and printed its ranking, then refused the folder)."""

from __future__ import annotations

import pytest

from digitnet.cli import cli

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: show's --out checks)

#: What each show command needs besides MODEL (or STUDY_DB) and --out to be run at all.
_EXTRA = {"network": ["digit.png"], "saliency": ["digit.png"], "top": ["--layer", "1",
                                                                         "--neuron", "0"]}


@pytest.mark.parametrize("command", sorted(cli.commands["show"].commands))
def test_a_missing_folder_is_said_before_the_model_is_read(run, command, tmp_path, one_line):
    """A model that is not there is never looked for: the --out error comes first."""
    out = tmp_path / "missing" / f"{command}.png"
    missing = tmp_path / "no-such-model.safetensors"
    result = run("show", command, missing, *_EXTRA.get(command, []), "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {out}: folder {out.parent} does not "
                                       "exist; create it first")
    assert result.stdout == ""


def test_show_ablation_refuses_the_folder_before_ranking_neurons(run, trained, digits_dir,
                                                                 tmp_path, one_line):
    out = tmp_path / "missing_dir" / "x.png"
    result = run("show", "ablation", trained[0], "--data", digits_dir, "--out", out)
    assert result.exit_code == 1
    assert result.stdout == ""  # no neuron ranked and printed first
    assert one_line(result.stderr) == (f"digitnet: error: {out}: folder {out.parent} does not "
                                       "exist; create it first")


def test_a_read_only_picture_is_refused_first_as_edit_refuses_one(run, trained, tmp_path,
                                                                   one_line):
    out = tmp_path / "weights.png"
    # an earlier picture show drew (only a picture digitnet drew is replaced)
    assert run("show", "weights", trained[0], "--out", out).exit_code == 0
    earlier = out.read_bytes()
    out.chmod(0o444)
    result = run("show", "weights", trained[0], "--out", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"digitnet: error: {out}: is read-only; make it writable "
                                       f"(chmod u+w {out}) or choose another file")
    assert out.read_bytes() == earlier
    out.chmod(0o644)
    result = run("show", "weights", trained[0], "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
