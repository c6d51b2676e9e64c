"""The network the widget's tests show, and where their screenshots go (the browser and axe-core
are tests/conftest.py's, the JupyterLab server is tests/helpers/lab_server.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digitnet import PRESETS, modelfile
from digitnet.training import train

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "notebook"


@pytest.fixture(scope="session")
def drawing_model(mnist, tmp_path_factory) -> Path:
    """The default recipe, 4 epochs on 12,000 real digits (the browser tests' network), saved."""
    result = train(mnist.subset(slice(0, 12000), "train"), PRESETS["default"].replace(epochs=4),
                   handle_signals=False)
    path = tmp_path_factory.mktemp("notebook-model") / "model.safetensors"
    modelfile.save(result.network, path)
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
