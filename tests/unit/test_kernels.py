"""The compiled training steps (digitnet/_kernel.c) against the NumPy reference path.

The same network, optimiser and batches go through :class:`NumpySteps` (Workspace + optimiser,
the readable reference) and :class:`CompiledSteps`; losses, parameters and optimiser state must
agree to float32 rounding, for every activation, output and optimiser, with and without shift
augmentation and with a short last batch.
"""

import numpy as np
import pytest

from digitnet import Network, activations, kernels, losses, optimizers
from digitnet.errors import ConfigError, TrainingInterrupted
from digitnet.kernels import CompiledSteps, make_steps
from digitnet.modelfile import load_checkpoint
from digitnet.train import PRESETS, Callback, train
from digitnet.workspace import NumpySteps, Workspace

N_IMAGES = 1000  # 31 full batches of 32 and a short one of 8


@pytest.fixture(scope="module", autouse=True)
def kernel_built():
    if not kernels.available():
        pytest.fail("digitnet's compiled kernel is not built; install with `pip install -e .` "
                    "on a machine with a C compiler")


@pytest.fixture(scope="module")
def digits(mnist):
    pixels = np.ascontiguousarray(mnist.images[:N_IMAGES].reshape(N_IMAGES, 784))
    return pixels, mnist.labels[:N_IMAGES].astype(np.intp)


OPTIMIZERS = {
    "sgd": dict(name="sgd", lr=0.1),
    "momentum": dict(name="sgd", lr=0.05, momentum=0.9),
    "adam": dict(name="adam", lr=0.003),
    "adam+decay": dict(name="adam", lr=0.003, weight_decay=1e-3),
    "sgd+decay": dict(name="sgd", lr=0.1, momentum=0.5, weight_decay=1e-3),
}


def build(activation, output, opt_spec, batch=32, shift=0, sizes=(784, 16, 16, 10)):
    net = Network(sizes, activation, output, seed=5)
    spec = dict(opt_spec)
    name, lr = spec.pop("name"), spec.pop("lr")
    opt = optimizers.make(name, net.parameter_count, n_decayed=net.n_weights, **spec)
    ws = Workspace(net, batch, image_shape=(28, 28), max_shift=shift)
    return net, opt, ws, lr


def run_both(digits, activation, output, opt_key, steps, shift=0, batch=32):
    pixels, labels = digits
    rng = np.random.default_rng(1)
    order = rng.permutation(len(labels))
    shift_ids = rng.integers(0, (2 * shift + 1) ** 2, len(labels)) if shift else None
    results = []
    for runner in (NumpySteps, CompiledSteps):
        net, opt, ws, lr = build(activation, output, OPTIMIZERS[opt_key], batch, shift)
        losses_ = runner(ws, opt, pixels, labels).run(order, shift_ids, 0, steps, [lr] * steps)
        results.append((net, opt, np.array(losses_)))
    return results


@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_one_step_equals_the_numpy_path(digits, activation, output, opt_key):
    (ref, ref_opt, ref_loss), (fast, fast_opt, fast_loss) = run_both(
        digits, activation, output, opt_key, steps=1)
    np.testing.assert_allclose(fast_loss, ref_loss, rtol=1e-6)
    # Adam's first step is lr·g/(|g| + eps): for the tiniest gradients, rounding-sized
    # differences in g move it by a fraction of lr.
    lr = OPTIMIZERS[opt_key]["lr"]
    np.testing.assert_allclose(fast.params, ref.params, rtol=1e-5,
                               atol=1e-3 * lr if "adam" in opt_key else 1e-7)
    for key, value in ref_opt.state_dict().items():
        # Gradient components near 0 are sums that cancel: compare on the scale of the array.
        np.testing.assert_allclose(fast_opt.state_dict()[key], value, rtol=1e-5,
                                   atol=1e-5 * np.abs(value).max())
    assert fast_opt.steps == ref_opt.steps == 1


