"""Where the widget's tests put their screenshots (the network they show, drawing_model, the
browser and axe-core are tests/conftest.py's; the JupyterLab server is
tests/helpers/lab_server.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "notebook"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
