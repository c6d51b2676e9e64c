"""The NumPy engine trains on one BLAS thread, so a run gives the same weights however many
threads BLAS would otherwise use (a product split across threads rounds otherwise); unless the
user has set BLAS's threads themselves (OPENBLAS_NUM_THREADS, ...), which it then leaves alone.

Real MNIST digits, a network wide enough (784-128-64-10, batches of 32) that OpenBLAS splits
its products across threads when allowed to."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from digitnet import PRESETS
from digitnet.engines import numpy as numpy_engine
from digitnet.training import train

pytestmark = pytest.mark.engine_independent  # (the NumPy engine named)

RECIPE = PRESETS["default"].replace(sizes=(784, 128, 64, 10), epochs=1, dropout=0.2,
                                    deskew=False, shift=0)


def blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def trained(data, threads: int) -> np.ndarray:
    with threadpool_limits(threads, user_api="blas"):  # what BLAS would use, as the user has it
        return train(data, RECIPE, handle_signals=False, engine="numpy").network.params.copy()


@pytest.fixture
def no_thread_settings(monkeypatch):
    for name in numpy_engine.BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)


def test_a_run_gives_the_same_weights_whatever_blas_threads_it_could_use(
        mnist_small, no_thread_settings):
    assert trained(mnist_small, 1).tobytes() == trained(mnist_small, 2).tobytes()


def test_steps_compute_on_one_thread_and_give_blas_back_as_it_was(no_thread_settings):
    with threadpool_limits(2, user_api="blas"):
        with numpy_engine.one_blas_thread():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {2}


def test_threads_the_user_set_are_left_alone(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with threadpool_limits(2, user_api="blas"):
        with numpy_engine.one_blas_thread():
            assert set(blas_threads()) == {2}