@pytest.mark.parametrize("shift", [0, 2])
@pytest.mark.parametrize("opt_key", ["momentum", "adam"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_an_epoch_stays_with_the_numpy_path(digits, activation, opt_key, shift):
    """A whole epoch, short last batch included: rounding differences stay rounding-sized."""
    (ref, ref_opt, ref_loss), (fast, fast_opt, fast_loss) = run_both(
        digits, activation, "softmax", opt_key, steps=32, shift=shift)
    assert len(fast_loss) == len(ref_loss) == 32
    np.testing.assert_allclose(fast_loss, ref_loss, rtol=1e-4)
    relative = np.linalg.norm(fast.params - ref.params) / np.linalg.norm(ref.params)
    assert relative < 1e-4
    assert fast_opt.steps == ref_opt.steps == 32
    assert fast_loss[-1] < fast_loss[0]  # and it learned something


def test_wide_and_deep_layers_too(digits):
    """Sizes that are not multiples of the kernel's 8-float vectors and 4-row blocks."""
    pixels, labels = digits
    order = np.random.default_rng(2).permutation(len(labels))
    out = []
    for runner in (NumpySteps, CompiledSteps):
        net = Network((784, 37, 9, 21, 10), "tanh", "softmax", seed=3)
        opt = optimizers.Adam(net.parameter_count)
        ws = Workspace(net, 13)
        losses_ = runner(ws, opt, pixels, labels).run(order, None, 0, 5, [0.01] * 5)
        out.append((net.params.copy(), losses_))
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-5)
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-4, atol=1e-6)


def test_steps_do_not_depend_on_how_they_are_split(digits):
    """Resuming mid-epoch relies on it: 0..10 then 10..32 gives the bytes of 0..32."""
    pixels, labels = digits
    order = np.random.default_rng(4).permutation(len(labels))
    results = []
    for cuts in ([0, 32], [0, 10, 11, 32]):
        net, opt, ws, lr = build("relu", "softmax", OPTIMIZERS["adam"])
        steps = CompiledSteps(ws, opt, pixels, labels)
        losses_ = []
        for start, stop in zip(cuts, cuts[1:]):
            losses_ += steps.run(order, None, start, stop, [lr] * (stop - start))
        results.append((net.params.tobytes(), opt.m.tobytes(), opt.v.tobytes(), losses_))
    assert results[0] == results[1]


def test_a_diverging_step_is_reported_and_not_applied(digits):
    pixels, labels = digits
    order = np.arange(len(labels))
    seen = []
    for runner in (NumpySteps, CompiledSteps):
        net, opt, ws, _ = build("relu", "softmax", OPTIMIZERS["sgd"])
        steps = runner(ws, opt, pixels, labels)
        with np.errstate(over="ignore", invalid="ignore"):  # as train() runs it
            losses_ = steps.run(order, None, 0, 20, [1e38] * 20)
        seen.append((len(losses_), opt.steps, net.params.copy()))
        assert not np.isfinite(losses_[-1]) and np.isfinite(losses_[:-1]).all()
        assert opt.steps == len(losses_) - 1
    assert seen[0][0] == seen[1][0]


def test_indices_are_checked_before_the_c_side_reads_them(digits):
    pixels, labels = digits
    net, opt, ws, lr = build("relu", "softmax", OPTIMIZERS["sgd"], shift=1)
    steps = CompiledSteps(ws, opt, pixels, labels)
    wrong = np.arange(len(labels))
    wrong[3] = len(labels)
    with pytest.raises(ValueError, match="outside the training images"):
        steps.run(wrong, np.zeros(len(labels), np.intp), 0, 1, [lr])
    with pytest.raises(ValueError, match="shift_ids"):
        steps.run(np.arange(len(labels)), np.full(len(labels), 9, np.intp), 0, 1, [lr])


def test_engine_choice(digits):
    pixels, labels = digits
    net, opt, ws, _ = build("relu", "softmax", OPTIMIZERS["sgd"])
    assert isinstance(make_steps(ws, opt, pixels, labels), CompiledSteps)
    assert isinstance(make_steps(ws, opt, pixels, labels, "numpy"), NumpySteps)
    with pytest.raises(ConfigError, match="unknown engine 'fast'"):
        make_steps(ws, opt, pixels, labels, "fast")
    # wide layers: "auto" leaves them to NumPy's BLAS; "compiled" still runs them
    wide = Network((784, 300, 10), seed=0)
    wide_opt, wide_ws = optimizers.SGD(wide.parameter_count), Workspace(wide, 32)
    assert isinstance(make_steps(wide_ws, wide_opt, pixels, labels), NumpySteps)
    assert isinstance(make_steps(wide_ws, wide_opt, pixels, labels, "compiled"), CompiledSteps)
    # float64 networks (gradient checks) only run on the NumPy path
    net64 = Network((784, 16, 10), seed=0, dtype=np.float64)
    opt64 = optimizers.SGD(net64.parameter_count, dtype=np.float64)
    ws64 = Workspace(net64, 32)
    assert isinstance(make_steps(ws64, opt64, pixels, labels, "auto"), NumpySteps)
    with pytest.raises(ConfigError, match="float32"):
        make_steps(ws64, opt64, pixels, labels, "compiled")


