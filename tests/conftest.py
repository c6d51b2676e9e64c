"""Shared fixtures: the real MNIST digits in ../shared/data, and small models trained on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST_PREFIX = SHARED_DATA / "mnist-train-prefix"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
AXE = REPO / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the first 24,345 official MNIST training images (train files only)."""
    if not (MNIST_PREFIX / "train-images-idx3-ubyte.gz").exists():
        pytest.fail(f"real MNIST digits not found at {MNIST_PREFIX}; the tests need ../shared/data "
                    "beside the repository")
    return MNIST_PREFIX


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The 24,345 real MNIST training digits as a Dataset."""
    from digitnet import datasets

    return datasets.load(str(mnist_dir), split="train")


@pytest.fixture(scope="session")
def mnist_small(mnist):
    """3,000 real digits (a stratified draw), for quick training runs."""
    from digitnet import datasets

    _, index = datasets.stratified_split(mnist.labels, 3000 / len(mnist), seed=7)
    return mnist.subset(index, split="train")


@pytest.fixture(scope="session")
def small_model(mnist_small, tmp_path_factory):
    """A default-recipe network trained for 3 epochs on 3,000 real digits, saved to a file."""
    from digitnet import modelfile
    from digitnet import PRESETS
    from digitnet.training import train

    result = train(mnist_small, PRESETS["default"].replace(epochs=3), handle_signals=False)
    path = tmp_path_factory.mktemp("model") / "small.safetensors"
    modelfile.save(result.network, path)
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download is not used), one for
    the session: the page's tests (tests/e2e) and the notebook's (tests/notebook) share it."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (tests/e2e/package.json), injected from disk: the browser fetches nothing."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci --prefix tests/e2e` (the README's "
                    "test command does)")
    return AXE.read_text()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def locked_folders(monkeypatch):
    """Make folders named "locked" unreadable: the tests run as root, who can read any folder."""
    import os

    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
