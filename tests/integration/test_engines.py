"""The training engines against the exact step, and against each other.

Every step of an epoch (shifted images, a short last batch, every activation, output and
optimiser) is taken by the NumPy engine and, where it is built, by the compiled engine, each
from the same state; both must land within the rounding bound of the exact step computed in
float64 (tests/helpers/float_bounds.py derives the gradient's bound; the optimiser's update is
then evaluated over the gradient's whole error interval). The run then continues from the
compiled engine's state, so every step is checked on the trajectory a real run takes, and
rounding differences cannot pile up into the chaos that separates two long runs.
"""

import numpy as np
import pytest

import float_bounds
from digitnet import Network, activations, losses, optimizers
from digitnet.augment import shift_images, shift_offsets
from digitnet.engines import compiled, numpy as numpy_engine

N_IMAGES = 330  # 10 full batches of 32 and a short one of 10
U = float_bounds.U

needs_compiled = pytest.mark.skipif(not compiled.available(),
                                    reason="digitnet's compiled engine is not built here")

OPTIMIZERS = {
    "sgd": dict(name="sgd", lr=0.1),
    "momentum": dict(name="sgd", lr=0.05, momentum=0.9),
    "adam": dict(name="adam", lr=0.003),
    "adam+decay": dict(name="adam", lr=0.003, weight_decay=1e-3),
    "sgd+decay": dict(name="sgd", lr=0.1, momentum=0.5, weight_decay=1e-3),
}


@pytest.fixture(scope="module")
def digits(mnist):
    pixels = np.ascontiguousarray(mnist.x[:N_IMAGES].reshape(N_IMAGES, 784))
    return pixels, mnist.labels[:N_IMAGES].astype(np.intp)


def make_optimizer(net, spec):
    spec = dict(spec)
    name, lr = spec.pop("name"), spec.pop("lr")
    return optimizers.make(name, net.parameter_count, n_decayed=net.n_weights, **spec), lr


def exact_update(opt, params, grads, grad_errors, lr, u=U):
    """The exact step from ``params`` and the optimiser's state, and a bound on a computed
    step's distance from it (unit roundoff ``u``): the update's range over the gradient's error
    interval, plus the roundings of the update itself."""
    p = params.astype(np.float64)
    g, grad_errors = grads.copy(), grad_errors.copy()
    if opt.weight_decay:  # g + λ p, rounded twice (the product, the sum)
        k = opt.n_decayed
        g[:k] += opt.weight_decay * p[:k]
        grad_errors[:k] += 2 * u * (np.abs(g[:k]) + opt.weight_decay * np.abs(p[:k]))
    if isinstance(opt, optimizers.SGD):
        velocity = g if opt.velocity is None else opt.momentum * opt.velocity + g
        step = lr * velocity
        return p - step, lr * grad_errors + 4 * u * (np.abs(p) + np.abs(step))
    t = opt.steps + 1
    size = lr * np.sqrt(1 - opt.beta2**t) / (1 - opt.beta1**t)
    eps = opt.eps * np.sqrt(1 - opt.beta2**t)

    def update(gi):
        m = opt.beta1 * opt.m + (1 - opt.beta1) * gi
        v = np.maximum(opt.beta2 * opt.v + (1 - opt.beta2) * gi * gi, 1e-30)
        return size * m / (np.sqrt(v) + eps)

    candidates = np.stack([update(g + k * grad_errors) for k in np.linspace(-1, 1, 9)])
    step = update(g)
    spread = candidates.max(axis=0) - candidates.min(axis=0)
    return p - step, spread + 12 * u * np.abs(step) + 2 * u * np.abs(p)


def exact_batch(pixels, labels, order, shift_ids, step, batch):
    index = order[step * batch : (step + 1) * batch]
    x = pixels[index]
    if shift_ids is not None:
        moves = np.array(shift_offsets(1))[shift_ids[step * batch : (step + 1) * batch]]
        x = shift_images(x, moves, (28, 28))
    return x, labels[index]


def dyadic(a, bits=6):
    """``a`` rounded to multiples of 2^-bits: sums of such numbers are exact in float32."""
    return np.round(a * 2**bits) / 2**bits


