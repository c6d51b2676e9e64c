import numpy as np
import pytest

from digitnet import optimizers
from digitnet.errors import ConfigError


def test_plain_sgd_step_by_hand():
    p = np.array([1.0, 2.0], np.float32)
    opt = optimizers.make("sgd", 2)
    opt.step(p, np.array([0.5, -1.0], np.float32), lr=0.1)
    np.testing.assert_allclose(p, [0.95, 2.1])


def test_momentum_by_hand():
    p = np.array([0.0], np.float32)
    opt = optimizers.SGD(1, momentum=0.9)
    g = np.array([1.0], np.float32)
    opt.step(p, g.copy(), lr=0.1)  # v = 1, p = -0.1
    opt.step(p, g.copy(), lr=0.1)  # v = 1.9, p = -0.29
    np.testing.assert_allclose(p, [-0.29], rtol=1e-6)
    np.testing.assert_allclose(opt.velocity, [1.9], rtol=1e-6)


def test_weight_decay_applies_to_weights_only():
    p = np.array([1.0, 1.0, 1.0], np.float32)  # two weights, then one bias
    opt = optimizers.SGD(3, n_decayed=2, weight_decay=0.5)
    opt.step(p, np.zeros(3, np.float32), lr=0.1)
    np.testing.assert_allclose(p, [0.95, 0.95, 1.0])


def test_adam_by_hand():
    # First step of Adam moves each parameter by lr·sign(g) (m̂ = g, v̂ = g², eps tiny).
    p = np.array([1.0, 1.0], np.float64)
    opt = optimizers.Adam(2, dtype=np.float64, eps=1e-12)
    opt.step(p, np.array([0.3, -2.0]), lr=0.01)
    np.testing.assert_allclose(p, [0.99, 1.01], rtol=1e-9)
    # Second step with g2: m = 0.9·0.1·g1 + 0.1·g2 ... computed the textbook way.
    g1, g2 = np.array([0.3, -2.0]), np.array([-0.1, 0.5])
    m = 0.1 * g1
    v = 0.001 * g1**2
    m = 0.9 * m + 0.1 * g2
    v = 0.999 * v + 0.001 * g2**2
    expected = np.array([0.99, 1.01]) - 0.01 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-12)
    opt.step(p, g2.copy(), lr=0.01)
    np.testing.assert_allclose(p, expected, rtol=1e-9)


def test_adam_keeps_moments_out_of_subnormal_range():
    p = np.ones(4, np.float32)
    opt = optimizers.Adam(4)
    opt.step(p, np.full(4, 1e-3, np.float32), lr=1e-3)
    for _ in range(2000):  # gradients stay exactly zero afterwards (a never-inked pixel)
        opt.step(p, np.zeros(4, np.float32), lr=1e-3)
    tiny = np.finfo(np.float32).tiny
    for state in (opt.m, opt.v):
        assert np.all((state == 0) | (np.abs(state) >= tiny))


def test_state_dict_round_trip():
    opt = optimizers.Adam(3)
    p = np.zeros(3, np.float32)
    opt.step(p, np.ones(3, np.float32), lr=0.1)
    twin = optimizers.Adam(3)
    twin.load_state_dict({k: v.copy() for k, v in opt.state_dict().items()}, opt.steps)
    q = p.copy()
    opt.step(p, np.ones(3, np.float32), lr=0.1)
    twin.step(q, np.ones(3, np.float32), lr=0.1)
    np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("make", [
    lambda: optimizers.make("rmsprop", 3),
    lambda: optimizers.SGD(3, momentum=1.5),
    lambda: optimizers.Adam(3, beta1=1.0),
    lambda: optimizers.SGD(3, weight_decay=-1),
])
def test_bad_options(make):
    with pytest.raises(ConfigError):
        make()


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_each_setting_is_a_recipe_option_the_optimiser_takes(name):
    """What training passes to an optimiser, and what tuning searches only with it, is one list:
    each setting is an option of a recipe, and the optimiser built with it keeps its value."""
    from digitnet.config import TrainConfig
    from digitnet.searchspace import ONLY_WITH
    settings = optimizers.settings(name)
    assert settings and set(settings) <= set(TrainConfig.fields())
    built = optimizers.make(name, 3, **{s: 0.5 for s in settings})
    assert all(getattr(built, s) == 0.5 for s in settings)
    assert all(ONLY_WITH[s] == {"optimizer": name} for s in settings)
    others = {s for other in optimizers.OPTIMIZERS if other != name
              for s in optimizers.settings(other)}
    with pytest.raises(TypeError):
        optimizers.make(name, 3, **{s: 0.5 for s in others})


def test_settings_of_an_unknown_optimiser_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown optimizer 'rmsprop'; choose one of sgd, adam"):
        optimizers.settings("rmsprop")
