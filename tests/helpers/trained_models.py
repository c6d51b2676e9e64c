"""Models the CLI tests train for themselves, one way (tests/cli/conftest.py's fixtures)."""

from __future__ import annotations


def trained_on(run, data, epochs: int, folder) -> tuple:
    """A model trained by `digitnet train --json` on ``data`` into ``folder``: (path, report)."""
    import json

    out = folder / "m.safetensors"
    result = run("train", "--data", data, "--epochs", str(epochs), "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)