def walk_an_epoch(digits, activation, output, opt_key, engines, *, shift=1, dtype=np.float32,
                  exact_sums=False):
    """Take every step of an epoch with each engine from the same state; check each step.

    ``exact_sums``: every step starts from weights rounded to multiples of 1/64, and the images
    are black and white, so that the hidden layers' weighted sums are computed without rounding
    and the bounds are tight (float_bounds.forward).
    """
    pixels, labels = digits
    u = float_bounds.U64 if dtype == np.float64 else U
    rng = np.random.default_rng(1)
    order = rng.permutation(len(labels))
    shift_ids = rng.integers(0, 9, len(labels)) if shift else None
    runs = []
    for engine in engines:
        net = Network((784, 16, 16, 10), activation, output, seed=5, dtype=dtype)
        opt, lr = make_optimizer(net, OPTIMIZERS[opt_key])
        opt = optimizers.make(opt.name, net.parameter_count, n_decayed=net.n_weights,
                              weight_decay=opt.weight_decay, dtype=dtype,
                              **({"momentum": opt.momentum} if opt.name == "sgd" else {}))
        steps = engine.steps(net, opt, pixels, labels, batch_size=32, image_shape=(28, 28),
                             max_shift=shift)
        runs.append((net, opt, steps))
    n_steps = -(-len(labels) // 32)
    for s in range(n_steps):
        lead_net, lead_opt, _ = runs[-1]
        if exact_sums:
            lead_net.params[...] = dyadic(lead_net.params)
        state = lead_net.params.copy(), {k: v.copy() for k, v in lead_opt.state_dict().items()}
        done = lead_opt.steps
        x, y = exact_batch(pixels, labels, order, shift_ids, s, 32)
        loss, grads, grad_errors, loss_error = float_bounds.gradient(lead_net, x, y, u, exact_sums)
        expected, bound = exact_update(lead_opt, lead_net.params, grads, grad_errors, lr, u)
        for net, opt, steps in runs:
            net.params[...] = state[0]
            opt.load_state_dict(state[1], done)
            (got_loss,) = steps.run(order, shift_ids, s, s + 1, [lr])
            assert abs(got_loss - loss) <= loss_error, (steps.name, s, got_loss, loss)
            excess = np.abs(net.params - expected) - bound
            assert excess.max() <= 0, f"{steps.name}, step {s}: {excess.max():.3g} beyond the bound"
            assert opt.steps == done + 1
    return runs


@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_every_step_of_the_numpy_engine_is_the_exact_step(digits, activation, output, opt_key):
    walk_an_epoch(digits, activation, output, opt_key, [numpy_engine.NumpyEngine()])


@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_the_numpy_engine_in_float64_is_the_exact_step(digits, activation, output, opt_key):
    """In float64 the bound is 2^29 times tighter: a slip of a millionth shows."""
    walk_an_epoch(digits, activation, output, opt_key, [numpy_engine.NumpyEngine()],
                  dtype=np.float64)


@needs_compiled
@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_every_step_of_the_compiled_engine_is_the_exact_step(digits, activation, output, opt_key):
    walk_an_epoch(digits, activation, output, opt_key,
                  [numpy_engine.NumpyEngine(), compiled.CompiledEngine()])


@pytest.fixture(scope="module")
def black_and_white(digits):
    pixels, labels = digits
    return np.where(pixels > 127, 255, 0).astype(np.uint8), labels


@needs_compiled
@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
def test_the_compiled_engine_where_sums_are_exact(black_and_white, output, opt_key):
    """Black-and-white digits and weights in 64ths: the hidden layers' sums are exact in float32,
    so the bound is tight enough that a slip of a thousandth in any gradient shows."""
    walk_an_epoch(black_and_white, "relu", output, opt_key,
                  [numpy_engine.NumpyEngine(), compiled.CompiledEngine()], exact_sums=True)


def engine_steps(engine, digits, opt_key="adam", shift=0, batch=32, activation="relu"):
    pixels, labels = digits
    net = Network((784, 16, 16, 10), activation, "softmax", seed=5)
    opt, lr = make_optimizer(net, OPTIMIZERS[opt_key])
    steps = engine.steps(net, opt, pixels, labels, batch_size=batch, image_shape=(28, 28),
                         max_shift=shift)
    return net, opt, steps, lr


ENGINES = [pytest.param(numpy_engine.NumpyEngine(), id="numpy"),
           pytest.param(compiled.CompiledEngine(), id="compiled", marks=needs_compiled)]


@pytest.mark.parametrize("engine", ENGINES)
def test_steps_do_not_depend_on_how_they_are_split(digits, engine):
    """Resuming mid-epoch relies on it: 0..4 then 4..11 gives the bytes of 0..11."""
    order = np.random.default_rng(4).permutation(N_IMAGES)
    shift_ids = np.random.default_rng(5).integers(0, 9, N_IMAGES)
    results = []
    for cuts in ([0, 11], [0, 4, 5, 11]):
        net, opt, steps, lr = engine_steps(engine, digits, shift=1)
        losses_ = []
        for start, stop in zip(cuts, cuts[1:]):
            losses_ += steps.run(order, shift_ids, start, stop, [lr] * (stop - start))
        results.append((net.params.tobytes(), opt.m.tobytes(), opt.v.tobytes(), losses_))
    assert results[0] == results[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_diverging_step_is_reported_and_not_applied(digits, engine):
    net, opt, steps, _ = engine_steps(engine, digits, "sgd")
    with np.errstate(over="ignore", invalid="ignore"):  # as train() runs it
        losses_ = steps.run(np.arange(N_IMAGES), None, 0, 10, [1e38] * 10)
    assert not np.isfinite(losses_[-1]) and np.isfinite(losses_[:-1]).all()
    assert opt.steps == len(losses_) - 1
    before = net.params.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        again = steps.run(np.arange(N_IMAGES), None, len(losses_) - 1, len(losses_), [1e38])
    assert not np.isfinite(again[-1]) and net.params.tobytes() == before.tobytes()


@needs_compiled
def test_the_compiled_steps_check_every_buffer_and_index(digits):
    """The C side trusts nothing it is handed: a wrong length or index is a ValueError."""
    from digitnet.engines import _kernel

    pixels, labels = digits
    net, opt, steps, lr = engine_steps(compiled.CompiledEngine(), digits, "sgd", shift=1)
    order, shifts = np.arange(N_IMAGES), np.zeros(N_IMAGES, np.int64)
    wrong = order.copy()
    wrong[3] = N_IMAGES
    with pytest.raises(ValueError, match=r"order\[3\] = 330 is outside 0..329"):
        steps.run(wrong, shifts, 0, 1, [lr])
    with pytest.raises(ValueError, match=r"shift_ids\[0\] = 9 is outside 0..8"):
        steps.run(order, np.full(N_IMAGES, 9), 0, 1, [lr])
    with pytest.raises(ValueError, match="shift_ids must be given"):
        steps.run(order, None, 0, 1, [lr])
    with pytest.raises(ValueError, match="do not fit an epoch"):
        steps.run(order, shifts, 10, 12, [lr, lr])
    with pytest.raises(ValueError, match="lrs must be"):
        steps.run(order, shifts, 0, 2, [lr])
    common = dict(sizes=net.sizes, params=net.params, pixels=pixels, labels=labels.astype(np.int64),
                  shift_maps=None, batch=32, activation=2, leaky_alpha=0.0, output=0,
                  optimizer=0, momentum=0.0, weight_decay=0.0, n_decayed=net.n_weights,
                  beta1=0.0, beta2=0.0, eps=0.0, velocity=None, m=None, v=None)
    _kernel.Steps(**common)  # as given, it is accepted
    for change, message in [
        (dict(params=net.params[:-1]), "params must be"),
        (dict(params=net.params.astype(np.float64)), "params must be"),
        (dict(pixels=pixels[:, :700]), "pixels must be a C-contiguous array"),
        (dict(pixels=pixels.reshape(-1)[:-5]), "pixels must be"),
        (dict(labels=labels[:-1].astype(np.int64)), "labels must be"),
        (dict(labels=np.full(N_IMAGES, 10, np.int64)), r"labels\[0\] = 10 is outside 0..9"),
        (dict(optimizer=1), "Adam needs m and v"),
        (dict(momentum=0.9), "momentum needs velocity"),
        (dict(activation=7), "out of range"),
    ]:
        with pytest.raises(ValueError, match=message):
            _kernel.Steps(**{**common, **change})
    readonly = net.params.copy()
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="params must be a C-contiguous, writable array"):
        _kernel.Steps(**{**common, "params": readonly})