class StopAt(Callback):
    def __init__(self, epoch, step):
        self.at, self.now = (epoch, step), (0, 0)

    def on_progress(self, epoch, step, n_steps, loss):
        self.now = (epoch, step)

    def should_stop(self):
        return self.now >= self.at


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_each_engine_is_reproducible_and_resumes_exactly(mnist_small, tmp_path, engine):
    config = PRESETS["default"].replace(epochs=2)
    straight = train(mnist_small, config, handle_signals=False, engine=engine)
    again = train(mnist_small, config, handle_signals=False, engine=engine)
    assert straight.network.params.tobytes() == again.network.params.tobytes()
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, config, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine=engine)
    resumed = train(mnist_small, resume=ckpt, handle_signals=False, engine=engine)
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    assert resumed.history[-1]["train_loss"] == straight.history[-1]["train_loss"]


def test_a_checkpoint_records_its_engine_and_resumes_with_it(mnist_small, tmp_path, monkeypatch):
    """The engines differ by rounding: resuming with "auto" must not switch a NumPy run to C."""
    config = PRESETS["default"].replace(epochs=2)
    straight = train(mnist_small, config, handle_signals=False, engine="numpy")
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, config, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine="numpy")
    assert load_checkpoint(ckpt).progress["engine"] == "numpy"
    resumed = train(mnist_small, resume=ckpt, handle_signals=False)  # engine="auto"
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()

    # Asked for the other engine, it goes on with it, warns, and records the switch.
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, config, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False,
              engine="numpy")
    with pytest.warns(UserWarning, match="trained with the numpy engine and is resumed with the "
                                         "compiled engine: the result will differ"):
        switched = train(mnist_small, resume=ckpt, checkpoint=ckpt, handle_signals=False,
                         engine="compiled")
    assert switched.network.params.tobytes() != straight.network.params.tobytes()
    assert load_checkpoint(ckpt).progress["engine"] == "compiled"

    # A compiled run's checkpoint where the kernel cannot run: a clear error, unless asked.
    with pytest.raises(TrainingInterrupted):
        train(mnist_small, config, checkpoint=ckpt, callback=StopAt(2, 12), handle_signals=False)
    assert load_checkpoint(ckpt).progress["engine"] == "compiled"
    monkeypatch.setattr(kernels, "_lib", None)
    with pytest.raises(ConfigError, match=r"run.ckpt was trained with the compiled engine, which "
                                          r"cannot run here: .*not built.*--engine numpy"):
        train(mnist_small, resume=ckpt, handle_signals=False)
    with pytest.warns(UserWarning, match="compiled engine and is resumed with the numpy engine"):
        train(mnist_small, resume=ckpt, handle_signals=False, engine="numpy")


def test_both_engines_learn_the_same(mnist_small):
    config = PRESETS["default"].replace(epochs=2)
    results = {e: train(mnist_small, config, handle_signals=False, engine=e)
               for e in ("numpy", "compiled")}
    assert abs(results["numpy"].val_accuracy - results["compiled"].val_accuracy) <= 0.01
    for a, b in zip(results["numpy"].history, results["compiled"].history):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-3)


def test_cli_engine_option(mnist_dir, tmp_path):
    import json

    from click.testing import CliRunner

    from digitnet.cli import cli

    args = ["train", "--data", str(mnist_dir), "--epochs", "1", "--layers", "784,8,10",
            "--out", str(tmp_path / "m.safetensors"), "--json"]
    seen = {}
    for engine in ("numpy", "compiled"):
        result = CliRunner().invoke(cli, args + ["--engine", engine])
        assert result.exit_code == 0, result.output
        seen[engine] = json.loads(result.output)["val_accuracy"]
    assert abs(seen["numpy"] - seen["compiled"]) < 0.01
    bad = CliRunner().invoke(cli, args + ["--engine", "gpu"])
    assert bad.exit_code == 2 and "'gpu' is not one of" in bad.output


def test_one_thread_or_two_give_the_same_bytes(digits):
    pixels, labels = digits
    rng = np.random.default_rng(6)
    order, shift_ids = rng.permutation(len(labels)), rng.integers(0, 9, len(labels))
    results = []
    for threads in (1, 2):
        net, opt, ws, lr = build("sigmoid", "softmax", OPTIMIZERS["adam+decay"], batch=30, shift=1)
        steps = CompiledSteps(ws, opt, pixels, labels, threads=threads)
        losses_ = []
        for start in range(0, 34, 3):
            stop = min(start + 3, 34)
            losses_ += steps.run(order, shift_ids, start, stop, [lr] * (stop - start))
        results.append((net.params.tobytes(), opt.m.tobytes(), opt.v.tobytes(), losses_))
    assert results[0] == results[1]
    with pytest.raises(ConfigError, match="threads must be 1 or 2"):
        CompiledSteps(ws, opt, pixels, labels, threads=4)
